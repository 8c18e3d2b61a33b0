/* Repeated warnings of one kind: the first few are logged, the rest are
 * counted and summarized once, so 10,000 bad rows do not flood the log. */
#ifndef SS_WARNCAP_H
#define SS_WARNCAP_H

#include <scimsync/plugin.h>
#include <stddef.h>

#define SS_WARNCAP_DEFAULT 20

struct ss_warncap {
    const char *what; /* "unknown member refs" */
    int level;        /* SCIMSYNC_LOG_* */
    size_t limit;
    size_t count;
};

#define SS_WARNCAP_INIT(what_, level_)                                                             \
    {                                                                                              \
        (what_), (level_), SS_WARNCAP_DEFAULT, 0                                                   \
    }

void ss_warncap_log(struct ss_warncap *w, const char *fmt, ...) SCIMSYNC_PRINTF(2, 3);
/* Counts one; 1 when it is still to be logged (for callers that log it
 * themselves, e.g. as a structured event). */
int ss_warncap_take(struct ss_warncap *w);
/* Logs "N <what> in total (M not shown)" when some were suppressed. */
void ss_warncap_total(const struct ss_warncap *w);

#endif
