/* The daemon loop: run, wait, reload on SIGHUP, stop on SIGTERM / SIGINT. */
#include "daemon.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "host.h"
#include "log.h"
#include "metrics.h"
#include "metrics_http.h"
#include "secrets.h"

/* How often the wait between runs looks at the stop flag. */
#define SS_DAEMON_TICK_NS (100 * 1000 * 1000L)

static volatile sig_atomic_t g_reload;

static void on_hup(int sig)
{
    (void)sig;
    g_reload = 1;
}

/* "2026-11-30T08:00:00Z" for a Unix time. */
static void iso_time(double ts, char *buf, size_t cap)
{
    time_t t = (time_t)ts;
    struct tm tm;

    if (!gmtime_r(&t, &tm) || !strftime(buf, cap, "%Y-%m-%dT%H:%M:%SZ", &tm))
        snprintf(buf, cap, "?");
}

/* Sleeps until seconds have passed or a stop is requested.  Short ticks: a
 * signal between a check and the sleep costs at most one tick. */
static void wait_for(double seconds)
{
    double end = ss_clock_mono() + seconds;
    struct timespec tick = {0, SS_DAEMON_TICK_NS};

    while (!ss_host_stop_requested() && ss_clock_mono() < end)
        nanosleep(&tick, NULL);
}

struct daemon {
    const struct ss_cli_opts *o;
    struct ss_runtime rt;
    int open;      /* rt holds loaded plugins and instances */
    long interval; /* of the last configuration that loaded */
    long jitter;
    long stop_grace;
    struct ss_metrics_http *http; /* [engine] metrics_listen; NULL when off */
    struct ss_daemon_runs runs;
};

/* A run that applied counts as a success for /healthz, also when source
 * entries with data errors were skipped (exit 6): the sync works, the
 * data needs a look (the exit code and the logs say so). */
static int run_succeeded(int rc)
{
    return rc == SS_EXIT_OK || rc == SS_EXIT_SKIPPED;
}

/* After each run: the numbers /metrics and /healthz serve. */
static void record_run(struct daemon *d, int rc, double duration)
{
    struct ss_daemon_runs *r = &d->runs;
    double end = ss_clock_wall();
    char *text;

    r->have_run = 1;
    r->last_run_ts = end;
    r->last_duration = duration;
    r->last_exit_code = rc;
    if (run_succeeded(rc)) {
        r->last_success_ts = end;
        r->runs_ok++;
    } else if (rc == SS_EXIT_INTERRUPTED) {
        r->runs_interrupted++;
    } else {
        r->runs_failed++;
    }
    if (!d->http)
        return;
    /* every run's report was recorded by the engine (core/engine/metrics.c) */
    text = ss_metrics_text();
    if (!text)
        ss_error("out of memory rendering the metrics");
    ss_metrics_http_publish(d->http, text, run_succeeded(rc), end);
    free(text);
}

/* (Re)builds the runtime; on failure the daemon has none until the next
 * attempt, one interval later. */
static int start(struct daemon *d)
{
    /* Secrets are fetched afresh: a reload is how rotated values get in. */
    ss_secrets_forget();
    if (ss_runtime_open(&d->rt, d->o, SS_RT_RUN) != SS_EXIT_OK)
        return -1;
    d->open = 1;
    d->interval = d->rt.cfg.engine.interval;
    d->jitter = d->rt.cfg.engine.jitter;
    d->stop_grace = d->rt.cfg.engine.stop_grace;
    return 0;
}

static void reload(struct daemon *d)
{
    struct ss_runtime check;

    g_reload = 0;
    ss_info("SIGHUP: reloading configuration and plugins");
    /* Check the new configuration before dropping the running one. */
    if (ss_runtime_open(&check, d->o, SS_RT_CHECK) != SS_EXIT_OK) {
        ss_error("the new configuration does not load; keeping the previous one");
        if (d->open)
            ss_cli_apply_logging(d->o, &d->rt.cfg.engine);
        return;
    }
    for (size_t i = 0; i < check.nsrc; i++) {
        if (ss_engine_check_mapping(&check.esrc[i]) != 0) {
            ss_error("the new mapping is not valid; keeping the previous configuration");
            ss_runtime_close(&check);
            if (d->open)
                ss_cli_apply_logging(d->o, &d->rt.cfg.engine);
            return;
        }
    }
    ss_runtime_close(&check);
    /* Unload the old plugins first, so changed .so files are really
     * loaded again. */
    if (d->open) {
        ss_runtime_close(&d->rt);
        d->open = 0;
    }
    if (start(d) < 0) {
        ss_error("plugins could not start with the new configuration; retrying at the next "
                 "interval");
        return;
    }
    ss_info("configuration reloaded");
}

