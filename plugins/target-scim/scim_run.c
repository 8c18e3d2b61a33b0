/* The runner: several requests in flight through the transport (struct
 * scim_transport: libcurl multi in scim_http.c, canned answers in the unit
 * tests), every attempt paced by the budgets it uses (scim_budget.h: the
 * overall cap, reads or writes, member values), each budget slowed on a
 * 429 and grown back after; 429 / 5xx / connection failures retried with
 * backoff, each request bounded by request_deadline (its retries and waits
 * included).  Single-threaded: callbacks run on the caller's thread. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scim_target.h"

#define BACKOFF_BASE_S 0.5
#define BACKOFF_CAP_S 30.0

/* A fixed-size FIFO of job pointers (each job is queued at most once). */
struct fifo {
    struct scim_job **v;
    size_t cap, head, len;
};

static void fifo_push(struct fifo *q, struct scim_job *j)
{
    q->v[(q->head + q->len) % q->cap] = j;
    q->len++;
}

/* A listing's next page goes first: a cursor chain is one request at a
 * time, and behind a queue of member reads it would be the tail. */
static void fifo_push_front(struct fifo *q, struct scim_job *j)
{
    q->head = (q->head + q->cap - 1) % q->cap;
    q->v[q->head] = j;
    q->len++;
}

static int fifo_grow(struct fifo *q, size_t cap)
{
    struct scim_job **v = malloc(cap * sizeof(*v));
    if (!v)
        return -1;
    for (size_t i = 0; i < q->len; i++)
        v[i] = q->v[(q->head + i) % q->cap];
    free(q->v);
    q->v = v;
    q->cap = cap;
    q->head = 0;
    return 0;
}

int scim_run_add(struct scim *s, struct scim_job *j)
{
    if (s->nadded == s->added_cap) {
        size_t cap = s->added_cap ? 2 * s->added_cap : 64;
        struct scim_job **v = realloc(s->added, cap * sizeof(*v));
        if (!v)
            return -1;
        s->added = v;
        s->added_cap = cap;
    }
    s->added[s->nadded++] = j;
    return 0;
}

/* Queues the jobs a response handler added (scim_run_add) since *taken;
 * every queue holds each job at most once, so each holds *total. */
static int take_added(struct scim *s, struct fifo *ready, struct scim_job ***delayed, size_t *total,
                      size_t *taken, size_t *remaining)
{
    size_t need = *total + (s->nadded - *taken);
    if (*taken == s->nadded)
        return 0;
    if (need > ready->cap) {
        size_t cap = 2 * ready->cap > need ? 2 * ready->cap : need;
        struct scim_job **d = realloc(*delayed, cap * sizeof(*d));
        if (!d)
            return -1;
        *delayed = d;
        if (fifo_grow(ready, cap) < 0)
            return -1;
    }
    for (; *taken < s->nadded; (*taken)++) {
        s->added[*taken]->finished = 0;
        fifo_push(ready, s->added[*taken]);
        (*remaining)++;
    }
    *total = need;
    return 0;
}

static struct scim_job *fifo_pop(struct fifo *q)
{
    struct scim_job *j = q->v[q->head];
    q->head = (q->head + 1) % q->cap;
    q->len--;
    return j;
}

/* Starts the next attempt of j: its deadline, its time limit, the
 * transport.  0, -1 no memory. */
static int start(struct scim *s, struct scim_job *j, double now)
{
    struct scim_req *r = &j->req;
    long attempt_ms;

    scim_req_attempt_reset(r);
    if (r->deadline == 0)
        r->deadline = now + (double)s->deadline_s;
    /* `timeout` per attempt, never past the request's deadline */
    attempt_ms = s->timeout_s * 1000L;
    if ((r->deadline - now) * 1000.0 < (double)attempt_ms)
        attempt_ms = (long)((r->deadline - now) * 1000.0);
    if (attempt_ms < 500)
        attempt_ms = 500;
    r->attempt_ms = attempt_ms;
    r->sent_at = now;
    if (s->tx->start(s, j) < 0)
        return -1;
    r->inflight = 1;
    s->stats.requests++;
    return 0;
}

static int retryable(const struct scim *s, const struct scim_req *r)
{
    if (r->resp.too_big)
        return 0;
    if (r->status == 0)
        return scim_conn_retryable(r->cc, r->errbuf, s->reached);
    return r->status == 429 || r->status >= 500;
}

/* A retry, logged as it is decided: what failed and how long we wait.
 * At info for the first ones of the instance, then at debug (the summary
 * line counts them all). */
