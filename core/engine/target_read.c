#include "target_read.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "ownership.h"
#include "plugin_err.h"
#include "progress.h"
#include "strmap.h"
#include "vec.h"

struct read_ctx {
    struct ss_dir *d;
    const char *target;
    struct ss_strmap seen; /* ids listed so far: a page overlap must not
                              make one object look like two */
    size_t dups;
    int failed; /* our own failure (no memory, bad record) */
};

static int copy_str(struct ss_arena *a, const char *s, const char **out)
{
    *out = NULL;
    if (ss_str_empty(s))
        return 0;
    *out = ss_arena_strdup(a, s);
    return *out ? 0 : -1;
}

/* The extra attributes of u that the run syncs, into r->xval (only when
 * the target's records carry them: d->x_from_target). */
static int copy_extras(struct ss_dir *d, const struct scimsync_user *u, struct ss_user_rec *r)
{
    if (!d->x_from_target || !d->nx || !u->extra || !u->nextra)
        return 0;
    for (size_t i = 0; i < u->nextra; i++) {
        int k = ss_dir_extra_index(d, u->extra[i].name);
        if (k < 0 || ss_str_empty(u->extra[i].value))
            continue;
        if (!r->xval) {
            r->xval = ss_arena_alloc(&d->arena, d->nx * sizeof(*r->xval));
            if (!r->xval)
                return -1;
            memset(r->xval, 0, d->nx * sizeof(*r->xval));
        }
        if (copy_str(&d->arena, u->extra[i].value, &r->xval[k]) < 0)
            return -1;
    }
    return 0;
}

int ss_target_add_user(struct ss_dir *d, const struct scimsync_user *u)
{
    struct ss_user_rec *r = ss_dir_add_user(d);
    if (!r)
        return -1;
    r->active = u->active ? 1 : 0;
    if (copy_str(&d->arena, u->id, &r->id) < 0 ||
        copy_str(&d->arena, u->external_id, &r->external_id) < 0)
        return -1;
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        if (copy_str(&d->arena, u->field[f], &r->field[f]) < 0)
            return -1;
    }
    return copy_extras(d, u, r);
}

int ss_target_add_group(struct ss_dir *d, const struct scimsync_group *g)
{
    struct ss_group_rec *r = ss_dir_add_group(d);
    if (!r)
        return -1;
    if (copy_str(&d->arena, g->id, &r->id) < 0 ||
        copy_str(&d->arena, g->external_id, &r->external_id) < 0 ||
        copy_str(&d->arena, g->display_name, &r->display_name) < 0)
        return -1;
    return 0;
}

static int on_user(void *vctx, const struct scimsync_user *u)
{
    struct read_ctx *ctx = vctx;
    ss_progress_add(1);
    if (!u || ss_str_empty(u->id)) {
        ss_error("target %s: listed a user without id", ctx->target);
        ctx->failed = 1;
        return 1;
    }
    if (ss_strmap_get(&ctx->seen, u->id, NULL)) {
        ctx->dups++;
        return 0;
    }
    if (ss_target_add_user(ctx->d, u) < 0 ||
        ss_strmap_put(&ctx->seen, ctx->d->users[ctx->d->nusers - 1].id,
                      (uint32_t)(ctx->d->nusers - 1), NULL) < 0)
        goto nomem;
    return 0;
nomem:
    ss_error("target %s: out of memory listing users", ctx->target);
    ctx->failed = 1;
    return 1;
}

static int on_group(void *vctx, const struct scimsync_group *g)
{
    struct read_ctx *ctx = vctx;
    ss_progress_add(1);
    if (!g || ss_str_empty(g->id)) {
        ss_error("target %s: listed a group without id", ctx->target);
        ctx->failed = 1;
        return 1;
    }
    if (ss_strmap_get(&ctx->seen, g->id, NULL)) {
        ctx->dups++;
        return 0;
    }
    if (ss_target_add_group(ctx->d, g) < 0 ||
        ss_strmap_put(&ctx->seen, ctx->d->groups[ctx->d->ngroups - 1].id,
                      (uint32_t)(ctx->d->ngroups - 1), NULL) < 0)
        goto nomem;
    return 0;
nomem:
    ss_error("target %s: out of memory listing groups", ctx->target);
    ctx->failed = 1;
    return 1;
}

/* Ends a listing of users or groups: counts, and one message for a failure
 * not reported yet (ours are logged where they happen). */
static int end_listing(struct read_ctx *ctx, int r, const char *what, size_t n)
{
    ss_strmap_free(&ctx->seen);
    if (ctx->dups)
        ss_warn("target %s: the listing returned %zu %s more than once; counted once",
                ctx->target, ctx->dups, what);
    if (r != 0 || ctx->failed) {
        if (!ctx->failed)
            ss_error("target %s: listing %s failed (%s); nothing will be applied", ctx->target,
                     what, ss_plugin_err_text(r));
        return -1;
    }
    struct ss_log_field f[] = {SS_LF_S("target", ctx->target), SS_LF_S("kind", what),
                               SS_LF_I("count", n)};
    ss_log_event(SCIMSYNC_LOG_INFO, NULL, "target_listed", f, 3, "target %s: %zu %s",
                 ctx->target, n, what);
    return 0;
}

