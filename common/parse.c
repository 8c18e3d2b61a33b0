#include "ss/parse.h"

#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdlib.h>

#include "ss/ascii.h"

int ss_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "on", "1"};
    static const char *const no[] = {"false", "no", "off", "0"};

    if (!s)
        return -1;
    for (size_t i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
        if (ss_ascii_casecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (ss_ascii_casecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

int ss_parse_long(const char *s, long *out)
{
    char *end;
    long v;

    if (!s || !*s || ss_ascii_isspace((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

int ss_parse_double(const char *s, double *out)
{
    char *end;
    double v;

    if (!s || !*s || ss_ascii_isspace((unsigned char)*s))
        return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno || *end || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

int ss_parse_duration(const char *s, long *seconds)
{
    long v = 0, mult = 1;
    const char *c = s;

    if (!s || *s < '0' || *s > '9')
        return -1;
    for (; *c >= '0' && *c <= '9'; c++) {
        if (v > (LONG_MAX - (*c - '0')) / 10)
            return -1;
        v = v * 10 + (*c - '0');
    }
    switch (*c) {
    case '\0':
    case 's':
        break;
    case 'm':
        mult = 60;
        break;
    case 'h':
        mult = 3600;
        break;
    case 'd':
        mult = 86400;
        break;
    default:
        return -1;
    }
    if (*c && c[1])
        return -1;
    if (v > LONG_MAX / mult)
        return -1;
    *seconds = v * mult;
    return 0;
}
