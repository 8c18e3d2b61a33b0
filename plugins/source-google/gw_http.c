/* The transport: one libcurl easy handle (keep-alive), requests paced to
 * rate_limit, each bounded by request_deadline with its retries and
 * waits; connection failures, 429, 5xx and 403 rate limits retried with
 * backoff and jitter, Retry-After honoured.  Tokens and the assertion
 * never reach a message: only `what` and the status do. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw_source.h"

#define MAX_RESPONSE ((size_t)64 << 20)

double gw_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int gw_http_init(struct gw_source *s)
{
    if (!s->curl && !(s->curl = curl_easy_init())) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "libcurl: cannot create a handle");
        return SCIMSYNC_ERR_NOMEM;
    }
    return 0;
}

void gw_http_cleanup(struct gw_source *s)
{
    if (s->curl)
        curl_easy_cleanup(s->curl);
    s->curl = NULL;
}

void gw_resp_free(struct gw_resp *r)
{
    ss_dynbuf_sink_free(&r->sink);
    memset(r, 0, sizeof *r);
}

/* Sleeps until t (monotonic), in slices, so a stop request is seen. */
static int sleep_until(struct gw_source *s, double t)
{
    for (;;) {
        if (s->host->should_stop && s->host->should_stop(s->host))
            return SCIMSYNC_ERR_STOPPED;
        double left = t - gw_now();
        if (left <= 0)
            return 0;
        if (left > 0.1)
            left = 0.1;
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(left * 1e9)};
        nanosleep(&ts, NULL);
    }
}

/* One attempt.  Returns the curl code; r holds status and body. */
static CURLcode attempt(struct gw_source *s, const char *url, const char *form,
                        const char *bearer, long timeout_ms, struct gw_resp *r, char *errbuf)
{
    CURL *e = s->curl;
    struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: application/json");
    struct curl_header *h = NULL;
    CURLcode cc;
    r->status = 0;
    r->retry_after = -1;
    if (r->sink.buf.max == 0) /* first use: a zeroed answer */
        ss_dynbuf_sink_init(&r->sink, MAX_RESPONSE - 1, 0);
    else
        ss_dynbuf_sink_reset(&r->sink);
    r->body = NULL;
    r->len = 0;
    if (!hdrs)
        return CURLE_OUT_OF_MEMORY;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* the token never follows a redirect */
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(e, CURLOPT_USERAGENT, "scimsync-google/" GW_PLUGIN_VERSION);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, timeout_ms < 10000 ? timeout_ms : 10000L);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ss_dynbuf_sink_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &r->sink);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, s->conf.verify_tls ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, s->conf.verify_tls ? 2L : 0L);
    if (s->conf.ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, s->conf.ca_file);
    if (bearer) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
        curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, bearer);
    }
    if (form) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, form);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(form));
    }
    errbuf[0] = '\0';
    s->requests++;
    cc = curl_easy_perform(e);
    if ((r->len = ss_dynbuf_len(&r->sink.buf)) > 0)
        r->body = r->sink.buf.buf;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
    if (curl_easy_header(e, "Retry-After", 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h)
        r->retry_after = gw_retry_after(h->value, time(NULL));
    /* the bearer and the form (an assertion) must not outlive the call */
    curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, NULL);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    return cc;
}

int gw_http_call(struct gw_source *s, const char *what, const char *url, const char *form,
                 const char *bearer, struct gw_resp *r)
{
    const struct scimsync_host *h = s->host;
    double deadline = gw_now() + (double)s->conf.request_deadline;
    char errbuf[CURL_ERROR_SIZE];
    int ret;
    for (int tries = 1;; tries++) {
        double now;
        if (s->conf.rate_limit > 0) {
            if ((ret = sleep_until(s, s->next_slot)) < 0)
                return ret;
            now = gw_now();
            s->next_slot = (s->next_slot > now ? s->next_slot : now) + 1.0 / s->conf.rate_limit;
        } else if (h->should_stop && h->should_stop(h)) {
            return SCIMSYNC_ERR_STOPPED;
        }
        now = gw_now();
        long timeout_ms = s->conf.timeout * 1000L;
        if ((deadline - now) * 1000.0 < (double)timeout_ms)
            timeout_ms = (long)((deadline - now) * 1000.0);
        if (timeout_ms < 500)
            timeout_ms = 500;
        CURLcode cc = attempt(s, url, form, bearer, timeout_ms, r, errbuf);
        char reason[128] = "", message[256] = "", why[512];
        if (cc == CURLE_OUT_OF_MEMORY) {
            h->log(h, SCIMSYNC_LOG_ERROR, "%s: out of memory", what);
            return SCIMSYNC_ERR_NOMEM;
        }
        if (r->sink.too_big) {
            h->log(h, SCIMSYNC_LOG_ERROR, "%s: the answer is larger than %zu bytes", what,
                   MAX_RESPONSE);
            return SCIMSYNC_ERR_IO;
        }
        if (cc != CURLE_OK) {
            snprintf(why, sizeof why, "%s", *errbuf ? errbuf : curl_easy_strerror(cc));
        } else {
            if (gw_classify(r->status, r->body, reason, sizeof reason, message, sizeof message) !=
                GW_RETRY)
                return 0;
            snprintf(why, sizeof why, "HTTP %ld%s%s", r->status, *reason ? " " : "", reason);
        }
        if (tries > s->conf.retries) {
            h->log(h, SCIMSYNC_LOG_ERROR, "%s: %s; giving up after %d attempts%s%s", what, why,
                   tries, *message ? ": " : "", message);
            return SCIMSYNC_ERR_IO;
        }
        double wait = r->retry_after >= 0 ? r->retry_after
                                          : gw_backoff(tries, (double)rand_r(&s->rand_state) /
                                                                  (double)RAND_MAX);
        if (gw_now() + wait > deadline) {
            h->log(h, SCIMSYNC_LOG_ERROR,
                   "%s: %s; the next attempt (in %.1f s) would pass request_deadline (%ld s)",
                   what, why, wait, s->conf.request_deadline);
            return SCIMSYNC_ERR_IO;
        }
        s->retried++;
        h->log(h, SCIMSYNC_LOG_INFO, "%s: %s; retrying in %.1f s (attempt %d of %ld)", what, why,
               wait, tries + 1, s->conf.retries + 1);
        if ((ret = sleep_until(s, gw_now() + wait)) < 0)
            return ret;
    }
}
