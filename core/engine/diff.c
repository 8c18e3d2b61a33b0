#include "diff.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ownership.h"
#include "scope.h"
#include "staged_delete.h"
#include "strmap.h"
#include "vec.h"
#include "warncap.h"

/* What a target object is to this sync. */
enum tstate {
    T_FOREIGN = 0, /* no externalId: not ours */
    T_MATCHED,     /* matched to a source object (by externalId, or adopted) */
    T_ORPHAN,      /* ours, gone from the source */
    T_PROTECTED    /* ours, but its source entry was skipped or is ambiguous */
};

struct differ {
    const struct ss_dir *src, *tgt;
    const struct ss_diff_policy *opt;
    struct ss_plan *plan;
    uint32_t nsu; /* source users: member refs below this are source users */
    unsigned char *tu_state, *tg_state;
    uint32_t *tu_match;  /* target user -> source user */
    uint32_t *su_target; /* source user -> target user (matched or adopted) */
    unsigned char *su_blocked, *su_pending, *tu_deleted;
    unsigned char *tu_ignored, *tg_ignored; /* out of scope (ignore_* / include_groups) */
    uint32_t *su_create;  /* source user -> its create op in the wave, or SS_NONE */
    uint32_t *su_new_mgr; /* created user -> its manager, created in this run too */
    uint32_t *sg_target;
    unsigned char *sg_blocked;
    struct ss_strmap src_user_ext, tgt_user_ext;
    struct ss_warncap w_blocked, w_manager, w_dup, w_partial;
    uint32_t *tmp_cur, *tmp_out;
};

size_t ss_set_minus(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint32_t *out)
{
    size_t i = 0, j = 0, n = 0;
    while (i < na) {
        if (j == nb || a[i] < b[j]) {
            out[n++] = a[i++];
        } else if (a[i] > b[j]) {
            j++;
        } else {
            i++;
            j++;
        }
    }
    return n;
}

static int index_target_users(struct differ *d)
{
    const struct ss_dir *tgt = d->tgt;
    for (uint32_t t = 0; t < tgt->nusers; t++) {
        const struct ss_user_rec *u = &tgt->users[t];
        if (ss_scope_user_ignored(d->opt->scope, u->field[SCIMSYNC_F_USER_NAME],
                                  u->field[SCIMSYNC_F_DISPLAY_NAME])) {
            /* ignore_users: left exactly as it is, whoever owns it. */
            d->tu_ignored[t] = 1;
            d->plan->ignored_target_users++;
            d->tu_state[t] = ss_owned(u->external_id) ? T_PROTECTED : T_FOREIGN;
            /* Indexed, so a source user with its externalId is blocked
             * rather than created a second time. */
            if (ss_owned(u->external_id) &&
                ss_strmap_put(&d->tgt_user_ext, u->external_id, t, NULL) < 0) {
                ss_error("out of memory (diff)");
                return -1;
            }
            continue;
        }
        if (!ss_owned(u->external_id)) {
            d->tu_state[t] = T_FOREIGN;
            continue;
        }
        d->plan->owned_users++;
        if (ss_strmap_get(&d->src->skipped_user_ext, u->external_id, NULL)) {
            d->tu_state[t] = T_PROTECTED;
            continue;
        }
        uint32_t prev;
        int r = ss_strmap_put(&d->tgt_user_ext, u->external_id, t, &prev);
        if (r < 0) {
            ss_error("out of memory (diff)");
            return -1;
        }
        if (r == 1) {
            /* Two target users claim one externalId: touch neither. */
            d->tu_state[t] = T_PROTECTED;
            d->tu_state[prev] = T_PROTECTED;
            ss_warncap_log(&d->w_dup,
                           "target users %s and %s share externalId \"%s\"; both left alone",
                           tgt->users[prev].id, u->id, u->external_id);
            continue;
        }
        d->tu_state[t] = T_ORPHAN; /* until a source user claims it */
    }
    return 0;
}

