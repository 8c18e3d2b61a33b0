/* Safety limits: a plan that would remove too much of what we own is
 * refused unless forced.  Removals = user deactivations + user deletes +
 * group deletes; the population = owned target users + owned groups. */
#ifndef SS_SAFETY_H
#define SS_SAFETY_H

#include <stddef.h>

#include "engine.h"
#include "plan.h"

struct ss_safety_verdict {
    size_t removals;
    size_t population;
    double percent;   /* removals / population * 100 (0 when both are 0) */
    int over_count;   /* above max_deletes */
    int over_percent; /* above max_delete_percent */
};

/* Returns 0 when the plan may be applied (within limits, or forced: then a
 * warning is logged), 1 when it must be refused (an error is logged). */
int ss_safety_check(const struct ss_plan_counts *c, size_t owned_users, size_t owned_groups,
                    const struct ss_engine_options *opt, struct ss_safety_verdict *v);

#endif
