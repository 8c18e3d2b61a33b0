/* A request and its answer, apart from the transport: setting one up,
 * freeing it, and describing its outcome for messages.  Kept out of the
 * runner so the unit tests drive the listing and apply jobs with canned
 * answers. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "scim_parse.h"
#include "scim_target.h"

/* Retry-After is read uncapped: the request's deadline decides. */
#define SCIM_RETRY_AFTER_CAP_S 1e12

double scim_now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int scim_req_set(struct scim_req *r, const char *method, char *path, char *body)
{
    free(r->path);
    free(r->body);
    r->path = path;
    r->body = body;
    r->method = method;
    r->member_values = 0;
    r->attempt = 0;
    r->sent_at = 0;
    r->not_before = 0;
    r->deadline = 0;
    r->status = 0;
    r->cut_status = 0;
    r->retry_after = -1;
    r->gave_up = SCIM_RETRY;
    r->cc = CURLE_OK;
    if (r->resp.buf.max == 0) /* first use: a zeroed request */
        ss_dynbuf_sink_init(&r->resp, SCIM_MAX_RESPONSE - 1, 0);
    else
        ss_dynbuf_sink_reset(&r->resp);
    return path ? 0 : -1;
}

void scim_req_attempt_reset(struct scim_req *r)
{
    r->status = 0;
    r->cut_status = 0;
    r->cc = CURLE_OK;
    r->retry_after = -1;
    r->gave_up = SCIM_RETRY;
    if (r->resp.buf.max == 0)
        ss_dynbuf_sink_init(&r->resp, SCIM_MAX_RESPONSE - 1, 0);
    else
        ss_dynbuf_sink_reset(&r->resp);
    if (r->errbuf)
        r->errbuf[0] = '\0';
}

void scim_req_answered(struct scim *s, struct scim_req *r, CURLcode cc, long status,
                       const char *retry_after)
{
    r->cc = cc;
    r->status = status;
    if (status)
        s->reached = 1;
    if (status && retry_after)
        r->retry_after = scim_retry_after(retry_after, time(NULL), SCIM_RETRY_AFTER_CAP_S);
    if (status && cc != CURLE_OK) {
        /* the answer broke off after its status line (a body cut short,
         * a stall): a failed attempt like any lost connection, never a
         * 2xx with half a body */
        r->cut_status = status;
        r->status = 0;
    }
}

const char *scim_req_body(const struct scim_req *r)
{
    return ss_dynbuf_str(&r->resp.buf);
}

size_t scim_req_body_len(const struct scim_req *r)
{
    return ss_dynbuf_len(&r->resp.buf);
}

void scim_req_clear(struct scim_req *r)
{
    free(r->path);
    free(r->body);
    free(r->errbuf);
    r->path = r->body = r->errbuf = NULL;
    ss_dynbuf_sink_free(&r->resp);
}

void scim_job_release(struct scim_job *j)
{
    scim_req_clear(&j->req);
    if (j->guarded)
        scim_guard_free(&j->guard);
    j->guarded = 0;
}

void scim_job_free(struct scim_job *j)
{
    scim_job_release(j);
    free(j->filter);
    free(j->cursor);
    free(j->conflict);
    j->filter = j->cursor = j->conflict = NULL;
}

void scim_redact(const struct scim *s, char *buf)
{
    size_t tl;
    char *p;

    /* a server may echo the token; a short one is left alone (it would
     * match ordinary words in the server's text) */
    if (!s->token || (tl = strlen(s->token)) < SCIMSYNC_SECRET_MASK_MIN)
        return;
    while ((p = strstr(buf, s->token)) != NULL) {
        memset(p, '*', 3);
        memmove(p + 3, p + tl, strlen(p + tl) + 1);
    }
}

/* Why a transient failure was not retried, as a suffix. */
static void gave_up_text(const struct scim *s, const struct scim_req *r, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (r->gave_up == SCIM_RETRY_DEADLINE)
        snprintf(buf, cap, " (request_deadline = %ld s reached after %d attempts)",
                 s->deadline_s, r->attempt + 1);
    else if (r->gave_up == SCIM_RETRY_EXHAUSTED && r->attempt > 0)
        snprintf(buf, cap, " (retries exhausted)");
}

void scim_req_note(const struct scim *s, const struct scim_req *r, double retry_in)
{
    const struct scimsync_host *h = s->h;
    if (SCIMSYNC_HOST_HAS(h, count_request))
        h->count_request(h, r->method, r->status, retry_in);
}

void scim_req_describe(const struct scim *s, const struct scim_req *r, char *buf, size_t cap)
{
    char why[96], cut[48] = "";

    gave_up_text(s, r, why, sizeof(why));
    if (r->resp.too_big) {
        snprintf(buf, cap, "the response was larger than %u bytes", SCIM_MAX_RESPONSE);
    } else if (r->gave_up == SCIM_RETRY_AFTER_TOO_LONG &&
               r->retry_after > (double)s->deadline_s - SCIM_MIN_ATTEMPT_S) {
        snprintf(buf, cap,
                 "HTTP %ld: the server asked to retry after %.0f s, beyond request_deadline = "
                 "%ld s",
                 r->status, r->retry_after, s->deadline_s);
    } else if (r->gave_up == SCIM_RETRY_AFTER_TOO_LONG) {
        double used = r->gave_up_at - (r->deadline - (double)s->deadline_s);
        snprintf(buf, cap,
                 "HTTP %ld: the server asked to retry after %.0f s, past request_deadline = "
                 "%ld s (the request has taken %.1f s over %d attempts)",
                 r->status, r->retry_after, s->deadline_s, used, r->attempt + 1);
    } else if (r->status == 0) {
        char hint[320];
        if (r->cut_status)
            snprintf(cut, sizeof(cut), " after the status line (HTTP %ld)", r->cut_status);
        scim_conn_hint(r->cc, r->errbuf, s->ca_file, s->timeout_s, hint, sizeof(hint));
        snprintf(buf, cap, "connection failed%s: %s%s%s", cut,
                 r->errbuf && r->errbuf[0] ? r->errbuf : curl_easy_strerror(r->cc), why, hint);
    } else {
        struct scim_error e;
        scim_parse_error(scim_req_body(r), scim_req_body_len(r), r->status, &e);
        snprintf(buf, cap, "HTTP %ld%s: %s", r->status, why, e.detail);
    }
    scim_redact(s, buf);
}


void scim_pacing_ceilings(const struct scim *s, double out[SCIM_BUDGETS])
{
    scim_profile_rates(s->profile, s->rate_cfg, out);
}

void scim_rates(const struct scim *s, struct scim_rate_report *out)
{
    memset(out, 0, sizeof(*out));
    if (s->pacer_ready)
        scim_pacer_report(&s->pacer, 1, out);
}
