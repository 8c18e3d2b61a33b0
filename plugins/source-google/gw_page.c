/* URLs, list pages, error bodies, retry timing and name patterns of the
 * Directory API: the decisions the transport and the reader make, free of
 * I/O so the unit tests reach every branch. */
#include <curl/curl.h>
#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_util.h"

#define BACKOFF_BASE_S 0.5
#define BACKOFF_CAP_S 30.0

char *gw_url(const char *base, const char *path, const struct gw_param *params, size_t n)
{
    size_t blen = strlen(base);
    while (blen > 0 && base[blen - 1] == '/')
        blen--;
    size_t cap = blen + strlen(path) + 2, len;
    char *url = malloc(cap), *ret = NULL;
    if (!url)
        return NULL;
    len = (size_t)snprintf(url, cap, "%.*s%s", (int)blen, base, path);
    char sep = '?';
    for (size_t i = 0; i < n; i++) {
        if (!params[i].value)
            continue;
        char *v = curl_easy_escape(NULL, params[i].value, 0);
        if (!v)
            goto out;
        size_t need = len + 1 + strlen(params[i].name) + 1 + strlen(v) + 1;
        if (need > cap) {
            char *nu = realloc(url, need * 2);
            if (!nu) {
                curl_free(v);
                goto out;
            }
            url = nu;
            cap = need * 2;
        }
        len += (size_t)snprintf(url + len, cap - len, "%c%s=%s", sep, params[i].name, v);
        curl_free(v);
        sep = '&';
    }
    ret = url;
    url = NULL;
out:
    free(url);
    return ret;
}

int gw_page_parse(const char *body, size_t len, const char *items_key, json_object **root,
                  json_object **items, const char **next, char *err, size_t errlen)
{
    json_tokener *tok = json_tokener_new();
    json_object *r = NULL, *it = NULL, *nt;
    *root = *items = NULL;
    *next = NULL;
    if (!tok) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    r = json_tokener_parse_ex(tok, body, (int)len);
    enum json_tokener_error jerr = json_tokener_get_error(tok);
    size_t used = json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    if (!r || jerr != json_tokener_success) {
        snprintf(err, errlen, "the answer is not JSON (%s)",
                 jerr == json_tokener_continue ? "cut short" : json_tokener_error_desc(jerr));
        goto fail;
    }
    while (used < len && strchr(" \t\r\n", body[used]))
        used++;
    if (used != len) {
        snprintf(err, errlen, "the answer has data after its JSON object");
        goto fail;
    }
    if (!json_object_is_type(r, json_type_object)) {
        snprintf(err, errlen, "the answer is not a JSON object");
        goto fail;
    }
    if (json_object_object_get_ex(r, items_key, &it) && !json_object_is_type(it, json_type_array)) {
        snprintf(err, errlen, "\"%s\" is not an array", items_key);
        goto fail;
    }
    if (json_object_object_get_ex(r, "nextPageToken", &nt)) {
        if (!json_object_is_type(nt, json_type_string)) {
            snprintf(err, errlen, "nextPageToken is not a string");
            goto fail;
        }
        if (*json_object_get_string(nt))
            *next = json_object_get_string(nt);
    }
    *root = r;
    *items = it;
    return 0;
fail:
    json_object_put(r);
    return -1;
}

int gw_cursor_more(const struct gw_cursor *c)
{
    return !c->started || c->token != NULL;
}

int gw_cursor_advance(struct gw_cursor *c, const char *next, char *err, size_t errlen)
{
    char *tok = NULL;
    if (next && c->token && strcmp(next, c->token) == 0) {
        snprintf(err, errlen, "the server returned the same nextPageToken twice");
        return -1;
    }
    if (next && !(tok = strdup(next))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    free(c->token);
    c->token = tok;
    c->started = 1;
    c->pages++;
    return 0;
}

void gw_cursor_reset(struct gw_cursor *c)
{
    free(c->token);
    c->token = NULL;
    c->started = 0;
    c->pages = 0;
}

static void copy(char *dst, size_t n, const char *src)
{
    if (dst && n)
        snprintf(dst, n, "%s", src ? src : "");
}

enum gw_verdict gw_classify(long status, const char *body, char *reason, size_t rlen,
                            char *message, size_t mlen)
{
    json_object *root = body && *body ? json_tokener_parse(body) : NULL, *e, *v;
    const char *why = NULL, *msg = NULL;
    enum gw_verdict verdict;
    /* {"error": {"code", "message", "errors": [{"reason", ...}], "status"}}
     * or the token endpoint's {"error": "...", "error_description": "..."} */
    if (root && json_object_object_get_ex(root, "error", &e)) {
        if (json_object_is_type(e, json_type_object)) {
            if (json_object_object_get_ex(e, "message", &v) && json_object_is_type(v, json_type_string))
                msg = json_object_get_string(v);
            json_object *errs, *first;
            if (json_object_object_get_ex(e, "errors", &errs) &&
                json_object_is_type(errs, json_type_array) && json_object_array_length(errs) > 0 &&
                (first = json_object_array_get_idx(errs, 0)) &&
                json_object_object_get_ex(first, "reason", &v) &&
                json_object_is_type(v, json_type_string))
                why = json_object_get_string(v);
            if (!why && json_object_object_get_ex(e, "status", &v) &&
                json_object_is_type(v, json_type_string))
                why = json_object_get_string(v);
        } else if (json_object_is_type(e, json_type_string)) {
            why = json_object_get_string(e);
            if (json_object_object_get_ex(root, "error_description", &v) &&
                json_object_is_type(v, json_type_string))
                msg = json_object_get_string(v);
        }
    }
    if (status >= 200 && status < 300)
        verdict = GW_OK;
    else if (status == 429 || status >= 500)
        verdict = GW_RETRY;
    else if (status == 403 && why &&
             (strcmp(why, "rateLimitExceeded") == 0 || strcmp(why, "userRateLimitExceeded") == 0))
        verdict = GW_RETRY;
    else if (status == 401 || status == 403)
        verdict = GW_AUTH;
    else if (status == 404)
        verdict = GW_NOTFOUND;
    else
        verdict = GW_INVALID;
    copy(reason, rlen, why);
    copy(message, mlen, msg);
    json_object_put(root);
    return verdict;
}

double gw_backoff(int attempt, double jitter01)
{
    double d = BACKOFF_BASE_S;
    for (int i = 1; i < attempt && d < BACKOFF_CAP_S; i++)
        d *= 2;
    if (d > BACKOFF_CAP_S)
        d = BACKOFF_CAP_S;
    if (jitter01 < 0)
        jitter01 = 0;
    if (jitter01 > 1)
        jitter01 = 1;
    return d * (0.5 + 0.5 * jitter01);
}

/* Iterative glob with one backtrack point (the last *): linear enough
 * for names, no recursion on hostile patterns. */
int gw_wildcard(const char *p, const char *s)
{
    const char *star = NULL, *resume = NULL;
    while (*s) {
        if (*p == '*') {
            star = p++;
            resume = s;
        } else if (*p == '?' || (*p && tolower((unsigned char)*p) == tolower((unsigned char)*s))) {
            p++;
            s++;
        } else if (star) {
            p = star + 1;
            s = ++resume;
        } else {
            return 0;
        }
    }
    while (*p == '*')
        p++;
    return *p == '\0';
}
