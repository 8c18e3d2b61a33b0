/* The one string hash of the code base: 64-bit FNV-1a with a final mix. */
#ifndef SS_HASH_H
#define SS_HASH_H

#include <stddef.h>
#include <stdint.h>

/* Plain 64-bit FNV-1a of n bytes. */
uint64_t ss_hash_fnv1a(const void *p, size_t n);

/* Hash of a NUL-terminated string for hash tables: FNV-1a, bytes ASCII
 * lowercased first when icase (so keys equal under ss_ascii_casecmp hash
 * alike), then mixed (FNV's low bits are weak for short similar keys such
 * as "u1", "u2", and tables mask the low bits) and folded to 32 bits. */
uint32_t ss_hash_str(const char *s, int icase);

#endif