/* Matches source users to target users and plans creates. */
static int match_users(struct differ *d)
{
    const struct ss_dir *src = d->src, *tgt = d->tgt;
    struct ss_strmap foreign_by_name;
    int rc = -1;
    ss_strmap_init(&foreign_by_name, SS_ADOPT_ICASE);
    for (uint32_t t = 0; t < tgt->nusers; t++) {
        const char *name = tgt->users[t].field[SCIMSYNC_F_USER_NAME];
        if (d->tu_state[t] == T_FOREIGN && !ss_str_empty(name) &&
            ss_strmap_put(&foreign_by_name, name, t, NULL) < 0)
            goto nomem;
    }
    for (uint32_t s = 0; s < src->nusers; s++) {
        const struct ss_user_rec *u = &src->users[s];
        uint32_t t;
        if (ss_strmap_put(&d->src_user_ext, u->external_id, s, NULL) < 0)
            goto nomem;
        if (ss_scope_user_ignored(d->opt->scope, u->field[SCIMSYNC_F_USER_NAME],
                                  u->field[SCIMSYNC_F_DISPLAY_NAME])) {
            /* Never created or changed; its target object, if any, is
             * not an orphan either. */
            d->su_blocked[s] = 1;
            d->plan->ignored_users++;
            if (ss_strmap_get(&d->tgt_user_ext, u->external_id, &t))
                d->tu_state[t] = T_PROTECTED;
            continue;
        }
        if (ss_strmap_get(&d->tgt_user_ext, u->external_id, &t)) {
            if (d->tu_state[t] == T_ORPHAN) {
                d->tu_state[t] = T_MATCHED;
                d->tu_match[t] = s;
                d->su_target[s] = t;
                d->plan->user_tid[s] = tgt->users[t].id;
            } else {
                /* Its target object is ambiguous: creating another would
                 * only add a third. */
                d->su_blocked[s] = 1;
                d->plan->blocked++;
            }
            continue;
        }
        const char *name = u->field[SCIMSYNC_F_USER_NAME];
        if (ss_strmap_get(&foreign_by_name, name, &t) && d->tu_ignored[t]) {
            d->su_blocked[s] = 1;
            d->plan->blocked++;
            ss_warncap_log(&d->w_blocked,
                           "user %s (%s): the target user of that name is in ignore_users; "
                           "left alone",
                           name, u->where);
            continue;
        }
        if (ss_strmap_get(&foreign_by_name, name, &t) && d->tu_state[t] == T_FOREIGN) {
            if (!ss_adoptable(tgt->users[t].external_id, tgt->users[t].field[SCIMSYNC_F_USER_NAME],
                              name, d->opt->adopt)) {
                d->su_blocked[s] = 1;
                d->plan->blocked++;
                ss_warncap_log(&d->w_blocked,
                               "user %s (%s): the target has user \"%s\" without externalId; "
                               "left alone (set adopt = true to manage it)",
                               name, u->where, tgt->users[t].field[SCIMSYNC_F_USER_NAME]);
                continue;
            }
            d->tu_state[t] = T_MATCHED;
            d->tu_match[t] = s;
            d->su_target[s] = t;
        }
        struct ss_plan_op *op = ss_plan_add(d->plan, SS_WAVE_CREATE_USERS, SCIMSYNC_OP_CREATE_USER);
        if (!op)
            goto out;
        op->user = s;
        op->tuser = d->su_target[s];
        op->adopt = d->opt->adopt;
        d->su_pending[s] = 1; /* its id is known only after the create */
        d->su_create[s] = (uint32_t)(d->plan->nops[SS_WAVE_CREATE_USERS] - 1);
    }
    rc = 0;
    goto out;
nomem:
    ss_error("out of memory (diff)");
out:
    ss_strmap_free(&foreign_by_name);
    return rc;
}

/* Works out the manager target id of source user s.  Returns the source
 * index of a manager created in this run (a fix-up is needed), SS_NONE
 * otherwise; *managed is cleared when the manager cannot be resolved. */
static uint32_t resolve_manager(struct differ *d, uint32_t s, int *managed)
{
    const struct ss_user_rec *u = &d->src->users[s];
    const char *mext = u->field[SCIMSYNC_F_MANAGER];
    uint32_t m, t;
    *managed = (u->managed >> SCIMSYNC_F_MANAGER) & 1u;
    d->plan->mgr_tid[s] = NULL;
    if (!*managed || ss_str_empty(mext))
        return SS_NONE;
    if (ss_strmap_get(&d->src_user_ext, mext, &m) && !d->su_blocked[m]) {
        if (d->su_pending[m])
            return m;
        d->plan->mgr_tid[s] = d->plan->user_tid[m];
        return SS_NONE;
    }
    if (ss_strmap_get(&d->tgt_user_ext, mext, &t) && d->tu_state[t] != T_PROTECTED) {
        d->plan->mgr_tid[s] = d->tgt->users[t].id;
        return SS_NONE;
    }
    ss_warncap_log(&d->w_manager,
                   "user %s (%s): manager \"%s\" is no user this sync knows; manager left "
                   "unchanged",
                   u->field[SCIMSYNC_F_USER_NAME], u->where, mext);
    *managed = 0;
    return SS_NONE;
}