int ss_target_has_extras(const struct scimsync_plugin *d)
{
    return SCIMSYNC_HAS_MEMBER(d, 2, user_size) && SCIMSYNC_USER_SIZE_HAS(d->user_size, nextra);
}

int ss_target_read_users(const struct ss_engine_target *t, struct ss_dir *tgt)
{
    struct read_ctx ctx = {.d = tgt, .target = t->name};
    tgt->x_from_target = ss_target_has_extras(t->plugin);
    ss_strmap_init(&ctx.seen, 0);
    int r = t->plugin->target->list_users(t->inst, on_user, &ctx);
    return end_listing(&ctx, r, "users", tgt->nusers);
}

int ss_target_read_groups(const struct ss_engine_target *t, struct ss_dir *tgt)
{
    struct read_ctx ctx = {.d = tgt, .target = t->name};
    ss_strmap_init(&ctx.seen, 0);
    int r = t->plugin->target->list_groups(t->inst, on_group, &ctx);
    return end_listing(&ctx, r, "groups", tgt->ngroups);
}

struct member_ctx {
    const char *target;
    const uint32_t *listed; /* listed index -> group index */
    size_t nlisted;
    struct ss_strmap *user_by_id;
    struct ss_pair *pairs;
    size_t npairs, cap;
    size_t unknown;
    int failed;
};

static int on_member(void *vctx, size_t index, const char *user_id)
{
    struct member_ctx *ctx = vctx;
    uint32_t u;
    ss_progress_add(1);
    if (index >= ctx->nlisted) {
        ss_error("target %s: member callback for group #%zu of %zu", ctx->target, index,
                 ctx->nlisted);
        ctx->failed = 1;
        return 1;
    }
    if (!user_id || !ss_strmap_get(ctx->user_by_id, user_id, &u)) {
        /* A user the listing did not return (created meanwhile): never
         * ours to remove this run. */
        ctx->unknown++;
        return 0;
    }
    if (SS_VEC_PUSH_ROOM(ctx->pairs, ctx->npairs, ctx->cap) < 0) {
        ss_error("target %s: out of memory listing members", ctx->target);
        ctx->failed = 1;
        return 1;
    }
    ctx->pairs[ctx->npairs++] = (struct ss_pair){ctx->listed[index], u};
    return 0;
}

int ss_target_read_members(const struct ss_engine_target *t, const struct ss_dir *src, int adopt,
                           struct ss_dir *tgt)
{
    int rc = -1;
    struct ss_strmap src_names, by_id;
    ss_strmap_init(&src_names, SS_ADOPT_ICASE);
    ss_strmap_init(&by_id, 0);
    const char **ids = malloc((tgt->ngroups ? tgt->ngroups : 1) * sizeof(*ids));
    uint32_t *listed = malloc((tgt->ngroups ? tgt->ngroups : 1) * sizeof(*listed));
    struct member_ctx mc = {.target = t->name, .user_by_id = &by_id};
    free(tgt->members_known);
    tgt->members_known = calloc(tgt->ngroups ? tgt->ngroups : 1, 1);
    if (!ids || !listed || !tgt->members_known)
        goto nomem;
    for (uint32_t i = 0; i < tgt->nusers; i++) {
        if (ss_strmap_put(&by_id, tgt->users[i].id, i, NULL) < 0)
            goto nomem;
    }
    if (adopt && src) {
        for (uint32_t i = 0; i < src->ngroups; i++) {
            if (ss_strmap_put(&src_names, src->groups[i].display_name, i, NULL) < 0)
                goto nomem;
        }
    }
    size_t n = 0;
    for (uint32_t g = 0; g < tgt->ngroups; g++) {
        const struct ss_group_rec *gr = &tgt->groups[g];
        if (!ss_group_members_managed(gr, adopt, src, &src_names))
            continue;
        ids[n] = gr->id;
        listed[n] = g;
        tgt->members_known[g] = 1;
        n++;
    }
    mc.listed = listed;
    mc.nlisted = n;
    if (n > 0) {
        int r = t->plugin->target->list_members(t->inst, ids, n, on_member, &mc);
        if (r != 0 || mc.failed) {
            if (!mc.failed)
                ss_error("target %s: listing group members failed (%s); nothing will be "
                         "applied",
                         t->name, ss_plugin_err_text(r));
            goto out;
        }
    }
    if (mc.unknown)
        ss_info("target %s: %zu members are users the user listing did not return; left alone",
                t->name, mc.unknown);
    if (ss_dir_set_members(tgt, mc.pairs, mc.npairs) < 0)
        goto out;
    ss_info("target %s: %zu memberships in %zu managed groups", t->name, mc.npairs, n);
    rc = 0;
    goto out;
nomem:
    ss_error("target %s: out of memory", t->name);
out:
    ss_strmap_free(&src_names);
    ss_strmap_free(&by_id);
    free(ids);
    free(listed);
    free(mc.pairs);
    return rc;
}

int ss_target_read(const struct ss_engine_target *t, const struct ss_dir *src, int adopt,
                   struct ss_dir *tgt)
{
    tgt->xnames = src->xnames; /* one index of extra names for both sides */
    tgt->nx = src->nx;
    if (ss_target_read_users(t, tgt) < 0 || ss_target_read_groups(t, tgt) < 0 ||
        ss_target_read_members(t, src, adopt, tgt) < 0)
        return -1;
    return 0;
}
