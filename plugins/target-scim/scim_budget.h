/* Request budgets: what each request costs (reads, writes, member values,
 * and every request against the overall cap), a token bucket per budget,
 * and an AIMD controller per budget that halves its rate on a 429 and
 * grows it back toward the configured ceiling.  Pure functions of the
 * clock passed in. */
#ifndef SCIM_BUDGET_H
#define SCIM_BUDGET_H

#include <stddef.h>

#include "scim_pace.h"

enum scim_budget_kind {
    SCIM_BUDGET_ALL = 0, /* rate_limit: every request */
    SCIM_BUDGET_READ,    /* read_rate: GET */
    SCIM_BUDGET_WRITE,   /* write_rate: POST, PUT, PATCH, DELETE */
    SCIM_BUDGET_MEMBER,  /* member_op_rate: each member value in a group write */
    SCIM_BUDGETS
};

/* "requests", "reads", "writes", "member values" */
const char *scim_budget_name(int kind);

/* Tokens one attempt takes from each budget. */
struct scim_cost {
    double tokens[SCIM_BUDGETS];
};

/* The cost of one attempt of `method` carrying member_values member
 * values (a group PATCH or POST; 0 otherwise). */
void scim_request_cost(const char *method, size_t member_values, struct scim_cost *c);

/* Multiplicative decrease on a 429, additive increase per second with
 * successes and no 429.  Below SCIM_AIMD_KNEE x the rate at the last
 * decrease the rate grows by SCIM_AIMD_STEP x ceiling a second; above
 * it, ten times slower, so a server whose real limit is below the
 * ceiling is probed gently instead of throttling every few seconds (its
 * burst hides an overshoot for a while, so the rate at a 429 is above
 * the real limit: hence 3/4 of it). */
#define SCIM_AIMD_DECREASE 0.5
#define SCIM_AIMD_STEP 0.05
#define SCIM_AIMD_SLOW_STEP 0.005
#define SCIM_AIMD_KNEE 0.75

struct scim_aimd {
    double ceiling, floor, rate;
    double knee;         /* rate when last decreased; 0: never */
    double decreased_at; /* monotonic seconds; < 0: never */
    double grown_at;     /* last additive step or decrease */
};

void scim_aimd_init(struct scim_aimd *a, double ceiling, double floor, double now);
/* A 429 on an attempt sent at sent_at.  Halves the rate (not below the
 * floor) unless the attempt was sent before the last decrease: the
 * 429s of requests already in flight at the old rate count once.
 * 1 when the rate went down. */
int scim_aimd_throttled(struct scim_aimd *a, double sent_at, double now);
/* An answer that was not a 429: one additive step when a second has
 * passed since the last step or decrease.  1 when the rate went up. */
int scim_aimd_success(struct scim_aimd *a, double now);

struct scim_budget {
    int on; /* ceiling > 0 */
    struct scim_bucket bucket;
    struct scim_aimd aimd;
    double held_until; /* Retry-After: nothing of this budget starts before */
    /* figures: since the phase began, and since the run began */
    double phase_start, phase_lowest, run_start, run_lowest;
    unsigned long phase_requests, phase_throttled, run_requests, run_throttled;
    double phase_tokens, run_tokens;
};

struct scim_pacer {
    struct scim_budget b[SCIM_BUDGETS];
};

/* Floors of the AIMD controllers: requests a second, member values a
 * second (a full PATCH of 100 values every 10 s).  A ceiling below its
 * floor is its own floor. */
#define SCIM_FLOOR_REQUESTS 1.0
#define SCIM_FLOOR_MEMBERS 10.0

/* ceiling[k] <= 0: budget k is off (unlimited). */
void scim_pacer_init(struct scim_pacer *p, const double ceiling[SCIM_BUDGETS], double now);
/* 0 when the attempt may start now (its tokens taken from every budget
 * it uses), else the seconds to wait (nothing taken). */
double scim_pacer_take(struct scim_pacer *p, const struct scim_cost *c, double now);
/* The budget a 429 on an attempt of cost c slows: the narrowest one it
 * used (member values, else reads or writes, else the overall cap);
 * -1 when every budget it used is off. */
int scim_pacer_throttled_budget(const struct scim_pacer *p, const struct scim_cost *c);
/* Records the answer to an attempt of cost c sent at sent_at: a 429
 * slows the budget above (and with hold_until > now holds it until
 * then, the server's Retry-After), anything else lets the budgets used
 * grow.  Returns the budget slowed, or -1. */
int scim_pacer_answer(struct scim_pacer *p, const struct scim_cost *c, int throttled,
                      double sent_at, double hold_until, double now);
/* Starts a phase's figures (and a run's: run != 0). */
void scim_pacer_begin(struct scim_pacer *p, int run);

/* Effective rates of one budget over a phase or a run. */
struct scim_rate_figures {
    int on;
    double ceiling, start, lowest, end;
    unsigned long requests, throttled;
    double tokens; /* member values for that budget; requests for the others */
};

struct scim_rate_report {
    struct scim_rate_figures b[SCIM_BUDGETS];
};

void scim_pacer_report(const struct scim_pacer *p, int run, struct scim_rate_report *out);
/* "writes 12.5/s (start 25.0, lowest 12.5, ceiling 25.0; 300 requests,
 * 2 throttled), member values ... (...; 3 requests, 250 values, ...)" for the budgets that are on
 * and saw a request; the empty string when none did. */
void scim_rate_report_text(const struct scim_rate_report *r, char *buf, size_t cap);

#endif
