#include "select_read.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ownership.h"
#include "plugin_err.h"
#include "progress.h"
#include "target_read.h"
#include "vec.h"

static const char *mode_option(const struct scimsync_selection *sel)
{
    return sel->kind == SCIMSYNC_ENTRY_USER ? "--user" : "--group";
}

const struct scimsync_selection *ss_select_from_options(const struct ss_engine_options *opt,
                                                        struct scimsync_selection *sel)
{
    memset(sel, 0, sizeof(*sel));
    if (opt->select_user) {
        sel->kind = SCIMSYNC_ENTRY_USER;
        sel->name = opt->select_user;
    } else if (opt->select_group) {
        sel->kind = SCIMSYNC_ENTRY_GROUP;
        sel->name = opt->select_group;
    } else {
        return NULL;
    }
    return sel;
}

int ss_select_check_plugins(const struct ss_engine_source *sources, size_t nsources,
                            const struct ss_engine_target *t, const struct scimsync_selection *sel)
{
    int rc = 0;
    for (size_t i = 0; i < nsources; i++) {
        const struct scimsync_plugin *d = sources[i].plugin;
        if (d && SCIMSYNC_HAS_MEMBER(d, 2, open_selection) && d->open_selection)
            continue;
        ss_error("source %s: plugin %s does not support %s (it cannot read one entry); run a "
                 "full sync instead",
                 sources[i].name, d && d->name ? d->name : "?", mode_option(sel));
        rc = -1;
    }
    const struct scimsync_plugin *d = t->plugin;
    if (!d || !SCIMSYNC_HAS_MEMBER(d, 2, find_groups) || !d->find_users || !d->find_groups) {
        ss_error("target %s: plugin %s does not support %s (it cannot look objects up by name); "
                 "run a full sync instead",
                 t->name, d && d->name ? d->name : "?", mode_option(sel));
        rc = -1;
    }
    return rc;
}

void ss_select_read_init(struct ss_select_read *r, const struct ss_engine_target *t,
                         struct scimsync_selection *sel, struct ss_dir *tgt)
{
    memset(r, 0, sizeof(*r));
    r->t = t;
    r->sel = sel;
    r->tgt = tgt;
    ss_strmap_init(&r->user_ids, 0);
    ss_strmap_init(&r->group_ids, 0);
}

void ss_select_read_free(struct ss_select_read *r)
{
    ss_strmap_free(&r->user_ids);
    ss_strmap_free(&r->group_ids);
    free(r->pairs);
    r->pairs = NULL;
}

/* One find call: where its answers go. */
struct find_ctx {
    struct ss_select_read *r;
    uint32_t group; /* FIND_MEMBER_OF: the group asked about, else SS_NONE */
    uint32_t user;  /* FIND_HAS_MEMBER: the user asked about, else SS_NONE */
    size_t found;
};

static int add_pair(struct ss_select_read *r, uint32_t g, uint32_t u)
{
    if (SS_VEC_PUSH_ROOM(r->pairs, r->npairs, r->pairs_cap) < 0)
        return -1;
    r->pairs[r->npairs++] = (struct ss_pair){g, u};
    return 0;
}

static int on_user(void *vctx, const struct scimsync_user *u)
{
    struct find_ctx *c = vctx;
    struct ss_select_read *r = c->r;
    uint32_t idx;
    ss_progress_add(1);
    if (!u || ss_str_empty(u->id)) {
        ss_error("target %s: returned a user without id", r->t->name);
        r->failed = 1;
        return 1;
    }
    c->found++;
    if (!ss_strmap_get(&r->user_ids, u->id, &idx)) {
        if (ss_target_add_user(r->tgt, u) < 0)
            goto nomem;
        idx = (uint32_t)(r->tgt->nusers - 1);
        if (ss_strmap_put(&r->user_ids, r->tgt->users[idx].id, idx, NULL) < 0)
            goto nomem;
    }
    if (c->group != SS_NONE && add_pair(r, c->group, idx) < 0)
        goto nomem;
    return 0;
nomem:
    ss_error("target %s: out of memory reading users", r->t->name);
    r->failed = 1;
    return 1;
}

