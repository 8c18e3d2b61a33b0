/*
 * The sync pipeline: read sources -> map -> resolve -> read target ->
 * diff -> plan -> safety check -> apply.  The CLI (core/cli/) builds the
 * inputs from configuration and calls ss_engine_run(); everything below
 * this call works on data, not on configuration files.  The types it
 * takes are in engine_types.h.
 */
#ifndef SS_ENGINE_H
#define SS_ENGINE_H

#include "engine_types.h"

/* Runs one sync (or plan when dry_run).  Logs its own errors, prints the
 * plan and the summary to opt->out, fills *sum, returns an ss_exit code. */
int ss_engine_run(const struct ss_engine_source *sources, size_t nsources,
                  const struct ss_engine_target *target, const struct ss_engine_options *opt,
                  struct ss_summary *sum);

struct ss_report;
/* What a finished run leaves behind (the report file or stdout, metrics,
 * the run_end log line); apply FILE shares it with sync. */
void ss_engine_run_outputs(struct ss_report *rep, const struct ss_engine_options *opt, FILE *out);

struct ss_plan;
struct ss_state_run;
/* The apply phase that sync and apply FILE share: the plan applied wave by
 * wave (the state's journal when state is not NULL), the report's phase
 * and results, the progress line, the summary (unless a report is
 * printed).  Returns ss_apply's result: 0, or <0 when an op failed. */
int ss_engine_apply_phase(struct ss_plan *plan, size_t total_ops,
                          const struct ss_engine_target *target, struct ss_state_run *state,
                          const struct ss_engine_options *opt, struct ss_summary *sum, FILE *out);

/* Checks a source's mapping lines without reading anything (validate). */
int ss_engine_check_mapping(const struct ss_engine_source *source);

#endif
