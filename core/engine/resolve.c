#include "resolve.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "report.h"
#include "strmap.h"
#include "vec.h"

/* Ref map values: users are plain indexes, groups carry this bit. */
#define REF_GROUP 0x80000000u
#define REF_AMBIGUOUS 0xffffffffu

struct resolver {
    struct ss_collector *c;
    struct ss_warncap w_conflict, w_ref, w_cycle;
    unsigned char *user_reported, *group_reported;
};

/* Skips an entry whose id or name collides; reports it once even when it
 * collides on several keys. */
static void skip_entry(struct resolver *r, const char *kind, unsigned char *skip,
                       unsigned char *reported, uint32_t source, const char *where,
                       const char *external_id, const char *what, const char *value)
{
    if (!*skip) {
        *skip = 1;
        r->c->skipped++;
    }
    if (*reported)
        return;
    *reported = 1;
    {
        char why[160];
        snprintf(why, sizeof why, "%s \"%s\" is not unique", what, value);
        ss_report_skip(r->c->source_names[source], kind, where, external_id, why);
    }
    ss_warncap_log(&r->w_conflict,
                   "source %s: %s %s (id %s) skipped: %s \"%s\" is not unique; every entry "
                   "sharing it is skipped",
                   r->c->source_names[source], kind, where, external_id, what, value);
}

static void skip_user(struct resolver *r, uint32_t i, const char *what, const char *value)
{
    struct ss_cuser *u = &r->c->users[i];
    skip_entry(r, "user", &u->skip, &r->user_reported[i], u->source, u->rec.where,
               u->rec.external_id, what, value);
}

static void skip_group(struct resolver *r, uint32_t i, const char *what, const char *value)
{
    struct ss_cgroup *g = &r->c->groups[i];
    skip_entry(r, "group", &g->skip, &r->group_reported[i], g->source, g->rec.where,
               g->rec.external_id, what, value);
}

/* Marks every user / group sharing a key; only_live limits the check to
 * entries not skipped yet (names of skipped entries do not collide). */
static int unique_users(struct resolver *r, int field, int only_live, const char *what)
{
    struct ss_collector *c = r->c;
    struct ss_strmap m;
    ss_strmap_init(&m, field == SCIMSYNC_F_USER_NAME);
    for (uint32_t i = 0; i < c->nusers; i++) {
        struct ss_cuser *u = &c->users[i];
        if (only_live && u->skip)
            continue;
        const char *key = field < 0 ? u->rec.external_id : u->rec.field[field];
        uint32_t prev;
        int p = ss_strmap_put(&m, key, i, &prev);
        if (p < 0) {
            ss_strmap_free(&m);
            ss_error("out of memory");
            return -1;
        }
        if (p == 1) {
            skip_user(r, prev, what, key);
            skip_user(r, i, what, key);
        }
    }
    ss_strmap_free(&m);
    return 0;
}

static int unique_groups(struct resolver *r, int by_name, const char *what)
{
    struct ss_collector *c = r->c;
    struct ss_strmap m;
    ss_strmap_init(&m, by_name);
    for (uint32_t i = 0; i < c->ngroups; i++) {
        struct ss_cgroup *g = &c->groups[i];
        /* Helper groups are never synced: their names cannot collide. */
        if (by_name && (g->skip || (g->flags & SCIMSYNC_ENTRY_HELPER)))
            continue;
        const char *key = by_name ? g->rec.display_name : g->rec.external_id;
        uint32_t prev;
        int p = ss_strmap_put(&m, key, i, &prev);
        if (p < 0) {
            ss_strmap_free(&m);
            ss_error("out of memory");
            return -1;
        }
        if (p == 1) {
            skip_group(r, prev, what, key);
            skip_group(r, i, what, key);
        }
    }
    ss_strmap_free(&m);
    return 0;
}

/* One ref map per source: member refs name entries of their own source.
 * A ref shared by two entries (a user and a group both called "1") does
 * not make the entries wrong, only the ref: members naming it are ignored
 * and reported. */
