/* The sync pipeline: sources -> mapping -> resolution -> target state ->
 * diff -> plan -> safety -> apply.  Each step lives in its own file; this
 * one only sequences them and turns failures into exit codes. */
#include "engine.h"

#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "collect.h"
#include "diff.h"
#include "log.h"
#include "mapping.h"
#include "metrics.h"
#include "model.h"
#include "plan.h"
#include "plan_file.h"
#include "plan_print.h"
#include "progress.h"
#include "report.h"
#include "resolve.h"
#include "safety.h"
#include "select.h"
#include "select_read.h"
#include "staged_delete.h"
#include "state_run.h"
#include "stop.h"
#include "target_read.h"

static int check_source(const struct ss_engine_source *s)
{
    if (!s->plugin || s->plugin->kind != SCIMSYNC_PLUGIN_SOURCE || !s->plugin->source ||
        !s->plugin->source->open || !s->plugin->source->next || !s->plugin->source->close) {
        ss_error("source %s: the plugin is not a usable source plugin", s->name ? s->name : "?");
        return -1;
    }
    return 0;
}

static int check_target(const struct ss_engine_target *t)
{
    const struct scimsync_target_ops *ops = t->plugin ? t->plugin->target : NULL;
    if (!t->plugin || t->plugin->kind != SCIMSYNC_PLUGIN_TARGET || !ops || !ops->list_users ||
        !ops->list_groups || !ops->list_members || !ops->apply) {
        ss_error("target %s: the plugin is not a usable target plugin", t->name ? t->name : "?");
        return -1;
    }
    return 0;
}

int ss_engine_check_mapping(const struct ss_engine_source *source)
{
    struct ss_mapping m;
    if (check_source(source) < 0)
        return SS_EXIT_USAGE;
    if (ss_mapping_build(&m, source->name, source->plugin->source->default_mapping, source->mapping,
                         source->nmapping) < 0)
        return SS_EXIT_USAGE;
    ss_mapping_free(&m);
    return SS_EXIT_OK;
}

/* A read cut short because the run must stop says why, once.  A signal
 * makes it an interruption (exit 5), a deadline a failed read (exit 2). */
static int read_stopped(int *rc)
{
    char why[64];
    if (!ss_host_run_should_stop())
        return 0;
    ss_host_stop_reason(why, sizeof why);
    if (ss_host_interrupted()) {
        ss_warn("%s while reading; nothing applied (interrupted, exit code 5)", why);
        *rc = SS_EXIT_INTERRUPTED;
    } else {
        ss_error("%s while reading; nothing applied", why);
    }
    return 1;
}

/* The pre-flight of plan / sync: the target's URL and token, before a
 * long source read (a plugin without a check entry is not asked). */
static void precheck_report(void *ctx, enum scimsync_check_status st, const char *what,
                            const char *detail, const char *hint)
{
    const struct ss_engine_target *t = ctx;
    if (st != SCIMSYNC_CHECK_FAIL)
        return;
    if (strcmp(what, "token") == 0) /* the words of the plugin's own 401 message */
        ss_error("target %s: SCIM token rejected (expired or wrong tenant?): %s%s%s", t->name,
                 detail ? detail : "", hint ? "; " : "", hint ? hint : "");
    else
        ss_error("target %s: %s: %s%s%s", t->name, what, detail ? detail : "", hint ? "; " : "",
                 hint ? hint : "");
}

static int precheck_target(const struct ss_engine_target *t)
{
    const struct scimsync_plugin *d = t->plugin;
    if (!SCIMSYNC_HAS_MEMBER(d, 1, check) || !d->check)
        return 0;
    int rc = d->check(t->inst, SCIMSYNC_CHECK_QUICK, precheck_report, (void *)t);
    if (rc == SCIMSYNC_ERR_STOPPED || (rc < 0 && ss_host_run_should_stop()))
        return -1; /* read_stopped() says why */
    if (rc < 0) {
        ss_error("target %s: the target is not usable; nothing read, nothing applied "
                 "(scimsync check tells more)",
                 t->name);
        return -1;
    }
    return 0;
}

static int print_plan(struct ss_plan *plan, const struct ss_engine_options *opt, FILE *out,
                      struct ss_report *rep)
{
    int r;

    plan->opt = opt; /* target, sources, dry run: for the header */
    if (opt->print_report) {
        /* the report replaces the text; --json keeps the plan inside it */
        size_t len = 0;
        FILE *mem;
        if (!opt->report_with_plan)
            return 0;
        mem = open_memstream(&rep->plan_json, &len);
        if (!mem) {
            ss_error("out of memory printing the plan");
            return -1;
        }
        r = ss_plan_print_json(plan, mem);
        if (fclose(mem) != 0)
            r = -1;
        return r;
    }
    r = opt->json ? ss_plan_print_json(plan, out) : ss_plan_print_text(plan, out);
    fflush(out);
    return r;
}

