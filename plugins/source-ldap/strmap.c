/* String -> string map over common's ss_hmap.  Used for DN -> external id,
 * uid -> DN and visited sets; keys and values are copies the map owns;
 * capped by the map's limit so a hostile directory cannot make it grow without
 * bound. */
#include "ldap_util.h"

#include <stdlib.h>
#include <string.h>

void lsrc_map_init(struct lsrc_map *m, size_t limit)
{
    ss_hmap_init(&m->h, 0, limit, NULL);
    m->count = 0;
}

void lsrc_map_free(struct lsrc_map *m)
{
    size_t pos = 0;
    struct ss_hmap_slot *s;
    while ((s = ss_hmap_next(&m->h, &pos))) {
        free((char *)s->key);
        free(s->val.ptr);
    }
    ss_hmap_free(&m->h);
    m->count = 0;
}

int lsrc_map_put(struct lsrc_map *m, const char *key, const char *val)
{
    char *v = NULL, *k = NULL;
    struct ss_hmap_slot *s = ss_hmap_find(&m->h, key);
    int rc = -1;

    if (val && !(v = strdup(val)))
        return -1;
    if (s) {
        free(s->val.ptr);
        s->val.ptr = v;
        return 0;
    }
    if (!(k = strdup(key)))
        goto out;
    rc = ss_hmap_insert(&m->h, k, &s);
    if (rc < 0)
        goto out;
    s->val.ptr = v;
    m->count = m->h.n;
    return 0;
out:
    free(k);
    free(v);
    return rc == SS_HMAP_FULL ? -2 : -1;
}

int lsrc_map_get(const struct lsrc_map *m, const char *key, const char **val)
{
    const struct ss_hmap_slot *s = ss_hmap_find(&m->h, key);
    if (!s)
        return 0;
    if (val)
        *val = s->val.ptr;
    return 1;
}