static int on_group(void *vctx, const struct scimsync_group *g)
{
    struct find_ctx *c = vctx;
    struct ss_select_read *r = c->r;
    uint32_t idx;
    ss_progress_add(1);
    if (!g || ss_str_empty(g->id)) {
        ss_error("target %s: returned a group without id", r->t->name);
        r->failed = 1;
        return 1;
    }
    c->found++;
    if (!ss_strmap_get(&r->group_ids, g->id, &idx)) {
        if (ss_target_add_group(r->tgt, g) < 0)
            goto nomem;
        idx = (uint32_t)(r->tgt->ngroups - 1);
        if (ss_strmap_put(&r->group_ids, r->tgt->groups[idx].id, idx, NULL) < 0)
            goto nomem;
    }
    if (c->user != SS_NONE && add_pair(r, idx, c->user) < 0)
        goto nomem;
    return 0;
nomem:
    ss_error("target %s: out of memory reading groups", r->t->name);
    r->failed = 1;
    return 1;
}

static const char *by_text(enum scimsync_find_by by)
{
    switch (by) {
    case SCIMSYNC_FIND_USER_NAME:
        return "userName";
    case SCIMSYNC_FIND_EXTERNAL_ID:
        return "externalId";
    case SCIMSYNC_FIND_DISPLAY_NAME:
        return "displayName";
    case SCIMSYNC_FIND_MEMBER_OF:
        return "member of group";
    case SCIMSYNC_FIND_HAS_MEMBER:
        return "with member";
    }
    return "?";
}

/* find_users / find_groups: users when users is set.  0, or <0 (logged). */
static int find(struct ss_select_read *r, int users, enum scimsync_find_by by, const char *value,
                uint32_t group, uint32_t user, size_t *found)
{
    const struct scimsync_plugin *d = r->t->plugin;
    struct find_ctx c = {.r = r, .group = group, .user = user};
    int rc = users ? d->find_users(r->t->inst, by, value, on_user, &c)
                   : d->find_groups(r->t->inst, by, value, on_group, &c);
    if (rc != 0 || r->failed) {
        if (!r->failed)
            ss_error("target %s: reading the %s with %s \"%s\" failed (%s); nothing will be "
                     "applied",
                     r->t->name, users ? "users" : "groups", by_text(by), value,
                     ss_plugin_err_text(rc));
        r->failed = 1;
        return -1;
    }
    if (found)
        *found = c.found;
    return 0;
}

int ss_select_read_named(struct ss_select_read *r)
{
    struct scimsync_selection *sel = r->sel;
    int users = sel->kind == SCIMSYNC_ENTRY_USER;
    size_t n = 0;
    ss_info("%s \"%s\": only that %s%s is read and changed", mode_option(sel), sel->name,
            users ? "user" : "group", users ? " and its memberships" : " and its members");
    if (find(r, users, users ? SCIMSYNC_FIND_USER_NAME : SCIMSYNC_FIND_DISPLAY_NAME, sel->name,
             SS_NONE, SS_NONE, &n) < 0)
        return -1;
    const char *ext = NULL;
    size_t owned = 0;
    for (size_t i = 0; i < (users ? r->tgt->nusers : r->tgt->ngroups); i++) {
        const char *e = users ? r->tgt->users[i].external_id : r->tgt->groups[i].external_id;
        if (!ss_str_empty(e)) {
            ext = e;
            owned++;
        }
    }
    if (owned == 1)
        sel->external_id = ext;
    ss_debug("target %s: %zu %s named \"%s\"%s%s", r->t->name, n, users ? "users" : "groups",
             sel->name, ext && owned == 1 ? ", externalId " : "", ext && owned == 1 ? ext : "");
    return 0;
}