static int build_ref_maps(struct resolver *r, struct ss_strmap *maps)
{
    struct ss_collector *c = r->c;
    for (size_t s = 0; s < c->nsources; s++)
        ss_strmap_init(&maps[s], 0);
    for (uint32_t i = 0; i < c->nusers + c->ngroups; i++) {
        int is_user = i < c->nusers;
        uint32_t gi = i - (uint32_t)c->nusers;
        uint32_t source = is_user ? c->users[i].source : c->groups[gi].source;
        const char *ref = is_user ? c->users[i].ref : c->groups[gi].ref;
        uint32_t val = is_user ? i : (gi | REF_GROUP);
        if (ss_strmap_put(&maps[source], ref, val, NULL) < 0) {
            ss_error("out of memory");
            return -1;
        }
        uint32_t *slot = ss_strmap_ref(&maps[source], ref);
        if (*slot != val && *slot != REF_AMBIGUOUS) {
            *slot = REF_AMBIGUOUS;
            ss_warncap_log(&r->w_conflict,
                           "source %s: member ref \"%s\" names more than one entry (%s is one "
                           "of them); group members naming it are ignored",
                           c->source_names[source], ref,
                           is_user ? c->users[i].rec.where : c->groups[gi].rec.where);
        }
    }
    return 0;
}

/* Direct members of every collected group, resolved: users as final
 * snapshot indexes, subgroups as collector indexes.  CSR layout. */
struct edges {
    size_t *uoff, *goff; /* ngroups + 1 */
    uint32_t *uidx, *gidx;
    unsigned char *partial; /* per collected group: a member could not be placed */
};

static void free_edges(struct edges *e)
{
    free(e->uoff);
    free(e->goff);
    free(e->uidx);
    free(e->gidx);
    free(e->partial);
}

static int resolve_edges(struct resolver *r, struct ss_strmap *maps, const uint32_t *final_user,
                         struct edges *e)
{
    struct ss_collector *c = r->c;
    size_t ucap = 0, gcap = 0, nu = 0, ng = 0;
    memset(e, 0, sizeof(*e));
    e->uoff = calloc(c->ngroups + 1, sizeof(*e->uoff));
    e->goff = calloc(c->ngroups + 1, sizeof(*e->goff));
    e->partial = calloc(c->ngroups + 1, 1);
    if (!e->uoff || !e->goff || !e->partial)
        goto nomem;
    for (uint32_t i = 0; i < c->ngroups; i++) {
        struct ss_cgroup *g = &c->groups[i];
        e->uoff[i] = nu;
        e->goff[i] = ng;
        if (g->skip)
            continue;
        for (size_t k = 0; k < g->nmref; k++) {
            const char *ref = c->mrefs[g->mref_off + k];
            uint32_t v;
            if (!ss_strmap_get(&maps[g->source], ref, &v)) {
                if (c->selection)
                    continue; /* a narrowed read returns only some members */
                ss_warncap_log(&r->w_ref,
                               "source %s: group %s (%s): member \"%s\" names no entry the "
                               "source returned; ignored",
                               c->source_names[g->source], g->rec.display_name, g->rec.where, ref);
                continue;
            }
            if (v == REF_AMBIGUOUS) {
                e->partial[i] = 1; /* reported when the maps were built */
                continue;
            }
            if (v & REF_GROUP) {
                uint32_t sub = v & ~REF_GROUP;
                if (c->groups[sub].skip) {
                    e->partial[i] = 1; /* reported when it was skipped */
                    continue;
                }
                if (ss_vec_reserve((void **)&e->gidx, &gcap, ng + 1, sizeof(*e->gidx)) < 0)
                    goto nomem;
                e->gidx[ng++] = sub;
            } else {
                if (final_user[v] == SS_NONE)
                    continue; /* a skipped user: reported already */
                if (ss_vec_reserve((void **)&e->uidx, &ucap, nu + 1, sizeof(*e->uidx)) < 0)
                    goto nomem;
                e->uidx[nu++] = final_user[v];
            }
        }
    }
    e->uoff[c->ngroups] = nu;
    e->goff[c->ngroups] = ng;
    return 0;
nomem:
    ss_error("out of memory resolving members");
    free_edges(e);
    return -1;
}

