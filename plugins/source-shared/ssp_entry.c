/* Arena-backed entry builder and one-block entry copies. */
#include "ssp_entry.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <ss/vec.h>

/* Chunks of the per-entry arena: most entries fit in one. */
#define CHUNK_SIZE (64 * 1024)

void ssp_eb_init(struct ssp_entry_builder *eb, size_t arena_limit, size_t members_limit)
{
    memset(eb, 0, sizeof *eb);
    ss_arena_init_chunk(&eb->arena, arena_limit, CHUNK_SIZE);
    eb->members_limit = members_limit;
}

void ssp_eb_free(struct ssp_entry_builder *eb)
{
    ss_arena_free(&eb->arena);
    free(eb->attrs);
    free(eb->members);
    memset(eb, 0, sizeof *eb);
}

void ssp_eb_reset(struct ssp_entry_builder *eb)
{
    ss_arena_reset(&eb->arena);
    eb->nattrs = 0;
    eb->nmembers = 0;
    memset(&eb->entry, 0, sizeof eb->entry);
}

char *ssp_eb_strndup(struct ssp_entry_builder *eb, const char *s, size_t n)
{
    return ss_arena_strndup(&eb->arena, s, n);
}

char *ssp_eb_strdup(struct ssp_entry_builder *eb, const char *s)
{
    return ss_arena_strdup(&eb->arena, s);
}

static int attrs_room(struct ssp_entry_builder *eb)
{
    /* no sane entry has more than 4096 attribute types */
    return ss_vec_reserve_max((void **)&eb->attrs, &eb->attrs_cap, eb->nattrs + 1,
                              sizeof(*eb->attrs), 32, 4096) < 0
               ? -1
               : 0;
}

/* Every values array has room for vals_cap(n) pointers, so
 * ssp_eb_add_value can append without copying but at powers of two. */
static size_t vals_cap(size_t n)
{
    size_t c = 4;
    while (c < n)
        c *= 2;
    return c;
}

const char **ssp_eb_values(struct ssp_entry_builder *eb, size_t n)
{
    return ss_arena_alloc(&eb->arena, vals_cap(n) * sizeof(const char *));
}

int ssp_eb_attach_attr(struct ssp_entry_builder *eb, const char *name, const char **vals,
                       size_t nvalues)
{
    if (attrs_room(eb) < 0)
        return -1;
    eb->attrs[eb->nattrs++] =
        (struct scimsync_attr){.name = name, .values = vals, .nvalues = nvalues};
    return 0;
}

int ssp_eb_add_attr(struct ssp_entry_builder *eb, const char *name, const char *const *values,
                    size_t nvalues)
{
    if (attrs_room(eb) < 0)
        return -1;
    const char **vals = ssp_eb_values(eb, nvalues);
    char *nm = ssp_eb_strdup(eb, name);
    if (!vals || !nm)
        return -1;
    for (size_t i = 0; i < nvalues; i++)
        if (!(vals[i] = ssp_eb_strdup(eb, values[i])))
            return -1;
    eb->attrs[eb->nattrs++] =
        (struct scimsync_attr){.name = nm, .values = vals, .nvalues = nvalues};
    return 0;
}

int ssp_eb_add_attr1(struct ssp_entry_builder *eb, const char *name, const char *value)
{
    return ssp_eb_add_attr(eb, name, &value, 1);
}

int ssp_eb_add_value(struct ssp_entry_builder *eb, const char *name, const char *value)
{
    struct scimsync_attr *a = NULL;
    for (size_t i = eb->nattrs; i-- > 0;)
        if (strcmp(eb->attrs[i].name, name) == 0) {
            a = &eb->attrs[i];
            break;
        }
    if (!a)
        return ssp_eb_add_attr1(eb, name, value);
    const char *v = ssp_eb_strdup(eb, value);
    const char **vals = (const char **)a->values; /* ours, in the arena */
    if (!v)
        return -1;
    if (a->nvalues == vals_cap(a->nvalues)) { /* full: twice the room */
        if (!(vals = ssp_eb_values(eb, a->nvalues + 1)))
            return -1;
        memcpy(vals, a->values, a->nvalues * sizeof *vals);
    }
    vals[a->nvalues] = v;
    a->values = vals;
    a->nvalues++;
    return 0;
}

