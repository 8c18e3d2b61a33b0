/* apply FILE: a saved plan applied exactly as it was reviewed.  The target
 * objects the plan touches are read again by id (the target's lookup
 * entry, ABI 1.2), and a plan whose objects changed, went away or were
 * created meanwhile is refused (exit 9) with the list of what changed;
 * then the safety limits are evaluated again and the planned operations
 * applied as sync applies them (state store, run report, metrics). */
#ifndef SS_PLAN_APPLY_H
#define SS_PLAN_APPLY_H

#include "engine.h"
#include "plan_file.h"

/* Compares the target with what the plan expected.  Returns 0 (current),
 * the number of stale objects (>0; each logged) or <0 when the target
 * could not be read (logged).  Writes nothing. */
int ss_plan_check_stale(struct ss_plan_file *pf, const struct ss_engine_target *t,
                        const char *file);

/* The whole of apply FILE after the plan file was loaded and bound to the
 * target.  Returns an ss_exit code; fills sum. */
int ss_engine_apply_plan(struct ss_plan_file *pf, const char *file,
                         const struct ss_engine_target *t, const struct ss_engine_options *opt,
                         struct ss_summary *sum);

#endif