/* USER: the groups of each user found; GROUP: the members of each owned
 * group found.  0, or <0 (logged). */
static int read_members(struct ss_select_read *r)
{
    struct ss_dir *tgt = r->tgt;
    if (r->sel->kind == SCIMSYNC_ENTRY_USER) {
        size_t nu = tgt->nusers;
        for (uint32_t u = 0; u < nu; u++) {
            if (find(r, 0, SCIMSYNC_FIND_HAS_MEMBER, tgt->users[u].id, SS_NONE, u, NULL) < 0)
                return -1;
        }
        return 0;
    }
    size_t ng = tgt->ngroups;
    for (uint32_t g = 0; g < ng; g++) {
        if (!ss_owned(tgt->groups[g].external_id))
            continue; /* not ours: never read for members */
        if (find(r, 1, SCIMSYNC_FIND_MEMBER_OF, tgt->groups[g].id, g, SS_NONE, NULL) < 0)
            return -1;
    }
    return 0;
}

/* The target objects of the picked source users (groups) by externalId,
 * those read already not asked again.  0, or <0 (logged). */
static int read_by_ext(struct ss_select_read *r, int users, const struct ss_dir *src,
                       const struct ss_pick *pick)
{
    struct ss_dir *tgt = r->tgt;
    struct ss_strmap seen;
    int rc = -1;
    size_t nt = users ? tgt->nusers : tgt->ngroups;
    size_t np = users ? pick->nusers : pick->ngroups;
    ss_strmap_init(&seen, 0);
    for (size_t i = 0; i < nt; i++) {
        const char *ext = users ? tgt->users[i].external_id : tgt->groups[i].external_id;
        if (!ss_str_empty(ext) && ss_strmap_put(&seen, ext, 0, NULL) < 0)
            goto nomem;
    }
    for (size_t i = 0; i < np; i++) {
        const char *ext = users ? src->users[pick->users[i]].external_id
                                : src->groups[pick->groups[i]].external_id;
        if (ss_str_empty(ext) || ss_strmap_get(&seen, ext, NULL))
            continue;
        if (ss_strmap_put(&seen, ext, 0, NULL) < 0)
            goto nomem;
        if (find(r, users, SCIMSYNC_FIND_EXTERNAL_ID, ext, SS_NONE, SS_NONE, NULL) < 0)
            goto out;
    }
    rc = 0;
    goto out;
nomem:
    ss_error("target %s: out of memory", r->t->name);
out:
    ss_strmap_free(&seen);
    return rc;
}

int ss_select_read_rest(struct ss_select_read *r, const struct ss_dir *src,
                        const struct ss_pick *pick)
{
    struct ss_dir *tgt = r->tgt;
    int users = r->sel->kind == SCIMSYNC_ENTRY_USER;
    /* The selected object first, then its memberships (the groups of each
     * user found, or the members of each group found), then the other side
     * by externalId: what the memberships returned is not asked again. */
    if (read_by_ext(r, users, src, pick) < 0 || read_members(r) < 0 ||
        read_by_ext(r, !users, src, pick) < 0)
        return -1;
    free(tgt->members_known);
    tgt->members_known = calloc(tgt->ngroups ? tgt->ngroups : 1, 1);
    if (!tgt->members_known) {
        ss_error("target %s: out of memory", r->t->name);
        return -1;
    }
    for (size_t g = 0; g < tgt->ngroups; g++)
        tgt->members_known[g] = (unsigned char)ss_owned(tgt->groups[g].external_id);
    if (ss_dir_set_members(tgt, r->pairs, r->npairs) < 0)
        return -1;
    ss_info("target %s: %zu users, %zu groups and %zu memberships read for %s \"%s\"", r->t->name,
            tgt->nusers, tgt->ngroups, r->npairs, mode_option(r->sel), r->sel->name);
    return 0;
}
