/* ASCII-only text helpers: bytes >= 0x80 are never changed or matched, so
 * UTF-8 stays intact and the locale plays no part. */
#ifndef SS_ASCII_H
#define SS_ASCII_H

#include <stddef.h>

static inline int ss_ascii_tolower(int c)
{
    return (c >= 'A' && c <= 'Z') ? c + ('a' - 'A') : c;
}

/* Space, tab, CR, LF, VT, FF. */
static inline int ss_ascii_isspace(int c)
{
    return c == ' ' || (c >= '\t' && c <= '\r');
}

/* strcmp with A-Z folded to a-z: <0, 0, >0. */
int ss_ascii_casecmp(const char *a, const char *b);
/* The same over at most n bytes. */
int ss_ascii_ncasecmp(const char *a, const char *b, size_t n);

/* A-Z to a-z (a-z to A-Z) in s[0..n), in place. */
void ss_ascii_lower(char *s, size_t n);
void ss_ascii_upper(char *s, size_t n);

/* Trims ASCII white space from both ends of s[0..n) in place and
 * NUL-terminates it (s must have room for s[n]).  Returns the new length. */
size_t ss_ascii_trim(char *s, size_t n);

#endif