static int add_fixup(struct differ *d, uint32_t s, uint32_t m)
{
    struct ss_plan_op *op = ss_plan_add(d->plan, SS_WAVE_MANAGER_FIXUPS, SCIMSYNC_OP_UPDATE_USER);
    if (!op)
        return -1;
    op->user = s;
    op->tuser = d->su_target[s];
    op->manager = m;
    op->changed = 1u << SCIMSYNC_F_MANAGER;
    op->fixup = 1;
    return 0;
}

static int plan_user_updates(struct differ *d)
{
    const struct ss_dir *src = d->src, *tgt = d->tgt;
    for (uint32_t s = 0; s < src->nusers; s++) {
        if (d->su_blocked[s])
            continue;
        int mgr_managed;
        uint32_t m = resolve_manager(d, s, &mgr_managed);
        if (d->su_pending[s]) {
            /* Created (or adopted) with its full record; a manager created
             * in this run too is ordered before it (create_levels). */
            d->su_new_mgr[s] = m;
            continue;
        }
        if (m != SS_NONE && add_fixup(d, s, m) < 0)
            return -1;
        const struct ss_user_rec *u = &src->users[s];
        const struct ss_user_rec *t = &tgt->users[d->su_target[s]];
        uint32_t changed = 0;
        for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
            if (!((u->managed >> f) & 1u))
                continue;
            if (f == SCIMSYNC_F_MANAGER) {
                if (mgr_managed && m == SS_NONE && !ss_str_same(d->plan->mgr_tid[s], t->field[f]))
                    changed |= 1u << f;
                continue;
            }
            if (!ss_str_same(u->field[f], t->field[f]))
                changed |= 1u << f;
        }
        if (u->active != t->active)
            changed |= SCIMSYNC_F_ACTIVE_BIT;
        uint32_t xchanged = 0;
        for (size_t k = 0; k < src->nx; k++) {
            if (((u->xmanaged >> k) & 1u) &&
                !ss_str_same(ss_user_extra(u, k), ss_user_extra(t, k)))
                xchanged |= 1u << k;
        }
        if (xchanged)
            changed |= SCIMSYNC_F_EXTRA_BIT;
        if (!changed)
            continue;
        struct ss_plan_op *op = ss_plan_add(d->plan, SS_WAVE_UPDATE_USERS, SCIMSYNC_OP_UPDATE_USER);
        if (!op)
            return -1;
        op->user = s;
        op->tuser = d->su_target[s];
        op->changed = changed;
        op->xchanged = xchanged;
    }
    return 0;
}

/* Orders user creates so that a manager created in this run is created
 * in an earlier apply call than its reports (level = depth in the chain of
 * new managers), which gives every new user its manager in the create
 * itself.  A cycle of new managers, or a chain deeper than
 * SS_CREATE_LEVELS_MAX, is cut: that user gets a manager fix-up after all
 * waves instead. */
