/* scimsync daemon: a sync every [engine] interval (+ jitter) seconds. */
#ifndef SS_DAEMON_H
#define SS_DAEMON_H

#include "cli_runtime.h"

/* Runs until SIGTERM / SIGINT; SIGHUP reloads configuration and plugins
 * before the next run.  Returns SS_EXIT_OK when stopped by a signal,
 * SS_EXIT_USAGE when the configuration does not load at start. */
int ss_daemon_run(const struct ss_cli_opts *o, int force_deletes, int force_updates);

#endif