static void log_retry(struct scim *s, const struct scim_req *r, double pause)
{
    char why[CURL_ERROR_SIZE + 32];
    int level = s->retries_logged < 20 ? SCIMSYNC_LOG_INFO : SCIMSYNC_LOG_DEBUG;

    if (r->status)
        snprintf(why, sizeof why, "HTTP %ld%s", r->status, r->status == 429 ? " (throttled)" : "");
    else
        snprintf(why, sizeof why, "%s",
                 r->errbuf && r->errbuf[0] ? r->errbuf : curl_easy_strerror(r->cc));
    scim_redact(s, why);
    s->h->log(s->h, level, "%s %s%s: %s; retry %d of %ld in %.1f s%s", r->method, s->url.base,
              r->path, why, r->attempt + 1, s->retries, pause,
              s->retries_logged == 19 ? " (further retries are logged at debug)" : "");
    s->retries_logged++;
}

static void count_retry(struct scim *s, const struct scim_req *r)
{
    if (r->status == 429)
        s->stats.throttled++;
    else if (r->status >= 500)
        s->stats.server_errors++;
    else
        s->stats.conn_errors++;
}

/* Tells the budgets of r's attempt how it was answered. */
static void paced_answer(struct scim *s, const struct scim_req *r, int throttled, double hold_until)
{
    struct scim_cost cost;
    int k;
    double before[SCIM_BUDGETS];

    scim_request_cost(r->method, r->member_values, &cost);
    for (k = 0; k < SCIM_BUDGETS; k++)
        before[k] = s->pacer.b[k].aimd.rate;
    k = scim_pacer_answer(&s->pacer, &cost, throttled, r->sent_at, hold_until, s->tx->now());
    if (k >= 0 && s->pacer.b[k].aimd.rate < before[k])
        s->h->log(s->h, SCIMSYNC_LOG_DEBUG,
                  "%s %s throttled (HTTP 429): pacing %s at %.1f/s (was %.1f, ceiling %.1f)",
                  r->method, r->path, scim_budget_name(k), s->pacer.b[k].aimd.rate, before[k],
                  s->pacer.b[k].aimd.ceiling);
}

