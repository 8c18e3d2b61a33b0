/* The daemon loop: run, wait, reload on SIGHUP, stop on SIGTERM / SIGINT. */
#include "daemon.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"
#include "secrets_aws.h"

/* How often the wait between runs looks at the signal flags. */
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

/* Sleeps until seconds have passed, a stop is requested or (when
 * wake_on_reload) a reload is.  Short ticks: a signal between a check and
 * the sleep costs at most one tick. */
static void wait_for(double seconds)
{
    double end = now_s() + seconds;
    struct timespec tick = {0, SS_DAEMON_TICK_NS};

    while (!ss_host_stop_requested() && now_s() < end)
        nanosleep(&tick, NULL);
}

static void reload(struct ss_runtime *rt, const struct ss_cli_opts *o)
{
    struct ss_runtime next;

    g_reload = 0;
    ss_info("SIGHUP: reloading configuration and plugins");
    /* Fetch secrets afresh: a reload is how rotated values get in. */
    ss_secret_aws_forget();
    if (ss_runtime_open(&next, o, SS_RT_RUN) != SS_EXIT_OK) {
        ss_error("the new configuration does not load; keeping the previous one");
        ss_cli_apply_logging(o, &rt->cfg.engine);
        return;
    }
    ss_runtime_close(rt);
    *rt = next;
    ss_info("configuration reloaded");
}

int ss_daemon_run(const struct ss_cli_opts *o, int force_deletes)
{
    struct ss_runtime rt;
    struct sigaction sa;
    unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();
    int rc;

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_hup;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGHUP, &sa, NULL);

    rc = ss_runtime_open(&rt, o, SS_RT_RUN);
    if (rc != SS_EXIT_OK)
        return rc;
    ss_info("daemon started: a sync every %ld s (+ up to %ld s jitter)", rt.cfg.engine.interval,
            rt.cfg.engine.jitter);
    while (!ss_host_stop_requested()) {
        struct ss_engine_options opt;
        struct ss_summary sum;
        double started, wait;

        if (g_reload)
            reload(&rt, o);

        ss_runtime_engine_options(&rt, &opt);
        opt.force_deletes = force_deletes;
        started = now_s();
        rc = ss_engine_run(rt.esrc, rt.nsrc, &rt.etgt, &opt, &sum);
        fflush(stdout);
        if (rc == SS_EXIT_OK)
            ss_info("run finished");
        else
            ss_warn("run failed (exit code %d); next attempt at the next interval", rc);
        if (ss_host_stop_requested())
            break;
        wait = (double)rt.cfg.engine.interval - (now_s() - started);
        if (rt.cfg.engine.jitter > 0)
            wait += (double)(rand_r(&seed) % (rt.cfg.engine.jitter + 1));
        if (wait > 0)
            wait_for(wait);
    }
    ss_info("stop requested: daemon exits");
    ss_runtime_close(&rt);
    return SS_EXIT_OK;
}
