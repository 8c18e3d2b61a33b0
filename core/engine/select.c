#include "select.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ownership.h"
#include "strmap.h"
#include "vec.h"

void ss_pick_free(struct ss_pick *p)
{
    free(p->users);
    free(p->groups);
    memset(p, 0, sizeof(*p));
}

static int same_name(const char *a, const char *b)
{
    return a && b && ss_ascii_casecmp(a, b) == 0;
}

static int same_id(const char *a, const char *b)
{
    return !ss_str_empty(a) && !ss_str_empty(b) && strcmp(a, b) == 0;
}

static int user_selected(const struct ss_user_rec *u, const struct scimsync_selection *sel)
{
    return same_name(u->field[SCIMSYNC_F_USER_NAME], sel->name) ||
           same_id(u->external_id, sel->external_id);
}

static int group_selected(const struct ss_group_rec *g, const struct scimsync_selection *sel)
{
    return same_name(g->display_name, sel->name) || same_id(g->external_id, sel->external_id);
}

/* Pushes v onto a uint32 vector; <0 on no memory. */
static int push(uint32_t **v, size_t *n, size_t *cap, uint32_t x)
{
    if (SS_VEC_PUSH_ROOM(*v, *n, *cap) < 0)
        return -1;
    (*v)[(*n)++] = x;
    return 0;
}

int ss_select_pick(const struct ss_dir *src, const struct scimsync_selection *sel,
                   struct ss_pick *out)
{
    size_t ucap = 0, gcap = 0;
    unsigned char *mark = NULL;
    memset(out, 0, sizeof(*out));
    if (sel->kind == SCIMSYNC_ENTRY_USER) {
        mark = calloc(src->nusers ? src->nusers : 1, 1);
        if (!mark)
            goto nomem;
        for (uint32_t u = 0; u < src->nusers; u++) {
            if (!user_selected(&src->users[u], sel))
                continue;
            mark[u] = 1;
            if (push(&out->users, &out->nusers, &ucap, u) < 0)
                goto nomem;
        }
        for (uint32_t g = 0; g < src->ngroups && out->nusers; g++) {
            const uint32_t *mem = ss_dir_members(src, g);
            size_t n = ss_dir_nmembers(src, g);
            for (size_t i = 0; i < n; i++) {
                if (mark[mem[i]]) {
                    if (push(&out->groups, &out->ngroups, &gcap, g) < 0)
                        goto nomem;
                    break;
                }
            }
        }
    } else {
        mark = calloc(src->nusers ? src->nusers : 1, 1);
        if (!mark)
            goto nomem;
        for (uint32_t g = 0; g < src->ngroups; g++) {
            if (!group_selected(&src->groups[g], sel))
                continue;
            if (push(&out->groups, &out->ngroups, &gcap, g) < 0)
                goto nomem;
            const uint32_t *mem = ss_dir_members(src, g);
            for (size_t i = 0; i < ss_dir_nmembers(src, g); i++)
                mark[mem[i]] = 1;
        }
        for (uint32_t u = 0; u < src->nusers; u++) {
            if (mark[u] && push(&out->users, &out->nusers, &ucap, u) < 0)
                goto nomem;
        }
    }
    free(mark);
    return 0;
nomem:
    ss_error("out of memory selecting the source entries");
    free(mark);
    ss_pick_free(out);
    return -1;
}

/* The owned target objects the picked source entries match (by externalId). */
static int index_ext(struct ss_strmap *m, const char *ext, uint32_t i)
{
    if (ss_str_empty(ext))
        return 0;
    return ss_strmap_put(m, ext, i, NULL) < 0 ? -1 : 0;
}

int ss_select_build(struct ss_dir *src, const struct ss_pick *pick,
                    const struct scimsync_selection *sel, const struct ss_dir *tgt,
                    struct ss_dir *out)
{
    int rc = -1;
    uint32_t *unew = NULL; /* source user index -> out index (SS_NONE: not picked) */
    struct ss_pair *pairs = NULL;
    size_t npairs = 0, pcap = 0;
    struct ss_strmap user_ext, group_ext;
    ss_strmap_init(&user_ext, 0);
    ss_strmap_init(&group_ext, 0);

