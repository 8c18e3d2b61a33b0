/* Listing integrity.  A listing remembers what it has seen (ids and
 * cursors), so a server that loops (a cursor seen before, pages of ids
 * already delivered, the same page again) or contradicts itself (an empty
 * page that claims items, a last page short of totalResults) ends the
 * listing with an error instead of paging for an hour or passing a short
 * listing off as complete.  Ids and cursors are kept as 64-bit hashes:
 * 100,000 users cost about 2 MiB, and a collision (odds ~1e-10 at that
 * size) can only make a repeat look new, never the reverse. */
#ifndef SCIM_GUARD_H
#define SCIM_GUARD_H

#include <stddef.h>
#include <stdint.h>

#include "scim_parse.h"

/* A set of strings by hash (open addressing; 0 marks a free slot). */
struct scim_idset {
    uint64_t *slot;
    size_t cap, len;
};

/* 1 added, 0 already there, -1 no memory. */
int scim_idset_add(struct scim_idset *s, const char *id);
int scim_idset_has(const struct scim_idset *s, const char *id);
void scim_idset_free(struct scim_idset *s);

/* A run of empty pages that each carry a new cursor: a server that
 * pages nothing forever.  More than this many in a row is an error. */
#define SCIM_GUARD_MAX_EMPTY_PAGES 5

struct scim_guard {
    struct scim_idset *ids; /* ids seen in this listing: own_ids or the caller's */
    struct scim_idset own_ids;
    struct scim_idset cursors;
    uint64_t prev_page; /* hash of the previous page's ids, in order */
    size_t pages, received, empty_run;
    int true_total; /* a page announced more than it held: totalResults
                       is the listing's total, not a page count */
};

/* Starts a listing: ids go to `ids` (cleared first) or, when NULL, to a
 * set of the guard's own. */
void scim_guard_init(struct scim_guard *g, struct scim_idset *ids);
void scim_guard_free(struct scim_guard *g);

/* Checks one page before anything in it is used: ids[0..n) are the ids
 * of p's resources, in order; `cursor_mode` says the listing pages with
 * cursors.  Marks each id seen and sets fresh[i] (when fresh is not NULL)
 * to whether ids[i] is new in this listing.  0: the page is sound and
 * the listing continues or ends as p says.  -1: why says what is wrong
 * (a looping or self-contradicting server).  -2: no memory. */
int scim_guard_page(struct scim_guard *g, const char *const *ids, size_t n,
                    const struct scim_page *p, int cursor_mode, unsigned char *fresh, char *why,
                    size_t cap);

/* After the last page (last: that page): -1 with why when the listing
 * received fewer resources than the server said it holds. */
int scim_guard_end(const struct scim_guard *g, const struct scim_page *last, char *why, size_t cap);

#endif
