/* Open-addressing hash map from borrowed C strings to uint32 values.  The
 * keys are not copied: they must outlive the map (they live in an arena).
 * A map is either exact or ASCII-case-insensitive (userName, group names). */
#ifndef SS_STRMAP_H
#define SS_STRMAP_H

#include <stddef.h>
#include <stdint.h>

/* Most entries a map may hold. */
#define SS_STRMAP_MAX_ENTRIES ((size_t)1 << 28)

struct ss_strmap_slot;

struct ss_strmap {
    struct ss_strmap_slot *slots;
    size_t cap; /* power of two, 0 when empty */
    size_t n;
    int icase;
};

void ss_strmap_init(struct ss_strmap *m, int icase);
/* Inserts key -> val unless key is present.  Returns 0 when inserted, 1 when
 * present (*existing, if not NULL, gets the stored value), <0 on no memory
 * or when the map is full. */
int ss_strmap_put(struct ss_strmap *m, const char *key, uint32_t val, uint32_t *existing);
/* Pointer to the stored value, NULL when absent.  Valid until the next put. */
uint32_t *ss_strmap_ref(const struct ss_strmap *m, const char *key);
/* 1 and *val when found, 0 when absent. */
int ss_strmap_get(const struct ss_strmap *m, const char *key, uint32_t *val);
void ss_strmap_free(struct ss_strmap *m);

/* ASCII-only case folding helpers: bytes >= 0x80 are never changed, so
 * UTF-8 stays intact. */
int ss_ascii_casecmp(const char *a, const char *b);

#endif
