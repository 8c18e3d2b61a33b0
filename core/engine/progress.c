/* Progress lines.  Cheap to call per entry; the live line is redrawn at
 * most 5 times a second. */
#include "progress.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"

static struct {
    long interval;
    int live;
    const char *phase, *unit;
    size_t done, total;
    double start, last_log, last_draw;
    int active, drawn;
} g;

static void clear_line(void)
{
    if (g.drawn) {
        fputs("\r\033[K", stderr);
        fflush(stderr);
        g.drawn = 0;
    }
}

void ss_progress_configure(long interval, int live)
{
    g.interval = interval > 0 ? interval : 0;
    g.live = live;
    ss_log_set_before_write(live ? clear_line : NULL);
}

static void duration(char *buf, size_t cap, double s)
{
    long t = (long)(s + 0.5);
    if (t >= 3600)
        snprintf(buf, cap, "%ldh%02ldm", t / 3600, t / 60 % 60);
    else if (t >= 60)
        snprintf(buf, cap, "%ldm%02lds", t / 60, t % 60);
    else
        snprintf(buf, cap, "%lds", t);
}

void ss_progress_format(char *buf, size_t cap, const char *phase, size_t done, size_t total,
                        const char *unit, double elapsed)
{
    double rate = elapsed > 0 ? (double)done / elapsed : 0;
    char eta[32] = "";
    if (total > 0) {
        if (rate > 0 && done <= total) {
            char d[24];
            duration(d, sizeof d, (double)(total - done) / rate);
            snprintf(eta, sizeof eta, ", ETA %s", d);
        }
        snprintf(buf, cap, "%s: %zu/%zu %s (%.0f%%), %.1f/s%s", phase, done, total, unit,
                 100.0 * (double)done / (double)total, rate, eta);
    } else {
        snprintf(buf, cap, "%s: %zu %s, %.1f/s", phase, done, unit, rate);
    }
}

static void report(double now)
{
    char line[256];
    double elapsed = now - g.start;
    ss_progress_format(line, sizeof line, g.phase, g.done, g.total, g.unit, elapsed);
    if (g.live) {
        fprintf(stderr, "\r\033[K%s", line);
        fflush(stderr);
        g.drawn = 1;
        g.last_draw = now;
    }
    if (!g.live && g.interval > 0 && now - g.last_log >= (double)g.interval) {
        struct ss_log_field f[] = {
            SS_LF_S("phase", g.phase),
            SS_LF_I("done", g.done),
            SS_LF_D("rate_per_second", elapsed > 0 ? (double)g.done / elapsed : 0),
            SS_LF_D("elapsed_seconds", elapsed),
            SS_LF_I("total", g.total), /* last: left out when unknown */
        };
        ss_log_event(SCIMSYNC_LOG_INFO, NULL, "progress", f, g.total ? 5 : 4, "%s", line);
        g.last_log = now;
    }
}

void ss_progress_begin(const char *phase, size_t total, const char *unit)
{
    clear_line();
    g.phase = phase;
    g.unit = unit;
    g.done = 0;
    g.total = total;
    g.start = g.last_log = g.last_draw = ss_clock_mono();
    g.active = g.live || g.interval > 0;
}

void ss_progress_add(size_t n)
{
    if (!g.active)
        return;
    g.done += n;
    double now = ss_clock_mono(); /* a vDSO call: cheap enough per entry */
    if ((g.live && now - g.last_draw >= 0.2) ||
        (!g.live && g.interval > 0 && now - g.last_log >= (double)g.interval))
        report(now);
}

void ss_progress_end(void)
{
    clear_line();
    g.active = 0;
}
