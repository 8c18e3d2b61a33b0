/* Logging to stderr: text or one JSON object a line.  Never pass secrets. */
#ifndef SS_LOG_H
#define SS_LOG_H

#include <stdarg.h>
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

#define ss_error(...) ss_log(SCIMSYNC_LOG_ERROR, NULL, __VA_ARGS__)
#define ss_warn(...) ss_log(SCIMSYNC_LOG_WARN, NULL, __VA_ARGS__)
#define ss_info(...) ss_log(SCIMSYNC_LOG_INFO, NULL, __VA_ARGS__)
#define ss_debug(...) ss_log(SCIMSYNC_LOG_DEBUG, NULL, __VA_ARGS__)

#endif
