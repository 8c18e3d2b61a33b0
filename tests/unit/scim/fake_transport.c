#include "fake_transport.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

struct fake_sent fake_sent[FAKE_MAX_SENT];
size_t fake_nsent, fake_next, fake_max_inflight, fake_abandoned;
double fake_clock;
struct scim_conn_info fake_ci;

static const struct fake_answer *script;
static size_t nscript;
static struct scim_job *pending[FAKE_MAX_SENT];
static const struct fake_answer *pending_answer[FAKE_MAX_SENT];
static double due[FAKE_MAX_SENT];
static size_t npending;

void fake_script(const struct fake_answer *a, size_t n)
{
    script = a;
    nscript = n;
    fake_nsent = fake_next = fake_max_inflight = fake_abandoned = 0;
    fake_clock = 1000.0;
    npending = 0;
    memset(&fake_ci, 0, sizeof(fake_ci));
}

void fake_instance(struct scim *s, const struct scimsync_host *h, enum scim_profile profile,
                   const struct fake_answer *a, size_t n)
{
    scim_listed_reset(s);
    memset(s, 0, sizeof(*s));
    s->h = h;
    s->tx = &fake_transport;
    s->url.base = (char *)"http://127.0.0.1:9/scim/v2";
    s->url.loopback = 1;
    s->token = "tok-secret-123";
    s->profile = profile;
    s->deadline_s = 120;
    s->timeout_s = 30;
    s->retries = 6;
    s->max_conn = 4;
    s->verify_tls = 1;
    for (int k = 0; k < SCIM_BUDGETS; k++)
        s->rate_cfg[k] = -1;
    fake_script(a, n);
}

static void record(const struct scim_req *r, unsigned flags)
{
    struct fake_sent *f;
    if (fake_nsent >= FAKE_MAX_SENT)
        fail_msg("more than %d requests", FAKE_MAX_SENT);
    f = &fake_sent[fake_nsent++];
    snprintf(f->method, sizeof f->method, "%s", r->method);
    snprintf(f->path, sizeof f->path, "%s", r->path);
    snprintf(f->body, sizeof f->body, "%s", r->body ? r->body : "");
    f->attempt = r->attempt;
    f->at = fake_clock;
    f->flags = flags;
}

static const struct fake_answer *next_answer(const struct scim_req *r)
{
    if (fake_next >= nscript)
        fail_msg("no answer left for %s %s (a loop?)", r->method, r->path);
    return &script[fake_next++];
}

/* Hands a the way libcurl would: the body through the one write
 * callback, then the outcome. */
static void answer(struct scim *s, struct scim_req *r, const struct fake_answer *a)
{
    CURLcode cc = a->cc;
    if (a->body) {
        size_t n = strlen(a->body);
        if (ss_dynbuf_sink_write((char *)a->body, 1, n, &r->resp) != n)
            cc = CURLE_WRITE_ERROR; /* no memory for it: libcurl stops the same way */
    }
    if (a->too_big)
        r->resp.too_big = 1;
    if (a->err && r->errbuf)
        snprintf(r->errbuf, CURL_ERROR_SIZE, "%s", a->err);
    scim_req_answered(s, r, cc, a->status, a->retry_after);
}

static int fake_start(struct scim *s, struct scim_job *j)
{
    (void)s;
    if (!j->req.errbuf && !(j->req.errbuf = calloc(1, CURL_ERROR_SIZE)))
        return -1;
    static const struct fake_answer timed_out = {.cc = CURLE_OPERATION_TIMEDOUT,
                                                 .err = "Operation timed out"};
    double limit = j->req.attempt_ms / 1000.0;
    record(&j->req, 0);
    pending_answer[npending] = next_answer(&j->req);
    due[npending] = fake_clock + pending_answer[npending]->delay;
    if (limit > 0 && pending_answer[npending]->delay > limit) {
        /* the attempt's time limit (timeout, request_deadline) ends it */
        pending_answer[npending] = &timed_out;
        due[npending] = fake_clock + limit;
    }
    pending[npending++] = j;
    if (npending > fake_max_inflight)
        fake_max_inflight = npending;
    return 0;
}

static void fake_perform(struct scim *s)
{
    (void)s;
}

static void drop(size_t i)
{
    memmove(pending + i, pending + i + 1, (npending - i - 1) * sizeof(*pending));
    memmove(pending_answer + i, pending_answer + i + 1,
            (npending - i - 1) * sizeof(*pending_answer));
    memmove(due + i, due + i + 1, (npending - i - 1) * sizeof(*due));
    npending--;
}

/* The first started job whose answer is due: answers are taken from the
 * script in start order. */
static struct scim_job *fake_next_done(struct scim *s)
{
    if (npending == 0 || due[0] > fake_clock)
        return NULL;
    struct scim_job *j = pending[0];
    const struct fake_answer *a = pending_answer[0];
    drop(0);
    answer(s, &j->req, a);
    return j;
}

static void fake_wait(struct scim *s, int ms)
{
    (void)s;
    fake_clock += ms / 1000.0;
}

static void fake_abandon(struct scim *s, struct scim_req *r)
{
    (void)s;
    for (size_t i = 0; i < npending; i++) {
        if (&pending[i]->req == r) {
            drop(i); /* its answer is lost with it */
            fake_abandoned++;
            return;
        }
    }
    fail_msg("abandon: %s %s is not in flight", r->method, r->path);
}

static void fake_get(struct scim *s, struct scim_req *r, long timeout_s, unsigned flags,
                     struct scim_conn_info *ci)
{
    (void)timeout_s;
    scim_req_attempt_reset(r);
    if (!r->errbuf && !(r->errbuf = calloc(1, CURL_ERROR_SIZE))) {
        r->cc = CURLE_OUT_OF_MEMORY;
        return;
    }
    record(r, flags);
    *ci = fake_ci;
    answer(s, r, next_answer(r));
}

static double fake_now(void)
{
    return fake_clock;
}

static void fake_cleanup(struct scim *s)
{
    (void)s;
}

const struct scim_transport fake_transport = {
    .start = fake_start,
    .perform = fake_perform,
    .next_done = fake_next_done,
    .wait = fake_wait,
    .abandon = fake_abandon,
    .get = fake_get,
    .now = fake_now,
    .cleanup = fake_cleanup,
};
