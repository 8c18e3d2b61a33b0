/* Hash map from borrowed C strings to uint32 values (indexes into the
 * engine's arrays): a thin typed face of common/'s ss_hmap.  The keys are
 * not copied: they must outlive the map (they live in an arena).  A map is
 * either exact or ASCII-case-insensitive (userName, group names). */
#ifndef SS_STRMAP_H
#define SS_STRMAP_H

#include <ss/ascii.h>
#include <ss/hmap.h>
#include <stddef.h>
#include <stdint.h>

/* Most entries a map may hold. */
#define SS_STRMAP_MAX_ENTRIES ((size_t)1 << 28)

struct ss_strmap {
    struct ss_hmap h;
};

static inline void ss_strmap_init(struct ss_strmap *m, int icase)
{
    ss_hmap_init(&m->h, icase ? SS_HMAP_ICASE : 0, SS_STRMAP_MAX_ENTRIES, NULL);
}

/* Inserts key -> val unless key is present.  Returns 0 when inserted, 1 when
 * present (*existing, if not NULL, gets the stored value), <0 on no memory
 * or when the map is full. */
static inline int ss_strmap_put(struct ss_strmap *m, const char *key, uint32_t val,
                                uint32_t *existing)
{
    struct ss_hmap_slot *s;
    int rc = ss_hmap_insert(&m->h, key, &s);
    if (rc == 0)
        s->val = val;
    else if (rc == 1 && existing)
        *existing = s->val;
    return rc;
}

/* Pointer to the stored value, NULL when absent.  Valid until the next put. */
static inline uint32_t *ss_strmap_ref(const struct ss_strmap *m, const char *key)
{
    struct ss_hmap_slot *s = ss_hmap_find(&m->h, key);
    return s ? &s->val : NULL;
}

/* 1 and *val when found, 0 when absent. */
static inline int ss_strmap_get(const struct ss_strmap *m, const char *key, uint32_t *val)
{
    uint32_t *p = ss_strmap_ref(m, key);
    if (!p)
        return 0;
    if (val)
        *val = *p;
    return 1;
}

static inline void ss_strmap_free(struct ss_strmap *m)
{
    ss_hmap_free(&m->h);
}

#endif
