/* The one string hash of the code base: 64-bit FNV-1a with a final mix. */
#ifndef SS_HASH_H
#define SS_HASH_H

#include <stddef.h>
#include <stdint.h>

#include "ss/ascii.h"

/* Plain 64-bit FNV-1a of n bytes. */
uint64_t ss_hash_fnv1a(const void *p, size_t n);

/* splitmix64's finish: spreads every input bit over the 64 output bits. */
static inline uint64_t ss_hash_mix64(uint64_t h)
{
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9ull;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebull;
    h ^= h >> 31;
    return h;
}

/* Hash of a NUL-terminated string for hash tables: FNV-1a, bytes ASCII
 * lowercased first when icase (so keys equal under ss_ascii_casecmp hash
 * alike), then mixed (FNV's low bits are weak for short similar keys such
 * as "u1", "u2", and tables mask the low bits) and folded to 32 bits. */
static inline uint32_t ss_hash_str(const char *s, int icase)
{
    const unsigned char *p = (const unsigned char *)s;
    uint64_t h = 0xcbf29ce484222325ull; /* FNV-1a offset basis and prime */
    if (icase) {
        for (; *p; p++)
            h = (h ^ (unsigned char)ss_ascii_tolower(*p)) * 0x100000001b3ull;
    } else {
        for (; *p; p++)
            h = (h ^ *p) * 0x100000001b3ull;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)h;
}

#endif
