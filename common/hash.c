#include "ss/hash.h"

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
