/* The stop flag and the run's deadline (stop.c).  The names keep the
 * ss_host_ prefix: plugins see them through the host's should_stop(). */
#ifndef SS_STOP_H
#define SS_STOP_H

#include <stddef.h>

/* The stop flag: set from signal handlers, read by plugins and the daemon. */
void ss_host_request_stop(void);
int ss_host_stop_requested(void);
void ss_host_clear_stop(void);

/* The run's deadline ([engine] max_run_time): seconds from now, 0 none.
 * Once passed, plugins see should_stop() and the engine stops as for a
 * signal, but the daemon keeps running (it looks at the flag alone). */
void ss_host_set_deadline(long seconds);
int ss_host_deadline_passed(void);
/* What a run asks: a stop was requested or its deadline passed. */
int ss_host_run_should_stop(void);
/* Clean stops ([engine] stop_grace).  During the reads a signal stops the
 * run at once (nothing applied); while applying, no new operation starts
 * and the requests in flight get the grace period to finish.  The
 * daemon's run in flight ignores the signal until the grace ends.
 * ss_host_stop_level() is what plugins see through should_stop():
 * 0, SCIMSYNC_STOP_DRAIN or SCIMSYNC_STOP_NOW (the deadline, or the grace
 * is over). */
enum { SS_PHASE_READ = 0, SS_PHASE_APPLY = 1 };
void ss_host_set_stop_grace(long seconds);
void ss_host_set_phase(int phase);
void ss_host_set_finish_run(int on);
int ss_host_stop_level(void);
int ss_host_grace_over(void);
/* The run was interrupted by a signal (exit 5), not by its deadline. */
int ss_host_interrupted(void);
/* "stop requested" or "max_run_time (N s) reached", for messages. */
void ss_host_stop_reason(char *buf, size_t len);

#endif
