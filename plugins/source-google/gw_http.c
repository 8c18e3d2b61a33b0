/* The transport: one libcurl easy handle (keep-alive), requests paced to
 * rate_limit, each bounded by request_deadline with its retries and
 * waits; connection failures, 429, 5xx and 403 rate limits retried with
 * backoff and jitter, Retry-After honoured.  Tokens and the assertion
 * never reach a message: only `what` and the status do. */
#include <stdio.h>
#include <stdlib.h>

#include "gw_source.h"

#define MAX_RESPONSE ((size_t)64 << 20)

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

/* One attempt.  Returns the curl code; r holds status and body. */
static CURLcode attempt(struct gw_source *s, const char *url, const char *form,
                        const char *bearer, long timeout_ms, struct ssp_resp *r, char *errbuf)
{
    const struct ssp_req q = {
        .url = url,
        .form = form,
        .bearer = bearer,
        .user_agent = "scimsync-google/" GW_PLUGIN_VERSION,
        .ca_file = s->conf.ca_file,
        .verify_tls = s->conf.verify_tls,
        .timeout_ms = timeout_ms,
        .connect_timeout_ms = timeout_ms < 10000 ? timeout_ms : 10000L,
    };
    r->limit = MAX_RESPONSE;
    s->requests++;
    return ssp_http_attempt(s->curl, &q, r, errbuf);
}

int gw_http_call(struct gw_source *s, const char *what, const char *url, const char *form,
                 const char *bearer, struct ssp_resp *r)
{
    const struct scimsync_host *h = s->host;
    double deadline = ssp_now() + (double)s->conf.request_deadline;
    char errbuf[CURL_ERROR_SIZE];
    int ret;
    for (int tries = 1;; tries++) {
        double now;
        if (s->conf.rate_limit > 0) {
            if ((ret = ssp_sleep_until(h, s->next_slot)) < 0)
                return ret;
            now = ssp_now();
            s->next_slot = (s->next_slot > now ? s->next_slot : now) + 1.0 / s->conf.rate_limit;
        } else if (h->should_stop && h->should_stop(h)) {
            return SCIMSYNC_ERR_STOPPED;
        }
        now = ssp_now();
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
        if (r->too_big) {
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
        if (ssp_now() + wait > deadline) {
            h->log(h, SCIMSYNC_LOG_ERROR,
                   "%s: %s; the next attempt (in %.1f s) would pass request_deadline (%ld s)",
                   what, why, wait, s->conf.request_deadline);
            return SCIMSYNC_ERR_IO;
        }
        s->retried++;
        h->log(h, SCIMSYNC_LOG_INFO, "%s: %s; retrying in %.1f s (attempt %d of %ld)", what, why,
               wait, tries + 1, s->conf.retries + 1);
        if ((ret = ssp_sleep_until(h, ssp_now() + wait)) < 0)
            return ret;
    }
}
