/*
 * A fake directory under the LDAP reader (plugins/source-ldap/ldap_dir.h):
 * canned searches, each answering the requests that match it with canned
 * entries, then success or an LDAP error.  Every request is recorded, so a
 * test can check what the reader asked for.
 */
#ifndef FAKE_DIR_H
#define FAKE_DIR_H

#include <stddef.h>

#include "source.h"

#define FAKE_MAX_ATTRS 12
#define FAKE_MAX_VALS 8

struct fake_attr {
    const char *name;
    const char *vals[FAKE_MAX_VALS]; /* NULL-terminated */
    size_t lens[FAKE_MAX_VALS];      /* 0: strlen (binary values give theirs) */
};

struct fake_entry {
    const char *dn; /* NULL: the DN cannot be read */
    struct fake_attr attrs[FAKE_MAX_ATTRS];
    int undecodable; /* attrs() fails as on a bad BER */
};

struct fake_search {
    const char *base;   /* the request's base, case-insensitive */
    const char *filter; /* a substring of the request's filter; NULL: any */
    const char *attr;   /* a prefix of the first requested attribute; NULL: any */
    const struct fake_entry *const *entries; /* NULL-terminated; NULL: none */
    int rc;                                  /* LDAP result code at the end (0: success) */
    size_t rc_after;                         /* with rc: entries handed out before it */
    int start_rc;                            /* LDAP error sending the request */
};

struct fake_dir {
    const struct fake_search *searches; /* ended by base == NULL */
    int connect_rc;                     /* scimsync error of connect, 0 ok */
    char requests[1 << 15];             /* "base|filter|attrs|paged\n" each */
    size_t reqlen;
    unsigned nconnect, ndisconnect, nend;
};

extern const struct lsrc_dir fake_dir_ops;
extern struct fake_dir *fake; /* the one in use */

/* Nonzero when a recorded request line contains text. */
int fake_requested(const char *text);

#endif
