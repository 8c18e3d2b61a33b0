#include "model.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "vec.h"

#define FIELD_NAME(id, name) [SCIMSYNC_F_##id] = name,
static const char *const field_names[SCIMSYNC_F_COUNT] = {SCIMSYNC_USER_FIELDS(FIELD_NAME)};
#undef FIELD_NAME

const char *ss_user_field_name(int field)
{
    return field >= 0 && field < SCIMSYNC_F_COUNT ? field_names[field] : NULL;
}

int ss_user_field_by_name(const char *name)
{
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        if (strcmp(field_names[f], name) == 0)
            return f;
    }
    return -1;
}

int ss_dir_extra_index(const struct ss_dir *d, const char *name)
{
    for (size_t k = 0; name && k < d->nx; k++) {
        if (strcmp(d->xnames[k], name) == 0)
            return (int)k;
    }
    return -1;
}

int ss_str_same(const char *a, const char *b)
{
    if (ss_str_empty(a) || ss_str_empty(b))
        return ss_str_empty(a) && ss_str_empty(b);
    return strcmp(a, b) == 0;
}

void ss_dir_init(struct ss_dir *d)
{
    memset(d, 0, sizeof(*d));
    ss_arena_init(&d->arena, 0);
    ss_strmap_init(&d->skipped_user_ext, 0);
    ss_strmap_init(&d->skipped_group_ext, 0);
}

void ss_dir_free(struct ss_dir *d)
{
    free(d->users);
    free(d->groups);
    free(d->mem_off);
    free(d->mem);
    free(d->members_known);
    free(d->members_partial);
    ss_strmap_free(&d->skipped_user_ext);
    ss_strmap_free(&d->skipped_group_ext);
    ss_arena_free(&d->arena);
    memset(d, 0, sizeof(*d));
}

struct ss_user_rec *ss_dir_add_user(struct ss_dir *d)
{
    if (SS_VEC_PUSH_ROOM(d->users, d->nusers, d->users_cap) < 0) {
        ss_error("out of memory (users)");
        return NULL;
    }
    struct ss_user_rec *u = &d->users[d->nusers++];
    memset(u, 0, sizeof(*u));
    return u;
}

struct ss_group_rec *ss_dir_add_group(struct ss_dir *d)
{
    if (SS_VEC_PUSH_ROOM(d->groups, d->ngroups, d->groups_cap) < 0) {
        ss_error("out of memory (groups)");
        return NULL;
    }
    struct ss_group_rec *g = &d->groups[d->ngroups++];
    memset(g, 0, sizeof(*g));
    return g;
}

static int cmp_u32(const void *a, const void *b)
{
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

int ss_sort_u32(uint32_t *v, size_t n)
{
    if (n >= 32 && n < 4096) {
        /* Radix passes cost 8 KiB of counters each: not worth it here. */
        qsort(v, n, sizeof(*v), cmp_u32);
        return 0;
    }
    if (n < 32) {
        for (size_t i = 1; i < n; i++) {
            uint32_t x = v[i];
            size_t j = i;
            for (; j > 0 && v[j - 1] > x; j--)
                v[j] = v[j - 1];
            v[j] = x;
        }
        return 0;
    }
    uint32_t *tmp = malloc(n * sizeof(*tmp));
    if (!tmp)
        return -1;
    uint32_t *src = v, *dst = tmp;
    for (int shift = 0; shift < 32; shift += 8) {
        size_t count[256] = {0};
        for (size_t i = 0; i < n; i++)
            count[(src[i] >> shift) & 0xff]++;
        if (count[(src[0] >> shift) & 0xff] == n)
            continue; /* all equal in this byte */
        size_t pos = 0;
        for (int b = 0; b < 256; b++) {
            size_t c = count[b];
            count[b] = pos;
            pos += c;
        }
        for (size_t i = 0; i < n; i++)
            dst[count[(src[i] >> shift) & 0xff]++] = src[i];
        uint32_t *t = src;
        src = dst;
        dst = t;
    }
    if (src != v)
        memcpy(v, src, n * sizeof(*v));
    free(tmp);
    return 0;
}

size_t ss_unique_u32(uint32_t *v, size_t n)
{
    if (n == 0)
        return 0;
    size_t w = 1;
    for (size_t i = 1; i < n; i++) {
        if (v[i] != v[w - 1])
            v[w++] = v[i];
    }
    return w;
}

int ss_dir_set_members(struct ss_dir *d, struct ss_pair *pairs, size_t npairs)
{
    int rc = -1;
    uint32_t *off = calloc(d->ngroups + 1, sizeof(*off));
    uint32_t *mem = malloc((npairs ? npairs : 1) * sizeof(*mem));
    if (!off || !mem || npairs > UINT32_MAX) {
        ss_error("out of memory (memberships)");
        goto out;
    }
    /* Counting sort by group, then sort + dedupe each group's slice. */
    for (size_t i = 0; i < npairs; i++)
        off[pairs[i].group + 1]++;
    for (size_t g = 0; g < d->ngroups; g++)
        off[g + 1] += off[g];
    uint32_t *fill = malloc((d->ngroups ? d->ngroups : 1) * sizeof(*fill));
    if (!fill) {
        ss_error("out of memory (memberships)");
        goto out;
    }
    memcpy(fill, off, d->ngroups * sizeof(*fill));
    for (size_t i = 0; i < npairs; i++)
        mem[fill[pairs[i].group]++] = pairs[i].user;
    free(fill);
    /* Compact in place after per-group dedupe. */
    uint32_t w = 0;
    for (size_t g = 0; g < d->ngroups; g++) {
        uint32_t start = off[g], end = off[g + 1];
        if (ss_sort_u32(mem + start, end - start) < 0) {
            ss_error("out of memory (memberships)");
            goto out;
        }
        size_t k = ss_unique_u32(mem + start, end - start);
        memmove(mem + w, mem + start, k * sizeof(*mem));
        off[g] = w;
        w += (uint32_t)k;
    }
    off[d->ngroups] = w;
    free(d->mem_off);
    free(d->mem);
    d->mem_off = off;
    d->mem = mem;
    off = NULL;
    mem = NULL;
    rc = 0;
out:
    free(off);
    free(mem);
    return rc;
}
