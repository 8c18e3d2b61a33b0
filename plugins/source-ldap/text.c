/* Small text helpers: UTF-8 validation, base64 for opaque binary values,
 * word lists from configuration. */
#include "ldap_util.h"

#include <ss/utf8.h>
#include <stdlib.h>
#include <string.h>

int lsrc_is_utf8(const unsigned char *s, size_t len)
{
    /* LDAP values may hold NUL bytes; text values never do. */
    return !(len && memchr(s, 0, len)) && ss_utf8_check(s, len, NULL) == 0;
}

char *lsrc_base64(const unsigned char *s, size_t len)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *out = malloc((len + 2) / 3 * 4 + 1);
    if (!out)
        return NULL;
    size_t o = 0, i = 0;
    for (; i + 2 < len; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16 | (uint32_t)s[i + 1] << 8 | s[i + 2];
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = tab[(v >> 6) & 63];
        out[o++] = tab[v & 63];
    }
    if (i < len) {
        uint32_t v = (uint32_t)s[i] << 16 | (i + 1 < len ? (uint32_t)s[i + 1] << 8 : 0);
        out[o++] = tab[v >> 18];
        out[o++] = tab[(v >> 12) & 63];
        out[o++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
        out[o++] = '=';
    }
    out[o] = '\0';
    return out;
}

char *lsrc_uri_with_scheme(const char *word)
{
    static const char scheme[] = "ldaps://";
    size_t n;
    char *uri;

    if (strstr(word, "://"))
        return strdup(word);
    n = strlen(word);
    uri = malloc(sizeof(scheme) + n);
    if (!uri)
        return NULL;
    memcpy(uri, scheme, sizeof(scheme) - 1);
    memcpy(uri + sizeof(scheme) - 1, word, n + 1);
    return uri;
}

int lsrc_split_words(const char *s, char **out, int max)
{
    int n = 0;
    while (s && *s) {
        while (*s == ' ' || *s == ',' || *s == '\t')
            s++;
        if (!*s)
            break;
        size_t len = strcspn(s, " ,\t");
        if (n == max)
            goto fail;
        out[n] = strndup(s, len);
        if (!out[n])
            goto fail;
        n++;
        s += len;
    }
    return n;
fail:
    while (n > 0)
        free(out[--n]);
    return -1;
}
