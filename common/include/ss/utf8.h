/* Strict UTF-8 validation (RFC 3629, Unicode table 3-7): no overlong
 * forms, no surrogates, nothing past U+10FFFF.  NUL is a valid byte here;
 * callers that refuse it check for it themselves. */
#ifndef SS_UTF8_H
#define SS_UTF8_H

#include <stddef.h>

/* 0 when s[0..len) is valid UTF-8; otherwise -1 and, if bad is not NULL,
 * *bad = offset of the first byte of the offending sequence. */
int ss_utf8_check(const void *s, size_t len, size_t *bad);

/* Nonzero when s[0..n) is valid UTF-8. */
static inline int ss_utf8_valid(const char *s, size_t n)
{
    return ss_utf8_check(s, n, NULL) == 0;
}

#endif