static int create_levels(struct differ *d)
{
    const struct ss_dir *src = d->src;
    int rc = -1;
    uint32_t *path = malloc((src->nusers ? src->nusers : 1) * sizeof(*path));
    uint32_t *level = calloc(src->nusers ? src->nusers : 1, sizeof(*level));
    unsigned char *state = calloc(src->nusers ? src->nusers : 1, 1); /* 1 walking, 2 done */
    if (!path || !level || !state) {
        ss_error("out of memory (diff)");
        goto out;
    }
    for (uint32_t s0 = 0; s0 < src->nusers; s0++) {
        if (!d->su_pending[s0] || state[s0])
            continue;
        size_t n = 0;
        uint32_t cur = s0;
        while (state[cur] == 0) {
            state[cur] = 1;
            path[n++] = cur;
            if (d->su_new_mgr[cur] == SS_NONE)
                break;
            cur = d->su_new_mgr[cur];
        }
        if (state[cur] == 1 && d->su_new_mgr[cur] != SS_NONE) {
            /* cur is on this walk twice: a cycle.  Create cur without
             * its manager and fix it up afterwards. */
            if (add_fixup(d, cur, d->su_new_mgr[cur]) < 0)
                goto out;
            d->su_new_mgr[cur] = SS_NONE;
        }
        while (n > 0) {
            uint32_t p = path[--n];
            uint32_t m = d->su_new_mgr[p];
            if (m != SS_NONE && level[m] + 1 >= SS_CREATE_LEVELS_MAX) {
                if (add_fixup(d, p, m) < 0)
                    goto out;
                d->su_new_mgr[p] = m = SS_NONE;
            }
            level[p] = m == SS_NONE ? 0 : level[m] + 1;
            state[p] = 2;
            struct ss_plan_op *op = &d->plan->ops[SS_WAVE_CREATE_USERS][d->su_create[p]];
            op->level = level[p];
            op->manager = m;
        }
    }
    rc = 0;
out:
    free(path);
    free(level);
    free(state);
    return rc;
}

static int plan_missing_users(struct differ *d)
{
    enum ss_on_missing how = d->opt->on_missing;
    if (how == SS_ON_MISSING_IGNORE)
        return 0;
    for (uint32_t t = 0; t < d->tgt->nusers; t++) {
        if (d->tu_state[t] != T_ORPHAN)
            continue;
        if (how == SS_ON_MISSING_STAGED) {
            int r = ss_staged_plan_user(d->plan, t);
            if (r < 0)
                return -1;
            d->tu_deleted[t] = (unsigned char)r;
            continue;
        }
        if (how == SS_ON_MISSING_DEACTIVATE && !d->tgt->users[t].active)
            continue; /* already done: a second run is a no-op */
        struct ss_plan_op *op = ss_plan_add(
            d->plan, SS_WAVE_REMOVE_USERS,
            how == SS_ON_MISSING_DELETE ? SCIMSYNC_OP_DELETE_USER : SCIMSYNC_OP_DEACTIVATE_USER);
        if (!op)
            return -1;
        op->user = t;
        if (how == SS_ON_MISSING_DELETE)
            d->tu_deleted[t] = 1;
    }
    return 0;
}

