#include "safety.h"

#include <string.h>

#include "log.h"

int ss_safety_check(const struct ss_plan_counts *c, size_t owned_users, size_t owned_groups,
                    const struct ss_engine_options *opt, struct ss_safety_verdict *v)
{
    memset(v, 0, sizeof(*v));
    v->removals = c->users_deactivate + c->users_delete + c->groups_delete;
    v->population = owned_users + owned_groups;
    if (v->population)
        v->percent = (double)v->removals * 100.0 / (double)v->population;
    else
        v->percent = v->removals ? 100.0 : 0.0;
    v->over_count = opt->max_deletes >= 0 && v->removals > (size_t)opt->max_deletes;
    v->over_percent = opt->max_delete_percent >= 0 && v->percent > opt->max_delete_percent;
    if (!v->over_count && !v->over_percent)
        return 0;
    char limit[128];
    if (v->over_count)
        snprintf(limit, sizeof(limit), "max_deletes = %ld", opt->max_deletes);
    else
        snprintf(limit, sizeof(limit), "max_delete_percent = %g", opt->max_delete_percent);
    if (opt->force_deletes) {
        ss_warn("the plan removes %zu of %zu owned objects (%.1f%%), over %s; applying anyway "
                "(force_deletes)",
                v->removals, v->population, v->percent, limit);
        return 0;
    }
    ss_error("refused: the plan removes %zu of %zu owned objects (%.1f%%), over %s; nothing "
             "applied (check the sources, or rerun with --force-deletes)",
             v->removals, v->population, v->percent, limit);
    return 1;
}
