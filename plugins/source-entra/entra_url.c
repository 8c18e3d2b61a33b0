/* URLs for Microsoft Graph through libcurl's URL API, the nextLink origin
 * check, Retry-After and backoff. */
#define _GNU_SOURCE /* strcasestr */
#include "entra_logic.h"

#include <ctype.h>
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

char *entra_url(const char *base, const char *path, const char *const *pairs)
{
    char *out = NULL, *full = NULL, *url = NULL;
    CURLU *u = curl_url();
    size_t blen = strlen(base);
    if (!u)
        return NULL;
    if (!(full = malloc(blen + strlen(path) + 2)))
        goto out;
    /* exactly one slash between base and path */
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    snprintf(full, blen + strlen(path) + 2, "%.*s%s%s", (int)blen, base, *path == '/' ? "" : "/",
             path);
    if (curl_url_set(u, CURLUPART_URL, full, 0) != CURLUE_OK)
        goto out;
    for (size_t i = 0; pairs && pairs[i]; i += 2) {
        if (!pairs[i + 1])
            continue;
        size_t n = strlen(pairs[i]) + strlen(pairs[i + 1]) + 2;
        char *kv = malloc(n);
        if (!kv)
            goto out;
        snprintf(kv, n, "%s=%s", pairs[i], pairs[i + 1]);
        CURLUcode rc = curl_url_set(u, CURLUPART_QUERY, kv, CURLU_APPENDQUERY | CURLU_URLENCODE);
        free(kv);
        if (rc != CURLUE_OK)
            goto out;
    }
    if (curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK)
        goto out;
    out = strdup(url);
out:
    curl_free(url);
    free(full);
    curl_url_cleanup(u);
    return out;
}

static int origin(const char *url, char **scheme, char **host, char **port)
{
    int ret = -1;
    CURLU *u = curl_url();
    *scheme = *host = *port = NULL;
    if (u && curl_url_set(u, CURLUPART_URL, url, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_SCHEME, scheme, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_HOST, host, 0) == CURLUE_OK &&
        curl_url_get(u, CURLUPART_PORT, port, CURLU_DEFAULT_PORT) == CURLUE_OK)
        ret = 0;
    curl_url_cleanup(u);
    return ret;
}

int entra_same_origin(const char *base, const char *url)
{
    char *s1, *h1, *p1, *s2, *h2, *p2;
    int same = 0;
    if (origin(base, &s1, &h1, &p1) == 0 && origin(url, &s2, &h2, &p2) == 0)
        same = !strcasecmp(s1, s2) && !strcasecmp(h1, h2) && !strcmp(p1, p2);
    else
        s2 = h2 = p2 = NULL;
    curl_free(s1);
    curl_free(h1);
    curl_free(p1);
    curl_free(s2);
    curl_free(h2);
    curl_free(p2);
    return same;
}

long entra_backoff(int attempt)
{
    long s = 1;
    for (int i = 1; i < attempt && s < 30; i++)
        s *= 2;
    return s < 30 ? s : 30;
}

int entra_is_guid(const char *s)
{
    static const int groups[] = {8, 4, 4, 4, 12};
    for (int g = 0; g < 5; g++) {
        for (int i = 0; i < groups[g]; i++, s++)
            if (!isxdigit((unsigned char)*s))
                return 0;
        if (*s != (g < 4 ? '-' : '\0'))
            return 0;
        s++;
    }
    return 1;
}

int entra_filter_is_advanced(const char *filter)
{
    static const char *const marks[] = {" ne ", "not(", "not (", "endswith(", "$count", NULL};
    if (!filter)
        return 0;
    for (int i = 0; marks[i]; i++)
        if (strcasestr(filter, marks[i]))
            return 1;
    return 0;
}
