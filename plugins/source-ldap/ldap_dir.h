/*
 * The seam under the reader: everything the read asks of the directory
 * goes through a table of functions (SSSD's sdap mock idea).  The plugin
 * uses libldap (ldap_pager.c: lsrc_dir_libldap); the unit tests put a fake
 * over canned entries in its place, so paging, range retrieval, errors in
 * the middle of a listing, scope and member resolution are tested without
 * a server.
 *
 * Entries are opaque to the reader: it reads them only through dn() and
 * attrs(), valid until the next call to next() or end() of their search.
 */
#ifndef LSRC_LDAP_DIR_H
#define LSRC_LDAP_DIR_H

#include <lber.h>
#include <stddef.h>

struct lsrc_source;
struct lsrc_search;

/* One attribute of an entry: its description (not NUL-terminated) and its
 * n values.  Returns 0 to go on, <0 to stop with that error. */
typedef int (*lsrc_attr_fn)(void *ctx, const struct berval *name, const struct berval *vals,
                            size_t n);

struct lsrc_dir {
    /* Connects and binds (the configured URIs in order); sets s->uri. */
    int (*connect)(struct lsrc_source *s);
    void (*disconnect)(struct lsrc_source *s);
    /* Sends the search q describes (base, filter, scope, attrs, paged). */
    int (*start)(struct lsrc_source *s, struct lsrc_search *q);
    /* 1 and *e, 0 at the end of the whole search (all pages), <0 error
     * (logged).  A search that ends with an error never ends with 0. */
    int (*next)(struct lsrc_source *s, struct lsrc_search *q, void **e);
    /* Releases q's backend state; abandons a search still running. */
    void (*end)(struct lsrc_source *s, struct lsrc_search *q);
    /* The entry's DN, valid like the entry; NULL when it cannot be read. */
    const char *(*dn)(struct lsrc_source *s, struct lsrc_search *q, void *e);
    /* Calls fn for every attribute of the entry, in order.  0, fn's error,
     * or <0 when the entry cannot be decoded (logged). */
    int (*attrs)(struct lsrc_source *s, void *e, const char *dn, lsrc_attr_fn fn, void *ctx);
};

extern const struct lsrc_dir lsrc_dir_libldap;

/* ldap_search.c: searches over s->dir. */

/* Starts a search; paged: RFC 2696 pages of conf.page_size (listings),
 * else one request (lookups by DN, the RootDSE). */
int lsrc_search_open(struct lsrc_source *s, struct lsrc_search *q, const char *base, int scope,
                     const char *filter, char **attrs, int paged);
/* 1 and *e, 0 at the end, <0 error (logged); checks the host's stop. */
int lsrc_search_next(struct lsrc_source *s, struct lsrc_search *q, void **e);
/* Ends a search (open or not); q can be opened again. */
void lsrc_search_close(struct lsrc_source *s, struct lsrc_search *q);
const char *lsrc_search_dn(struct lsrc_source *s, struct lsrc_search *q, void *e);
int lsrc_search_attrs(struct lsrc_source *s, void *e, const char *dn, lsrc_attr_fn fn, void *ctx);

/* Nonzero when an attribute description equals name (case-insensitive). */
int lsrc_attr_is(const struct berval *desc, const char *name);

#endif
