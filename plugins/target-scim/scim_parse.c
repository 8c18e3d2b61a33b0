#include "scim_parse.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scim_json.h"
#include "scim_profile.h"

json_object *scim_parse_body(const char *body, size_t len)
{
    json_tokener *tok;
    json_object *obj;

    if (!body || len == 0 || len > (size_t)0x7fffffff)
        return NULL;
    tok = json_tokener_new_ex(32);
    if (!tok)
        return NULL;
    obj = json_tokener_parse_ex(tok, body, (int)len);
    if (obj && (json_tokener_get_error(tok) != json_tokener_success ||
                (size_t)json_tokener_get_parse_end(tok) < len)) {
        /* trailing bytes after the document: only whitespace is fine */
        size_t end = json_tokener_get_parse_end(tok);
        for (; end < len; end++) {
            if (body[end] != ' ' && body[end] != '\n' && body[end] != '\r' && body[end] != '\t') {
                json_object_put(obj);
                obj = NULL;
                break;
            }
        }
    }
    json_tokener_free(tok);
    if (obj && !json_object_is_type(obj, json_type_object)) {
        json_object_put(obj);
        return NULL;
    }
    return obj;
}

static json_object *get(json_object *o, const char *key, json_type t)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, t))
        return NULL;
    return v;
}

static const char *get_str(json_object *o, const char *key)
{
    json_object *v = get(o, key, json_type_string);
    const char *s = v ? json_object_get_string(v) : NULL;
    return s && *s ? s : NULL;
}

static long get_long(json_object *o, const char *key)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, key, &v))
        return -1;
    if (json_object_is_type(v, json_type_int))
        return (long)json_object_get_int64(v);
    if (json_object_is_type(v, json_type_string)) {
        char *end;
        long n = strtol(json_object_get_string(v), &end, 10);
        return *end ? -1 : n;
    }
    return -1;
}

/* The value of the primary entry of a multi-valued attribute, else the first. */
static const char *multi_value(json_object *o, const char *key)
{
    json_object *arr = get(o, key, json_type_array);
    const char *first = NULL;
    size_t n = arr ? json_object_array_length(arr) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *e = json_object_array_get_idx(arr, i);
        const char *v = get_str(e, "value");
        json_object *prim = get(e, "primary", json_type_boolean);
        if (!v)
            continue;
        if (prim && json_object_get_boolean(prim))
            return v;
        if (!first)
            first = v;
    }
    return first;
}

int scim_parse_user(json_object *res, struct scimsync_user *u)
{
    json_object *name = get(res, "name", json_type_object);
    json_object *ent = get(res, SCIM_SCHEMA_ENTERPRISE, json_type_object);
    json_object *active = get(res, "active", json_type_boolean);

    memset(u, 0, sizeof(*u));
    u->id = get_str(res, "id");
    if (!u->id)
        return -1;
    u->external_id = get_str(res, "externalId");
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        const char *attr = scim_user_attrs[f].attr;
        switch (scim_user_attrs[f].place) {
        case SCIM_AT_CORE:
            u->field[f] = get_str(res, attr);
            break;
        case SCIM_AT_NAME:
            u->field[f] = get_str(name, attr);
            break;
        case SCIM_AT_ENT:
            u->field[f] = get_str(ent, attr);
            break;
        case SCIM_AT_MANAGER:
            u->field[f] = get_str(get(ent, attr, json_type_object), "value");
            break;
        case SCIM_AT_EMAIL:
        case SCIM_AT_PHONE:
            u->field[f] = multi_value(res, attr);
            break;
        }
    }
    /* absent means active (RFC 7643 leaves it optional) */
    u->active = active ? json_object_get_boolean(active) != 0 : 1;
    return 0;
}

int scim_parse_group(json_object *res, struct scimsync_group *g)
{
    memset(g, 0, sizeof(*g));
    g->id = get_str(res, "id");
    if (!g->id)
        return -1;
    g->external_id = get_str(res, "externalId");
    g->display_name = get_str(res, "displayName");
    return 0;
}

int scim_each_member(json_object *res, int (*cb)(void *ctx, const char *id), void *ctx)
{
    json_object *arr = get(res, "members", json_type_array);
    size_t n = arr ? json_object_array_length(arr) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *m = json_object_array_get_idx(arr, i);
        const char *v = get_str(m, "value"), *type = get_str(m, "type");
        if (!v || (type && strcmp(type, "User") != 0))
            continue;
        int r = cb(ctx, v);
        if (r)
            return r;
    }
    return 0;
}

int scim_parse_page(json_object *obj, struct scim_page *p)
{
    json_object *res;

    memset(p, 0, sizeof(*p));
    if (!obj)
        return -1;
    if (json_object_object_get_ex(obj, "Resources", &res) && res &&
        !json_object_is_type(res, json_type_array))
        return -1;
    p->resources = get(obj, "Resources", json_type_array);
    p->count = p->resources ? json_object_array_length(p->resources) : 0;
    p->next_cursor = get_str(obj, "nextCursor");
    p->total_results = get_long(obj, "totalResults");
    p->start_index = get_long(obj, "startIndex");
    p->items_per_page = get_long(obj, "itemsPerPage");
    return 0;
}

