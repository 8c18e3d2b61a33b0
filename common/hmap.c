#include "ss/hmap.h"

#include <string.h>

#include "ss/ascii.h"
#include "ss/hash.h"

#define FIRST_CAP 64

void ss_hmap_init(struct ss_hmap *m, unsigned flags, size_t limit, const struct ss_alloc *a)
{
    m->slots = NULL;
    m->cap = 0;
    m->n = 0;
    m->limit = limit;
    m->flags = flags;
    m->a = a ? *a : ss_libc_alloc;
}

static int keys_equal(const struct ss_hmap *m, const char *a, const char *b)
{
    return (m->flags & SS_HMAP_ICASE) ? ss_ascii_casecmp(a, b) == 0 : strcmp(a, b) == 0;
}

static struct ss_hmap_slot *probe(const struct ss_hmap *m, const char *key, uint32_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct ss_hmap_slot *s = &m->slots[i];
        if (!s->key || (s->hash == h && keys_equal(m, s->key, key)))
            return s;
    }
}

static int grow(struct ss_hmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : FIRST_CAP;
    if (ncap < m->cap || ncap > SIZE_MAX / sizeof(struct ss_hmap_slot))
        return -1;
    struct ss_hmap_slot *ns = m->a.alloc(ncap * sizeof(*ns));
    if (!ns)
        return -1;
    memset(ns, 0, ncap * sizeof(*ns));
    struct ss_hmap old = *m;
    m->slots = ns;
    m->cap = ncap;
    for (size_t i = 0; i < old.cap; i++) {
        if (old.slots[i].key)
            *probe(m, old.slots[i].key, old.slots[i].hash) = old.slots[i];
    }
    if (old.slots)
        m->a.free(old.slots);
    return 0;
}

int ss_hmap_insert(struct ss_hmap *m, const char *key, struct ss_hmap_slot **slot)
{
    uint32_t h = ss_hash_str(key, m->flags & SS_HMAP_ICASE);
    struct ss_hmap_slot *s = NULL;

    if (m->cap) {
        s = probe(m, key, h);
        if (s->key) {
            *slot = s;
            return 1;
        }
    }
    if (m->n >= m->limit)
        return SS_HMAP_FULL;
    /* Load factor under 3/4 keeps probes short.  Without growth, s is
     * already the free slot the key goes to. */
    if ((m->n + 1) * 4 > m->cap * 3) {
        if (grow(m) < 0)
            return -1;
        s = probe(m, key, h);
    }
    s->key = key;
    s->hash = h;
    s->val = 0;
    m->n++;
    *slot = s;
    return 0;
}

struct ss_hmap_slot *ss_hmap_find(const struct ss_hmap *m, const char *key)
{
    if (!m->cap || !key)
        return NULL;
    struct ss_hmap_slot *s = probe(m, key, ss_hash_str(key, m->flags & SS_HMAP_ICASE));
    return s->key ? s : NULL;
}

struct ss_hmap_slot *ss_hmap_next(const struct ss_hmap *m, size_t *pos)
{
    while (*pos < m->cap) {
        struct ss_hmap_slot *s = &m->slots[(*pos)++];
        if (s->key)
            return s;
    }
    return NULL;
}

void ss_hmap_free(struct ss_hmap *m)
{
    if (m->slots)
        m->a.free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}