static int match_groups(struct differ *d)
{
    const struct ss_dir *src = d->src, *tgt = d->tgt;
    struct ss_strmap by_ext, foreign_by_name;
    int rc = -1;
    ss_strmap_init(&by_ext, 0);
    ss_strmap_init(&foreign_by_name, SS_ADOPT_ICASE);
    for (uint32_t t = 0; t < tgt->ngroups; t++) {
        const struct ss_group_rec *g = &tgt->groups[t];
        if (ss_scope_group_out(d->opt->scope, g->display_name)) {
            /* ignore_groups / not in include_groups: never renamed,
             * deleted or given other members. */
            d->tg_ignored[t] = 1;
            d->plan->ignored_target_groups++;
            d->tg_state[t] = ss_owned(g->external_id) ? T_PROTECTED : T_FOREIGN;
            if (!ss_str_empty(g->display_name) &&
                ss_strmap_put(&foreign_by_name, g->display_name, t, NULL) < 0)
                goto nomem;
            if (ss_owned(g->external_id) &&
                ss_strmap_put(&by_ext, g->external_id, t, NULL) < 0)
                goto nomem;
            continue;
        }
        if (!ss_owned(g->external_id)) {
            d->tg_state[t] = T_FOREIGN;
            if (!ss_str_empty(g->display_name) &&
                ss_strmap_put(&foreign_by_name, g->display_name, t, NULL) < 0)
                goto nomem;
            continue;
        }
        d->plan->owned_groups++;
        if (ss_strmap_get(&src->skipped_group_ext, g->external_id, NULL)) {
            d->tg_state[t] = T_PROTECTED;
            continue;
        }
        uint32_t prev;
        int r = ss_strmap_put(&by_ext, g->external_id, t, &prev);
        if (r < 0)
            goto nomem;
        if (r == 1) {
            d->tg_state[t] = d->tg_state[prev] = T_PROTECTED;
            ss_warncap_log(&d->w_dup,
                           "target groups %s and %s share externalId \"%s\"; both left alone",
                           tgt->groups[prev].id, g->id, g->external_id);
            continue;
        }
        d->tg_state[t] = T_ORPHAN;
    }
    for (uint32_t s = 0; s < src->ngroups; s++) {
        const struct ss_group_rec *g = &src->groups[s];
        uint32_t t;
        if (ss_scope_group_out(d->opt->scope, g->display_name)) {
            d->sg_blocked[s] = 1;
            d->plan->ignored_groups++;
            if (ss_strmap_get(&by_ext, g->external_id, &t) && d->tg_state[t] == T_ORPHAN)
                d->tg_state[t] = T_PROTECTED;
            continue;
        }
        if (ss_strmap_get(&by_ext, g->external_id, &t) && d->tg_ignored[t]) {
            /* Renamed into an ignored / excluded name on the target side:
             * the target object stays as it is. */
            d->sg_blocked[s] = 1;
            d->plan->blocked++;
            continue;
        }
        if (ss_strmap_get(&by_ext, g->external_id, &t) && d->tg_state[t] != T_ORPHAN) {
            d->sg_blocked[s] = 1;
            d->plan->blocked++;
            continue;
        }
        if (ss_strmap_get(&by_ext, g->external_id, &t)) {
            d->tg_state[t] = T_MATCHED;
            d->sg_target[s] = t;
            d->plan->group_tid[s] = tgt->groups[t].id;
            if (!ss_str_same(g->display_name, tgt->groups[t].display_name)) {
                struct ss_plan_op *op =
                    ss_plan_add(d->plan, SS_WAVE_RENAME_GROUPS, SCIMSYNC_OP_RENAME_GROUP);
                if (!op)
                    goto out;
                op->group = s;
                op->tgroup = t;
            }
            continue;
        }
        if (ss_strmap_get(&foreign_by_name, g->display_name, &t) && d->tg_ignored[t]) {
            d->sg_blocked[s] = 1;
            d->plan->blocked++;
            continue;
        }
        if (ss_strmap_get(&foreign_by_name, g->display_name, &t) && d->tg_state[t] == T_FOREIGN) {
            if (!ss_adoptable(tgt->groups[t].external_id, tgt->groups[t].display_name,
                              g->display_name, d->opt->adopt)) {
                d->sg_blocked[s] = 1;
                d->plan->blocked++;
                ss_warncap_log(&d->w_blocked,
                               "group %s (%s): the target has a group of that name without "
                               "externalId; left alone (set adopt = true to manage it)",
                               g->display_name, g->where);
                continue;
            }
            d->tg_state[t] = T_MATCHED;
            d->sg_target[s] = t;
        }
        struct ss_plan_op *op =
            ss_plan_add(d->plan, SS_WAVE_CREATE_GROUPS, SCIMSYNC_OP_CREATE_GROUP);
        if (!op)
            goto out;
        op->group = s;
        op->tgroup = d->sg_target[s];
        op->adopt = d->opt->adopt;
    }
    for (uint32_t t = 0; t < tgt->ngroups; t++) {
        if (d->tg_state[t] != T_ORPHAN)
            continue;
        struct ss_plan_op *op =
            ss_plan_add(d->plan, SS_WAVE_DELETE_GROUPS, SCIMSYNC_OP_DELETE_GROUP);
        if (!op)
            goto out;
        op->group = t;
    }
    rc = 0;
    goto out;
nomem:
    ss_error("out of memory (diff)");
out:
    ss_strmap_free(&by_ext);
    ss_strmap_free(&foreign_by_name);
    return rc;
}

/* Current members of target group t as member refs: matched users as their
 * source index, our orphans (not being deleted) as nsu + t.  Users that
 * are not ours (hand-added) or protected are left out: never removed. */
static size_t current_refs(struct differ *d, uint32_t tg, uint32_t *out)
{
    size_t n = 0, cnt = ss_dir_nmembers(d->tgt, tg);
    const uint32_t *mem = ss_dir_members(d->tgt, tg);
    for (size_t i = 0; i < cnt; i++) {
        uint32_t tu = mem[i];
        if (d->tu_state[tu] == T_MATCHED)
            out[n++] = d->tu_match[tu];
        else if (d->tu_state[tu] == T_ORPHAN && !d->tu_deleted[tu])
            out[n++] = d->nsu + tu;
    }
    return n;
}

/* Members of target group t that scimsync manages: owned users (hand-added
 * ones are never removed, so they are no part of the population). */
