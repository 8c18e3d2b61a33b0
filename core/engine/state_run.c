#include "state_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "staged_delete.h"
#include "state.h"
#include "state_lease.h"
#include "state_store.h"
#include "stop.h"
#include "target_read.h"

/* Ops sent to the target between two records of the state. */
#define STATE_CHUNK 64

struct ss_state_run {
    const struct ss_engine_options *opt;
    struct ss_state_store store;
    struct ss_state st;
    struct ss_state pending; /* plugin values put during this run */
    struct ss_lease lease;
    int loaded;       /* 1 valid, 0 missing, -1 unusable */
    double last_save; /* monotonic seconds */
    double save_cost; /* how long the last save took */
    size_t surprises;
    int save_failed;
};

static struct ss_state_run *current;

static double mono(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int take_lease(struct ss_state_run *sr)
{
    char holder[400] = "", err[768];
    double until = mono() + (double)sr->opt->lock_wait;
    for (;;) {
        enum ss_lease_result r =
            ss_lease_acquire(&sr->lease, &sr->store, "sync", sr->opt->lock_lease, holder,
                             sizeof holder, err, sizeof err);
        if (r == SS_LEASE_HELD) {
            ss_debug("state: holding the run lease %s.lock", sr->store.where);
            return SS_EXIT_OK;
        }
        ss_lease_release(&sr->lease);
        if (r == SS_LEASE_ERROR) {
            ss_error("state: cannot take the run lease %s.lock: %s; nothing done", sr->store.where,
                     err);
            return SS_EXIT_READ;
        }
        if (mono() >= until || ss_host_run_should_stop()) {
            ss_error("state: another run holds the lease %s.lock (%s); nothing done (exit code "
                     "7)",
                     sr->store.where, holder);
            return SS_EXIT_LOCKED;
        }
        ss_info("state: waiting for the run lease held by %s", holder);
        sleep(5);
    }
}

int ss_state_run_open(struct ss_state_run **out, const struct ss_engine_options *opt)
{
    char err[768], why[600];
    char *buf = NULL;
    size_t len = 0;
    int rc = SS_EXIT_USAGE;
    struct ss_state_run *sr;

    *out = NULL;
    if (!opt->state || !*opt->state)
        return SS_EXIT_OK;
    sr = calloc(1, sizeof(*sr));
    if (!sr) {
        ss_error("out of memory");
        return SS_EXIT_USAGE;
    }
    sr->opt = opt;
    ss_state_init(&sr->st);
    ss_state_init(&sr->pending);
    if (ss_store_open(&sr->store, opt->state, opt->state_path_style, err, sizeof err) < 0) {
        ss_error("[engine] %s", err);
        goto fail;
    }
    if (sr->store.kind == SS_STORE_S3 && !opt->dry_run) {
        rc = take_lease(sr);
        if (rc != SS_EXIT_OK)
            goto fail;
    }
    int r = ss_store_load(&sr->store, &buf, &len, err, sizeof err);
    if (r < 0) {
        ss_warn("state: %s cannot be read: %s; the target will be read in full", sr->store.where,
                err);
        sr->loaded = -1;
    } else if (r == 0) {
        sr->loaded = 0;
    } else if (ss_state_decode(&sr->st, buf, len, why, sizeof why) < 0) {
        ss_warn("state: %s is not usable (%s); the target will be read in full", sr->store.where,
                why);
        ss_state_free(&sr->st);
        ss_state_init(&sr->st);
        sr->loaded = -1;
    } else {
        sr->loaded = 1;
        ss_info("state: %s: %zu users, %zu groups", sr->store.where, sr->st.nusers, sr->st.ngroups);
    }
    free(buf);
    /* Deactivations are recorded at the run's clock (staged deletes). */
    if (ss_staged_now(&sr->st.clock) < 0) {
        rc = SS_EXIT_USAGE;
        goto fail;
    }
    sr->last_save = mono();
    current = sr;
    *out = sr;
    return SS_EXIT_OK;
fail:
    ss_state_run_close(sr);
    return rc;
}

struct check_ctx {
    const char **ids;
    size_t n, cap;
    int failed;
};

static int on_check_member(void *vctx, size_t index, const char *user_id)
{
    struct check_ctx *c = vctx;
    (void)index;
    if (c->n == c->cap) {
        size_t nc = c->cap ? 2 * c->cap : 64;
        const char **ni = realloc(c->ids, nc * sizeof(*ni));
        if (!ni) {
            c->failed = 1;
            return 1;
        }
        c->ids = ni;
        c->cap = nc;
    }
    c->ids[c->n] = user_id ? strdup(user_id) : NULL;
    if (user_id && !c->ids[c->n]) {
        c->failed = 1;
        return 1;
    }
    c->n++;
    return 0;
}

/* One read against the state: the members of its smallest non-empty
 * managed group.  It checks the token, and a reset or changed target shows
 * as a difference.  0 same, 1 different (why set), <0 read failed. */
static int state_check(const struct ss_engine_target *t, const struct ss_dir *tgt, char *why,
                       size_t whylen)
{
    uint32_t best = SS_NONE;
    size_t bestn = 0;
    struct check_ctx c = {0};
    int rc = -1;
    struct ss_strmap want;
    ss_strmap_init(&want, 0);
    for (uint32_t g = 0; g < tgt->ngroups; g++) {
        size_t n = ss_dir_nmembers(tgt, g);
        if (tgt->members_known[g] && n && (best == SS_NONE || n < bestn)) {
            best = g;
            bestn = n;
        }
    }
    if (best == SS_NONE) {
        ss_debug("state: no managed group with members to check the state against");
        rc = 0;
        goto out;
    }
    const char *gid = tgt->groups[best].id;
    int r = t->plugin->target->list_members(t->inst, &gid, 1, on_check_member, &c);
    if (r == SCIMSYNC_ERR_NOTFOUND) {
        snprintf(why, whylen, "group %.64s of the state is not in the target", gid);
        rc = 1;
        goto out;
    }
    if (r != 0 || c.failed) {
        ss_error("target %s: reading the members of one group to check the state failed (%d); "
                 "nothing will be applied",
                 t->name, r);
        goto out;
    }
    const uint32_t *m = ss_dir_members(tgt, best);
    for (size_t i = 0; i < bestn; i++) {
        if (ss_strmap_put(&want, tgt->users[m[i]].id, 0, NULL) < 0)
            goto out;
    }
    size_t match = 0;
    for (size_t i = 0; i < c.n; i++)
        match += c.ids[i] && ss_strmap_get(&want, c.ids[i], NULL);
    rc = 0;
    if (match != bestn || c.n != bestn) {
        snprintf(why, whylen,
                 "group \"%.100s\" has %zu members in the target, %zu in the state (%zu in "
                 "common)",
                 tgt->groups[best].display_name ? tgt->groups[best].display_name : gid, c.n, bestn,
                 match);
        rc = 1;
    }
out:
    for (size_t i = 0; i < c.n; i++)
        free((void *)c.ids[i]);
    free(c.ids);
    ss_strmap_free(&want);
    return rc;
}

int ss_state_run_read_target(struct ss_state_run *sr, const struct ss_engine_target *t,
                             const struct ss_dir *src, int adopt, struct ss_dir *tgt)
{
    char why[600];
    const struct ss_engine_options *opt;
    if (!sr)
        return ss_target_read(t, src, adopt, tgt);
    opt = sr->opt;
    int full = ss_state_need_full(&sr->st, sr->loaded, opt->target_identity, time(NULL),
                                  opt->full_reconcile_interval, opt->full, why, sizeof why);
    if (!full) {
        if (ss_state_to_dir(&sr->st, tgt) < 0)
            return -1;
        int c = state_check(t, tgt, why, sizeof why);
        if (c < 0)
            return -1;
        if (c == 0) {
            ss_info("target %s: from the state (last full read %lld s ago): %zu users, %zu "
                    "groups",
                    t->name, (long long)time(NULL) - sr->st.full_at, tgt->nusers, tgt->ngroups);
            return 0;
        }
        ss_warn("state: the target does not match the state (%s)", why);
        ss_dir_free(tgt);
        ss_dir_init(tgt);
        full = 1;
    }
    ss_info("state: reading the target in full: %s", why);
    if (!sr->st.target || !opt->target_identity || strcmp(sr->st.target, opt->target_identity)) {
        /* Deactivation times of another target mean nothing here. */
        for (size_t i = 0; i < sr->st.nusers; i++)
            sr->st.users[i].deactivated_at = 0;
    }
    if (ss_target_read(t, src, adopt, tgt) < 0)
        return -1;
    if (ss_state_from_dir(&sr->st, tgt, time(NULL)) < 0)
        return -1;
    /* Same positions: the deactivation times the state kept. */
    for (size_t i = 0; i < tgt->nusers && i < sr->st.nusers; i++)
        tgt->users[i].deactivated_at = sr->st.users[i].deactivated_at;
    sr->st.target =
        opt->target_identity ? ss_arena_strdup(&sr->st.arena, opt->target_identity) : NULL;
    /* A full read may have taken a good part of the lease. */
    if (sr->lease.held && ss_lease_renew(&sr->lease, 0, why, sizeof why) < 0) {
        ss_error("state: %s; nothing will be applied", why);
        return -1;
    }
    return 0;
}

static int save(struct ss_state_run *sr, const char *when)
{
    char err[768], *buf = NULL;
    size_t len = 0;
    double t0 = mono();
    if (ss_state_encode(&sr->st, &buf, &len) < 0)
        return -1;
    int r = ss_store_save(&sr->store, buf, len, err, sizeof err);
    free(buf);
    if (r < 0) {
        ss_error("state: saving %s (%s) failed: %s", sr->store.where, when, err);
        sr->save_failed = 1;
        return -1;
    }
    sr->last_save = mono();
    sr->save_cost = sr->last_save - t0;
    sr->st.changed = 0;
    ss_debug("state: saved %s (%s): %zu bytes in %.3f s", sr->store.where, when, len,
             sr->save_cost);
    return 0;
}

static int after_chunk(void *ctx, const struct scimsync_op *ops, size_t n)
{
    struct ss_state_run *sr = ctx;
    char err[768];
    for (size_t i = 0; i < n; i++) {
        const struct scimsync_op *op = &ops[i];
        int create = op->kind == SCIMSYNC_OP_CREATE_USER || op->kind == SCIMSYNC_OP_CREATE_GROUP;
        if (op->status == 0 && create && !op->new_id[0])
            continue; /* no id: apply reports it; nothing to record */
        int r = ss_state_record(&sr->st, op);
        if (r < 0)
            return -1;
        if (r > 0 && sr->surprises++ == 0)
            ss_warn("state: %s; the next run reads the target in full", sr->st.full_why);
    }
    if (sr->st.changed && !sr->save_failed) {
        /* A checkpoint costs a rewrite: at most one per interval, and never
         * more than a fifth of the time spent applying. */
        double since = mono() - sr->last_save;
        double gap = (double)sr->opt->state_checkpoint_interval;
        if (gap < 4 * sr->save_cost)
            gap = 4 * sr->save_cost;
        if (since >= gap)
            save(sr, "checkpoint");
    }
    if (sr->lease.held && ss_lease_renew(&sr->lease, 0, err, sizeof err) < 0) {
        ss_error("state: %s", err);
        sr->save_failed = 1;
    }
    return 0;
}

void ss_state_run_apply_hook(struct ss_state_run *sr, struct ss_apply_hook *hook)
{
    hook->chunk = STATE_CHUNK;
    hook->after = after_chunk;
    hook->ctx = sr;
}

int ss_state_run_note_staged(struct ss_state_run *sr, const struct ss_plan *p, int clear_returned)
{
    if (!sr || sr->opt->dry_run)
        return 0;
    return ss_staged_note_state(&sr->st, p, clear_returned);
}

void ss_state_run_fill_deactivated(struct ss_state_run *sr, struct ss_dir *tgt)
{
    if (!sr)
        return;
    for (size_t i = 0; i < tgt->nusers; i++) {
        struct ss_user_rec *u = &tgt->users[i];
        u->deactivated_at = u->active || !u->id ? 0 : ss_state_deactivated_at(&sr->st, u->id);
    }
}

int ss_state_run_finish(struct ss_state_run *sr, int ok)
{
    if (!sr || sr->opt->dry_run)
        return 0;
    if (ok) {
        for (size_t i = 0; i < sr->pending.nkv; i++) {
            const struct ss_state_kv *kv = &sr->pending.kv[i];
            if (ss_state_kv_put(&sr->st, kv->instance, kv->key, kv->value) < 0) {
                ss_error("state: out of memory");
                return -1;
            }
        }
    }
    if (!sr->st.changed) {
        ss_debug("state: unchanged, not written");
        return sr->save_failed ? -1 : 0;
    }
    int r = save(sr, "end of run");
    if (r == 0)
        ss_info("state: saved %s", sr->store.where);
    return r;
}

void ss_state_run_close(struct ss_state_run *sr)
{
    if (!sr)
        return;
    if (current == sr)
        current = NULL;
    ss_lease_release(&sr->lease);
    ss_state_free(&sr->st);
    ss_state_free(&sr->pending);
    ss_store_close(&sr->store);
    free(sr);
}

const char *ss_state_run_kv_get(const char *instance, const char *key)
{
    if (!current)
        return NULL;
    for (size_t i = 0; i < current->pending.nkv; i++) {
        const struct ss_state_kv *kv = &current->pending.kv[i];
        if (!strcmp(kv->instance, instance) && !strcmp(kv->key, key))
            return kv->value;
    }
    return ss_state_kv_get(&current->st, instance, key);
}

int ss_state_run_kv_put(const char *instance, const char *key, const char *value)
{
    if (!current)
        return -1;
    /* A deletion must be recorded as one: put a NULL over the old value. */
    if (!value && !ss_state_kv_get(&current->pending, instance, key)) {
        if (ss_state_kv_put(&current->pending, instance, key, "") < 0)
            return -1;
    }
    return ss_state_kv_put(&current->pending, instance, key, value) < 0 ? -1 : 0;
}
