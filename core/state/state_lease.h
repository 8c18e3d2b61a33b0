/* The run lock of an S3 state: a lease object beside the state (KEY.lock).
 * Same three calls as the lock file (core/state/lock.h): acquire (held / busy
 * naming the holder / error), renew while running, release. */
#ifndef SS_STATE_LEASE_H
#define SS_STATE_LEASE_H

#include <stddef.h>
#include <time.h>

#include "state_store.h"

enum ss_lease_result { SS_LEASE_ERROR = -1, SS_LEASE_HELD = 0, SS_LEASE_BUSY = 1 };

struct ss_lease {
    struct ss_state_store *store;
    char *key;
    char etag[160];
    char command[32];
    long ttl; /* seconds a lease lasts without renewal */
    time_t started, renewed;
    int held;
};

enum ss_lease_result ss_lease_acquire(struct ss_lease *l, struct ss_state_store *s,
                                      const char *command, long ttl, char *holder, size_t hlen,
                                      char *err, size_t errlen);
/* Renews once a third of the lease has passed (always with force).  0, or
 * <0 with err set (SS_STORE_CONFLICT: another run took it over). */
int ss_lease_renew(struct ss_lease *l, int force, char *err, size_t errlen);
void ss_lease_release(struct ss_lease *l);

/* Pure: the holder text and expiry of a lease body; 0, or <0 when it is
 * not a lease (holder then says so). */
int ss_lease_parse(const char *buf, size_t len, char *holder, size_t hlen, long long *expires);

#endif
