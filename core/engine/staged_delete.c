#include "staged_delete.h"

#include <ss/parse.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "log.h"
#include "state.h"
#include "vec.h"

enum ss_staged_step ss_staged_decide(int active, long long deactivated_at, long long now,
                                     long delete_after, long long *due)
{
    if (active || deactivated_at <= 0) {
        /* The period starts with this run. */
        *due = now + delete_after;
        return active ? SS_STAGED_DEACTIVATE : SS_STAGED_WAIT;
    }
    *due = deactivated_at + delete_after;
    return now >= *due ? SS_STAGED_DELETE : SS_STAGED_WAIT;
}

int ss_staged_now(long long *now)
{
    const char *v = getenv("SCIMSYNC_TEST_NOW");
    long t;
    if (!v || !*v) {
        *now = (long long)time(NULL);
        return 0;
    }
    if (ss_parse_long(v, &t) < 0 || t <= 0) {
        ss_error("$SCIMSYNC_TEST_NOW must be a Unix time in seconds, not '%.40s' (a test hook: "
                 "leave it unset)",
                 v);
        return -1;
    }
    *now = (long long)t;
    return 0;
}

int ss_staged_check_options(const struct ss_engine_options *opt)
{
    if (opt->on_missing != SS_ON_MISSING_STAGED)
        return 0;
    if (!opt->state || !*opt->state) {
        ss_error("[engine] on_missing = deactivate-then-delete needs a state store to remember "
                 "when each user was deactivated: set [engine] state (file:/PATH or "
                 "s3://BUCKET/KEY)");
        return -1;
    }
    if (opt->delete_after <= 0) {
        ss_error("[engine] on_missing = deactivate-then-delete needs [engine] delete_after");
        return -1;
    }
    return 0;
}

int ss_staged_plan_user(struct ss_plan *p, uint32_t t)
{
    const struct ss_user_rec *u = &p->tgt->users[t];
    long long due;
    enum ss_staged_step step =
        ss_staged_decide(u->active, u->deactivated_at, p->now, p->delete_after, &due);
    if (step == SS_STAGED_DEACTIVATE || step == SS_STAGED_DELETE) {
        struct ss_plan_op *op = ss_plan_add(p, SS_WAVE_REMOVE_USERS,
                                            step == SS_STAGED_DELETE ? SCIMSYNC_OP_DELETE_USER
                                                                     : SCIMSYNC_OP_DEACTIVATE_USER);
        if (!op)
            return -1;
        op->user = t;
        if (step == SS_STAGED_DELETE)
            return 1;
    }
    /* Deactivated now or earlier: listed with its due date. */
    if (SS_VEC_PUSH_ROOM(p->pending, p->npending, p->pending_cap) < 0) {
        ss_error("out of memory (plan)");
        return -1;
    }
    p->pending[p->npending++] = (struct ss_pending_delete){
        .tuser = t,
        .deactivated_at = step == SS_STAGED_DEACTIVATE ? 0 : u->deactivated_at,
        .due = due,
    };
    return 0;
}

int ss_staged_note_state(struct ss_state *st, const struct ss_plan *p, int clear_returned)
{
    if (!p->staged)
        return 0;
    for (size_t i = 0; i < p->npending; i++) {
        const struct ss_pending_delete *e = &p->pending[i];
        const struct ss_user_rec *u = &p->tgt->users[e->tuser];
        /* deactivated by this run: recorded with its op (when it succeeded) */
        if (!u->active && e->deactivated_at <= 0 &&
            ss_state_set_deactivated(st, u->id, p->now, 1) < 0)
            return -1;
    }
    for (size_t s = 0; clear_returned && s < p->src->nusers; s++) {
        if (p->user_tid[s] && ss_state_set_deactivated(st, p->user_tid[s], 0, 0) < 0)
            return -1;
    }
    return 0;
}

void ss_staged_format_period(long seconds, char *buf, size_t len)
{
    static const struct {
        long unit;
        char suffix;
    } units[] = {{86400, 'd'}, {3600, 'h'}, {60, 'm'}};
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (seconds > 0 && seconds % units[i].unit == 0) {
            snprintf(buf, len, "%ld%c", seconds / units[i].unit, units[i].suffix);
            return;
        }
    }
    snprintf(buf, len, "%lds", seconds);
}

void ss_staged_format_time(long long t, int iso, char *buf, size_t len)
{
    struct tm tm;
    time_t tt = (time_t)t;
    if (!gmtime_r(&tt, &tm) ||
        strftime(buf, len, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S UTC", &tm) == 0)
        snprintf(buf, len, "%lld", t);
}
