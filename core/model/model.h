/* The normalized model: one snapshot of users, groups and memberships, for
 * either side of a sync (source after mapping/resolution, or target as
 * listed).  Strings live in the snapshot's arena; memberships are stored
 * as sorted, duplicate-free uint32 user indices per group (CSR layout) so
 * set differences are linear merges. */
#ifndef SS_MODEL_H
#define SS_MODEL_H

#include <scimsync/plugin.h>
#include <ss/common.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "strmap.h"

#define SS_NONE UINT32_MAX
/* Most extra attributes (mapping lines extra.NAME) one run syncs: their
 * managed / changed bits fit a uint32_t. */
#define SS_MAX_EXTRA 32

struct ss_user_rec {
    const char *id;                      /* target id (target side) */
    const char *external_id;             /* source id (source side) / externalId (target) */
    const char *field[SCIMSYNC_F_COUNT]; /* NULL = absent */
    int active;
    uint32_t managed;  /* source side: bits of fields the mapping sets */
    const char *where; /* source side: entry location for messages */
    /* Extra attributes: xval[k] is the value of the snapshot's xnames[k]
     * (arena; NULL when the user has none at all); xmanaged: source side,
     * bit k when the mapping sets xnames[k]. */
    const char **xval;
    uint32_t xmanaged;
    /* Target side, from the state: Unix time it was deactivated (0: not
     * known); staged deletes count their period from it. */
    long long deactivated_at;
};

struct ss_group_rec {
    const char *id;
    const char *external_id;
    const char *display_name;
    const char *where;
};

struct ss_dir {
    struct ss_arena arena;
    /* The extra attribute names of the run (sorted, unique, at most
     * SS_MAX_EXTRA), the same array in the source and target snapshots;
     * owned by the caller.  nx == 0: none. */
    const char *const *xnames;
    size_t nx;
    /* Target side: the target's user records carry extra attributes
     * (ss_target_has_extras); otherwise none are read from them. */
    int x_from_target;
    struct ss_user_rec *users;
    size_t nusers, users_cap;
    struct ss_group_rec *groups;
    size_t ngroups, groups_cap;
    /* Members of group g: mem[mem_off[g] .. mem_off[g+1]), user indices,
     * sorted and unique.  mem_off is NULL until ss_dir_set_members(). */
    uint32_t *mem_off;
    uint32_t *mem;
    /* Target side: nonzero for groups whose members were listed. */
    unsigned char *members_known;
    /* Source side: nonzero for groups whose member list is incomplete (a
     * nested group was skipped, a member ref was ambiguous): members are
     * added but never removed. */
    unsigned char *members_partial;
    /* Source side: externalIds of entries that were skipped (bad data,
     * conflicts).  Target objects carrying them are left untouched: an
     * entry we could not read must never be deactivated or deleted. */
    struct ss_strmap skipped_user_ext;
    struct ss_strmap skipped_group_ext;
};

/* A (group, user) membership pair while collecting. */
struct ss_pair {
    uint32_t group;
    uint32_t user;
};

void ss_dir_init(struct ss_dir *d);
void ss_dir_free(struct ss_dir *d);
/* Appends a zeroed record; NULL on no memory (logged). */
SS_NODISCARD struct ss_user_rec *ss_dir_add_user(struct ss_dir *d);
SS_NODISCARD struct ss_group_rec *ss_dir_add_group(struct ss_dir *d);
/* Builds the CSR membership arrays from pairs (any order, duplicates
 * allowed).  Call after all groups are added. */
int ss_dir_set_members(struct ss_dir *d, struct ss_pair *pairs, size_t npairs);
static inline size_t ss_dir_nmembers(const struct ss_dir *d, uint32_t g)
{
    return d->mem_off ? d->mem_off[g + 1] - d->mem_off[g] : 0;
}
static inline const uint32_t *ss_dir_members(const struct ss_dir *d, uint32_t g)
{
    return d->mem_off ? d->mem + d->mem_off[g] : NULL;
}

/* Schema names: "userName", ... "phone" for fields; NULL when out of range. */
const char *ss_user_field_name(int field);
/* Field index for a schema name, or -1. */
int ss_user_field_by_name(const char *name);
/* Index of an extra attribute name in d->xnames, or -1. */
int ss_dir_extra_index(const struct ss_dir *d, const char *name);

/* NULL and "" are the same: absent. */
static inline int ss_str_empty(const char *s)
{
    return !s || !*s;
}
int ss_str_same(const char *a, const char *b);

/* Sorts a uint32 array ascending (radix sort: memberships are big). */
int ss_sort_u32(uint32_t *v, size_t n);
/* Removes adjacent duplicates of a sorted array; returns the new length. */
size_t ss_unique_u32(uint32_t *v, size_t n);

#endif