int scim_run(struct scim *s, struct scim_job *jobs, size_t n)
{
    const struct scim_transport *tx = s->tx;
    struct fifo ready = {0};
    struct scim_job **delayed = NULL;
    size_t ndelayed = 0, remaining = n, inflight = 0, total = n, taken = 0;
    int rc = 0, draining = 0;

    s->nadded = 0;
    if (n == 0)
        return 0;
    ready.v = malloc(n * sizeof(*ready.v));
    delayed = malloc(n * sizeof(*delayed));
    if (!ready.v || !delayed) {
        rc = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    ready.cap = n;
    if (!s->pacer_ready) {
        /* Requests are spread evenly (no bursts), so no one-second
         * window holds more than a budget's rate. */
        double ceiling[SCIM_BUDGETS];
        scim_pacing_ceilings(s, ceiling);
        scim_pacer_init(&s->pacer, ceiling, tx->now());
        s->pacer_ready = 1;
    }
    for (size_t i = 0; i < n; i++) {
        jobs[i].finished = 0;
        fifo_push(&ready, &jobs[i]);
    }
    /* draining: a job stopped the run; with s->drain_on_fail the
     * transfers in flight still get their answers (a write that reached
     * the server is reported as done or failed, not "not attempted"),
     * but nothing new starts and nothing is retried */
    while (remaining > 0 && (rc == 0 || (draining && inflight > 0))) {
        double now = tx->now(), wait = 1.0;
        int progressed = 0;
        struct scim_job *j;

        if (s->h->should_stop && !(draining && rc == SCIMSYNC_ERR_STOPPED)) {
            int stop = s->h->should_stop(s->h);
            /* A clean stop while writing: the transfers in flight finish
             * (until the host's grace period ends), nothing new starts. */
            if (stop == SCIMSYNC_STOP_DRAIN && s->drain_on_fail && !rc) {
                rc = SCIMSYNC_ERR_STOPPED;
                draining = 1;
                s->h->log(s->h, SCIMSYNC_LOG_INFO,
                          "stop requested: waiting for %zu request(s) in flight", inflight);
                if (inflight == 0)
                    break;
            } else if (stop) {
                rc = SCIMSYNC_ERR_STOPPED;
                break;
            }
        } else if (s->h->should_stop && s->h->should_stop(s->h) == SCIMSYNC_STOP_NOW) {
            break; /* the grace period is over: abandon what is in flight */
        }
        for (size_t k = 0; k < ndelayed && !draining;) {
            if (delayed[k]->req.not_before <= now) {
                fifo_push(&ready, delayed[k]);
                delayed[k] = delayed[--ndelayed];
                continue;
            }
            if (delayed[k]->req.not_before - now < wait)
                wait = delayed[k]->req.not_before - now;
            k++;
        }
        while (!draining && ready.len > 0 && inflight < (size_t)s->max_conn) {
            struct scim_cost cost;
            double w;
            j = ready.v[ready.head];
            /* the head is prepared first: what it costs depends on it */
            if (j->prepare && !j->req.path) {
                int p = j->prepare(j);
                if (p < 0) {
                    rc = SCIMSYNC_ERR_NOMEM;
                    break;
                }
                if (p > 0) { /* nothing to send after all */
                    fifo_pop(&ready);
                    j->finished = 1;
                    remaining--;
                    continue;
                }
            }
            scim_request_cost(j->req.method, j->req.member_values, &cost);
            w = scim_pacer_take(&s->pacer, &cost, now);
            if (w > 0) {
                if (w < wait)
                    wait = w;
                break;
            }
            fifo_pop(&ready);
            if (start(s, j, now) < 0) {
                rc = SCIMSYNC_ERR_NOMEM;
                break;
            }
            inflight++;
        }
        if (rc && !draining)
            break;
        tx->perform(s);
        while ((j = tx->next_done(s)) != NULL) {
            struct scim_req *r = &j->req;
            r->inflight = 0;
            inflight--;
            progressed = 1;
            s->h->log(s->h, SCIMSYNC_LOG_DEBUG, "%s %s -> %ld", r->method, r->path, r->status);
            if (r->status && r->status < 500 && r->status != 429)
                paced_answer(s, r, 0, 0);
            if (retryable(s, r)) {
                double t = tx->now(), pause;
                double backoff = scim_backoff(r->attempt + 1, r->retry_after, BACKOFF_BASE_S,
                                              BACKOFF_CAP_S, scim_rand01(&s->rng));
                enum scim_retry d = scim_retry_plan(r->attempt, s->retries, backoff, r->retry_after,
                                                    r->deadline - t, &pause);
                /* a 429 slows its budget; with a Retry-After that is
                 * honoured, nothing else of that budget starts sooner */
                if (r->status == 429)
                    paced_answer(s, r, 1, d == SCIM_RETRY && r->retry_after >= 0 ? t + pause : 0);
                if (d == SCIM_RETRY && !draining) {
                    log_retry(s, r, pause);
                    scim_req_note(s, r, pause);
                    count_retry(s, r);
                    r->attempt++;
                    r->not_before = t + pause;
                    delayed[ndelayed++] = j;
                    continue;
                }
                r->gave_up = d == SCIM_RETRY ? SCIM_RETRY_EXHAUSTED : d;
                r->gave_up_at = t;
                s->stats.gave_up++;
            }
            scim_req_note(s, r, -1);
            if (r->status == 401 && draining) {
                j->got_401 = 1;
                continue;
            }
            if (r->status == 401) {
                if (!s->auth_failed)
                    s->h->log(s->h, SCIMSYNC_LOG_ERROR,
                              "SCIM token rejected (expired or wrong tenant?): HTTP 401 from %s",
                              s->url.base);
                s->auth_failed = 1;
                j->got_401 = 1;
                rc = SCIMSYNC_ERR_AUTH;
                break;
            }
            enum scim_job_result res = j->on_response(s, j);
            if (take_added(s, &ready, &delayed, &total, &taken, &remaining) < 0 && !rc) {
                rc = SCIMSYNC_ERR_NOMEM;
                break;
            }
            if (res == SCIM_JOB_AGAIN) {
                if (!draining && j->chain)
                    fifo_push_front(&ready, j);
                else if (!draining)
                    fifo_push(&ready, j);
            } else if (res == SCIM_JOB_DONE) {
                j->finished = 1;
                scim_job_release(j);
                remaining--;
            } else if (!rc) {
                rc = j->result ? j->result : SCIMSYNC_ERR;
                if (!s->drain_on_fail)
                    break;
                draining = 1;
            }
        }
        if ((rc && !draining) || remaining == 0 || (draining && inflight == 0))
            break;
        if (!progressed) {
            int ms = (int)ceil(wait * 1000.0);
            if (ms > 1000)
                ms = 1000;
            tx->wait(s, ms);
        }
    }
out:
    /* abandon what is still in flight (stop, 401, fatal error) */
    for (size_t i = 0; i < n; i++) {
        if (jobs[i].req.inflight) {
            tx->abandon(s, &jobs[i].req);
            jobs[i].req.inflight = 0;
        }
    }
    for (size_t i = 0; i < s->nadded; i++) {
        if (s->added[i]->req.inflight) {
            tx->abandon(s, &s->added[i]->req);
            s->added[i]->req.inflight = 0;
        }
    }
    free(s->added);
    s->added = NULL;
    s->nadded = s->added_cap = 0;
    free(ready.v);
    free(delayed);
    return rc;
}
