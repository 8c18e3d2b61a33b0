/* Open-addressing hash map (linear probing, ss_hash_str) from C strings to
 * a uint32 (an index into the caller's arrays).  Keys are borrowed: the map
 * stores the pointer given to ss_hmap_insert, which must outlive the map.
 * A caller that needs more than a uint32 per key allocates a struct ending
 * in the key (`char key[]`) and gets back to it from slot->key (offsetof),
 * as plugins/source-ldap/strmap.c does; slots stay 16 bytes, which keeps
 * the engine's big maps small.  A map is exact or ASCII-case-insensitive,
 * and holds at most `limit` entries. */
#ifndef SS_HMAP_H
#define SS_HMAP_H

#include <stddef.h>
#include <stdint.h>

#include "ss/common.h"

#define SS_HMAP_ICASE 1u  /* keys compare with ss_ascii_casecmp */
#define SS_HMAP_FULL (-2) /* ss_hmap_insert: the limit is reached */

struct ss_hmap_slot {
    const char *key; /* NULL: empty */
    uint32_t hash;
    uint32_t val;
};

struct ss_hmap {
    struct ss_hmap_slot *slots;
    size_t cap; /* power of two, 0 when empty */
    size_t n;
    size_t limit;
    unsigned flags;
    struct ss_alloc a;
};

/* flags: 0 or SS_HMAP_ICASE.  limit: most entries (SIZE_MAX: memory is
 * the only limit).  a: NULL for
 * malloc & co.  Allocates nothing. */
void ss_hmap_init(struct ss_hmap *m, unsigned flags, size_t limit, const struct ss_alloc *a);

/* Finds key or adds it.  0: added, *slot is the new slot with a zeroed
 * value for the caller to set.  1: present, *slot is the existing one.
 * -1 no memory, SS_HMAP_FULL: the limit is reached (map unchanged). */
SS_NODISCARD int ss_hmap_insert(struct ss_hmap *m, const char *key, struct ss_hmap_slot **slot);

/* The slot holding key, or NULL.  Valid until the next insert. */
struct ss_hmap_slot *ss_hmap_find(const struct ss_hmap *m, const char *key);

/* Iteration: start with *pos = 0; returns each used slot once, then NULL. */
struct ss_hmap_slot *ss_hmap_next(const struct ss_hmap *m, size_t *pos);

/* Frees the table (not the keys or values). */
void ss_hmap_free(struct ss_hmap *m);

#endif