struct frame {
    uint32_t group;
    size_t next; /* next subgroup edge to follow */
};

/* Flattens every synced group into (final group, user) pairs.  A DFS per
 * group, each group visited once per walk (stamp), with an on-stack mark to
 * report cycles; members of a cycle are all still reached. */
static int flatten(struct resolver *r, const struct edges *e, const uint32_t *final_group,
                   unsigned char *partial_out, struct ss_pair **pairs_out, size_t *npairs_out)
{
    struct ss_collector *c = r->c;
    int rc = -1;
    struct ss_pair *pairs = NULL;
    size_t npairs = 0, pcap = 0, scap = 0;
    struct frame *stack = NULL;
    uint32_t *stamp = calloc(c->ngroups ? c->ngroups : 1, sizeof(*stamp));
    unsigned char *on_stack = calloc(c->ngroups ? c->ngroups : 1, 1);
    unsigned char *cycle_reported = calloc(c->ngroups ? c->ngroups : 1, 1);
    if (!stamp || !on_stack || !cycle_reported)
        goto nomem;
    for (uint32_t root = 0; root < c->ngroups; root++) {
        uint32_t fg = final_group[root];
        if (fg == SS_NONE)
            continue;
        partial_out[fg] = e->partial[root];
        if (e->goff[root] == e->goff[root + 1]) {
            /* Flat group: the common case, no walk needed. */
            size_t n = e->uoff[root + 1] - e->uoff[root];
            if (ss_vec_reserve((void **)&pairs, &pcap, npairs + n, sizeof(*pairs)) < 0)
                goto nomem;
            for (size_t k = e->uoff[root]; k < e->uoff[root + 1]; k++)
                pairs[npairs++] = (struct ss_pair){fg, e->uidx[k]};
            continue;
        }
        size_t depth = 0;
        if (ss_vec_reserve((void **)&stack, &scap, 1, sizeof(*stack)) < 0)
            goto nomem;
        stack[depth++] = (struct frame){root, e->goff[root]};
        stamp[root] = root + 1;
        on_stack[root] = 1;
        while (depth) {
            struct frame *f = &stack[depth - 1];
            uint32_t g = f->group;
            if (f->next == e->goff[g]) {
                partial_out[fg] |= e->partial[g];
                size_t n = e->uoff[g + 1] - e->uoff[g];
                if (ss_vec_reserve((void **)&pairs, &pcap, npairs + n, sizeof(*pairs)) < 0)
                    goto nomem;
                for (size_t k = e->uoff[g]; k < e->uoff[g + 1]; k++)
                    pairs[npairs++] = (struct ss_pair){fg, e->uidx[k]};
            }
            if (f->next < e->goff[g + 1]) {
                uint32_t sub = e->gidx[f->next++];
                if (on_stack[sub]) {
                    if (!cycle_reported[sub]) {
                        cycle_reported[sub] = 1;
                        ss_warncap_log(&r->w_cycle,
                                       "source %s: nested groups form a cycle through %s -> "
                                       "%s; each group's members are counted once",
                                       c->source_names[c->groups[g].source],
                                       c->groups[g].rec.display_name,
                                       c->groups[sub].rec.display_name);
                    }
                    continue;
                }
                if (stamp[sub] == root + 1)
                    continue;
                stamp[sub] = root + 1;
                on_stack[sub] = 1;
                if (ss_vec_reserve((void **)&stack, &scap, depth + 1, sizeof(*stack)) < 0)
                    goto nomem;
                stack[depth++] = (struct frame){sub, e->goff[sub]};
                continue;
            }
            on_stack[g] = 0;
            depth--;
        }
    }
    *pairs_out = pairs;
    *npairs_out = npairs;
    pairs = NULL;
    rc = 0;
    goto out;
nomem:
    ss_error("out of memory flattening groups");
out:
    free(pairs);
    free(stack);
    free(stamp);
    free(on_stack);
    free(cycle_reported);
    return rc;
}