    unew = malloc((src->nusers ? src->nusers : 1) * sizeof(*unew));
    if (!unew)
        goto nomem;
    for (uint32_t u = 0; u < src->nusers; u++)
        unew[u] = SS_NONE;
    for (size_t i = 0; i < pick->nusers; i++) {
        const struct ss_user_rec *s = &src->users[pick->users[i]];
        struct ss_user_rec *r = ss_dir_add_user(out);
        if (!r)
            goto out;
        *r = *s;
        /* the manager's user is not read in this mode: leave it as it is */
        r->managed &= ~(1u << SCIMSYNC_F_MANAGER);
        unew[pick->users[i]] = (uint32_t)(out->nusers - 1);
        if (index_ext(&user_ext, s->external_id, (uint32_t)i) < 0)
            goto nomem;
    }
    for (size_t i = 0; i < pick->ngroups; i++) {
        uint32_t g = pick->groups[i];
        struct ss_group_rec *r = ss_dir_add_group(out);
        if (!r)
            goto out;
        *r = src->groups[g];
        if (index_ext(&group_ext, r->external_id, (uint32_t)i) < 0)
            goto nomem;
        const uint32_t *mem = ss_dir_members(src, g);
        for (size_t k = 0; k < ss_dir_nmembers(src, g); k++) {
            if (unew[mem[k]] == SS_NONE)
                continue;
            if (SS_VEC_PUSH_ROOM(pairs, npairs, pcap) < 0)
                goto nomem;
            pairs[npairs++] = (struct ss_pair){(uint32_t)i, unew[mem[k]]};
        }
    }
    if (sel->kind == SCIMSYNC_ENTRY_USER && tgt) {
        /* Owned groups the user is in that the source no longer puts it in. */
        for (uint32_t t = 0; t < tgt->ngroups; t++) {
            const struct ss_group_rec *tg = &tgt->groups[t];
            if (!ss_owned(tg->external_id) || ss_strmap_get(&group_ext, tg->external_id, NULL))
                continue;
            if (!tgt->members_known || !tgt->members_known[t] || ss_dir_nmembers(tgt, t) == 0)
                continue;
            if (ss_strmap_get(&src->skipped_group_ext, tg->external_id, NULL))
                continue; /* the diff protects it: a group we could not read */
            struct ss_group_rec *r = ss_dir_add_group(out);
            if (!r)
                goto out;
            r->external_id = tg->external_id;
            r->display_name = tg->display_name;
            r->where = "the target (the user's group)";
            if (ss_strmap_put(&group_ext, tg->external_id, (uint32_t)(out->ngroups - 1), NULL) < 0)
                goto nomem;
        }
    } else if (sel->kind == SCIMSYNC_ENTRY_GROUP && tgt) {
        /* Owned members of the group that the source no longer lists. */
        for (uint32_t t = 0; t < tgt->nusers; t++) {
            const struct ss_user_rec *tu = &tgt->users[t];
            if (ss_str_empty(tu->external_id) || ss_strmap_get(&user_ext, tu->external_id, NULL))
                continue;
            if (ss_strmap_get(&src->skipped_user_ext, tu->external_id, NULL))
                continue;
            struct ss_user_rec *r = ss_dir_add_user(out);
            if (!r)
                goto out;
            *r = *tu;
            r->id = NULL;
            r->managed = 0; /* compared on nothing: only leaves the group */
            r->where = "the target (a member of the group)";
            if (ss_strmap_put(&user_ext, tu->external_id, (uint32_t)(out->nusers - 1), NULL) < 0)
                goto nomem;
        }
    }
    if (src->members_partial) {
        out->members_partial = calloc(out->ngroups ? out->ngroups : 1, 1);
        if (!out->members_partial)
            goto nomem;
        for (size_t i = 0; i < pick->ngroups; i++)
            out->members_partial[i] = src->members_partial[pick->groups[i]];
    }
    if (ss_dir_set_members(out, pairs, npairs) < 0)
        goto out;
    /* the protection of skipped entries travels with the snapshot */
    struct ss_strmap tmp = out->skipped_user_ext;
    out->skipped_user_ext = src->skipped_user_ext;
    src->skipped_user_ext = tmp;
    tmp = out->skipped_group_ext;
    out->skipped_group_ext = src->skipped_group_ext;
    src->skipped_group_ext = tmp;
    rc = 0;
    goto out;
nomem:
    ss_error("out of memory narrowing the source snapshot");
out:
    ss_strmap_free(&user_ext);
    ss_strmap_free(&group_ext);
    free(unew);
    free(pairs);
    return rc;
}

/* Keeps the ops of wave w for which keep() is nonzero. */
static size_t filter_wave(struct ss_plan *p, enum ss_wave w,
                          int (*keep)(const struct ss_plan *, const struct ss_plan_op *))
{
    size_t n = 0, dropped = 0;
    for (size_t i = 0; i < p->nops[w]; i++) {
        struct ss_plan_op *op = &p->ops[w][i];
        if (keep && keep(p, op)) {
            p->ops[w][n++] = *op;
            continue;
        }
        dropped++;
    }
    p->nops[w] = n;
    return dropped;
}

static int existing_group(const struct ss_plan *p, const struct ss_plan_op *op)
{
    (void)p;
    return op->tgroup != SS_NONE;
}

size_t ss_select_restrict(struct ss_plan *p, const struct scimsync_selection *sel)
{
    size_t dropped = 0;
    if (sel->kind == SCIMSYNC_ENTRY_USER) {
        for (size_t i = 0; i < p->nops[SS_WAVE_CREATE_GROUPS]; i++) {
            const struct ss_plan_op *op = &p->ops[SS_WAVE_CREATE_GROUPS][i];
            ss_warn("group %s is not in the target yet: --user does not create groups; the next "
                    "full sync creates it and adds %s",
                    p->src->groups[op->group].display_name, sel->name);
        }
        dropped += filter_wave(p, SS_WAVE_CREATE_GROUPS, NULL);
        dropped += filter_wave(p, SS_WAVE_RENAME_GROUPS, NULL);
        dropped += filter_wave(p, SS_WAVE_ADD_MEMBERS, existing_group);
    } else {
        dropped += filter_wave(p, SS_WAVE_REMOVE_USERS, NULL);
    }
    dropped += filter_wave(p, SS_WAVE_DELETE_GROUPS, NULL);
    dropped += filter_wave(p, SS_WAVE_MANAGER_FIXUPS, NULL);
    return dropped;
}

void ss_select_safety(struct ss_safety_policy *p)
{
    p->user_removals.percent = -1;
    p->group_deletes.percent = -1;
    p->member_removals.percent = -1;
    p->group_member_percent = -1;
    p->user_updates.percent = -1;
    p->field_clears.percent = -1;
}

void ss_select_describe(const struct scimsync_selection *sel, char *buf, size_t len)
{
    snprintf(buf, len, "--%s %s", sel->kind == SCIMSYNC_ENTRY_USER ? "user" : "group",
             sel->name ? sel->name : "");
}
