/* The saved-plan commands of the command line (docs/plan-file.md). */
#ifndef SS_CLI_APPLY_H
#define SS_CLI_APPLY_H

#include <stdio.h>

#include "cli_runtime.h"

/* plan --show FILE: the plan as plan prints it (text, or JSON), read from
 * the file alone (no configuration).  Returns an ss_exit code. */
int ss_cli_plan_show(const struct ss_cli_opts *o, const char *file, int json, FILE *out);

/* apply FILE: load the configuration and the plan, check the plan is
 * bound to the configured target, take the run lock, then
 * ss_engine_apply_plan.  Returns an ss_exit code. */
int ss_cli_apply(const struct ss_cli_opts *o, const char *file, int force_deletes,
                 int force_updates, int json);

#endif