static int run_once(struct daemon *d, int force_deletes, int force_updates)
{
    struct ss_engine_options opt;
    struct ss_summary sum;
    struct ss_lock lock = SS_LOCK_INIT;
    int rc;

    if (!d->open && start(d) < 0)
        return SS_EXIT_USAGE;
    ss_runtime_engine_options(&d->rt, &opt);
    opt.safety.force_deletes = force_deletes;
    opt.safety.force_updates = force_updates;
    /* Held per run, not for the daemon's life: a manual sync between two
     * runs is possible, and never overlaps one. */
    if ((rc = ss_runtime_lock(&d->rt, "daemon", &lock)) != SS_EXIT_OK)
        return rc;
    rc = ss_engine_run(d->rt.esrc, d->rt.nsrc, &d->rt.etgt, &opt, &sum);
    fflush(stdout);
    ss_lock_release(&lock);
    return rc;
}

/* The HTTP endpoints, from the configuration the daemon started with (a
 * reload does not move them). */
static int start_http(struct daemon *d)
{
    const struct ss_engine_conf *e = &d->rt.cfg.engine;
    double max_age = e->healthz_max_age > 0 ? (double)e->healthz_max_age
                                            : 3.0 * (double)(e->interval + e->jitter);
    char *text;

    if (!e->metrics_listen)
        return 0;
    if (ss_metrics_http_start(e->metrics_listen, max_age, &d->http) < 0)
        return -1;
    text = ss_metrics_text();
    ss_metrics_http_publish(d->http, text, 0, 0);
    free(text);
    return 0;
}

int ss_daemon_run(const struct ss_cli_opts *o, int force_deletes, int force_updates)
{
    struct daemon d = {.o = o};
    struct sigaction sa;
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    int last_rc = -1, stop_in_run = 0;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_hup;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);

    /* SIGTERM / SIGINT: the run in flight goes on (until stop_grace ends,
     * then it is interrupted like a one-shot run), no new run starts. */
    ss_host_set_finish_run(1);
    if (start(&d) < 0)
        return SS_EXIT_USAGE;
    if (start_http(&d) < 0) {
        ss_runtime_close(&d.rt);
        return SS_EXIT_USAGE;
    }
    ss_info("daemon started: a sync every %ld s (+ up to %ld s jitter)", d.interval, d.jitter);
    while (!ss_host_stop_requested()) {
        double started, took, wait;
        char next[32];
        int rc;

        if (g_reload)
            reload(&d);
        started = ss_clock_mono();
        rc = run_once(&d, force_deletes, force_updates);
        took = ss_clock_mono() - started;
        last_rc = rc;
        record_run(&d, rc, took);
        if (rc == SS_EXIT_OK)
            ss_info("run finished in %.1f s", took);
        else if (rc == SS_EXIT_SKIPPED)
            ss_warn("run finished in %.1f s, but source entries were skipped (exit code 6, see "
                    "above)",
                    took);
        else if (rc == SS_EXIT_INTERRUPTED)
            ss_warn("run interrupted after %.1f s: stop_grace (%ld s) ended; what was not "
                    "started is left for the next run",
                    took, d.stop_grace);
        else
            ss_warn("run failed (exit code %d) after %.1f s; next attempt at the next interval", rc,
                    took);
        if (ss_host_stop_requested()) {
            stop_in_run = 1;
            break;
        }
        wait = (double)d.interval - took;
        if (d.jitter > 0)
            wait += (double)(rand_r(&seed) % (unsigned long)(d.jitter + 1));
        if (wait < 0)
            wait = 0;
        iso_time(ss_clock_wall() + wait, next, sizeof next);
        ss_info("next run at %s (in %.0f s)", next, wait);
        if (wait > 0)
            wait_for(wait);
    }
    if (!stop_in_run)
        ss_info("stop requested between runs: daemon exits");
    else if (last_rc == SS_EXIT_INTERRUPTED)
        ss_warn("stop requested: the run in flight was interrupted when stop_grace (%ld s) "
                "ended; daemon exits",
                d.stop_grace);
    else
        ss_info("stop requested: the run in flight finished (exit code %d); daemon exits", last_rc);
    ss_metrics_http_stop(d.http);
    if (d.open)
        ss_runtime_close(&d.rt);
    ss_host_set_finish_run(0);
    return SS_EXIT_OK;
}
