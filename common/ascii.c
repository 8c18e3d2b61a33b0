#include "ss/ascii.h"

#include <string.h>

int ss_ascii_ncasecmp(const char *a, const char *b, size_t n)
{
    const unsigned char *p = (const unsigned char *)a, *q = (const unsigned char *)b;
    for (; n; n--, p++, q++) {
        int d = ss_ascii_tolower(*p) - ss_ascii_tolower(*q);
        if (d || !*p)
            return d;
    }
    return 0;
}

int ss_ascii_casecmp(const char *a, const char *b)
{
    return ss_ascii_ncasecmp(a, b, (size_t)-1);
}

void ss_ascii_lower(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++)
        s[i] = (char)ss_ascii_tolower((unsigned char)s[i]);
}

void ss_ascii_upper(char *s, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (s[i] >= 'a' && s[i] <= 'z')
            s[i] = (char)(s[i] - ('a' - 'A'));
    }
}

size_t ss_ascii_trim(char *s, size_t n)
{
    size_t a = 0;
    while (a < n && ss_ascii_isspace((unsigned char)s[a]))
        a++;
    while (n > a && ss_ascii_isspace((unsigned char)s[n - 1]))
        n--;
    if (a)
        memmove(s, s + a, n - a);
    s[n - a] = '\0';
    return n - a;
}
