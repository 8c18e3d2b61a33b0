/* Apply: the plan's waves, each one target->apply() call of independent
 * ops.  Ops whose prerequisite failed (members of a group whose create
 * failed, a fix-up whose manager was not created) are not attempted. */
#ifndef SS_APPLY_H
#define SS_APPLY_H

#include "engine.h"
#include "plan.h"

/* Fills the apply counters of sum (created ... failed).  Returns 0 when
 * every op succeeded, 1 when some failed or were not attempted, <0 when
 * the engine itself failed (no memory; logged). */
int ss_apply(struct ss_plan *p, const struct ss_engine_target *t, struct ss_summary *sum);

/* After an interrupted apply: "Not started: 34 create user, 1 create group, ..."
 * (nothing when every op started). */
void ss_apply_print_not_started(const struct ss_plan *p, FILE *out);

#endif
