/*
 * String -> string map over common's ss_hmap (string keys, string or NULL
 * values, both copied and owned), capped so a hostile directory cannot
 * make it grow without bound: DN -> external id, uid -> DN, visited sets
 * of the directory sources.
 */
#ifndef SSP_MAP_H
#define SSP_MAP_H

#include <ss/hmap.h>
#include <stddef.h>

struct ssp_map {
    struct ss_hmap h; /* keys and values (may be NULL) owned: see ssp_map.c */
    size_t count;     /* entries, kept equal to h.n */
};

void ssp_map_init(struct ssp_map *m, size_t limit);
void ssp_map_free(struct ssp_map *m);
/* Inserts or replaces (copies key and val; val may be NULL).
 * 0 ok, -1 allocation failure, -2 limit reached. */
int ssp_map_put(struct ssp_map *m, const char *key, const char *val);
/* 1 and *val (may be NULL) when present, 0 when absent. */
int ssp_map_get(const struct ssp_map *m, const char *key, const char **val);

#endif
