/* [engine] refused_plan_dir: a plan the safety limits refused is kept for
 * review (plan --show) and approval (apply --force-deletes), so a mass
 * deletion that is wanted does not need a second full read. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "plan_file.h"
#include "safety.h"

int ss_plan_save_refused(const struct ss_plan *p, const struct ss_engine_options *opt,
                         const char *run_id, unsigned refused)
{
    const unsigned deletes = (1u << SS_LIMIT_USER_REMOVALS) | (1u << SS_LIMIT_GROUP_DELETES) |
                             (1u << SS_LIMIT_MEMBER_REMOVALS) | (1u << SS_LIMIT_GROUP_MEMBERS);
    const unsigned updates = (1u << SS_LIMIT_USER_UPDATES) | (1u << SS_LIMIT_FIELD_CLEARS);
    const char *dir = opt->refused_plan_dir;
    char path[4096], flags[64] = "", binding[32];
    int n;

    ss_plan_file_binding(opt->target_identity, binding, sizeof binding);
    uint64_t h = ss_plan_file_source_fingerprint(p->src) ^ strtoull(binding + 8, NULL, 16);
    n = snprintf(path, sizeof path, "%s/plan-%016" PRIx64 ".json", dir, h);
    if (n < 0 || (size_t)n >= sizeof path) {
        ss_error("[engine] refused_plan_dir: %s: path too long; the refused plan is not saved",
                 dir);
        return -1;
    }
    if (mkdir(dir, 0700) < 0 && errno != EEXIST) {
        ss_error("[engine] refused_plan_dir: cannot create %s: %s; the refused plan is not saved",
                 dir, strerror(errno));
        return -1;
    }
    if (ss_plan_file_write(p, opt, path) < 0) {
        ss_error("[engine] refused_plan_dir: the refused plan is not saved");
        return -1;
    }
    if (refused & deletes)
        strcat(flags, " --force-deletes");
    if (refused & updates)
        strcat(flags, " --force-updates");
    struct ss_log_field f[] = {SS_LF_S("plan_file", path), SS_LF_S("run_id", run_id)};
    ss_log_event(SCIMSYNC_LOG_WARN, NULL, "refused_plan_saved", f, 2,
                 "the refused plan is saved in %s: review it with 'scimsync plan --show %s', "
                 "approve it with 'scimsync apply%s %s' (with this run's -c / --conf-dir)",
                 path, path, flags, path);
    return 0;
}
