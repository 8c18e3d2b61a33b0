#include "scim_pace.h"

#include <ctype.h>
#include <curl/curl.h>
#include <math.h>
#include <stdlib.h>

void scim_bucket_init(struct scim_bucket *b, double rate, double burst, double now)
{
    b->rate = rate;
    b->burst = burst < 1.0 ? 1.0 : burst;
    b->tokens = b->burst;
    b->last = now;
}

static void refill(struct scim_bucket *b, double now)
{
    if (now > b->last) {
        b->tokens += (now - b->last) * b->rate;
        if (b->tokens > b->burst)
            b->tokens = b->burst;
        b->last = now;
    }
}

double scim_bucket_take_n(struct scim_bucket *b, double n, double now)
{
    double need = n < b->burst ? n : b->burst;
    if (b->rate <= 0 || n <= 0)
        return 0;
    refill(b, now);
    /* a hair of slack: tokens earned in floating point must not leave
     * a wait of 1e-12 s that rounds to a busy poll */
    if (b->tokens >= need - 1e-9) {
        b->tokens -= n;
        return 0;
    }
    return (need - b->tokens) / b->rate;
}

double scim_bucket_take(struct scim_bucket *b, double now)
{
    return scim_bucket_take_n(b, 1.0, now);
}

double scim_pace_burst(double rate)
{
    return 1.0 + rate * 0.025;
}

void scim_bucket_set_rate(struct scim_bucket *b, double rate, double now)
{
    if (b->rate > 0)
        refill(b, now);
    else
        b->last = now;
    b->rate = rate;
    b->burst = scim_pace_burst(rate);
    if (b->tokens > b->burst)
        b->tokens = b->burst;
}

double scim_backoff(int attempt, double retry_after_s, double base_s, double cap_s, double rand01)
{
    double d;

    if (attempt < 1)
        attempt = 1;
    if (attempt > 30)
        attempt = 30;
    d = base_s * ldexp(1.0, attempt - 1);
    if (d > cap_s)
        d = cap_s;
    if (rand01 < 0)
        rand01 = 0;
    if (rand01 >= 1)
        rand01 = 0.999999;
    d = d / 2 + d / 2 * rand01;
    if (retry_after_s >= 0 && d < retry_after_s)
        d = retry_after_s + d * 0.1; /* spread the herd that waited on the same header */
    return d;
}

double scim_retry_after(const char *value, time_t now, double cap_s)
{
    const char *p = value;
    double secs;

    if (!value)
        return -1;
    while (*p == ' ' || *p == '\t')
        p++;
    if (!*p)
        return -1;
    if (isdigit((unsigned char)*p)) {
        char *end;
        secs = strtod(p, &end);
        while (*end == ' ' || *end == '\t' || *end == '\r' || *end == '\n')
            end++;
        if (*end || secs < 0)
            return -1;
    } else {
        time_t t = curl_getdate(p, NULL);
        if (t == (time_t)-1)
            return -1;
        secs = t > now ? (double)(t - now) : 0;
    }
    return secs > cap_s ? cap_s : secs;
}

double scim_rand01(uint64_t *state)
{
    uint64_t x = *state ? *state : 0x9e3779b97f4a7c15ull;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *state = x;
    return (double)(x >> 11) / 9007199254740992.0; /* 2^53 */
}

enum scim_retry scim_retry_plan(int retries_done, long retries, double backoff_s,
                                double retry_after_s, double remaining_s, double *wait_s)
{
    double room = remaining_s - SCIM_MIN_ATTEMPT_S;

    *wait_s = 0;
    if (retries_done >= retries)
        return SCIM_RETRY_EXHAUSTED;
    if (retry_after_s >= 0 && retry_after_s > room)
        return SCIM_RETRY_AFTER_TOO_LONG;
    if (room < 0)
        return SCIM_RETRY_DEADLINE;
    *wait_s = backoff_s < room ? backoff_s : room;
    if (retry_after_s >= 0 && *wait_s < retry_after_s)
        *wait_s = retry_after_s;
    if (*wait_s < 0)
        *wait_s = 0;
    return SCIM_RETRY;
}
