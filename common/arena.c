#include "ss/arena.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct ss_arena_chunk {
    struct ss_arena_chunk *next;
    size_t used, size;
    _Alignas(8) char data[];
};

void ss_arena_init_chunk(struct ss_arena *a, size_t cap, size_t chunk)
{
    a->head = NULL;
    a->total = 0;
    a->cap = cap ? cap : SS_ARENA_DEFAULT_CAP;
    a->chunk = chunk ? (chunk + 7u) & ~(size_t)7u : SS_ARENA_CHUNK;
}

void ss_arena_init(struct ss_arena *a, size_t cap)
{
    ss_arena_init_chunk(a, cap, 0);
}

void *ss_arena_alloc(struct ss_arena *a, size_t n)
{
    size_t need = (n + 7u) & ~(size_t)7u;
    if (need < n)
        return NULL;
    struct ss_arena_chunk *c = a->head;
    if (!c || c->size - c->used < need) {
        size_t size = need > a->chunk / 4 ? need : a->chunk;
        if (size > a->cap || a->total > a->cap - size || size > SIZE_MAX - sizeof(*c))
            return NULL;
        struct ss_arena_chunk *nc = malloc(sizeof(*nc) + size);
        if (!nc)
            return NULL;
        nc->used = 0;
        nc->size = size;
        a->total += size;
        if (c && size != a->chunk) {
            /* A big one-off block goes behind the current chunk so the
             * current chunk's free space stays usable. */
            nc->next = c->next;
            c->next = nc;
            nc->used = need;
            return nc->data;
        }
        nc->next = c;
        a->head = nc;
        c = nc;
    }
    void *p = c->data + c->used;
    c->used += need;
    return p;
}

char *ss_arena_strndup(struct ss_arena *a, const char *s, size_t n)
{
    if (!s)
        return NULL;
    char *p = ss_arena_alloc(a, n + 1);
    if (!p)
        return NULL;
    memcpy(p, s, n);
    p[n] = '\0';
    return p;
}

char *ss_arena_strdup(struct ss_arena *a, const char *s)
{
    return s ? ss_arena_strndup(a, s, strlen(s)) : NULL;
}

void ss_arena_reset(struct ss_arena *a)
{
    struct ss_arena_chunk *c = a->head, *keep = NULL;
    a->head = NULL;
    a->total = 0;
    while (c) {
        struct ss_arena_chunk *next = c->next;
        if (!keep && c->size == a->chunk) {
            keep = c;
        } else {
            free(c);
        }
        c = next;
    }
    if (keep) {
        keep->used = 0;
        keep->next = NULL;
        a->head = keep;
        a->total = keep->size;
    }
}

void ss_arena_free(struct ss_arena *a)
{
    struct ss_arena_chunk *c = a->head;
    while (c) {
        struct ss_arena_chunk *next = c->next;
        free(c);
        c = next;
    }
    a->head = NULL;
    a->total = 0;
}
