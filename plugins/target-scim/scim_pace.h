/* Pacing and retry timing, as pure functions of the clock passed in. */
#ifndef SCIM_PACE_H
#define SCIM_PACE_H

#include <stdint.h>
#include <time.h>

/* Token bucket: `rate` tokens a second, at most `burst` saved up.  One
 * token is one HTTP request (retries included).  rate <= 0: unlimited. */
struct scim_bucket {
    double rate;
    double burst;
    double tokens;
    double last; /* seconds, monotonic */
};

void scim_bucket_init(struct scim_bucket *b, double rate, double burst, double now);
/* 0 when a token was taken; otherwise the seconds until one is available
 * (nothing taken). */
double scim_bucket_take(struct scim_bucket *b, double now);
/* The same for n tokens at once (a PATCH of n member values): taken as
 * soon as min(n, burst) are saved up, so a cost above the burst leaves
 * the bucket in debt that later takes wait out; never split. */
double scim_bucket_take_n(struct scim_bucket *b, double n, double now);
/* Changes the rate from now on (tokens earned so far at the old rate);
 * the burst follows the rate as in scim_pace_burst(). */
void scim_bucket_set_rate(struct scim_bucket *b, double rate, double now);
/* The burst the runner gives a bucket of `rate`: requests are spread
 * evenly; 25 ms of catch-up (one request at 40/s) make up for waking
 * late from poll or parsing a page on a busy machine, which at 5 ms cost
 * a paced full read 4 to 8 % of its rate (a one-second window holds at
 * most the rate plus that). */
double scim_pace_burst(double rate);

/* Seconds to wait before retry number `attempt` (1 = first retry):
 * exponential from base_s, capped at cap_s, with "equal jitter" (half
 * fixed, half random from rand01 in [0,1)).  A Retry-After the server
 * sent (retry_after_s >= 0) is honoured: never wait less than it. */
double scim_backoff(int attempt, double retry_after_s, double base_s, double cap_s, double rand01);

/* Retry-After header value: delta-seconds or an HTTP date (relative to
 * now).  -1 when absent or unreadable; capped at cap_s (pass a cap above
 * any deadline to see how long the server really asked for). */
double scim_retry_after(const char *value, time_t now, double cap_s);

/* What to do after a transient failure (429, 5xx, a transport error). */
enum scim_retry {
    SCIM_RETRY = 0,           /* wait *wait_s, then try again */
    SCIM_RETRY_EXHAUSTED,     /* `retries` retries done */
    SCIM_RETRY_DEADLINE,      /* the request's deadline leaves no room for another attempt */
    SCIM_RETRY_AFTER_TOO_LONG /* the server's Retry-After ends past the deadline */
};

/* An attempt gets at least this long before the deadline, or none is made. */
#define SCIM_MIN_ATTEMPT_S 1.0

/* Decides on retry number retries_done + 1: backoff_s is the wait
 * scim_backoff() chose, retry_after_s the server's Retry-After (-1: none),
 * remaining_s what is left of the request's deadline.  A Retry-After
 * asking for more than the deadline leaves fails the request at once
 * (waiting would only end in the same failure); every wait ends at least
 * SCIM_MIN_ATTEMPT_S before the deadline, and never comes sooner than the
 * Retry-After. */
enum scim_retry scim_retry_plan(int retries_done, long retries, double backoff_s,
                                double retry_after_s, double remaining_s, double *wait_s);

/* Uniform in [0,1) from a per-instance xorshift state (never 0), so
 * jitter neither touches nor depends on the process-wide random(). */
double scim_rand01(uint64_t *state);

#endif
