/* The entry builder: an arena of strings and name=value pairs, grouped
 * into scimsync_attr arrays when the entry is finished. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gw_util.h"

#define CHUNK_MIN 8192

struct gw_chunk {
    struct gw_chunk *next;
    size_t size, used;
    max_align_t data[];
};

void gw_eb_init(struct gw_entry_builder *eb, size_t arena_limit, size_t members_limit)
{
    memset(eb, 0, sizeof *eb);
    eb->arena_limit = arena_limit;
    eb->members_limit = members_limit;
}

void gw_eb_free(struct gw_entry_builder *eb)
{
    struct gw_chunk *c = eb->chunks;
    while (c) {
        struct gw_chunk *n = c->next;
        free(c);
        c = n;
    }
    free(eb->pairs);
    free(eb->attrs);
    free(eb->members);
    memset(eb, 0, sizeof *eb);
}

/* Keeps the first chunk (the usual entry fits in it). */
void gw_eb_reset(struct gw_entry_builder *eb)
{
    struct gw_chunk *c = eb->chunks;
    if (c) {
        struct gw_chunk *n = c->next;
        while (n) {
            struct gw_chunk *nn = n->next;
            eb->arena_bytes -= n->size;
            free(n);
            n = nn;
        }
        c->next = NULL;
        c->used = 0;
    }
    eb->npairs = 0;
    eb->nmembers = 0;
    memset(&eb->entry, 0, sizeof eb->entry);
}

static void *arena_alloc(struct gw_entry_builder *eb, size_t n)
{
    const size_t align = sizeof(max_align_t);
    n = (n + align - 1) / align * align;
    struct gw_chunk *c = eb->chunks;
    if (!c || c->size - c->used < n) {
        size_t size = n > CHUNK_MIN ? n : CHUNK_MIN;
        if (eb->arena_limit && eb->arena_bytes + size > eb->arena_limit)
            return NULL;
        struct gw_chunk *nc = malloc(sizeof *nc + size);
        if (!nc)
            return NULL;
        nc->size = size;
        nc->used = 0;
        /* the new chunk goes first; the kept first chunk stays reachable */
        nc->next = c;
        eb->chunks = nc;
        eb->arena_bytes += size;
        c = nc;
    }
    void *p = (char *)c->data + c->used;
    c->used += n;
    return p;
}

char *gw_eb_strdup(struct gw_entry_builder *eb, const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = arena_alloc(eb, n);
    if (p)
        memcpy(p, s, n);
    return p;
}

static int grow(void **arr, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 16;
    while (nc < need)
        nc *= 2;
    if (nc > SIZE_MAX / elem)
        return -1;
    void *p = realloc(*arr, nc * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = nc;
    return 0;
}

int gw_eb_add(struct gw_entry_builder *eb, const char *name, const char *value)
{
    if (grow((void **)&eb->pairs, &eb->pairs_cap, eb->npairs + 1, sizeof *eb->pairs) < 0)
        return -1;
    /* names repeat from entry to entry: look for the same name first */
    const char *n = NULL;
    for (size_t i = 0; i < eb->npairs; i++)
        if (strcmp(eb->pairs[i].name, name) == 0) {
            n = eb->pairs[i].name;
            break;
        }
    const char *v = gw_eb_strdup(eb, value);
    if (!n)
        n = gw_eb_strdup(eb, name);
    if (!n || !v)
        return -1;
    eb->pairs[eb->npairs].name = n;
    eb->pairs[eb->npairs].value = v;
    eb->npairs++;
    return 0;
}

const char *gw_eb_get1(const struct gw_entry_builder *eb, const char *name)
{
    for (size_t i = 0; i < eb->npairs; i++)
        if (strcasecmp(eb->pairs[i].name, name) == 0)
            return eb->pairs[i].value;
    return NULL;
}

int gw_eb_add_member(struct gw_entry_builder *eb, const char *ref)
{
    if (eb->members_limit && eb->nmembers >= eb->members_limit)
        return -2;
    if (grow((void **)&eb->members, &eb->members_cap, eb->nmembers + 1, sizeof *eb->members) < 0)
        return -1;
    const char *r = gw_eb_strdup(eb, ref);
    if (!r)
        return -1;
    eb->members[eb->nmembers++] = r;
    return 0;
}

struct scimsync_entry *gw_eb_finish(struct gw_entry_builder *eb)
{
    size_t nattrs = 0;
    if (grow((void **)&eb->attrs, &eb->attrs_cap, eb->npairs ? eb->npairs : 1,
             sizeof *eb->attrs) < 0)
        return NULL;
    /* count values per name (names are interned by gw_eb_add) */
    for (size_t i = 0; i < eb->npairs; i++) {
        size_t a = 0;
        while (a < nattrs && eb->attrs[a].name != eb->pairs[i].name)
            a++;
        if (a == nattrs) {
            eb->attrs[nattrs].name = eb->pairs[i].name;
            eb->attrs[nattrs].values = NULL;
            eb->attrs[nattrs].nvalues = 0;
            nattrs++;
        }
        eb->attrs[a].nvalues++;
    }
    for (size_t a = 0; a < nattrs; a++) {
        const char **vals = arena_alloc(eb, eb->attrs[a].nvalues * sizeof *vals);
        size_t k = 0;
        if (!vals)
            return NULL;
        for (size_t i = 0; i < eb->npairs; i++)
            if (eb->pairs[i].name == eb->attrs[a].name)
                vals[k++] = eb->pairs[i].value;
        eb->attrs[a].values = vals;
    }
    eb->entry.attrs = eb->attrs;
    eb->entry.nattrs = nattrs;
    eb->entry.members = eb->members;
    eb->entry.nmembers = eb->nmembers;
    return &eb->entry;
}
