#include "scim_filter.h"

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *scim_filter_eq(const char *attr, const char *value)
{
    size_t alen = strlen(attr), vlen = strlen(value), extra = 0;
    char *out, *p;

    for (size_t i = 0; i < vlen; i++) {
        if (value[i] == '"' || value[i] == '\\')
            extra++;
    }
    out = malloc(alen + vlen + extra + sizeof(" eq \"\""));
    if (!out)
        return NULL;
    p = out;
    memcpy(p, attr, alen);
    p += alen;
    memcpy(p, " eq \"", 5);
    p += 5;
    for (size_t i = 0; i < vlen; i++) {
        if (value[i] == '"' || value[i] == '\\')
            *p++ = '\\';
        *p++ = value[i];
    }
    *p++ = '"';
    *p = '\0';
    return out;
}

char *scim_url_encode(const char *s)
{
    char *enc = curl_easy_escape(NULL, s, 0);
    char *copy;

    if (!enc)
        return NULL;
    copy = strdup(enc);
    curl_free(enc);
    return copy;
}

/* Appends "&name=value" (value encoded) or "?name=value" for the first. */
static int add_param(char **buf, size_t *len, const char *name, const char *value)
{
    char *enc = scim_url_encode(value);
    size_t need;
    char *nb;

    if (!enc)
        return -1;
    need = *len + strlen(name) + strlen(enc) + 3;
    nb = realloc(*buf, need);
    if (!nb) {
        free(enc);
        return -1;
    }
    *buf = nb;
    *len += (size_t)snprintf(nb + *len, need - *len, "%c%s=%s", strchr(nb, '?') ? '&' : '?',
                             name, enc);
    free(enc);
    return 0;
}

char *scim_list_path(const char *resource, const char *filter, const char *cursor,
                     long start_index, int count)
{
    char num[32];
    size_t len = strlen(resource);
    char *buf = malloc(len + 1);

    if (!buf)
        return NULL;
    memcpy(buf, resource, len + 1);
    if (filter && add_param(&buf, &len, "filter", filter) < 0)
        goto fail;
    if (start_index > 0) {
        snprintf(num, sizeof(num), "%ld", start_index);
        if (add_param(&buf, &len, "startIndex", num) < 0)
            goto fail;
    }
    if (count > 0) {
        snprintf(num, sizeof(num), "%d", count);
        if (add_param(&buf, &len, "count", num) < 0)
            goto fail;
    }
    if (cursor && add_param(&buf, &len, "cursor", cursor) < 0)
        goto fail;
    return buf;
fail:
    free(buf);
    return NULL;
}

char *scim_object_path(const char *resource, const char *id)
{
    char *enc = scim_url_encode(id);
    char *out;
    size_t n;

    if (!enc)
        return NULL;
    n = strlen(resource) + strlen(enc) + 2;
    out = malloc(n);
    if (out)
        snprintf(out, n, "%s/%s", resource, enc);
    free(enc);
    return out;
}
