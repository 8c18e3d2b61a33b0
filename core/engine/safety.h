/* Safety limits: a plan that would remove or change too much of what we
 * own is refused unless forced.  Every kind of destructive change has a
 * limit of its own, measured against its own population (users removed of
 * owned users, groups deleted of owned groups, memberships removed of
 * managed memberships and of each group's members, users updated and a
 * field cleared of owned users), so one kind can never hide behind the
 * size of another.  A pure function over the plan counts and a policy:
 * no I/O besides logging its verdict. */
#ifndef SS_SAFETY_H
#define SS_SAFETY_H

#include <stddef.h>

#include "plan.h"

/* One limit: refuse above count changes, or above percent of the
 * population (subject to the policy's percent_floor). */
struct ss_limit {
    long count;     /* <0: no count limit */
    double percent; /* <0: no percentage limit */
};

/* The [engine] limits (docs/engine.md "Safety limits") and the CLI's
 * overrides.  Keys in comments. */
struct ss_safety_policy {
    struct ss_limit user_removals;   /* max_deletes, max_delete_percent */
    struct ss_limit group_deletes;   /* max_group_deletes, max_group_delete_percent */
    struct ss_limit member_removals; /* max_member_removals, max_member_removal_percent */
    double group_member_percent;     /* max_group_member_removal_percent (<0: none) */
    struct ss_limit user_updates;    /* max_user_updates, max_user_update_percent */
    struct ss_limit field_clears;    /* max_field_clears, max_field_clear_percent */
    /* A percentage refuses only more than this many changes of a kind, or
     * all of them when there are two or more (percent_floor). */
    long percent_floor;
    int force_deletes; /* --force-deletes: users, groups, memberships */
    int force_updates; /* --force-updates: updates, cleared fields */
};

/* Every limit off (tests, and callers that check nothing). */
void ss_safety_policy_off(struct ss_safety_policy *p);

enum ss_limit_kind {
    SS_LIMIT_USER_REMOVALS = 0,
    SS_LIMIT_GROUP_DELETES,
    SS_LIMIT_MEMBER_REMOVALS,
    SS_LIMIT_GROUP_MEMBERS, /* one group losing most of its members */
    SS_LIMIT_USER_UPDATES,
    SS_LIMIT_FIELD_CLEARS,
    SS_LIMIT_KIND_COUNT
};

struct ss_safety_verdict {
    unsigned over;    /* bit (1u << kind) per limit the plan exceeds */
    unsigned refused; /* the exceeded ones not forced */
    char reason[512]; /* the first refusal's message ("" when none) */
};

/* Returns 0 when the plan may be applied (within every limit, or forced:
 * then a warning is logged per exceeded limit), 1 when it must be refused
 * (one error per exceeded limit, naming the key and the numbers). */
int ss_safety_check(const struct ss_plan_counts *c, const struct ss_safety_policy *p,
                    struct ss_safety_verdict *v);

#endif