const char *ssp_eb_get1(const struct ssp_entry_builder *eb, const char *name)
{
    for (size_t i = 0; i < eb->nattrs; i++)
        if (strcasecmp(eb->attrs[i].name, name) == 0 && eb->attrs[i].nvalues)
            return eb->attrs[i].values[0];
    return NULL;
}

int ssp_eb_add_member(struct ssp_entry_builder *eb, const char *ref)
{
    int rc = ss_vec_reserve_max((void **)&eb->members, &eb->members_cap, eb->nmembers + 1,
                                sizeof(*eb->members), 256, eb->members_limit);
    if (rc < 0)
        return rc == SS_VEC_FULL ? -2 : -1;
    const char *copy = ssp_eb_strdup(eb, ref);
    if (!copy)
        return -1;
    eb->members[eb->nmembers++] = copy;
    return 0;
}

struct scimsync_entry *ssp_eb_finish(struct ssp_entry_builder *eb)
{
    eb->entry.attrs = eb->attrs;
    eb->entry.nattrs = eb->nattrs;
    eb->entry.members = eb->members;
    eb->entry.nmembers = eb->nmembers;
    return &eb->entry;
}

int ssp_eb_load(struct ssp_entry_builder *eb, const struct scimsync_entry *e)
{
    ssp_eb_reset(eb);
    eb->entry.kind = e->kind;
    eb->entry.flags = e->flags;
    if (!(eb->entry.id = ssp_eb_strdup(eb, e->id)))
        return -1;
    if (e->ref && !(eb->entry.ref = ssp_eb_strdup(eb, e->ref)))
        return -1;
    if (e->where && !(eb->entry.where = ssp_eb_strdup(eb, e->where)))
        return -1;
    for (size_t i = 0; i < e->nattrs; i++)
        if (ssp_eb_add_attr(eb, e->attrs[i].name, e->attrs[i].values, e->attrs[i].nvalues) < 0)
            return -1;
    for (size_t i = 0; i < e->nmembers; i++)
        if (ssp_eb_add_member(eb, e->members[i]) < 0)
            return -1;
    return 0;
}

/* One block: [entry][attrs][value and member pointer arrays][strings]. */
static size_t str_size(const char *s)
{
    return s ? strlen(s) + 1 : 0;
}

static char *put_str(char **pool, const char *s)
{
    if (!s)
        return NULL;
    size_t n = strlen(s) + 1;
    char *p = *pool;
    memcpy(p, s, n);
    *pool += n;
    return p;
}

struct scimsync_entry *ssp_entry_clone(const struct scimsync_entry *e)
{
    size_t nptr = e->nmembers, strs = str_size(e->id) + str_size(e->ref) + str_size(e->where);
    for (size_t i = 0; i < e->nattrs; i++) {
        nptr += e->attrs[i].nvalues;
        strs += str_size(e->attrs[i].name);
        for (size_t k = 0; k < e->attrs[i].nvalues; k++)
            strs += str_size(e->attrs[i].values[k]);
    }
    for (size_t i = 0; i < e->nmembers; i++)
        strs += str_size(e->members[i]);
    size_t total =
        sizeof *e + e->nattrs * sizeof(struct scimsync_attr) + nptr * sizeof(char *) + strs;
    struct scimsync_entry *c = malloc(total);
    if (!c)
        return NULL;
    struct scimsync_attr *attrs = (struct scimsync_attr *)(c + 1);
    const char **ptrs = (const char **)(attrs + e->nattrs);
    char *pool = (char *)(ptrs + nptr);
    *c = *e;
    c->id = put_str(&pool, e->id);
    c->ref = put_str(&pool, e->ref);
    c->where = put_str(&pool, e->where);
    c->attrs = attrs;
    for (size_t i = 0; i < e->nattrs; i++) {
        attrs[i].name = put_str(&pool, e->attrs[i].name);
        attrs[i].nvalues = e->attrs[i].nvalues;
        attrs[i].values = ptrs;
        for (size_t k = 0; k < e->attrs[i].nvalues; k++)
            *ptrs++ = put_str(&pool, e->attrs[i].values[k]);
    }
    c->members = ptrs;
    for (size_t i = 0; i < e->nmembers; i++)
        *ptrs++ = put_str(&pool, e->members[i]);
    return c;
}
