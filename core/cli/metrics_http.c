/* /metrics and /healthz over libmicrohttpd (see metrics_http.h). */
#include "metrics_http.h"

#include <microhttpd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "clock.h"
#include "log.h"

/* Connections at once and the time one may stay idle: a scraper, not a
 * public server. */
#define SS_HTTP_MAX_CONN 16
#define SS_HTTP_TIMEOUT_S 10

struct ss_metrics_http {
    struct MHD_Daemon *d;
    pthread_mutex_t lock;
    char *text; /* what /metrics serves */
    double started, last_success, max_age;
};

int ss_listen_parse(const char *spec, struct sockaddr_storage *addr, socklen_t *len, char *err,
                    size_t errlen)
{
    char host[256];
    const char *colon, *port;
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_PASSIVE}, *res = NULL;
    size_t hl;
    int rc;

    if (!spec || !*spec) {
        snprintf(err, errlen, "empty address (ADDR:PORT)");
        return -1;
    }
    if (spec[0] == '[') { /* [IPv6]:PORT */
        const char *end = strchr(spec, ']');
        if (!end || end[1] != ':') {
            snprintf(err, errlen, "'%s' is not [ADDR]:PORT", spec);
            return -1;
        }
        hl = (size_t)(end - spec - 1);
        if (hl >= sizeof host)
            hl = sizeof host - 1;
        memcpy(host, spec + 1, hl);
        host[hl] = '\0';
        port = end + 2;
    } else {
        colon = strrchr(spec, ':');
        if (!colon || colon == spec || strchr(spec, ':') != colon) {
            snprintf(err, errlen, "'%s' is not ADDR:PORT (e.g. 127.0.0.1:9464)", spec);
            return -1;
        }
        hl = (size_t)(colon - spec);
        if (hl >= sizeof host)
            hl = sizeof host - 1;
        memcpy(host, spec, hl);
        host[hl] = '\0';
        port = colon + 1;
    }
    char *endp;
    long p = strtol(port, &endp, 10);
    if (!*port || *endp || p < 1 || p > 65535) {
        snprintf(err, errlen, "'%s': the port must be 1-65535", spec);
        return -1;
    }
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0 || !res) {
        snprintf(err, errlen, "'%s': %s", spec, gai_strerror(rc));
        return -1;
    }
    memcpy(addr, res->ai_addr, res->ai_addrlen);
    *len = res->ai_addrlen;
    freeaddrinfo(res);
    return 0;
}

int ss_healthz_verdict(double now, double started, double last_success, double max_age, char *buf,
                       size_t cap)
{
    if (last_success > 0) {
        double age = now - last_success;
        if (age <= max_age) {
            snprintf(buf, cap, "ok: last successful run %.0f s ago\n", age);
            return 200;
        }
        snprintf(buf, cap, "no successful run for %.0f s (healthz_max_age %.0f s)\n", age, max_age);
        return 503;
    }
    if (now - started <= max_age) {
        snprintf(buf, cap, "ok: starting, no run finished yet (up %.0f s)\n", now - started);
        return 200;
    }
    snprintf(buf, cap, "no successful run since the start %.0f s ago (healthz_max_age %.0f s)\n",
             now - started, max_age);
    return 503;
}

static enum MHD_Result reply(struct MHD_Connection *c, unsigned status, const char *type,
                             const char *body)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
    enum MHD_Result ret;

    if (!r)
        return MHD_NO;
    MHD_add_response_header(r, "Content-Type", type);
    MHD_add_response_header(r, "Cache-Control", "no-store");
    ret = MHD_queue_response(c, status, r);
    MHD_destroy_response(r);
    return ret;
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *c, const char *url,
                                  const char *method, const char *version, const char *upload_data,
                                  size_t *upload_size, void **con_cls)
{
    struct ss_metrics_http *m = cls;
    char line[256];
    enum MHD_Result ret;
    (void)version, (void)upload_data, (void)con_cls;

    if (*upload_size) { /* no request here has a body */
        *upload_size = 0;
        return MHD_YES;
    }
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, "text/plain", "GET only\n");
    if (strcmp(url, "/metrics") == 0) {
        pthread_mutex_lock(&m->lock);
        ret = reply(c, MHD_HTTP_OK, "text/plain; version=0.0.4; charset=utf-8",
                    m->text ? m->text : "");
        pthread_mutex_unlock(&m->lock);
        return ret;
    }
    if (strcmp(url, "/healthz") == 0) {
        pthread_mutex_lock(&m->lock);
        int status = ss_healthz_verdict(ss_clock_wall(), m->started, m->last_success, m->max_age,
                                        line, sizeof line);
        pthread_mutex_unlock(&m->lock);
        return reply(c, (unsigned)status, "text/plain; charset=utf-8", line);
    }
    return reply(c, MHD_HTTP_NOT_FOUND, "text/plain", "not found: /metrics or /healthz\n");
}

