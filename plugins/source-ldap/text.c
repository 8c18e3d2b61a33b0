/* Small text helpers: UTF-8 validation, base64 for opaque binary values,
 * word lists from configuration. */
#include "ldap_util.h"

#include <stdlib.h>
#include <string.h>

int lsrc_is_utf8(const unsigned char *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        unsigned char c = s[i];
        size_t n;
        uint32_t cp;
        if (c == 0)
            return 0;
        if (c < 0x80) {
            i++;
            continue;
        } else if ((c & 0xe0) == 0xc0) {
            n = 1;
            cp = c & 0x1f;
        } else if ((c & 0xf0) == 0xe0) {
            n = 2;
            cp = c & 0x0f;
        } else if ((c & 0xf8) == 0xf0) {
            n = 3;
            cp = c & 0x07;
        } else {
            return 0;
        }
        if (i + n >= len) /* truncated sequence */
            return 0;
        for (size_t k = 1; k <= n; k++) {
            if ((s[i + k] & 0xc0) != 0x80)
                return 0;
            cp = (cp << 6) | (s[i + k] & 0x3f);
        }
        /* overlong forms, surrogates, out of range */
        if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
            (cp >= 0xd800 && cp <= 0xdfff) || cp > 0x10ffff)
            return 0;
        i += n + 1;
    }
    return 1;
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