/* A run that skipped source entries for data errors must not look like a
 * clean one: the valid rest is applied, the exit code says what was not. */
int ss_engine_apply_phase(struct ss_plan *plan, size_t total_ops,
                          const struct ss_engine_target *target, struct ss_state_run *state,
                          const struct ss_engine_options *opt, struct ss_summary *sum, FILE *out)
{
    struct ss_apply_hook hook;
    ss_host_set_phase(SS_PHASE_APPLY);
    ss_report_phase_begin(SS_RUN_APPLY);
    ss_progress_begin("apply", total_ops, "operations");
    if (state)
        ss_state_run_apply_hook(state, &hook);
    int r = total_ops ? ss_apply_hooked(plan, target, sum, state ? &hook : NULL) : 0;
    ss_progress_end();
    ss_report_phase_end(SS_RUN_APPLY);
    ss_report_apply_results(plan);
    if (!opt->print_report)
        ss_summary_print(sum, opt->json, out);
    return r;
}

static int invalid_exit(const struct ss_summary *sum, int dry_run)
{
    if (!sum->invalid)
        return SS_EXIT_OK;
    ss_error("%zu source %s skipped because of data errors (reported above); %s (exit code 6)",
             sum->invalid, sum->invalid == 1 ? "entry was" : "entries were",
             dry_run ? "a sync would apply the rest" : "the rest was applied");
    return SS_EXIT_SKIPPED;
}

static size_t member_count(const struct ss_dir *d)
{
    return d->mem_off ? d->mem_off[d->ngroups] : 0;
}

static int run_pipeline(const struct ss_engine_source *sources, size_t nsources,
                        const struct ss_engine_target *target, const struct ss_engine_options *opt,
                        struct ss_summary *sum, struct ss_report *rep)
{
    int rc = SS_EXIT_USAGE;
    FILE *out = opt->out ? opt->out : stdout;
    struct ss_mapping *maps = NULL;
    size_t nmaps = 0;
    const char *xnames[SS_MAX_EXTRA];
    int nx;
    struct ss_dir src, tgt;
    struct ss_collector col;
    struct ss_plan plan;
    int have_plan = 0;
    struct ss_state_run *state = NULL;
    int printed = 0; /* a dry-run plan was printed as text */
    /* sync --user / --group: narrowed reads, the plan restricted to it */
    struct scimsync_selection selbuf;
    const struct scimsync_selection *sel = ss_select_from_options(opt, &selbuf);
    struct ss_select_read sread;
    struct ss_pick pick = {0};
    struct ss_dir src_full; /* sel: the source as read; src is narrowed */

    memset(sum, 0, sizeof(*sum));
    ss_host_set_deadline(opt->max_run_time);
    ss_host_set_phase(SS_PHASE_READ);
    ss_dir_init(&src);
    ss_dir_init(&tgt);
    ss_dir_init(&src_full);
    ss_select_read_init(&sread, target, &selbuf, &tgt);
    ss_collector_init(&col, &src);
    if (nsources == 0) {
        ss_error("no source configured");
        goto out;
    }
    if (check_target(target) < 0)
        goto out;
    if (sel && ss_select_check_plugins(sources, nsources, target, sel) < 0)
        goto out;
    maps = calloc(nsources, sizeof(*maps));
    if (!maps) {
        ss_error("out of memory");
        goto out;
    }
    for (; nmaps < nsources; nmaps++) {
        const struct ss_engine_source *s = &sources[nmaps];
        if (check_source(s) < 0 ||
            ss_mapping_build(&maps[nmaps], s->name, s->plugin->source->default_mapping, s->mapping,
                             s->nmapping) < 0)
            goto out;
    }
    /* extra.NAME lines of all the mappings: one index for both sides */
    if ((nx = ss_mapping_bind_extras(maps, nmaps, xnames)) < 0)
        goto out;
    src.xnames = tgt.xnames = xnames;
    src.nx = tgt.nx = (size_t)nx;
    tgt.x_from_target = ss_target_has_extras(target->plugin);

    if (ss_staged_check_options(opt) < 0)
        goto out;
    /* The state first: source plugins may read their values from it. */
    rc = ss_state_run_open(&state, opt);
    if (rc != SS_EXIT_OK)
        goto out;