static size_t managed_count(const struct differ *d, uint32_t tg)
{
    size_t n = 0, cnt = ss_dir_nmembers(d->tgt, tg);
    const uint32_t *mem = ss_dir_members(d->tgt, tg);
    for (size_t i = 0; i < cnt; i++)
        n += d->tu_state[mem[i]] != T_FOREIGN;
    return n;
}

static void count_managed_members(struct differ *d)
{
    for (uint32_t t = 0; t < d->tgt->ngroups; t++) {
        if (d->tg_state[t] != T_FOREIGN && d->tgt->members_known && d->tgt->members_known[t])
            d->plan->managed_members += managed_count(d, t);
    }
}

/* Records a group losing members, for the per-group safety limit. */
static int add_loss(struct differ *d, uint32_t s, size_t removed)
{
    struct ss_plan *p = d->plan;
    if (removed == 0)
        return 0;
    if (SS_VEC_PUSH_ROOM(p->losses, p->nlosses, p->losses_cap) < 0) {
        ss_error("out of memory (diff)");
        return -1;
    }
    p->losses[p->nlosses++] = (struct ss_group_loss){
        .name = d->src->groups[s].display_name,
        .members = managed_count(d, d->sg_target[s]),
        .removed = removed,
    };
    return 0;
}

static int add_member_op(struct differ *d, enum ss_wave w, enum scimsync_op_kind kind, uint32_t s,
                         const uint32_t *refs, size_t n)
{
    if (n == 0)
        return 0;
    struct ss_plan_op *op = ss_plan_add(d->plan, w, kind);
    if (!op)
        return -1;
    op->members = ss_arena_alloc(&d->plan->arena, n * sizeof(*refs));
    if (!op->members) {
        ss_error("out of memory (diff)");
        return -1;
    }
    memcpy(op->members, refs, n * sizeof(*refs));
    op->nmembers = n;
    op->group = s;
    op->tgroup = d->sg_target[s];
    return 0;
}

static int plan_members(struct differ *d)
{
    const struct ss_dir *src = d->src, *tgt = d->tgt;
    for (uint32_t s = 0; s < src->ngroups; s++) {
        if (d->sg_blocked[s])
            continue;
        size_t nwant = 0, ncur = 0;
        const uint32_t *mem = ss_dir_members(src, s);
        size_t cnt = ss_dir_nmembers(src, s);
        /* Desired set: the source members this sync can place. */
        uint32_t *want = d->tmp_out + 0;
        for (size_t i = 0; i < cnt; i++) {
            if (!d->su_blocked[mem[i]])
                want[nwant++] = mem[i];
        }
        uint32_t t = d->sg_target[s];
        if (t != SS_NONE && tgt->members_known && tgt->members_known[t]) {
            ncur = current_refs(d, t, d->tmp_cur);
            if (ss_sort_u32(d->tmp_cur, ncur) < 0) {
                ss_error("out of memory (diff)");
                return -1;
            }
            ncur = ss_unique_u32(d->tmp_cur, ncur);
        }
        /* want sits at the front of tmp_out; results go after it. */
        uint32_t *diff = want + nwant;
        size_t nadd = ss_set_minus(want, nwant, d->tmp_cur, ncur, diff);
        if (add_member_op(d, SS_WAVE_ADD_MEMBERS, SCIMSYNC_OP_ADD_MEMBERS, s, diff, nadd) < 0)
            return -1;
        if (src->members_partial && src->members_partial[s]) {
            /* Some members could not be read: removing "missing" ones
             * could remove people who are still members. */
            ss_warncap_log(&d->w_partial,
                           "group %s: its member list is incomplete (see above); members are "
                           "added but none removed this run",
                           src->groups[s].display_name);
            continue;
        }
        size_t nrem = ss_set_minus(d->tmp_cur, ncur, want, nwant, diff);
        if (add_member_op(d, SS_WAVE_REMOVE_MEMBERS, SCIMSYNC_OP_REMOVE_MEMBERS, s, diff, nrem) < 0 ||
            add_loss(d, s, nrem) < 0)
            return -1;
    }
    return 0;
}

