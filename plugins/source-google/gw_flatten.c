/* Directory API objects as flat attributes the mapping templates can name
 * (the naming rules are in gw_util.h and docs/source-google.md). */
#include <stdio.h>
#include <string.h>

#include "gw_util.h"

#define MAX_DEPTH 6
#define MAX_NAME 512

static int add_scalar(struct ssp_entry_builder *eb, const char *name, json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_string:
        return ssp_eb_add_value(eb, name, json_object_get_string(v));
    case json_type_boolean:
        return ssp_eb_add_value(eb, name, json_object_get_boolean(v) ? "true" : "false");
    case json_type_int:
    case json_type_double:
        return ssp_eb_add_value(eb, name, json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
    default:
        return 0; /* null, or a container handled by the caller */
    }
}

static int walk(struct ssp_entry_builder *eb, const char *prefix, json_object *v, int depth);

static int walk_object(struct ssp_entry_builder *eb, const char *prefix, json_object *o,
                       int depth)
{
    char name[MAX_NAME];
    json_object_object_foreach(o, key, val)
    {
        int n = prefix ? snprintf(name, sizeof name, "%s.%s", prefix, key)
                       : snprintf(name, sizeof name, "%s", key);
        if (n < 0 || (size_t)n >= sizeof name)
            continue; /* absurdly long path: nothing a template names */
        if (walk(eb, name, val, depth + 1) < 0)
            return -1;
    }
    return 0;
}

static int is_primary(json_object *el)
{
    json_object *p;
    return json_object_is_type(el, json_type_object) &&
           json_object_object_get_ex(el, "primary", &p) && json_object_is_type(p, json_type_boolean) &&
           json_object_get_boolean(p);
}

/* The element's type name: customType for "custom", else type. */
static const char *type_of(json_object *el)
{
    json_object *t, *ct;
    if (!json_object_object_get_ex(el, "type", &t) || !json_object_is_type(t, json_type_string))
        return NULL;
    const char *type = json_object_get_string(t);
    if (strcmp(type, "custom") == 0 && json_object_object_get_ex(el, "customType", &ct) &&
        json_object_is_type(ct, json_type_string) && *json_object_get_string(ct))
        return json_object_get_string(ct);
    return *type ? type : NULL;
}

static int walk_element(struct ssp_entry_builder *eb, const char *prefix, json_object *el,
                        int depth)
{
    if (!json_object_is_type(el, json_type_object))
        return walk(eb, prefix, el, depth);
    if (walk_object(eb, prefix, el, depth) < 0)
        return -1;
    const char *type = type_of(el);
    if (type) {
        char name[MAX_NAME];
        int n = snprintf(name, sizeof name, "%s.%s", prefix, type);
        if (n > 0 && (size_t)n < sizeof name && walk_object(eb, name, el, depth) < 0)
            return -1;
    }
    return 0;
}

static int walk_array(struct ssp_entry_builder *eb, const char *prefix, json_object *a, int depth)
{
    size_t n = json_object_array_length(a);
    /* the primary element first, the others in order */
    for (size_t i = 0; i < n; i++)
        if (is_primary(json_object_array_get_idx(a, i)))
            if (walk_element(eb, prefix, json_object_array_get_idx(a, i), depth) < 0)
                return -1;
    for (size_t i = 0; i < n; i++)
        if (!is_primary(json_object_array_get_idx(a, i)))
            if (walk_element(eb, prefix, json_object_array_get_idx(a, i), depth) < 0)
                return -1;
    return 0;
}

static int walk(struct ssp_entry_builder *eb, const char *prefix, json_object *v, int depth)
{
    if (!v || depth > MAX_DEPTH)
        return 0;
    switch (json_object_get_type(v)) {
    case json_type_object:
        return walk_object(eb, prefix, v, depth);
    case json_type_array:
        return prefix ? walk_array(eb, prefix, v, depth) : 0;
    default:
        return prefix ? add_scalar(eb, prefix, v) : 0;
    }
}

int gw_flatten(struct ssp_entry_builder *eb, json_object *obj)
{
    return walk(eb, NULL, obj, 0);
}

int gw_user_active(json_object *user)
{
    static const char *const off[] = {"suspended", "archived"};
    for (size_t i = 0; i < sizeof off / sizeof *off; i++) {
        json_object *v;
        /* json-c calls any non-empty string true: only a real boolean counts */
        if (json_object_object_get_ex(user, off[i], &v) &&
            json_object_is_type(v, json_type_boolean) && json_object_get_boolean(v))
            return 0;
    }
    return 1;
}
