/* Progress of the long phases (source read, target read, apply): on a
 * terminal one live status line on stderr (phase, done / total, rate,
 * ETA), cleared at the end; otherwise an info log line every
 * [engine] progress_interval seconds.  Off with -q. */
#ifndef SS_PROGRESS_H
#define SS_PROGRESS_H

#include <stddef.h>

/* interval: seconds between log lines (0: none); live: draw the status
 * line (stderr is a terminal).  Quiet runs pass interval 0, live 0. */
void ss_progress_configure(long interval, int live);

/* Starts a phase: name ("source read", "target read", "apply"), total
 * units (0: unknown), unit name for messages ("entries", "operations"). */
void ss_progress_begin(const char *phase, size_t total, const char *unit);
/* n more units done. */
void ss_progress_add(size_t n);
/* Ends the phase: clears the live line. */
void ss_progress_end(void);

/* Pure formatting, for the tests: "apply: 120/2000 operations (6%),
 * 19.8/s, ETA 1m35s" from the numbers. */
void ss_progress_format(char *buf, size_t cap, const char *phase, size_t done, size_t total,
                        const char *unit, double elapsed);

#endif
