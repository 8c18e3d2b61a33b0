/* Diff: source snapshot vs target snapshot -> plan, under the ownership
 * rules (docs/engine.md): only target objects with a non-empty externalId
 * are ours; objects without one are adopted by name only when asked. */
#ifndef SS_DIFF_H
#define SS_DIFF_H

#include "engine_types.h"
#include "model.h"
#include "plan.h"

/* What the diff decides by: the [engine] keys it obeys, nothing else of
 * the run's options (no output, no format). */
struct ss_diff_policy {
    enum ss_on_missing on_missing;
    int adopt;                    /* adopt target objects without externalId by name */
    const struct ss_scope *scope; /* ignore_users / ignore_groups / include_groups; NULL: all */
};

/* plan must be initialized on (src, tgt).  Returns 0 or <0 (logged). */
int ss_diff(const struct ss_dir *src, const struct ss_dir *tgt, const struct ss_diff_policy *pol,
            struct ss_plan *plan);

/* Set difference of two sorted, duplicate-free arrays: a \ b into out
 * (room for na).  Returns the count. */
size_t ss_set_minus(const uint32_t *a, size_t na, const uint32_t *b, size_t nb, uint32_t *out);

#endif
