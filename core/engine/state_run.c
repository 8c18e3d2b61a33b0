#include "state_run.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
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
    int decided, full; /* this run's full-read decision, and why */
    int checked;       /* the first-user check was made */
    char why[600];
};

static struct ss_state_run *current;

static int take_lease(struct ss_state_run *sr)
{
    char holder[400] = "", err[768];
    double until = ss_clock_mono() + (double)sr->opt->lock_wait;
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
        if (ss_clock_mono() >= until || ss_host_run_should_stop()) {
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
    sr->last_save = ss_clock_mono();
    current = sr;
    *out = sr;
    return SS_EXIT_OK;
fail:
    ss_state_run_close(sr);
    return rc;
}

/* The first user the target lists, against the state: the pre-flight's
 * token check and the state check in one request.  A reset target lists
 * nothing or users the state does not know; a target whose first user
 * the state holds with the same externalId is the one it describes
 * (drift elsewhere is the full reconcile's business). */
struct first_user {
    const struct ss_state *st;
    size_t seen;
    char why[400];
};

/* What on_first_user returns to stop the listing after one user. */
#define FIRST_USER_STOP 1

static int same_ext(const char *a, const char *b)
{
    return !strcmp(a ? a : "", b ? b : "");
}

static int on_first_user(void *vctx, const struct scimsync_user *u)
{
    struct first_user *c = vctx;
    uint32_t pos;
    c->seen++;
    if (!u->id || !ss_strmap_get(&c->st->uid, u->id, &pos))
        snprintf(c->why, sizeof c->why,
                 "the target lists user %.64s, which the state does not know",
                 u->id ? u->id : "(no id)");
    else if (!same_ext(c->st->users[pos].external_id, u->external_id))
        snprintf(c->why, sizeof c->why,
                 "user %.64s has externalId \"%.64s\" in the target, \"%.64s\" in the state", u->id,
                 u->external_id ? u->external_id : "",
                 c->st->users[pos].external_id ? c->st->users[pos].external_id : "");
    return FIRST_USER_STOP;
}

/* The full-read decision of this run, made once. */
static void decide(struct ss_state_run *sr)
{
    if (sr->decided)
        return;
    sr->full = ss_state_need_full(&sr->st, sr->loaded, sr->opt->target_identity, time(NULL),
                                  sr->opt->full_reconcile_interval, sr->opt->full, sr->why,
                                  sizeof sr->why);
    sr->decided = 1;
}

/* Lists the first user of the target (one request) and compares it with
 * the state; a difference turns this run into a full read.  0, or <0 when
 * the read failed (logged, unless the run is stopping). */
static int first_user_check(struct ss_state_run *sr, const struct ss_engine_target *t)
{
    struct first_user c = {.st = &sr->st};
    int r = t->plugin->target->list_users(t->inst, on_first_user, &c);
    if (r != 0 && r != FIRST_USER_STOP) {
        if (!ss_host_run_should_stop())
            ss_error("target %s: reading the first user (the token check and the state check) "
                     "failed; nothing read, nothing applied",
                     t->name);
        return -1;
    }
    sr->checked = 1;
    if (!c.seen && sr->st.nusers)
        snprintf(c.why, sizeof c.why, "the target lists no user, the state holds %zu",
                 sr->st.nusers);
    if (!c.why[0]) {
        ss_debug("state: the target's first user is the state's: the state is used");
        return 0;
    }
    ss_warn("state: the target does not match the state (%s)", c.why);
    snprintf(sr->why, sizeof sr->why, "%s", c.why);
    sr->full = 1;
    return 0;
}

int ss_state_run_precheck(struct ss_state_run *sr, const struct ss_engine_target *t)
{
    if (!sr)
        return 0;
    decide(sr);
    if (sr->full)
        return 0; /* the plugin's own check; the full read follows */
    return first_user_check(sr, t) < 0 ? -1 : 1;
}

int ss_state_run_read_target(struct ss_state_run *sr, const struct ss_engine_target *t,
                             const struct ss_dir *src, int adopt, struct ss_dir *tgt)
{
    char why[600];
    const struct ss_engine_options *opt;
    if (!sr)
        return ss_target_read(t, src, adopt, tgt);
    opt = sr->opt;
    decide(sr);
    if (!sr->full && src->nx) {
        sr->full = 1;
        snprintf(sr->why, sizeof sr->why,
                 "the mapping sets extra attributes, which the state does not keep");
    }
    /* without the pre-flight (it makes this check), here */
    if (!sr->full && !sr->checked && first_user_check(sr, t) < 0)
        return -1;
    if (!sr->full) {
        if (ss_state_to_dir(&sr->st, tgt) < 0)
            return -1;
        ss_info("target %s: from the state (last full read %lld s ago): %zu users, %zu groups",
                t->name, (long long)time(NULL) - sr->st.full_at, tgt->nusers, tgt->ngroups);
        return 0;
    }
    ss_info("state: reading the target in full: %s", sr->why);
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
    double t0 = ss_clock_mono();
    if (ss_state_encode(&sr->st, &buf, &len) < 0)
        return -1;
    int r = ss_store_save(&sr->store, buf, len, err, sizeof err);
    free(buf);
    if (r < 0) {
        ss_error("state: saving %s (%s) failed: %s", sr->store.where, when, err);
        sr->save_failed = 1;
        return -1;
    }
    sr->last_save = ss_clock_mono();
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
        double since = ss_clock_mono() - sr->last_save;
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