    /* Read everything before planning: a failed or partial read must
     * never turn into deletions. */
    rc = SS_EXIT_READ;
    if (opt->precheck) {
        /* with a usable state its check is the pre-flight: one request
         * (a narrowed run reads no snapshot from the state) */
        int pc = sel ? 0 : ss_state_run_precheck(state, target);
        if (pc < 0 || (pc == 0 && precheck_target(target) < 0)) {
            read_stopped(&rc);
            goto out;
        }
    }
    if (sel) {
        /* the target object by name first: its externalId finds the
         * source entry even when it was renamed since */
        if (ss_select_read_named(&sread) < 0) {
            read_stopped(&rc);
            goto out;
        }
        col.selection = sel;
    }
    ss_report_phase_begin(SS_RUN_SOURCE_READ);
    ss_progress_begin("source read", 0, "entries");
    for (size_t i = 0; i < nsources; i++) {
        if (ss_collect_source(&col, &sources[i], &maps[i]) < 0) {
            ss_progress_end();
            if (col.selection_refused)
                rc = SS_EXIT_USAGE;
            read_stopped(&rc);
            goto out;
        }
    }
    ss_progress_end();
    if (ss_resolve(&col) < 0)
        goto out;
    ss_report_phase_end(SS_RUN_SOURCE_READ);
    sum->skipped = sum->invalid = col.skipped;
    rep->users_in_scope = src.nusers;
    rep->groups_in_scope = src.ngroups;
    rep->skipped_invalid = col.skipped;
    {
        struct ss_log_field f[] = {
            SS_LF_I("users", src.nusers),
            SS_LF_I("groups", src.ngroups),
            SS_LF_I("skipped", col.skipped),
            SS_LF_D("duration_seconds", rep->phase_seconds[SS_RUN_SOURCE_READ]),
        };
        ss_log_event(SCIMSYNC_LOG_INFO, NULL, "sources_read", f, 4,
                     "sources: %zu users and %zu groups to sync, %zu entries skipped", src.nusers,
                     src.ngroups, col.skipped);
    }
    ss_collector_free(&col);
    ss_report_phase_begin(SS_RUN_TARGET_READ);
    ss_progress_begin("target read", 0, "objects");
    int tr;
    if (sel) {
        tr = ss_select_pick(&src, sel, &pick);
        if (tr == 0)
            tr = ss_select_read_rest(&sread, &src, &pick);
        if (tr == 0) {
            /* src becomes the narrowed snapshot; its strings stay in src_full */
            src_full = src;
            ss_dir_init(&src);
            src.xnames = xnames;
            src.nx = (size_t)nx;
            tr = ss_select_build(&src_full, &pick, sel, &tgt, &src);
            rep->users_in_scope = src.nusers; /* what this run syncs */
            rep->groups_in_scope = src.ngroups;
        }
        if (tr == 0) /* staged deletes: the times are the state's */
            ss_state_run_fill_deactivated(state, &tgt);
        if (tr == 0 && src.nusers == 0 && src.ngroups == 0 && tgt.nusers == 0 && tgt.ngroups == 0) {
            char what[300];
            ss_select_describe(sel, what, sizeof what);
            ss_error("%s: no such %s in the sources or in the target; nothing to do", what,
                     sel->kind == SCIMSYNC_ENTRY_USER ? "user" : "group");
            ss_progress_end();
            ss_report_phase_end(SS_RUN_TARGET_READ);
            rc = SS_EXIT_USAGE;
            goto out;
        }
    } else {
        tr = ss_state_run_read_target(state, target, &src, opt->adopt, &tgt);
    }
    ss_progress_end();
    ss_report_phase_end(SS_RUN_TARGET_READ);
    if (tr < 0) {
        read_stopped(&rc);
        goto out;
    }
    if (read_stopped(&rc))
        goto out;
    rep->target_users = tgt.nusers;
    rep->target_groups = tgt.ngroups;
    rep->target_memberships = member_count(&tgt);

    ss_report_phase_begin(SS_RUN_PLAN);
    if (ss_plan_init(&plan, &src, &tgt) < 0)
        goto out;
    have_plan = 1;
    if (opt->on_missing == SS_ON_MISSING_STAGED) {
        plan.staged = 1;
        plan.delete_after = opt->delete_after;
        if (ss_staged_now(&plan.now) < 0) {
            rc = SS_EXIT_USAGE;
            goto out;
        }
    }
    struct ss_diff_policy pol = {
        .on_missing = opt->on_missing, .adopt = opt->adopt, .scope = opt->scope};
    if (ss_diff(&src, &tgt, &pol, &plan) < 0)
        goto out;
    if (sel) {
        ss_select_restrict(&plan, sel);
        if (sel->kind != SCIMSYNC_ENTRY_USER)
            plan.npending = 0; /* --group deactivates no one */
    }
    rep->staged = plan.staged;
    sum->skipped += plan.blocked;
    rep->skipped_blocked = plan.blocked;
    rep->scope_users = plan.ignored_users;
    rep->scope_groups = plan.ignored_groups;
    rep->scope_target_users = plan.ignored_target_users;
    rep->scope_target_groups = plan.ignored_target_groups;

