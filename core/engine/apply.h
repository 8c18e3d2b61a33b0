/* Apply: the plan's waves, each one target->apply() call of independent
 * ops.  Ops whose prerequisite failed (members of a group whose create
 * failed, a fix-up whose manager was not created) are not attempted. */
#ifndef SS_APPLY_H
#define SS_APPLY_H

#include "engine_types.h"
#include "plan.h"

/* Fills the apply counters of sum (created ... failed).  Returns 0 when
 * every op succeeded, 1 when some failed or were not attempted, <0 when
 * the engine itself failed (no memory; logged). */
int ss_apply(struct ss_plan *p, const struct ss_engine_target *t, struct ss_summary *sum);

/* Called after every chunk of at most `chunk` ops the target answered (the
 * state store records them); <0 stops the apply (no memory). */
struct ss_apply_hook {
    size_t chunk;
    int (*after)(void *ctx, const struct scimsync_op *ops, size_t n);
    void *ctx;
};
int ss_apply_hooked(struct ss_plan *p, const struct ss_engine_target *t, struct ss_summary *sum,
                    const struct ss_apply_hook *hook);
/* After an interrupted apply: "Not started: 34 create user, 1 create group, ..."
 * (nothing when every op started). */
void ss_apply_print_not_started(const struct ss_plan *p, FILE *out);
/* The host's op_done callback: op of the apply() call in progress is
 * finished (progress, and the HTTP status the report names). */
void ss_apply_op_done(const struct scimsync_op *op, long http_status);

#endif
