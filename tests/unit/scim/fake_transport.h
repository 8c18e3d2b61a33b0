/* A transport for the SCIM runner (struct scim_transport) that answers
 * every request with the next entry of a script, on a virtual clock: the
 * runner's retries, waits, Retry-After, 429 budgets and deadlines run for
 * real without a server and without sleeping. */
#ifndef FAKE_TRANSPORT_H
#define FAKE_TRANSPORT_H

#include <stddef.h>

#include "scim_target.h"

struct fake_answer {
    long status;             /* 0: no response (the transfer failed with cc) */
    const char *body;        /* NULL: none */
    const char *retry_after; /* the Retry-After header's value, NULL: none */
    CURLcode cc;             /* how the transfer ended */
    const char *err;         /* libcurl's error text */
    double delay;            /* seconds after the start until the answer arrives */
    int too_big;             /* the body passed the cap */
};

struct fake_sent {
    char method[8];
    char path[512];
    char body[2048];
    int attempt;
    double at;      /* virtual time of the start */
    unsigned flags; /* get: SCIM_GET_* */
};

#define FAKE_MAX_SENT 256

extern const struct scim_transport fake_transport;
extern struct fake_sent fake_sent[FAKE_MAX_SENT];
extern size_t fake_nsent; /* requests started */
extern size_t fake_next;  /* answers used */
extern size_t fake_max_inflight;
extern size_t fake_abandoned;
extern double fake_clock;             /* seconds */
extern struct scim_conn_info fake_ci; /* what a check GET reports of its connection */

/* A new script (the array must outlive its use); resets the counters and
 * the clock. */
void fake_script(const struct fake_answer *a, size_t n);

/* The instance a test starts from (what a previous test listed freed):
 * host h, this transport, http://127.0.0.1:9/scim/v2, the profile's
 * default rates, request_deadline 120 s, timeout 30 s, 6 retries, 4
 * connections; then fake_script(a, n). */
void fake_instance(struct scim *s, const struct scimsync_host *h, enum scim_profile profile,
                   const struct fake_answer *a, size_t n);

#endif
