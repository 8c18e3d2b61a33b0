/* String -> string map with open addressing (FNV-1a, linear probing), capped
 * by m->limit.  The same as plugins/source-ldap/strmap.c: the plugins share
 * no code (each MODULE stands alone); keep the two in step. */
#include "gw_util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void gw_map_init(struct gw_map *m, size_t limit)
{
    memset(m, 0, sizeof *m);
    m->limit = limit;
}

void gw_map_free(struct gw_map *m)
{
    for (size_t i = 0; i < m->cap; i++) {
        free(m->keys[i]);
        free(m->vals[i]);
    }
    free(m->keys);
    free(m->vals);
    m->keys = m->vals = NULL;
    m->cap = m->count = 0;
}

static uint64_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ULL;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ULL;
    return h;
}

static size_t slot(char *const *keys, size_t cap, const char *key)
{
    size_t i = (size_t)hash(key) & (cap - 1);
    while (keys[i] && strcmp(keys[i], key) != 0)
        i = (i + 1) & (cap - 1);
    return i;
}

static int grow(struct gw_map *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    char **nk = calloc(ncap, sizeof *nk), **nv = calloc(ncap, sizeof *nv);
    if (!nk || !nv) {
        free(nk);
        free(nv);
        return -1;
    }
    for (size_t i = 0; i < m->cap; i++) {
        if (!m->keys[i])
            continue;
        size_t j = slot(nk, ncap, m->keys[i]);
        nk[j] = m->keys[i];
        nv[j] = m->vals[i];
    }
    free(m->keys);
    free(m->vals);
    m->keys = nk;
    m->vals = nv;
    m->cap = ncap;
    return 0;
}

int gw_map_put(struct gw_map *m, const char *key, const char *val)
{
    char *v = NULL;
    if (val && !(v = strdup(val)))
        return -1;
    if (m->cap) {
        size_t i = slot(m->keys, m->cap, key);
        if (m->keys[i]) {
            free(m->vals[i]);
            m->vals[i] = v;
            return 0;
        }
    }
    if (m->count >= m->limit) {
        free(v);
        return -2;
    }
    /* keep the load factor under 1/2 */
    if ((m->count + 1) * 2 > m->cap && grow(m) < 0) {
        free(v);
        return -1;
    }
    size_t i = slot(m->keys, m->cap, key);
    if (!(m->keys[i] = strdup(key))) {
        free(v);
        return -1;
    }
    m->vals[i] = v;
    m->count++;
    return 0;
}

int gw_map_get(const struct gw_map *m, const char *key, const char **val)
{
    if (!m->cap)
        return 0;
    size_t i = slot(m->keys, m->cap, key);
    if (!m->keys[i])
        return 0;
    if (val)
        *val = m->vals[i];
    return 1;
}
