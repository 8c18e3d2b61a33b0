/* Bump allocator for the many small strings a sync holds (one free at the
 * end instead of a million).  Every arena has a byte cap. */
#ifndef SS_ARENA_H
#define SS_ARENA_H

#include <stddef.h>

/* Default cap: generous for 500k users, but bounded. */
#define SS_ARENA_DEFAULT_CAP ((size_t)4 << 30)

struct ss_arena_chunk;

struct ss_arena {
    struct ss_arena_chunk *head;
    size_t total; /* bytes reserved in chunks */
    size_t cap;
};

void ss_arena_init(struct ss_arena *a, size_t cap);
/* NULL when out of memory or over the cap. Memory is 8-byte aligned. */
void *ss_arena_alloc(struct ss_arena *a, size_t n);
/* NULL in -> NULL out (not an error); check s != NULL before treating NULL
 * as failure. */
char *ss_arena_strdup(struct ss_arena *a, const char *s);
char *ss_arena_strndup(struct ss_arena *a, const char *s, size_t n);
void ss_arena_free(struct ss_arena *a);

#endif
