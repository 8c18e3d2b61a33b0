/* One HTTP attempt over libcurl and the waits between attempts
 * (ssp_http.h). */
#include "ssp_http.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

double ssp_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int ssp_sleep_until(const struct scimsync_host *h, double t)
{
    for (;;) {
        if (h->should_stop && h->should_stop(h))
            return SCIMSYNC_ERR_STOPPED;
        double left = t - ssp_now();
        if (left <= 0)
            return 0;
        if (left > 0.1)
            left = 0.1; /* in slices, so a stop request is seen */
        struct timespec ts = {.tv_sec = 0, .tv_nsec = (long)(left * 1e9)};
        nanosleep(&ts, NULL);
    }
}

double ssp_retry_after(const char *value, time_t now)
{
    char *end;
    if (!value)
        return -1;
    while (*value == ' ' || *value == '\t')
        value++;
    if (!*value)
        return -1;
    double s = strtod(value, &end);
    if (end != value) {
        while (*end == ' ' || *end == '\t')
            end++;
        return *end || s < 0 || !isfinite(s) ? -1 : s;
    }
    time_t t = curl_getdate(value, NULL);
    if (t == (time_t)-1)
        return -1;
    return t > now ? (double)(t - now) : 0;
}

void ssp_resp_free(struct ssp_resp *r)
{
    if (r->sink.buf.max)
        ss_dynbuf_sink_free(&r->sink);
    r->body = NULL;
    r->len = 0;
}

CURLcode ssp_http_attempt(CURL *e, const struct ssp_req *q, struct ssp_resp *r, char *errbuf)
{
    struct curl_slist *hdrs = curl_slist_append(NULL, "Accept: application/json"), *more;
    struct curl_header *h = NULL;
    CURLcode cc;
    r->len = 0;
    r->status = 0;
    r->too_big = 0;
    r->retry_after = -1;
    r->body = NULL;
    if (r->sink.buf.max == 0) /* first use of a zeroed answer */
        ss_dynbuf_sink_init(&r->sink, r->limit > 1 ? r->limit - 1 : (size_t)-1 / 2, 0);
    else
        ss_dynbuf_sink_reset(&r->sink);
    errbuf[0] = '\0';
    for (const char *const *l = q->headers; hdrs && l && *l; l++) {
        if (!(more = curl_slist_append(hdrs, *l))) {
            curl_slist_free_all(hdrs);
            hdrs = NULL;
        } else {
            hdrs = more;
        }
    }
    if (!hdrs)
        return CURLE_OUT_OF_MEMORY;
    curl_easy_reset(e);
    curl_easy_setopt(e, CURLOPT_URL, q->url);
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* the token never follows a redirect */
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, hdrs);
    curl_easy_setopt(e, CURLOPT_USERAGENT, q->user_agent);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, q->timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, q->connect_timeout_ms);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, errbuf);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ss_dynbuf_sink_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &r->sink);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, q->verify_tls ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, q->verify_tls ? 2L : 0L);
    if (q->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, q->ca_file);
    if (q->bearer) {
        curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
        curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, q->bearer);
    }
    if (q->form) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, q->form);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(q->form));
    }
    cc = curl_easy_perform(e);
    r->too_big = r->sink.too_big;
    if ((r->len = ss_dynbuf_len(&r->sink.buf)) > 0)
        r->body = r->sink.buf.buf;
    curl_easy_getinfo(e, CURLINFO_RESPONSE_CODE, &r->status);
    if (curl_easy_header(e, "Retry-After", 0, CURLH_HEADER, -1, &h) == CURLHE_OK && h)
        r->retry_after = ssp_retry_after(h->value, time(NULL));
    /* the bearer and the form (an assertion, a secret) must not outlive
     * the call */
    curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, NULL);
    curl_easy_setopt(e, CURLOPT_POSTFIELDS, NULL);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, NULL);
    curl_slist_free_all(hdrs);
    return cc;
}
