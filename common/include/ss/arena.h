/* Bump allocator for the many small strings a sync holds (one free at the
 * end instead of a million).  Every arena has a byte cap. */
#ifndef SS_ARENA_H
#define SS_ARENA_H

#include <stddef.h>

#include "ss/common.h"

/* Default cap: generous for 500k users, but bounded. */
#define SS_ARENA_DEFAULT_CAP ((size_t)4 << 30)
/* Default chunk size. */
#define SS_ARENA_CHUNK ((size_t)256 * 1024)

struct ss_arena_chunk;

struct ss_arena {
    struct ss_arena_chunk *head;
    size_t total; /* bytes reserved in chunks: never above cap */
    size_t cap;
    size_t chunk; /* size of a regular chunk */
};

/* cap 0 means SS_ARENA_DEFAULT_CAP.  Allocates nothing. */
void ss_arena_init(struct ss_arena *a, size_t cap);
/* The same with chunks of `chunk` bytes (0: SS_ARENA_CHUNK). */
void ss_arena_init_chunk(struct ss_arena *a, size_t cap, size_t chunk);
/* NULL when out of memory or over the cap. Memory is 8-byte aligned. */
SS_NODISCARD void *ss_arena_alloc(struct ss_arena *a, size_t n);
/* NULL in -> NULL out (not an error); check s != NULL before treating NULL
 * as failure. */
SS_NODISCARD char *ss_arena_strdup(struct ss_arena *a, const char *s);
SS_NODISCARD char *ss_arena_strndup(struct ss_arena *a, const char *s, size_t n);
/* Forgets every allocation but keeps one regular-size chunk, so a loop
 * that resets per item allocates nothing in its steady state. */
void ss_arena_reset(struct ss_arena *a);
void ss_arena_free(struct ss_arena *a);

#endif
