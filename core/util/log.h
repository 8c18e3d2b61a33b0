/* Logging to stderr: text or one JSON object a line.  Never pass secrets. */
#ifndef SS_LOG_H
#define SS_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <scimsync/plugin.h>

/* Longest message kept; longer ones are cut (a log line, not a payload). */
#define SS_LOG_MSG_MAX 4096

enum ss_log_format { SS_LOG_TEXT = 0, SS_LOG_JSON = 1 };

void ss_log_set_level(int level);            /* SCIMSYNC_LOG_* */
int ss_log_get_level(void);
void ss_log_set_format(enum ss_log_format f);
/* component: "core", "source ad", "target idc", ... (may be NULL) */
void ss_log(int level, const char *component, const char *fmt, ...) SCIMSYNC_PRINTF(3, 4);
void ss_logv(int level, const char *component, const char *fmt, va_list ap) SCIMSYNC_PRINTF(3, 0);

/* Structured fields of a log event: JSON output carries them as members
 * (beside "event"); text output shows only the message, as before. */
enum ss_log_field_type { SS_LF_STR = 0, SS_LF_INT, SS_LF_DBL };
struct ss_log_field {
    const char *key;
    enum ss_log_field_type type;
    const char *s;
    long long i;
    double d;
};
#define SS_LF_S(k, v) ((struct ss_log_field){(k), SS_LF_STR, (v), 0, 0})
#define SS_LF_I(k, v) ((struct ss_log_field){(k), SS_LF_INT, NULL, (long long)(v), 0})
#define SS_LF_D(k, v) ((struct ss_log_field){(k), SS_LF_DBL, NULL, 0, (double)(v)})

/* One event: event names what happened ("source_read", "run_end", ...);
 * fields[0..n) its numbers and ids. */
void ss_log_event(int level, const char *component, const char *event,
                  const struct ss_log_field *fields, size_t n, const char *fmt, ...)
    SCIMSYNC_PRINTF(6, 7);
enum ss_log_format ss_log_get_format(void);
/* Called before each line is written (the progress line clears itself). */
void ss_log_set_before_write(void (*fn)(void));

#define ss_error(...) ss_log(SCIMSYNC_LOG_ERROR, NULL, __VA_ARGS__)
#define ss_warn(...) ss_log(SCIMSYNC_LOG_WARN, NULL, __VA_ARGS__)
#define ss_info(...) ss_log(SCIMSYNC_LOG_INFO, NULL, __VA_ARGS__)
#define ss_debug(...) ss_log(SCIMSYNC_LOG_DEBUG, NULL, __VA_ARGS__)

#endif
