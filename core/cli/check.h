/* `scimsync check`: tests what a run needs without writing anything. */
#ifndef SS_CHECK_H
#define SS_CHECK_H

#include <stdio.h>

#include "cli_runtime.h"

/* Prints one "PASS|WARN|FAIL  what  detail" line per check (and a hint
 * under each FAIL) to out.  Returns SS_EXIT_OK when nothing failed,
 * SS_EXIT_READ (2) otherwise. */
int ss_check_run(const struct ss_cli_opts *o, FILE *out);

#endif