static int copy_out(struct resolver *r, uint32_t *final_user, uint32_t *final_group)
{
    struct ss_collector *c = r->c;
    struct ss_dir *d = c->out;
    for (uint32_t i = 0; i < c->nusers; i++) {
        struct ss_cuser *u = &c->users[i];
        final_user[i] = SS_NONE;
        if (u->skip) {
            if (ss_strmap_put(&d->skipped_user_ext, u->rec.external_id, i, NULL) < 0)
                goto nomem;
            continue;
        }
        struct ss_user_rec *o = ss_dir_add_user(d);
        if (!o)
            return -1;
        *o = u->rec;
        final_user[i] = (uint32_t)(d->nusers - 1);
    }
    for (uint32_t i = 0; i < c->ngroups; i++) {
        struct ss_cgroup *g = &c->groups[i];
        final_group[i] = SS_NONE;
        if (g->skip) {
            if (ss_strmap_put(&d->skipped_group_ext, g->rec.external_id, i, NULL) < 0)
                goto nomem;
            continue;
        }
        if (g->flags & SCIMSYNC_ENTRY_HELPER)
            continue;
        struct ss_group_rec *o = ss_dir_add_group(d);
        if (!o)
            return -1;
        *o = g->rec;
        final_group[i] = (uint32_t)(d->ngroups - 1);
    }
    return 0;
nomem:
    ss_error("out of memory");
    return -1;
}

int ss_resolve(struct ss_collector *c)
{
    int rc = -1;
    struct resolver r = {
        .c = c,
        .w_conflict = SS_WARNCAP_INIT("conflicting source entries", SCIMSYNC_LOG_ERROR),
        .w_ref = SS_WARNCAP_INIT("unknown member refs", SCIMSYNC_LOG_WARN),
        .w_cycle = SS_WARNCAP_INIT("nested-group cycles", SCIMSYNC_LOG_WARN),
    };
    struct ss_strmap *maps = calloc(c->nsources ? c->nsources : 1, sizeof(*maps));
    uint32_t *final_user = malloc((c->nusers ? c->nusers : 1) * sizeof(*final_user));
    uint32_t *final_group = malloc((c->ngroups ? c->ngroups : 1) * sizeof(*final_group));
    struct edges e = {0};
    struct ss_pair *pairs = NULL;
    size_t npairs = 0, nmaps = 0;
    r.user_reported = calloc(c->nusers ? c->nusers : 1, 1);
    r.group_reported = calloc(c->ngroups ? c->ngroups : 1, 1);
    if (!maps || !final_user || !final_group || !r.user_reported || !r.group_reported) {
        ss_error("out of memory");
        goto out;
    }
    /* Ids become externalIds: unique across all sources.  Then the names
     * the target requires to be unique. */
    if (unique_users(&r, -1, 0, "id") < 0 || unique_groups(&r, 0, "id") < 0)
        goto out;
    nmaps = c->nsources;
    if (build_ref_maps(&r, maps) < 0)
        goto out;
    if (unique_users(&r, SCIMSYNC_F_USER_NAME, 1, "userName") < 0 ||
        unique_groups(&r, 1, "displayName") < 0)
        goto out;
    if (copy_out(&r, final_user, final_group) < 0)
        goto out;
    if (resolve_edges(&r, maps, final_user, &e) < 0)
        goto out;
    c->out->members_partial = calloc(c->out->ngroups ? c->out->ngroups : 1, 1);
    if (!c->out->members_partial) {
        ss_error("out of memory");
        goto out;
    }
    if (flatten(&r, &e, final_group, c->out->members_partial, &pairs, &npairs) < 0)
        goto out;
    if (ss_dir_set_members(c->out, pairs, npairs) < 0)
        goto out;
    rc = 0;
out:
    ss_warncap_total(&c->w_skip);
    ss_warncap_total(&r.w_conflict);
    ss_warncap_total(&r.w_ref);
    ss_warncap_total(&r.w_cycle);
    for (size_t s = 0; s < nmaps; s++)
        ss_strmap_free(&maps[s]);
    free(maps);
    free(final_user);
    free(final_group);
    free(r.user_reported);
    free(r.group_reported);
    free_edges(&e);
    free(pairs);
    return rc;
}
