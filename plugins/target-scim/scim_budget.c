#include "scim_budget.h"

#include <stdio.h>
#include <string.h>

const char *scim_budget_name(int kind)
{
    switch (kind) {
    case SCIM_BUDGET_ALL:
        return "requests";
    case SCIM_BUDGET_READ:
        return "reads";
    case SCIM_BUDGET_WRITE:
        return "writes";
    case SCIM_BUDGET_MEMBER:
        return "member values";
    default:
        return "?";
    }
}

void scim_request_cost(const char *method, size_t member_values, struct scim_cost *c)
{
    int read = method && (!strcmp(method, "GET") || !strcmp(method, "HEAD"));
    memset(c, 0, sizeof(*c));
    c->tokens[SCIM_BUDGET_ALL] = 1;
    c->tokens[read ? SCIM_BUDGET_READ : SCIM_BUDGET_WRITE] = 1;
    if (!read)
        c->tokens[SCIM_BUDGET_MEMBER] = (double)member_values;
}

void scim_aimd_init(struct scim_aimd *a, double ceiling, double floor, double now)
{
    a->ceiling = ceiling;
    a->floor = floor < ceiling ? floor : ceiling;
    a->rate = ceiling;
    a->knee = 0;
    a->decreased_at = -1;
    a->grown_at = now;
}

int scim_aimd_throttled(struct scim_aimd *a, double sent_at, double now)
{
    double r;
    if (a->decreased_at >= 0 && sent_at < a->decreased_at)
        return 0;
    r = a->rate * SCIM_AIMD_DECREASE;
    if (r < a->floor)
        r = a->floor;
    a->knee = a->rate;
    a->decreased_at = now;
    a->grown_at = now;
    if (r == a->rate)
        return 0;
    a->rate = r;
    return 1;
}

int scim_aimd_success(struct scim_aimd *a, double now)
{
    double step;
    if (a->rate >= a->ceiling || now - a->grown_at < 1.0)
        return 0;
    step =
        a->knee > 0 && a->rate >= a->knee * SCIM_AIMD_KNEE ? SCIM_AIMD_SLOW_STEP : SCIM_AIMD_STEP;
    a->rate += a->ceiling * step;
    if (a->rate > a->ceiling)
        a->rate = a->ceiling;
    a->grown_at = now;
    return 1;
}

void scim_pacer_init(struct scim_pacer *p, const double ceiling[SCIM_BUDGETS], double now)
{
    memset(p, 0, sizeof(*p));
    for (int k = 0; k < SCIM_BUDGETS; k++) {
        struct scim_budget *b = &p->b[k];
        double rate = ceiling[k] > 0 ? ceiling[k] : 0;
        b->on = rate > 0;
        scim_bucket_init(&b->bucket, rate, scim_pace_burst(rate), now);
        scim_aimd_init(&b->aimd, rate,
                       k == SCIM_BUDGET_MEMBER ? SCIM_FLOOR_MEMBERS : SCIM_FLOOR_REQUESTS, now);
    }
    scim_pacer_begin(p, 1);
}

double scim_pacer_take(struct scim_pacer *p, const struct scim_cost *c, double now)
{
    double wait = 0;
    /* every budget the attempt uses must have its tokens before any is
     * taken: a partial take would spend tokens on a request not sent */
    for (int k = 0; k < SCIM_BUDGETS; k++) {
        struct scim_budget *b = &p->b[k];
        struct scim_bucket probe;
        double w;
        if (!b->on || c->tokens[k] <= 0)
            continue;
        if (b->held_until > now && b->held_until - now > wait)
            wait = b->held_until - now;
        probe = b->bucket;
        w = scim_bucket_take_n(&probe, c->tokens[k], now);
        if (w > wait)
            wait = w;
    }
    if (wait > 0)
        return wait;
    for (int k = 0; k < SCIM_BUDGETS; k++) {
        struct scim_budget *b = &p->b[k];
        if (!b->on || c->tokens[k] <= 0)
            continue;
        scim_bucket_take_n(&b->bucket, c->tokens[k], now);
        b->phase_requests++;
        b->run_requests++;
        b->phase_tokens += c->tokens[k];
        b->run_tokens += c->tokens[k];
    }
    return 0;
}