    struct ss_plan_counts counts;
    struct ss_safety_verdict verdict;
    ss_plan_count(&plan, &counts);
    rep->planned = 1;
    rep->plan = counts;
    rep->plan.group_losses = NULL; /* points into the plan */
    rep->plan.ngroup_losses = 0;
    ss_report_phase_end(SS_RUN_PLAN);
    if (print_plan(&plan, opt, out, rep) < 0)
        goto out;
    if (opt->plan_out) {
        if (ss_plan_file_write(&plan, opt, opt->plan_out) < 0) {
            rc = SS_EXIT_USAGE;
            goto out;
        }
        ss_info("plan saved in %s: review it with 'scimsync plan --show %s', apply it with "
                "'scimsync apply %s'",
                opt->plan_out, opt->plan_out, opt->plan_out);
    }
    /* the report on stdout carries no text lines */
    printed = opt->dry_run && !opt->json && !opt->print_report;
    struct ss_safety_policy policy = opt->safety;
    if (sel)
        ss_select_safety(&policy);
    int refused = ss_safety_check(&counts, &policy, &verdict) != 0;
    ss_report_safety(&counts, &policy, &verdict);
    if (refused) {
        if (!opt->dry_run && opt->refused_plan_dir)
            ss_plan_save_refused(&plan, opt, rep->run_id, verdict.refused);
        ss_state_run_finish(state, 0); /* keeps a full read for the next run */
        rc = SS_EXIT_SAFETY;
        goto out;
    }
    if (opt->dry_run) {
        rc = invalid_exit(sum, 1);
        if (rc == SS_EXIT_OK && opt->exit_code_changes && counts.total_ops)
            rc = SS_EXIT_CHANGES;
        goto out;
    }
    if (read_stopped(&rc)) /* a signal while planning: still nothing applied */
        goto out;
    int r = ss_engine_apply_phase(&plan, counts.total_ops, target, state, opt, sum, out);
    if (sum->interrupted) {
        size_t done = sum->users_created + sum->users_updated + sum->users_deactivated +
                      sum->users_deleted + sum->groups_created + sum->groups_updated +
                      sum->groups_deleted;
        /* the report says the same (interrupted, changes.*.not_started) */
        if (!opt->print_report) {
            fprintf(out,
                    "Interrupted: %zu user / group operations done (members %zu added, %zu "
                    "removed), %zu operations not started (left for the next run), %zu failed.\n",
                    done, sum->members_added, sum->members_removed, sum->not_started, sum->failed);
            ss_apply_print_not_started(&plan, out);
        }
        ss_warn("run interrupted: %zu operations not started; nothing counted as failed for the "
                "stop (exit code 5)",
                sum->not_started);
    }
    fflush(out);
    rc = r != 0 ? SS_EXIT_PARTIAL : invalid_exit(sum, 0);
    if (ss_state_run_note_staged(state, &plan, !sel || sel->kind == SCIMSYNC_ENTRY_USER) < 0 &&
        rc == SS_EXIT_OK)
        rc = SS_EXIT_PARTIAL;
    if (sum->interrupted)
        rc = SS_EXIT_INTERRUPTED;
    /* What was answered is in the state even when the run stopped; plugin
     * values only after a clean run. */
    /* A narrowed run records its ops, never the plugins' values (its
     * source read was not a full one). */
    if (ss_state_run_finish(state, rc == SS_EXIT_OK && !sel) < 0 && rc == SS_EXIT_OK)
        rc = SS_EXIT_PARTIAL;
    if (r != 0 && !ss_host_stop_requested() && ss_host_deadline_passed())
        ss_error("max_run_time (%ld s) reached while applying: the operations not attempted are "
                 "left for the next run",
                 opt->max_run_time);
out:
    ss_state_run_close(state);
    if (rc == SS_EXIT_INTERRUPTED)
        sum->interrupted = 1;
    /* Last line of a dry run, whatever stopped it: no doubt left about
     * whether the target was touched. */
    if (printed) {
        fputs("Dry run: nothing was applied to the target.\n", out);
        fflush(out);
    }
    ss_host_set_deadline(0);
    ss_host_set_phase(SS_PHASE_READ);
    if (have_plan)
        ss_plan_free(&plan);
    ss_collector_free(&col);
    for (size_t i = 0; i < nmaps; i++)
        ss_mapping_free(&maps[i]);
    free(maps);
    ss_dir_free(&src);
    ss_dir_free(&src_full);
    ss_dir_free(&tgt);
    ss_select_read_free(&sread);
    ss_pick_free(&pick);
    return rc;
}

