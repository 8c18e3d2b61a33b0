#include "strmap.h"

#include <stdlib.h>
#include <string.h>

struct ss_strmap_slot {
    const char *key; /* NULL: empty */
    uint32_t hash;
    uint32_t val;
};

static inline unsigned char fold(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') ? (unsigned char)(c + 32) : c;
}

int ss_ascii_casecmp(const char *a, const char *b)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    while (*p && fold(*p) == fold(*q)) {
        p++;
        q++;
    }
    return (int)fold(*p) - (int)fold(*q);
}

/* FNV-1a, folded to 32 bits; good enough for identifiers and cheap. */
static uint32_t hash_str(const char *s, int icase)
{
    uint64_t h = 1469598103934665603ull;
    const unsigned char *p = (const unsigned char *)s;
    if (icase) {
        for (; *p; p++)
            h = (h ^ fold(*p)) * 1099511628211ull;
    } else {
        for (; *p; p++)
            h = (h ^ *p) * 1099511628211ull;
    }
    /* FNV's low bits are weak for short similar keys ("u1", "u2"...):
     * mix before the table masks them. */
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)h;
}

static int keys_equal(const struct ss_strmap *m, const char *a, const char *b)
{
    return m->icase ? ss_ascii_casecmp(a, b) == 0 : strcmp(a, b) == 0;
}

void ss_strmap_init(struct ss_strmap *m, int icase)
{
    m->slots = NULL;
    m->cap = 0;
    m->n = 0;
    m->icase = icase;
}

static struct ss_strmap_slot *find_slot(const struct ss_strmap *m, const char *key, uint32_t h)
{
    size_t mask = m->cap - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        struct ss_strmap_slot *s = &m->slots[i];
        if (!s->key || (s->hash == h && keys_equal(m, s->key, key)))
            return s;
    }
}

static int grow(struct ss_strmap *m)
{
    size_t ncap = m->cap ? m->cap * 2 : 64;
    if (ncap / 2 > SS_STRMAP_MAX_ENTRIES)
        return -1;
    struct ss_strmap_slot *ns = calloc(ncap, sizeof(*ns));
    if (!ns)
        return -1;
    struct ss_strmap old = *m;
    m->slots = ns;
    m->cap = ncap;
    for (size_t i = 0; i < old.cap; i++) {
        if (old.slots[i].key)
            *find_slot(m, old.slots[i].key, old.slots[i].hash) = old.slots[i];
    }
    free(old.slots);
    return 0;
}

int ss_strmap_put(struct ss_strmap *m, const char *key, uint32_t val, uint32_t *existing)
{
    if ((m->n + 1) * 4 > m->cap * 3 && grow(m) < 0)
        return -1;
    uint32_t h = hash_str(key, m->icase);
    struct ss_strmap_slot *s = find_slot(m, key, h);
    if (s->key) {
        if (existing)
            *existing = s->val;
        return 1;
    }
    s->key = key;
    s->hash = h;
    s->val = val;
    m->n++;
    return 0;
}

uint32_t *ss_strmap_ref(const struct ss_strmap *m, const char *key)
{
    if (!m->cap || !key)
        return NULL;
    struct ss_strmap_slot *s = find_slot(m, key, hash_str(key, m->icase));
    return s->key ? &s->val : NULL;
}

int ss_strmap_get(const struct ss_strmap *m, const char *key, uint32_t *val)
{
    uint32_t *p = ss_strmap_ref(m, key);
    if (!p)
        return 0;
    if (val)
        *val = *p;
    return 1;
}

void ss_strmap_free(struct ss_strmap *m)
{
    free(m->slots);
    m->slots = NULL;
    m->cap = m->n = 0;
}
