/* String -> string map over common's ss_hmap.  Used for DN -> external id,
 * uid -> DN and visited sets; keys and values are copies the map owns;
 * capped by the map's limit so a hostile directory cannot make it grow
 * without bound. */
#include "ssp_map.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

/* One allocation per key: the map's key is ent->key. */
struct map_ent {
    char *val; /* may be NULL */
    char key[];
};

static struct map_ent *ent_of(const struct ss_hmap_slot *s)
{
    return (struct map_ent *)(void *)(s->key - offsetof(struct map_ent, key));
}

void ssp_map_init(struct ssp_map *m, size_t limit)
{
    ss_hmap_init(&m->h, 0, limit, NULL);
    m->count = 0;
}

void ssp_map_free(struct ssp_map *m)
{
    size_t pos = 0;
    struct ss_hmap_slot *s;
    while ((s = ss_hmap_next(&m->h, &pos))) {
        struct map_ent *e = ent_of(s);
        free(e->val);
        free(e);
    }
    ss_hmap_free(&m->h);
    m->count = 0;
}

int ssp_map_put(struct ssp_map *m, const char *key, const char *val)
{
    struct ss_hmap_slot *s = ss_hmap_find(&m->h, key);
    struct map_ent *e = NULL;
    size_t klen;
    char *v = NULL;
    int rc = -1;

    if (val && !(v = strdup(val)))
        return -1;
    if (s) {
        e = ent_of(s);
        free(e->val);
        e->val = v;
        return 0;
    }
    klen = strlen(key) + 1;
    if (!(e = malloc(sizeof(*e) + klen)))
        goto out;
    memcpy(e->key, key, klen);
    e->val = v;
    rc = ss_hmap_insert(&m->h, e->key, &s);
    if (rc < 0)
        goto out;
    m->count = m->h.n;
    return 0;
out:
    free(e);
    free(v);
    return rc == SS_HMAP_FULL ? -2 : -1;
}

int ssp_map_get(const struct ssp_map *m, const char *key, const char **val)
{
    const struct ss_hmap_slot *s = ss_hmap_find(&m->h, key);
    if (!s)
        return 0;
    if (val)
        *val = ent_of(s)->val;
    return 1;
}