/* What a finished run leaves behind: the report (file, stdout), the
 * metrics (textfile, EMF) and one structured log line. */
void ss_engine_run_outputs(struct ss_report *rep, const struct ss_engine_options *opt, FILE *out)
{
    size_t changed = 0; /* objects and member values */
    for (int k = 0; k < SS_KIND_COUNT; k++)
        changed += rep->counts[k][SS_ACT_CREATED] + rep->counts[k][SS_ACT_UPDATED] +
                   rep->counts[k][SS_ACT_DEACTIVATED] + rep->counts[k][SS_ACT_DELETED];
    struct ss_log_field f[] = {
        SS_LF_S("run_id", rep->run_id),
        SS_LF_I("exit_code", rep->exit_code),
        SS_LF_D("duration_seconds", rep->end - rep->start),
        SS_LF_D("source_read_seconds", rep->phase_seconds[SS_RUN_SOURCE_READ]),
        SS_LF_D("target_read_seconds", rep->phase_seconds[SS_RUN_TARGET_READ]),
        SS_LF_D("plan_seconds", rep->phase_seconds[SS_RUN_PLAN]),
        SS_LF_D("apply_seconds", rep->phase_seconds[SS_RUN_APPLY]),
        SS_LF_I("changed", changed),
        SS_LF_I("failed", rep->ops_failed), /* operations */
        SS_LF_I("not_attempted", rep->ops_not_attempted),
        SS_LF_I("not_started", rep->ops_not_started),
        SS_LF_I("skipped", rep->skipped_invalid + rep->skipped_blocked),
        SS_LF_I("requests_throttled", rep->throttled),
        SS_LF_I("request_retries", rep->retries),
        SS_LF_I("interrupted", rep->interrupted),
    };
    ss_log_event(SCIMSYNC_LOG_INFO, NULL, "run_end", f, sizeof f / sizeof f[0],
                 "run %s ended with exit code %d after %.1f s", rep->run_id, rep->exit_code,
                 rep->end - rep->start);
    if (opt->report_path && *opt->report_path) {
        char *text = ss_report_render(rep, 1, 0);
        if (text) {
            size_t n = strlen(text);
            char *nl = realloc(text, n + 2);
            if (nl) {
                text = nl;
                memcpy(text + n, "\n", 2);
                ss_write_file_atomic(opt->report_path, text, "report");
            }
        }
        free(text);
    }
    if (opt->print_report) {
        /* --json: an indented document with the plan; JSON logs: one line */
        char *text = ss_report_render(rep, opt->report_with_plan, opt->report_with_plan);
        if (text)
            fprintf(out, "%s\n", text);
        free(text);
        fflush(out);
    }
    /* A narrowed run's counts (one user in scope) would look like a
     * directory that shrank to a metrics alarm: it writes none. */
    if (!opt->dry_run && !opt->select_user && !opt->select_group)
        ss_metrics_after_run(rep, opt->metrics_textfile, opt->metrics_emf, opt->metrics_namespace,
                             opt->metrics_dimensions, out);
}

int ss_engine_run(const struct ss_engine_source *sources, size_t nsources,
                  const struct ss_engine_target *target, const struct ss_engine_options *opt,
                  struct ss_summary *sum)
{
    struct ss_report rep;
    FILE *out = opt->out ? opt->out : stdout;
    int rc;

    ss_report_begin(&rep, opt->command, opt->dry_run, opt->config_files, opt->nconfig_files);
    {
        struct ss_log_field f[] = {SS_LF_S("run_id", rep.run_id), SS_LF_S("command", rep.command)};
        ss_log_event(SCIMSYNC_LOG_DEBUG, NULL, "run_start", f, 2, "run %s started (%s)", rep.run_id,
                     rep.command);
    }
    rep.select_user = opt->select_user;
    rep.select_group = opt->select_group;
    rc = run_pipeline(sources, nsources, target, opt, sum, &rep);
    ss_report_finish(&rep, rc);
    ss_engine_run_outputs(&rep, opt, out);
    ss_report_free(&rep);
    return rc;
}