/* Copies s into dst as printable single-line text. */
static void copy_text(char *dst, size_t cap, const char *s, size_t n)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 1 < cap; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == '\0')
            break;
        dst[o++] = (c < 0x20 || c == 0x7f) ? ' ' : (char)c;
    }
    /* never end in the middle of a UTF-8 sequence: drop trailing
     * continuation bytes without a lead byte, and a last sequence shorter
     * than its lead byte announces; a complete last character stays */
    size_t lead = o;
    while (lead > 0 && ((unsigned char)dst[lead - 1] & 0xc0) == 0x80)
        lead--;
    unsigned char c = lead > 0 ? (unsigned char)dst[lead - 1] : 0;
    if (c < 0xc0)
        o = lead;
    else if (o - (lead - 1) < (c >= 0xf0 ? 4u : c >= 0xe0 ? 3u : 2u))
        o = lead - 1;
    dst[o] = '\0';
}

void scim_parse_error(const char *body, size_t len, long http_status, struct scim_error *e)
{
    json_object *obj = scim_parse_body(body, len);
    const char *s;

    memset(e, 0, sizeof(*e));
    if (obj) {
        long st = get_long(obj, "status");
        e->status = st > 0 && st < 1000 ? (int)st : 0;
        if ((s = get_str(obj, "detail")) != NULL)
            copy_text(e->detail, sizeof(e->detail), s, strlen(s));
        else if ((s = get_str(obj, "message")) != NULL)
            copy_text(e->detail, sizeof(e->detail), s, strlen(s));
        if ((s = get_str(obj, "scimType")) != NULL)
            copy_text(e->scim_type, sizeof(e->scim_type), s, strlen(s));
        json_object_put(obj);
    } else if (body && len > 0) {
        size_t i = 0;
        while (i < len && (body[i] == ' ' || body[i] == '\n' || body[i] == '\r'))
            i++;
        copy_text(e->detail, sizeof(e->detail), body + i, len - i);
    }
    if (!e->detail[0])
        snprintf(e->detail, sizeof(e->detail), "HTTP %ld without details", http_status);
}

/* Whether the array obj[key] holds the string uri. */
static int has_schema(json_object *obj, const char *key, const char *uri)
{
    json_object *arr = get(obj, key, json_type_array);
    size_t n = arr ? json_object_array_length(arr) : 0;
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(arr, i);
        if (json_object_is_type(v, json_type_string) && !strcmp(json_object_get_string(v), uri))
            return 1;
    }
    return 0;
}

int scim_body_error(json_object *obj, struct scim_error *e)
{
    long st;
    const char *s;

    memset(e, 0, sizeof(*e));
    if (!obj)
        return 0;
    st = get_long(obj, "status");
    if (!has_schema(obj, "schemas", SCIM_SCHEMA_ERROR) &&
        !has_schema(obj, "schema", SCIM_SCHEMA_ERROR) && !(st >= 400 && st <= 599))
        return 0;
    e->status = st > 0 && st < 1000 ? (int)st : 0;
    if ((s = get_str(obj, "detail")) != NULL || (s = get_str(obj, "message")) != NULL)
        copy_text(e->detail, sizeof(e->detail), s, strlen(s));
    else
        snprintf(e->detail, sizeof(e->detail), "a SCIM error without details");
    if ((s = get_str(obj, "scimType")) != NULL)
        copy_text(e->scim_type, sizeof(e->scim_type), s, strlen(s));
    return 1;
}

int scim_parse_list(json_object *obj, struct scim_page *p, char *why, size_t cap)
{
    struct scim_error e;

    memset(p, 0, sizeof(*p));
    if (!obj) {
        snprintf(why, cap, "the response is not a JSON object");
        return -1;
    }
    if (scim_body_error(obj, &e)) {
        snprintf(why, cap, "the response is a SCIM error (status %d: %s)", e.status, e.detail);
        return -1;
    }
    if (!has_schema(obj, "schemas", SCIM_SCHEMA_LIST)) {
        snprintf(why, cap, "the response is not a ListResponse (no %s in schemas)",
                 SCIM_SCHEMA_LIST);
        return -1;
    }
    if (scim_parse_page(obj, p) < 0) {
        snprintf(why, cap, "Resources is not an array");
        return -1;
    }
    if (!p->resources && p->total_results != 0) {
        if (p->total_results > 0)
            snprintf(why, cap, "the response has no Resources but totalResults = %ld",
                     p->total_results);
        else
            snprintf(why, cap, "the response has neither Resources nor totalResults");
        return -1;
    }
    return 0;
}