int scim_pacer_throttled_budget(const struct scim_pacer *p, const struct scim_cost *c)
{
    static const int order[] = {SCIM_BUDGET_MEMBER, SCIM_BUDGET_WRITE, SCIM_BUDGET_READ,
                                SCIM_BUDGET_ALL};
    for (size_t i = 0; i < sizeof(order) / sizeof(*order); i++) {
        if (p->b[order[i]].on && c->tokens[order[i]] > 0)
            return order[i];
    }
    return -1;
}

int scim_pacer_answer(struct scim_pacer *p, const struct scim_cost *c, int throttled,
                      double sent_at, double hold_until, double now)
{
    int k;
    if (!throttled) {
        for (k = 0; k < SCIM_BUDGETS; k++) {
            struct scim_budget *b = &p->b[k];
            if (b->on && c->tokens[k] > 0 && scim_aimd_success(&b->aimd, now))
                scim_bucket_set_rate(&b->bucket, b->aimd.rate, now);
        }
        return -1;
    }
    k = scim_pacer_throttled_budget(p, c);
    if (k < 0)
        return -1;
    struct scim_budget *b = &p->b[k];
    b->phase_throttled++;
    b->run_throttled++;
    if (scim_aimd_throttled(&b->aimd, sent_at, now)) {
        scim_bucket_set_rate(&b->bucket, b->aimd.rate, now);
        /* what was saved up at the old rate is not spent at the new one */
        if (b->bucket.tokens > 0)
            b->bucket.tokens = 0;
    }
    if (b->aimd.rate < b->phase_lowest)
        b->phase_lowest = b->aimd.rate;
    if (b->aimd.rate < b->run_lowest)
        b->run_lowest = b->aimd.rate;
    if (hold_until > b->held_until)
        b->held_until = hold_until;
    return k;
}

void scim_pacer_begin(struct scim_pacer *p, int run)
{
    for (int k = 0; k < SCIM_BUDGETS; k++) {
        struct scim_budget *b = &p->b[k];
        b->phase_start = b->phase_lowest = b->aimd.rate;
        b->phase_requests = b->phase_throttled = 0;
        b->phase_tokens = 0;
        if (run) {
            b->run_start = b->run_lowest = b->aimd.rate;
            b->run_requests = b->run_throttled = 0;
            b->run_tokens = 0;
        }
    }
}

void scim_pacer_report(const struct scim_pacer *p, int run, struct scim_rate_report *out)
{
    for (int k = 0; k < SCIM_BUDGETS; k++) {
        const struct scim_budget *b = &p->b[k];
        struct scim_rate_figures *f = &out->b[k];
        f->on = b->on;
        f->ceiling = b->aimd.ceiling;
        f->end = b->aimd.rate;
        f->start = run ? b->run_start : b->phase_start;
        f->lowest = run ? b->run_lowest : b->phase_lowest;
        f->requests = run ? b->run_requests : b->phase_requests;
        f->throttled = run ? b->run_throttled : b->phase_throttled;
        f->tokens = run ? b->run_tokens : b->phase_tokens;
    }
}

void scim_rate_report_text(const struct scim_rate_report *r, char *buf, size_t cap)
{
    size_t len = 0;
    if (cap == 0)
        return;
    buf[0] = '\0';
    for (int k = 0; k < SCIM_BUDGETS && len < cap; k++) {
        const struct scim_rate_figures *f = &r->b[k];
        char values[48] = "";
        int n;
        if (!f->on || f->requests == 0)
            continue;
        if (k == SCIM_BUDGET_MEMBER)
            snprintf(values, sizeof(values), ", %.0f values", f->tokens);
        n = snprintf(buf + len, cap - len,
                     "%s%s %.1f/s (start %.1f, lowest %.1f, ceiling %.1f; %lu requests%s, %lu "
                     "throttled)",
                     len ? ", " : "", scim_budget_name(k), f->end, f->start, f->lowest, f->ceiling,
                     f->requests, values, f->throttled);
        if (n < 0)
            break;
        len += (size_t)n;
    }
    if (len >= cap)
        buf[cap - 1] = '\0';
}