int ss_diff(const struct ss_dir *src, const struct ss_dir *tgt, const struct ss_diff_policy *opt,
            struct ss_plan *plan)
{
    int rc = -1;
    struct differ d = {
        .src = src,
        .tgt = tgt,
        .opt = opt,
        .plan = plan,
        .nsu = (uint32_t)src->nusers,
        .w_blocked =
            SS_WARNCAP_INIT("source entries blocked by unowned target objects", SCIMSYNC_LOG_WARN),
        .w_manager = SS_WARNCAP_INIT("unresolved managers", SCIMSYNC_LOG_WARN),
        .w_dup = SS_WARNCAP_INIT("duplicate target externalIds", SCIMSYNC_LOG_WARN),
        .w_partial = SS_WARNCAP_INIT("groups with incomplete member lists", SCIMSYNC_LOG_WARN),
    };
    size_t nu = src->nusers ? src->nusers : 1, ng = src->ngroups ? src->ngroups : 1;
    size_t ntu = tgt->nusers ? tgt->nusers : 1, ntg = tgt->ngroups ? tgt->ngroups : 1;
    /* Largest member list on either side bounds the scratch arrays. */
    size_t maxmem = 1;
    for (uint32_t g = 0; g < src->ngroups; g++)
        if (ss_dir_nmembers(src, g) > maxmem)
            maxmem = ss_dir_nmembers(src, g);
    for (uint32_t g = 0; g < tgt->ngroups; g++)
        if (ss_dir_nmembers(tgt, g) > maxmem)
            maxmem = ss_dir_nmembers(tgt, g);
    ss_strmap_init(&d.src_user_ext, 0);
    ss_strmap_init(&d.tgt_user_ext, 0);
    d.tu_state = calloc(ntu, 1);
    d.tu_deleted = calloc(ntu, 1);
    d.tu_ignored = calloc(ntu, 1);
    d.tg_ignored = calloc(ntg, 1);
    d.tu_match = malloc(ntu * sizeof(*d.tu_match));
    d.tg_state = calloc(ntg, 1);
    d.su_target = malloc(nu * sizeof(*d.su_target));
    d.su_blocked = calloc(nu, 1);
    d.su_pending = calloc(nu, 1);
    d.su_create = malloc(nu * sizeof(*d.su_create));
    d.su_new_mgr = malloc(nu * sizeof(*d.su_new_mgr));
    d.sg_target = malloc(ng * sizeof(*d.sg_target));
    d.sg_blocked = calloc(ng, 1);
    d.tmp_cur = malloc(maxmem * sizeof(*d.tmp_cur));
    d.tmp_out = malloc(2 * maxmem * sizeof(*d.tmp_out));
    if (!d.tu_state || !d.tu_deleted || !d.tu_ignored || !d.tg_ignored || !d.tu_match ||
        !d.tg_state || !d.su_target || !d.su_blocked || !d.su_pending || !d.su_create ||
        !d.su_new_mgr || !d.sg_target || !d.sg_blocked || !d.tmp_cur || !d.tmp_out) {
        ss_error("out of memory (diff)");
        goto out;
    }
    memset(d.tu_match, 0xff, ntu * sizeof(*d.tu_match));
    memset(d.su_target, 0xff, nu * sizeof(*d.su_target));
    memset(d.su_create, 0xff, nu * sizeof(*d.su_create));
    memset(d.su_new_mgr, 0xff, nu * sizeof(*d.su_new_mgr));
    memset(d.sg_target, 0xff, ng * sizeof(*d.sg_target));
    if (index_target_users(&d) < 0 || match_users(&d) < 0 || plan_user_updates(&d) < 0 ||
        create_levels(&d) < 0 || plan_missing_users(&d) < 0 || match_groups(&d) < 0 ||
        plan_members(&d) < 0)
        goto out;
    count_managed_members(&d);
    rc = 0;
out:
    ss_warncap_total(&d.w_blocked);
    ss_warncap_total(&d.w_manager);
    ss_warncap_total(&d.w_dup);
    ss_warncap_total(&d.w_partial);
    ss_strmap_free(&d.src_user_ext);
    ss_strmap_free(&d.tgt_user_ext);
    free(d.tu_state);
    free(d.tu_deleted);
    free(d.tu_ignored);
    free(d.tg_ignored);
    free(d.tu_match);
    free(d.tg_state);
    free(d.su_target);
    free(d.su_blocked);
    free(d.su_pending);
    free(d.su_create);
    free(d.su_new_mgr);
    free(d.sg_target);
    free(d.sg_blocked);
    free(d.tmp_cur);
    free(d.tmp_out);
    return rc;
}