int ss_metrics_http_start(const char *listen, double max_age, struct ss_metrics_http **out)
{
    struct sockaddr_storage addr;
    socklen_t alen;
    char err[300];
    struct ss_metrics_http *m;
    unsigned flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

    *out = NULL;
    if (ss_listen_parse(listen, &addr, &alen, err, sizeof err) < 0) {
        ss_error("[engine] metrics_listen: %s", err);
        return -1;
    }
    m = calloc(1, sizeof(*m));
    if (!m) {
        ss_error("out of memory");
        return -1;
    }
    pthread_mutex_init(&m->lock, NULL);
    m->started = ss_clock_wall();
    m->max_age = max_age;
    m->text = strdup("");
    if (addr.ss_family == AF_INET6)
        flags |= MHD_USE_IPv6;
    m->d = MHD_start_daemon(flags, 0, NULL, NULL, on_request, m, MHD_OPTION_SOCK_ADDR,
                            (struct sockaddr *)&addr, MHD_OPTION_CONNECTION_LIMIT,
                            (unsigned)SS_HTTP_MAX_CONN, MHD_OPTION_CONNECTION_TIMEOUT,
                            (unsigned)SS_HTTP_TIMEOUT_S, MHD_OPTION_END);
    if (!m->d || !m->text) {
        ss_error("[engine] metrics_listen: cannot serve on %s (address in use or not local?)",
                 listen);
        ss_metrics_http_stop(m);
        return -1;
    }
    ss_info("serving /metrics and /healthz on http://%s/", listen);
    *out = m;
    return 0;
}

void ss_metrics_http_publish(struct ss_metrics_http *m, const char *prom_text, int success,
                             double end_ts)
{
    char *copy = prom_text ? strdup(prom_text) : NULL;

    if (!m)
        return;
    pthread_mutex_lock(&m->lock);
    if (copy) {
        free(m->text);
        m->text = copy;
    }
    if (success)
        m->last_success = end_ts;
    pthread_mutex_unlock(&m->lock);
}

void ss_metrics_http_stop(struct ss_metrics_http *m)
{
    if (!m)
        return;
    if (m->d)
        MHD_stop_daemon(m->d);
    pthread_mutex_destroy(&m->lock);
    free(m->text);
    free(m);
}

char *ss_daemon_runs_prometheus(const struct ss_daemon_runs *r)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);

    if (!f)
        return NULL;
    fprintf(f,
            "# HELP scimsync_last_run_timestamp_seconds When the last run ended (Unix time).\n"
            "# TYPE scimsync_last_run_timestamp_seconds gauge\n"
            "scimsync_last_run_timestamp_seconds %.3f\n"
            "# HELP scimsync_last_success_timestamp_seconds When the last successful run "
            "ended (Unix time; 0: none yet).\n"
            "# TYPE scimsync_last_success_timestamp_seconds gauge\n"
            "scimsync_last_success_timestamp_seconds %.3f\n"
            "# HELP scimsync_last_run_duration_seconds How long the last run took.\n"
            "# TYPE scimsync_last_run_duration_seconds gauge\n"
            "scimsync_last_run_duration_seconds %.3f\n"
            "# HELP scimsync_last_run_exit_code The exit code of the last run.\n"
            "# TYPE scimsync_last_run_exit_code gauge\n"
            "scimsync_last_run_exit_code %d\n"
            "# HELP scimsync_runs_total Runs by result.\n"
            "# TYPE scimsync_runs_total counter\n"
            "scimsync_runs_total{result=\"success\"} %lu\n"
            "scimsync_runs_total{result=\"failed\"} %lu\n"
            "scimsync_runs_total{result=\"interrupted\"} %lu\n",
            r->have_run ? r->last_run_ts : 0, r->last_success_ts, r->last_duration,
            r->last_exit_code, r->runs_ok, r->runs_failed, r->runs_interrupted);
    if (fclose(f) != 0) {
        free(buf);
        return NULL;
    }
    return buf;
}
