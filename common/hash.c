#include "ss/hash.h"

#include "ss/ascii.h"

#define FNV_OFFSET 0xcbf29ce484222325ull /* 14695981039346656037 */
#define FNV_PRIME 0x100000001b3ull

uint64_t ss_hash_fnv1a(const void *p, size_t n)
{
    const unsigned char *s = p;
    uint64_t h = FNV_OFFSET;
    for (size_t i = 0; i < n; i++)
        h = (h ^ s[i]) * FNV_PRIME;
    return h;
}

uint32_t ss_hash_str(const char *s, int icase)
{
    const unsigned char *p = (const unsigned char *)s;
    uint64_t h = FNV_OFFSET;
    if (icase) {
        for (; *p; p++)
            h = (h ^ (unsigned char)ss_ascii_tolower(*p)) * FNV_PRIME;
    } else {
        for (; *p; p++)
            h = (h ^ *p) * FNV_PRIME;
    }
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdull;
    h ^= h >> 33;
    return (uint32_t)h;
}
