/* A set of entry ids seen in this read, so a repeated id is reported with
 * both places instead of one row silently replacing another. */
#ifndef CSV_IDSET_H
#define CSV_IDSET_H

#include <ss/hmap.h>
#include <stddef.h>

#include "csv_reader.h"

/* No read may hold more ids than this (bounds the set's memory). */
#define CSV_IDSET_MAX (16u * 1024 * 1024)

/* Where an id was first seen (one allocation with the id). */
struct csv_idset_slot {
    const char *file; /* not owned: a name that outlives the set */
    long line;
    char id[];
};

/* common's ss_hmap keyed by each csv_idset_slot's own id. */
struct csv_idset {
    struct csv_alloc a;
    struct ss_hmap map;
};

void csv_idset_init(struct csv_idset *s, const struct csv_alloc *a);
void csv_idset_clear(struct csv_idset *s);
/* 0: added.  1: already present, *prev set to the first place it was seen.
 * CSV_ERR_NOMEM / CSV_ERR_DATA (the cap is reached). */
int csv_idset_add(struct csv_idset *s, const char *id, const char *file, long line,
                  const struct csv_idset_slot **prev);

#endif
