/* The daemon loop: run, wait, reload on SIGHUP, stop on SIGTERM / SIGINT. */
#include "daemon.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "secrets_aws.h"

/* How often the wait between runs looks at the stop flag. */
#define SS_DAEMON_TICK_NS (100 * 1000 * 1000L)

static volatile sig_atomic_t g_reload;

static void on_hup(int sig)
{
    (void)sig;
    g_reload = 1;
}

static double now_s(void)
{
    struct timespec t;

    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Sleeps until seconds have passed or a stop is requested.  Short ticks: a
 * signal between a check and the sleep costs at most one tick. */
static void wait_for(double seconds)
{
    double end = now_s() + seconds;
    struct timespec tick = {0, SS_DAEMON_TICK_NS};

    while (!ss_host_stop_requested() && now_s() < end)
        nanosleep(&tick, NULL);
}

struct daemon {
    const struct ss_cli_opts *o;
    struct ss_runtime rt;
    int open;      /* rt holds loaded plugins and instances */
    long interval; /* of the last configuration that loaded */
    long jitter;
};

/* (Re)builds the runtime; on failure the daemon has none until the next
 * attempt, one interval later. */
static int start(struct daemon *d)
{
    /* Secrets are fetched afresh: a reload is how rotated values get in. */
    ss_secret_aws_forget();
    if (ss_runtime_open(&d->rt, d->o, SS_RT_RUN) != SS_EXIT_OK)
        return -1;
    d->open = 1;
    d->interval = d->rt.cfg.engine.interval;
    d->jitter = d->rt.cfg.engine.jitter;
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

int ss_daemon_run(const struct ss_cli_opts *o, int force_deletes, int force_updates)
{
    struct daemon d = {.o = o};
    struct sigaction sa;
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_hup;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);

    if (start(&d) < 0)
        return SS_EXIT_USAGE;
    ss_info("daemon started: a sync every %ld s (+ up to %ld s jitter)", d.interval, d.jitter);
    while (!ss_host_stop_requested()) {
        double started, wait;
        int rc;

        if (g_reload)
            reload(&d);
        started = now_s();
        rc = run_once(&d, force_deletes, force_updates);
        if (rc == SS_EXIT_OK)
            ss_info("run finished");
        else if (rc == SS_EXIT_SKIPPED)
            ss_warn("run finished, but source entries were skipped (exit code 6, see above)");
        else
            ss_warn("run failed (exit code %d); next attempt at the next interval", rc);
        if (ss_host_stop_requested())
            break;
        wait = (double)d.interval - (now_s() - started);
        if (d.jitter > 0)
            wait += (double)(rand_r(&seed) % (unsigned long)(d.jitter + 1));
        if (wait > 0)
            wait_for(wait);
    }
    ss_info("stop requested: daemon exits");
    if (d.open)
        ss_runtime_close(&d.rt);
    return SS_EXIT_OK;
}
