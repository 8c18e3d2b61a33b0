/*
 * The daemon's HTTP endpoints ([engine] metrics_listen = ADDR:PORT), served
 * by libmicrohttpd on its own thread:
 *   GET /metrics  the Prometheus text of the runs so far
 *   GET /healthz  200 while the last successful run is younger than
 *                 [engine] healthz_max_age, else 503; one line saying why
 * The daemon's thread publishes a copy of the text after each run, so the
 * server never reads state a run is changing.
 */
#ifndef SS_METRICS_HTTP_H
#define SS_METRICS_HTTP_H

#include <ss/common.h>
#include <stddef.h>
#include <sys/socket.h>

struct ss_metrics_http;

/* "127.0.0.1:9464", "[::1]:9464", "0.0.0.0:9464", "localhost:9464".
 * 0, or -1 with the reason in err. */
int ss_listen_parse(const char *spec, struct sockaddr_storage *addr, socklen_t *len, char *err,
                    size_t errlen);

/* Starts serving; max_age in seconds.  Logs and returns <0 when the
 * address is bad or cannot be bound. */
int ss_metrics_http_start(const char *listen, double max_age, struct ss_metrics_http **out);
/* After a run: the text /metrics serves from now on (copied) and the run's
 * outcome for /healthz (success: the run applied; its end, Unix time). */
void ss_metrics_http_publish(struct ss_metrics_http *m, const char *prom_text, int success,
                             double end_ts);
void ss_metrics_http_stop(struct ss_metrics_http *m);

/* /healthz's answer for the given state: the HTTP status (200 / 503) and
 * one line in buf.  last_success 0: none yet (counted from started). */
int ss_healthz_verdict(double now, double started, double last_success, double max_age, char *buf,
                       size_t cap);

/* The daemon's own few series, used until the run report's metrics are
 * rendered for it: last run / success times, duration, exit code, runs by
 * result.  Caller frees; NULL on no memory. */
struct ss_daemon_runs {
    double last_run_ts, last_success_ts, last_duration;
    int last_exit_code, have_run;
    unsigned long runs_ok, runs_failed, runs_interrupted;
};
SS_NODISCARD char *ss_daemon_runs_prometheus(const struct ss_daemon_runs *r);

#endif
