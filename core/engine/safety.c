#include "safety.h"

#include <stdio.h>
#include <string.h>

#include "log.h"
#include "model.h"

void ss_safety_policy_off(struct ss_safety_policy *p)
{
    const struct ss_limit off = {-1, -1.0};
    memset(p, 0, sizeof(*p));
    p->user_removals = p->group_deletes = p->member_removals = off;
    p->user_updates = p->field_clears = off;
    p->group_member_percent = -1.0;
}

static double percent_of(size_t n, size_t population)
{
    if (population)
        return (double)n * 100.0 / (double)population;
    return n ? 100.0 : 0.0;
}

/* Whether a percentage may judge n changes of a population: above the
 * floor, or all of them when there are two or more (an emptied source
 * looks exactly like that, however small the population). */
static int percent_applies(size_t n, size_t population, long floor)
{
    if (floor < 0 || n > (size_t)floor)
        return 1;
    return n >= 2 && n >= population;
}

/* The key a change count exceeds, or NULL when within the limit. */
static const char *over(size_t n, size_t population, const struct ss_limit *l, long floor,
                        const char *count_key, const char *percent_key, char *limit,
                        size_t limitlen)
{
    if (l->count >= 0 && n > (size_t)l->count) {
        snprintf(limit, limitlen, "%s = %ld", count_key, l->count);
        return count_key;
    }
    if (l->percent >= 0 && percent_of(n, population) > l->percent &&
        percent_applies(n, population, floor)) {
        snprintf(limit, limitlen, "%s = %g", percent_key, l->percent);
        return percent_key;
    }
    return NULL;
}

/* Logs one exceeded limit: an error when it refuses, a warning when the
 * force flag overrides it.  what: "deletes 5 of 5 owned groups". */
static void report(struct ss_safety_verdict *v, enum ss_limit_kind kind, int forced,
                   const char *what, double pct, const char *limit)
{
    const char *flag = kind <= SS_LIMIT_GROUP_MEMBERS ? "--force-deletes" : "--force-updates";
    const char *check =
        kind <= SS_LIMIT_GROUP_MEMBERS ? "the sources" : "the mapping and the sources";
    v->over |= 1u << kind;
    if (forced) {
        ss_warn("the plan %s (%.1f%%), over %s; applying anyway (%s)", what, pct, limit, flag);
        return;
    }
    v->refused |= 1u << kind;
    char msg[sizeof(v->reason)];
    snprintf(msg, sizeof(msg),
             "refused: the plan %s (%.1f%%), over %s; nothing applied (check %s, or rerun with "
             "%s)",
             what, pct, limit, check, flag);
    ss_error("%s", msg);
    if (!v->reason[0])
        memcpy(v->reason, msg, sizeof(msg));
}

static void check_kind(struct ss_safety_verdict *v, enum ss_limit_kind kind, int forced, size_t n,
                       size_t population, const struct ss_limit *l, long floor,
                       const char *count_key, const char *percent_key, const char *verb,
                       const char *noun)
{
    char limit[96], what[160];
    if (!over(n, population, l, floor, count_key, percent_key, limit, sizeof(limit)))
        return;
    snprintf(what, sizeof(what), "%s %zu of %zu %s", verb, n, population, noun);
    report(v, kind, forced, what, percent_of(n, population), limit);
}

/* The group losing the largest share of its members among those the
 * percentage may judge; NULL when none exceeds the limit. */
static const struct ss_group_loss *worst_group(const struct ss_plan_counts *c,
                                               const struct ss_safety_policy *p)
{
    const struct ss_group_loss *worst = NULL;
    double worst_pct = -1.0;
    if (p->group_member_percent < 0)
        return NULL;
    for (size_t i = 0; i < c->ngroup_losses; i++) {
        const struct ss_group_loss *g = &c->group_losses[i];
        double pct = percent_of(g->removed, g->members);
        if (pct <= p->group_member_percent ||
            !percent_applies(g->removed, g->members, p->percent_floor))
            continue;
        if (pct > worst_pct || (pct == worst_pct && g->removed > worst->removed)) {
            worst = g;
            worst_pct = pct;
        }
    }
    return worst;
}

int ss_safety_check(const struct ss_plan_counts *c, const struct ss_safety_policy *p,
                    struct ss_safety_verdict *v)
{
    memset(v, 0, sizeof(*v));
    long floor = p->percent_floor;
    int fd = p->force_deletes, fu = p->force_updates;

    check_kind(v, SS_LIMIT_USER_REMOVALS, fd, c->users_deactivate + c->users_delete, c->owned_users,
               &p->user_removals, floor, "max_deletes", "max_delete_percent",
               "deactivates or deletes", "owned users");
    check_kind(v, SS_LIMIT_GROUP_DELETES, fd, c->groups_delete, c->owned_groups, &p->group_deletes,
               floor, "max_group_deletes", "max_group_delete_percent", "deletes", "owned groups");
    check_kind(v, SS_LIMIT_MEMBER_REMOVALS, fd, c->members_remove, c->managed_members,
               &p->member_removals, floor, "max_member_removals", "max_member_removal_percent",
               "removes", "managed memberships");
    const struct ss_group_loss *g = worst_group(c, p);
    if (g) {
        char limit[96], what[192];
        snprintf(limit, sizeof(limit), "max_group_member_removal_percent = %g",
                 p->group_member_percent);
        snprintf(what, sizeof(what), "removes %zu of the %zu members of group \"%.64s\"",
                 g->removed, g->members, g->name ? g->name : "?");
        report(v, SS_LIMIT_GROUP_MEMBERS, fd, what, percent_of(g->removed, g->members), limit);
    }
    /* Each field on its own, before updates in general: one field emptied
     * everywhere is the mapping typo signature, and its name the cause. */
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        char verb[64];
        if (!c->fields_cleared[f])
            continue;
        snprintf(verb, sizeof(verb), "clears %s on", ss_user_field_name(f));
        check_kind(v, SS_LIMIT_FIELD_CLEARS, fu, c->fields_cleared[f], c->owned_users,
                   &p->field_clears, floor, "max_field_clears", "max_field_clear_percent", verb,
                   "owned users");
    }
    for (size_t k = 0; k < c->nextra; k++) {
        char verb[96];
        if (!c->extras_cleared[k])
            continue;
        snprintf(verb, sizeof(verb), "clears extra.%.64s on", c->extra_names[k]);
        check_kind(v, SS_LIMIT_FIELD_CLEARS, fu, c->extras_cleared[k], c->owned_users,
                   &p->field_clears, floor, "max_field_clears", "max_field_clear_percent", verb,
                   "owned users");
    }
    check_kind(v, SS_LIMIT_USER_UPDATES, fu, c->users_update, c->owned_users, &p->user_updates,
               floor, "max_user_updates", "max_user_update_percent", "updates", "owned users");
    return v->refused ? 1 : 0;
}
