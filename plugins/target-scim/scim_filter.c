#include "scim_filter.h"

#include <curl/curl.h>
#include <ss/dynbuf.h>
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

/* Longest list path built (a bound, not a limit any real filter meets). */
#define LIST_PATH_MAX (1024 * 1024)

/* Appends "&name=value" (value encoded) or "?name=value" for the first. */
static int add_param(struct ss_dynbuf *b, const char *name, const char *value)
{
    char *enc = scim_url_encode(value);
    int rc;

    if (!enc)
        return -1;
    rc = ss_dynbuf_addf(b, "%c%s=%s", strchr(ss_dynbuf_str(b), '?') ? '&' : '?', name, enc);
    free(enc);
    return rc;
}

char *scim_list_path(const char *resource, const char *filter, const char *cursor, long start_index,
                     int count)
{
    char num[32];
    struct ss_dynbuf b;

    ss_dynbuf_init(&b, LIST_PATH_MAX);
    if (ss_dynbuf_addstr(&b, resource) < 0)
        goto fail;
    if (filter && add_param(&b, "filter", filter) < 0)
        goto fail;
    if (start_index > 0) {
        snprintf(num, sizeof(num), "%ld", start_index);
        if (add_param(&b, "startIndex", num) < 0)
            goto fail;
    }
    if (count > 0) {
        snprintf(num, sizeof(num), "%d", count);
        if (add_param(&b, "count", num) < 0)
            goto fail;
    }
    if (cursor && add_param(&b, "cursor", cursor) < 0)
        goto fail;
    return ss_dynbuf_take(&b);
fail:
    ss_dynbuf_free(&b);
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
