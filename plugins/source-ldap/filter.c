/* RFC 4515 search filter building: every value that comes from
 * configuration or data is escaped before it reaches a filter. */
#include "ldap_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int needs_escape(unsigned char c)
{
    return c == '*' || c == '(' || c == ')' || c == '\\' || c < 0x20 || c == 0x7f;
}

/* Appends the escaped form of s[0..len) to out (sized by the caller). */
static size_t escape_into(char *out, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    size_t o = 0;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char)s[i];
        if (needs_escape(c)) {
            out[o++] = '\\';
            out[o++] = hex[c >> 4];
            out[o++] = hex[c & 0xf];
        } else {
            out[o++] = (char)c;
        }
    }
    return o;
}

char *lsrc_filter_escape(const char *value)
{
    size_t len = strlen(value);
    char *out = malloc(len * 3 + 1);
    if (!out)
        return NULL;
    out[escape_into(out, value, len)] = '\0';
    return out;
}

static int valid_attr_name(const char *a)
{
    if (!*a)
        return 0;
    for (; *a; a++) {
        char c = *a;
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '-' || c == '.' || c == ';'))
            return 0;
    }
    return 1;
}

char *lsrc_pattern_filter(const char *attr, const char *pattern)
{
    if (!valid_attr_name(attr) || !*pattern)
        return NULL;
    size_t alen = strlen(attr), plen = strlen(pattern);
    char *out = malloc(alen + plen * 3 + 4);
    if (!out)
        return NULL;
    size_t o = 0;
    out[o++] = '(';
    memcpy(out + o, attr, alen);
    o += alen;
    out[o++] = '=';
    /* escape each run between wildcards; keep the wildcards themselves */
    const char *p = pattern;
    while (*p) {
        const char *star = strchr(p, '*');
        size_t run = star ? (size_t)(star - p) : strlen(p);
        o += escape_into(out + o, p, run);
        p += run;
        if (*p == '*') {
            /* collapse "**": RFC 4515 does not allow an empty substring */
            if (o == 0 || out[o - 1] != '*')
                out[o++] = '*';
            p++;
        }
    }
    out[o++] = ')';
    out[o] = '\0';
    return out;
}

char *lsrc_filter_and(const char *a, const char *b)
{
    int ha = a && *a, hb = b && *b;
    const char *only = ha ? a : (hb ? b : "(objectClass=*)");
    if (!(ha && hb))
        return strdup(only);
    size_t n = strlen(a) + strlen(b) + 4;
    char *out = malloc(n);
    if (!out)
        return NULL;
    snprintf(out, n, "(&%s%s)", a, b);
    return out;
}
