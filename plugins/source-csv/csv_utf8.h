/* Strict UTF-8 validation (RFC 3629): no overlong forms, no surrogates,
 * nothing above U+10FFFF, no truncated sequences. */
#ifndef CSV_UTF8_H
#define CSV_UTF8_H

#include <stddef.h>

/* 0 when s[0..len) is valid UTF-8; otherwise -1 and *bad = offset of the
 * first byte of the offending sequence. */
int csv_utf8_check(const char *s, size_t len, size_t *bad);

#endif
