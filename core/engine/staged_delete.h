/*
 * Staged deletes (on_missing = deactivate-then-delete, docs/engine.md):
 * a managed user no source has any more is deactivated at once and
 * deleted only once [engine] delete_after has passed since and the user
 * has not come back.  The time of deactivation lives in the state store
 * (docs/state.md), so this mode needs one.  The decision is a pure
 * function of the user's state and the run's clock.
 */
#ifndef SS_STAGED_DELETE_H
#define SS_STAGED_DELETE_H

#include <stddef.h>
#include <stdint.h>

#include "engine_types.h"
#include "plan.h"

struct ss_state;

/* What to do with a managed target user gone from the sources. */
enum ss_staged_step {
    SS_STAGED_DEACTIVATE = 0, /* still active: deactivate now, the period starts */
    SS_STAGED_WAIT,           /* inactive, the period not over: pending */
    SS_STAGED_DELETE          /* inactive, the period over: delete */
};

/* deactivated_at: when the state recorded its deactivation (Unix time;
 * 0: not known, e.g. deactivated by hand or before the state kept it:
 * the period starts now).  *due: when the delete falls due. */
enum ss_staged_step ss_staged_decide(int active, long long deactivated_at, long long now,
                                     long delete_after, long long *due);

/* The clock of staged deletes: $SCIMSYNC_TEST_NOW (a Unix time; a test
 * hook, docs/engine.md) or time().  0, or <0 (logged) when the variable
 * is set but is not a whole positive number. */
int ss_staged_now(long long *now);

/* Run-time check of the options: staged deletes without a state store.
 * 0, or <0 (logged, naming the missing key). */
int ss_staged_check_options(const struct ss_engine_options *opt);

/* Plans target user t, an orphan (ours, gone from the sources): adds a
 * deactivate or delete op, or a pending entry.  1 when it is deleted, 0
 * otherwise, <0 on no memory (logged). */
int ss_staged_plan_user(struct ss_plan *p, uint32_t t);

/* After apply: brings the deactivation times of the state in line with the
 * plan: a pending user deactivated before the state knew when gets the
 * run's clock (its period starts now), and, with clear_returned, a user a
 * source has again loses its time (a later departure starts a new period;
 * 0 for sync --group, whose snapshot holds stand-ins for users that left
 * the group).  Deactivations done by this run were recorded with the ops. */
int ss_staged_note_state(struct ss_state *st, const struct ss_plan *p, int clear_returned);

/* A period as delete_after is written: the largest unit that divides it
 * ("7d", "36h", "90m", "3s"). */
void ss_staged_format_period(long seconds, char *buf, size_t len);

/* "2026-12-07T10:00:00Z" (iso) or "2026-12-07 10:00:00 UTC". */
void ss_staged_format_time(long long t, int iso, char *buf, size_t len);

#endif
