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
                  const struct ss_engine_target *target,
                  const struct ss_engine_options *opt, struct ss_summary *sum);

/* Checks a source's mapping lines without reading anything (validate). */
int ss_engine_check_mapping(const struct ss_engine_source *source);

#endif
