/* The saved-plan commands: apply FILE and plan --show FILE. */
#include "cli_apply.h"

#include <string.h>

#include "cli_runtime.h"
#include "log.h"
#include "plan_apply.h"
#include "plan_file.h"
#include "plan_print.h"

int ss_cli_plan_show(const struct ss_cli_opts *o, const char *file, int json, FILE *out)
{
    struct ss_plan_file pf;
    struct ss_engine_options opt;
    char err[1024];
    int rc = SS_EXIT_USAGE;

    ss_cli_apply_logging(o, NULL);
    if (ss_plan_file_load(&pf, file, err, sizeof err) < 0) {
        ss_error("%s", err);
        goto out;
    }
    memset(&opt, 0, sizeof opt);
    opt.target_info = &pf.target;
    opt.source_info = pf.sources;
    opt.nsource_info = pf.nsources;
    opt.dry_run = 1;
    pf.plan.opt = &opt;
    if (!json) {
        fprintf(out,
                "Plan file %s: made %s by %s; source fingerprint %s (%zu users, %zu groups, "
                "%zu memberships)\n",
                file, pf.created ? pf.created : "?", pf.made_by ? pf.made_by : "?", pf.fingerprint,
                pf.source_users, pf.source_groups, pf.source_members);
        if (ss_plan_print_text(&pf.plan, out) < 0)
            goto out;
        fprintf(out, "Apply it with: scimsync apply %s\n", file);
    } else if (ss_plan_print_json(&pf.plan, out) < 0) {
        goto out;
    }
    rc = SS_EXIT_OK;
out:
    fflush(out);
    ss_plan_file_free(&pf);
    return rc;
}

int ss_cli_apply(const struct ss_cli_opts *o, const char *file, int force_deletes,
                 int force_updates, int json)
{
    struct ss_runtime rt;
    struct ss_engine_options opt;
    struct ss_summary sum;
    struct ss_lock lock = SS_LOCK_INIT;
    struct ss_plan_file pf;
    char err[2048];
    int rc;

    memset(&pf, 0, sizeof pf);
    rc = ss_runtime_open(&rt, o, SS_RT_RUN);
    if (rc != SS_EXIT_OK)
        return rc;
    rc = SS_EXIT_USAGE;
    if (ss_plan_file_load(&pf, file, err, sizeof err) < 0) {
        ss_error("%s", err);
        goto out;
    }
    char here[1200];
    snprintf(here, sizeof here, "[target %s], plugin %s, %s", rt.tgt.section->name,
             rt.etgt.plugin->name, rt.tgt.info.location ? rt.tgt.info.location : "?");
    if (ss_plan_file_check_target(&pf, file, rt.target_identity, here, err, sizeof err) < 0) {
        ss_error("%s; nothing applied", err);
        goto out;
    }
    const struct scimsync_plugin *d = rt.etgt.plugin;
    if (!SCIMSYNC_HAS_MEMBER(d, 2, find_groups) || !d->find_users || !d->find_groups) {
        ss_error("%s: plugin %s cannot read chosen objects (no find_users / find_groups, ABI "
                 "1.2): apply FILE needs them to check the plan is current; use sync instead",
                 rt.tgt.section->label, d->name);
        goto out;
    }
    ss_runtime_engine_options(&rt, &opt);
    opt.command = "apply";
    opt.safety.force_deletes = force_deletes;
    opt.safety.force_updates = force_updates;
    opt.json = json;
    if (json)
        opt.print_report = 1;
    if ((rc = ss_runtime_lock(&rt, "apply", &lock)) != SS_EXIT_OK)
        goto out;
    rc = ss_engine_apply_plan(&pf, file, &rt.etgt, &opt, &sum);
    fflush(stdout);
    ss_lock_release(&lock);
out:
    ss_plan_file_free(&pf);
    ss_runtime_close(&rt);
    return rc;
}
