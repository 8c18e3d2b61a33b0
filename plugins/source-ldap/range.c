/* AD range retrieval attribute descriptions: "member;range=0-1499". */
#include "ldap_util.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int parse_bound(const char *s, char **end, long *out)
{
    if (*s < '0' || *s > '9')
        return -1;
    errno = 0;
    long v = strtol(s, end, 10);
    if (errno || v < 0)
        return -1;
    *out = v;
    return 0;
}

int lsrc_parse_range(const char *desc, const char *base, long *lo, long *hi)
{
    size_t blen = strlen(base);
    if (strncasecmp(desc, base, blen) != 0)
        return -1;
    const char *p = desc + blen;
    if (*p == '\0')
        return 0;
    if (strncasecmp(p, ";range=", 7) != 0)
        return -1;
    p += 7;
    char *end;
    if (parse_bound(p, &end, lo) < 0 || *end != '-')
        return -1;
    p = end + 1;
    if (strcmp(p, "*") == 0) {
        *hi = -1;
        return 1;
    }
    if (parse_bound(p, &end, hi) < 0 || *end != '\0' || *hi < *lo)
        return -1;
    return 1;
}
