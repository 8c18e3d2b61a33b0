/* Logging to stderr, one line per message: text or one JSON object. */
#include "log.h"

#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

static int g_level = SCIMSYNC_LOG_INFO;
static enum ss_log_format g_format = SS_LOG_TEXT;

static const char *const level_names[] = {"error", "warn", "info", "debug"};

void ss_log_set_level(int level)
{
    if (level < SCIMSYNC_LOG_ERROR)
        level = SCIMSYNC_LOG_ERROR;
    if (level > SCIMSYNC_LOG_DEBUG)
        level = SCIMSYNC_LOG_DEBUG;
    g_level = level;
}

int ss_log_get_level(void)
{
    return g_level;
}

void ss_log_set_format(enum ss_log_format f)
{
    g_format = f;
}

static void format_ts(char *buf, size_t len)
{
    struct timespec now;
    struct tm tm;

    clock_gettime(CLOCK_REALTIME, &now);
    gmtime_r(&now.tv_sec, &tm);
    strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void (*g_before_write)(void);

void ss_log_set_before_write(void (*fn)(void))
{
    g_before_write = fn;
}

enum ss_log_format ss_log_get_format(void)
{
    return g_format;
}

static void add_fields(json_object *o, const char *event, const struct ss_log_field *f, size_t n)
{
    if (event)
        json_object_object_add(o, "event", json_object_new_string(event));
    for (size_t i = 0; i < n; i++) {
        json_object *v = NULL;
        if (f[i].type == SS_LF_STR)
            v = f[i].s ? json_object_new_string(f[i].s) : NULL;
        else if (f[i].type == SS_LF_INT)
            v = json_object_new_int64(f[i].i);
        else
            v = json_object_new_double(f[i].d);
        json_object_object_add(o, f[i].key, v);
    }
}

static void write_json(const char *ts, const char *level, const char *component, const char *msg,
                       const char *event, const struct ss_log_field *f, size_t n)
{
    json_object *o = json_object_new_object();

    if (!o)
        return;
    json_object_object_add(o, "ts", json_object_new_string(ts));
    json_object_object_add(o, "level", json_object_new_string(level));
    json_object_object_add(o, "component", json_object_new_string(component ? component : "core"));
    json_object_object_add(o, "msg", json_object_new_string(msg));
    add_fields(o, event, f, n);
    fprintf(
        stderr, "%s\n",
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

static void logv_fields(int level, const char *component, const char *event,
                        const struct ss_log_field *f, size_t n, const char *fmt, va_list ap)
    SCIMSYNC_PRINTF(6, 0);
static void logv_fields(int level, const char *component, const char *event,
                        const struct ss_log_field *f, size_t n, const char *fmt, va_list ap)
{
    char msg[SS_LOG_MSG_MAX];
    char ts[32];
    const char *lname;

    if (level > g_level)
        return;
    if (level < SCIMSYNC_LOG_ERROR)
        level = SCIMSYNC_LOG_ERROR;
    if (level > SCIMSYNC_LOG_DEBUG)
        level = SCIMSYNC_LOG_DEBUG;
    lname = level_names[level];

    vsnprintf(msg, sizeof(msg), fmt, ap);
    /* One message, one line: a stray newline would split a JSON/text record. */
    for (char *p = msg; *p; p++) {
        if (*p == '\n' || *p == '\r')
            *p = ' ';
    }
    format_ts(ts, sizeof(ts));
    if (g_before_write)
        g_before_write();
    if (g_format == SS_LOG_JSON) {
        write_json(ts, lname, component, msg, event, f, n);
        return;
    }
    if (component)
        fprintf(stderr, "%s %s %s: %s\n", ts, lname, component, msg);
    else
        fprintf(stderr, "%s %s %s\n", ts, lname, msg);
}

void ss_logv(int level, const char *component, const char *fmt, va_list ap)
{
    logv_fields(level, component, NULL, NULL, 0, fmt, ap);
}

void ss_log_event(int level, const char *component, const char *event,
                  const struct ss_log_field *fields, size_t n, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    logv_fields(level, component, event, fields, n, fmt, ap);
    va_end(ap);
}

void ss_log(int level, const char *component, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    ss_logv(level, component, fmt, ap);
    va_end(ap);
}
