/* The stop flag (signals) and the run's deadline ([engine] max_run_time):
 * what the engine, the daemon and, through should_stop(), the plugins
 * ask to know whether a run goes on. */
#include "stop.h"

#include <scimsync/plugin.h>
#include <signal.h>
#include <stdio.h>
#include <time.h>

#include "clock.h"

static volatile sig_atomic_t g_stop;
static double g_stop_seen; /* monotonic time a stop was first seen; 0: not yet */

void ss_host_request_stop(void)
{
    g_stop = 1;
}

int ss_host_stop_requested(void)
{
    return g_stop != 0;
}

void ss_host_clear_stop(void)
{
    g_stop = 0;
    g_stop_seen = 0;
}

/* [engine] max_run_time of the run in progress: an end on the monotonic
 * clock, 0 when none. */
static double g_deadline;
static long g_deadline_seconds;

void ss_host_set_deadline(long seconds)
{
    g_deadline_seconds = seconds > 0 ? seconds : 0;
    g_deadline = seconds > 0 ? ss_clock_mono() + (double)seconds : 0;
}

int ss_host_deadline_passed(void)
{
    return g_deadline > 0 && ss_clock_mono() >= g_deadline;
}

/* Clean stops: what a signal asks depends on the phase of the run.  The
 * moment the stop was first seen starts the grace period (taken lazily:
 * the signal handler only sets g_stop). */
static double g_grace = 20.0;
static int g_phase = SS_PHASE_READ;
static int g_finish_run; /* daemon: the run in flight goes on during the grace */

void ss_host_set_stop_grace(long seconds)
{
    g_grace = seconds >= 0 ? (double)seconds : 0;
}

void ss_host_set_phase(int phase)
{
    g_phase = phase;
}

void ss_host_set_finish_run(int on)
{
    g_finish_run = on;
}

static double stop_age(void)
{
    if (!g_stop)
        return -1;
    if (g_stop_seen == 0)
        g_stop_seen = ss_clock_mono();
    return ss_clock_mono() - g_stop_seen;
}

int ss_host_grace_over(void)
{
    double age = stop_age();
    return age >= 0 && age >= g_grace;
}

int ss_host_stop_level(void)
{
    double age;

    if (ss_host_deadline_passed())
        return SCIMSYNC_STOP_NOW;
    age = stop_age();
    if (age < 0)
        return 0;
    if (age >= g_grace)
        return SCIMSYNC_STOP_NOW;
    if (g_finish_run)
        return 0;
    return g_phase == SS_PHASE_APPLY ? SCIMSYNC_STOP_DRAIN : SCIMSYNC_STOP_NOW;
}

int ss_host_run_should_stop(void)
{
    return ss_host_stop_level() != 0;
}

int ss_host_interrupted(void)
{
    /* A signal the run obeyed (the daemon's run in flight ignores one
     * until its grace ends). */
    return ss_host_stop_requested() && (!g_finish_run || ss_host_grace_over());
}

void ss_host_stop_reason(char *buf, size_t len)
{
    if (!ss_host_stop_requested() && ss_host_deadline_passed())
        snprintf(buf, len, "max_run_time (%ld s) reached", g_deadline_seconds);
    else
        snprintf(buf, len, "stop requested");
}
