#include "scim_url.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int is_region_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-';
}

int scim_host_is_identity_center(const char *host)
{
    static const char *const suffixes[] = {".amazonaws.com", ".amazonaws.com.cn"};
    size_t n;

    if (!host || strncasecmp(host, "scim.", 5) != 0)
        return 0;
    host += 5;
    n = strlen(host);
    for (size_t i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++) {
        size_t sl = strlen(suffixes[i]);
        if (n <= sl || strcasecmp(host + n - sl, suffixes[i]) != 0)
            continue;
        /* exactly one label (the region) before the suffix */
        for (size_t k = 0; k < n - sl; k++) {
            if (!is_region_char(host[k]))
                return 0;
        }
        return 1;
    }
    return 0;
}

static int host_is_loopback(const char *host)
{
    return !strcasecmp(host, "localhost") || !strncmp(host, "127.", 4) || !strcmp(host, "[::1]") ||
           !strcmp(host, "::1");
}

int scim_base_url_parse(const char *url, struct scim_base_url *out, char *why, size_t why_len)
{
    CURLU *h = NULL;
    char *scheme = NULL, *host = NULL, *full = NULL, *query = NULL, *frag = NULL;
    int rc = -1;
    size_t len;

    memset(out, 0, sizeof(*out));
    if (!url || !*url) {
        snprintf(why, why_len, "empty URL");
        return -1;
    }
    h = curl_url();
    if (!h) {
        snprintf(why, why_len, "out of memory");
        return -1;
    }
    if (curl_url_set(h, CURLUPART_URL, url, 0) != CURLUE_OK) {
        snprintf(why, why_len, "not a valid absolute URL");
        goto out;
    }
    if (curl_url_get(h, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        (strcasecmp(scheme, "https") && strcasecmp(scheme, "http"))) {
        snprintf(why, why_len, "the scheme must be https (or http)");
        goto out;
    }
    if (curl_url_get(h, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        snprintf(why, why_len, "no host");
        goto out;
    }
    if (curl_url_get(h, CURLUPART_QUERY, &query, 0) == CURLUE_OK ||
        curl_url_get(h, CURLUPART_FRAGMENT, &frag, 0) == CURLUE_OK) {
        snprintf(why, why_len, "the URL must not carry a query or fragment");
        goto out;
    }
    if (curl_url_get(h, CURLUPART_URL, &full, 0) != CURLUE_OK) {
        snprintf(why, why_len, "not a valid URL");
        goto out;
    }
    out->base = strdup(full);
    if (!out->base) {
        snprintf(why, why_len, "out of memory");
        goto out;
    }
    len = strlen(out->base);
    while (len > 0 && out->base[len - 1] == '/')
        out->base[--len] = '\0';
    out->https = !strcasecmp(scheme, "https");
    out->loopback = host_is_loopback(host);
    out->aws_scim = scim_host_is_identity_center(host);
    rc = 0;
out:
    curl_free(scheme);
    curl_free(host);
    curl_free(full);
    curl_free(query);
    curl_free(frag);
    curl_url_cleanup(h);
    return rc;
}

void scim_base_url_free(struct scim_base_url *u)
{
    free(u->base);
    u->base = NULL;
}
