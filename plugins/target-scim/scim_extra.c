#include "scim_extra.h"

#include <stdio.h>
#include <string.h>

#include "scim_json.h"

#define ENT_PREFIX "enterprise."
#define CUSTOM_PREFIX "custom."
#define NAME_PREFIX "name."

/* Core attributes an extra attribute must not name: the common schema's
 * (mapped as fields), the resource's own, and the multi-valued or complex
 * ones a single string cannot fill. */
static const char *const core_taken[] = {
    "id",           "externalId",       "meta",   "schemas",  "userName",
    "displayName",  "nickName",         "title",  "userType", "preferredLanguage",
    "locale",       "timezone",         "active", "name",     "emails",
    "phoneNumbers", "addresses",        "ims",    "photos",   "entitlements",
    "roles",        "x509Certificates", "groups", "password", NULL};
static const char *const name_subs[] = {"formatted", "middleName", "honorificPrefix",
                                        "honorificSuffix", NULL};
/* The enterprise attributes that are common-schema fields. */
static const char *const ent_fields[] = {
    "employeeNumber", "costCenter", "organization", "division", "department", "manager", NULL};

static int in_list(const char *const *list, const char *s)
{
    for (; *list; list++) {
        if (strcmp(*list, s) == 0)
            return 1;
    }
    return 0;
}

/* A SCIM attribute name: ALPHA *(nameChar), nameChar = "-" / "_" / DIGIT / ALPHA. */
static int attr_name(const char *s)
{
    if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z')))
        return 0;
    for (; *s; s++) {
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              *s == '-' || *s == '_'))
            return 0;
    }
    return 1;
}

int scim_extra_resolve(const char *name, enum scim_profile profile, const char *custom_schema,
                       struct scim_extra_path *out, char *why, size_t whylen)
{
    static const char idc_accepts[] =
        "Identity Center takes no custom schema and no enterprise attribute beyond the common "
        "fields; of the rest only profileUrl and name.middleName / honorificPrefix / "
        "honorificSuffix / formatted";

    if (strncmp(name, ENT_PREFIX, strlen(ENT_PREFIX)) == 0) {
        out->place = SCIM_X_ENTERPRISE;
        out->attr = name + strlen(ENT_PREFIX);
        if (!attr_name(out->attr)) {
            snprintf(why, whylen, "'%s' is not a SCIM attribute name", out->attr);
            return -1;
        }
        if (in_list(ent_fields, out->attr)) {
            snprintf(why, whylen, "%s is the common field %s: map that field instead", name,
                     out->attr);
            return -1;
        }
        if (profile == SCIM_PROFILE_IDENTITY_CENTER) {
            snprintf(why, whylen, "%s", idc_accepts);
            return -1;
        }
        return 0;
    }
    if (strncmp(name, CUSTOM_PREFIX, strlen(CUSTOM_PREFIX)) == 0) {
        out->place = SCIM_X_CUSTOM;
        out->attr = name + strlen(CUSTOM_PREFIX);
        if (!attr_name(out->attr)) {
            snprintf(why, whylen, "'%s' is not a SCIM attribute name", out->attr);
            return -1;
        }
        if (profile == SCIM_PROFILE_IDENTITY_CENTER) {
            snprintf(why, whylen, "%s", idc_accepts);
            return -1;
        }
        if (!custom_schema || strncmp(custom_schema, "urn:", 4) != 0) {
            snprintf(why, whylen,
                     "custom.NAME needs the key custom_schema (the schema URN, e.g. "
                     "urn:example:params:scim:schemas:extension:acme:2.0:User)");
            return -1;
        }
        return 0;
    }
    if (strncmp(name, NAME_PREFIX, strlen(NAME_PREFIX)) == 0) {
        out->place = SCIM_X_NAME;
        out->attr = name + strlen(NAME_PREFIX);
        if (!in_list(name_subs, out->attr)) {
            snprintf(why, whylen,
                     "name.%s: the name sub-attributes left to map are formatted, middleName, "
                     "honorificPrefix and honorificSuffix (givenName / familyName are fields)",
                     out->attr);
            return -1;
        }
        return 0;
    }
    out->place = SCIM_X_CORE;
    out->attr = name;
    if (!attr_name(name)) {
        snprintf(why, whylen,
                 "'%s' is no SCIM attribute: write NAME, name.SUB, enterprise.NAME or "
                 "custom.NAME",
                 name);
        return -1;
    }
    if (in_list(core_taken, name)) {
        snprintf(why, whylen,
                 "%s is a common field, a resource attribute or not a single string: it cannot "
                 "be an extra attribute",
                 name);
        return -1;
    }
    if (profile == SCIM_PROFILE_IDENTITY_CENTER && strcmp(name, "profileUrl") != 0) {
        snprintf(why, whylen, "%s", idc_accepts);
        return -1;
    }
    return 0;
}

/* The object holding place's attributes in body (created on demand), or
 * body itself for the core; NULL on no memory. */
static json_object *holder(json_object *body, enum scim_extra_place place,
                           const char *custom_schema)
{
    const char *key = place == SCIM_X_NAME         ? "name"
                      : place == SCIM_X_ENTERPRISE ? SCIM_SCHEMA_ENTERPRISE
                      : place == SCIM_X_CUSTOM     ? custom_schema
                                                   : NULL;
    json_object *o;
    if (!key)
        return body;
    if (json_object_object_get_ex(body, key, &o))
        return o;
    o = json_object_new_object();
    if (!o || json_object_object_add(body, key, o) != 0) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* Adds urn to the body's schemas array once. */
static int add_schema(json_object *body, const char *urn)
{
    json_object *arr;
    if (!json_object_object_get_ex(body, "schemas", &arr) ||
        !json_object_is_type(arr, json_type_array))
        return -1;
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        if (strcmp(json_object_get_string(json_object_array_get_idx(arr, i)), urn) == 0)
            return 0;
    }
    json_object *s = json_object_new_string(urn);
    if (!s || json_object_array_add(arr, s) != 0) {
        json_object_put(s);
        return -1;
    }
    return 0;
}

int scim_extras_to_create(json_object *body, const struct scimsync_user *u,
                          const char *custom_schema)
{
    char why[256];
    for (size_t i = 0; u && i < u->nextra; i++) {
        const struct scimsync_extra *x = &u->extra[i];
        struct scim_extra_path p;
        if (!x->value || !*x->value)
            continue;
        if (scim_extra_resolve(x->name, SCIM_PROFILE_GENERIC, custom_schema, &p, why, sizeof why) <
            0)
            return -1;
        json_object *h = holder(body, p.place, custom_schema),
                    *v = json_object_new_string(x->value);
        if (!h || !v || json_object_object_add(h, p.attr, v) != 0) {
            json_object_put(v);
            return -1;
        }
        if ((p.place == SCIM_X_ENTERPRISE && add_schema(body, SCIM_SCHEMA_ENTERPRISE) < 0) ||
            (p.place == SCIM_X_CUSTOM && add_schema(body, custom_schema) < 0))
            return -1;
    }
    return 0;
}

/* The PATCH path of p: "profileUrl", "name.middleName", "URN:attr". */
static int patch_path(const struct scim_extra_path *p, const char *custom_schema, char *buf,
                      size_t len)
{
    int n;
    switch (p->place) {
    case SCIM_X_NAME:
        n = snprintf(buf, len, "name.%s", p->attr);
        break;
    case SCIM_X_ENTERPRISE:
        n = snprintf(buf, len, "%s:%s", SCIM_SCHEMA_ENTERPRISE, p->attr);
        break;
    case SCIM_X_CUSTOM:
        n = snprintf(buf, len, "%s:%s", custom_schema, p->attr);
        break;
    default:
        n = snprintf(buf, len, "%s", p->attr);
        break;
    }
    return n > 0 && (size_t)n < len ? 0 : -1;
}

int scim_extras_to_patch(json_object *body, const struct scimsync_user *u, int all,
                         const char *custom_schema, size_t *nops)
{
    json_object *ops;
    char why[256], path[600];
    if (!json_object_object_get_ex(body, "Operations", &ops) ||
        !json_object_is_type(ops, json_type_array))
        return -1;
    for (size_t i = 0; u && i < u->nextra; i++) {
        const struct scimsync_extra *x = &u->extra[i];
        int has = x->value && *x->value;
        struct scim_extra_path p;
        if (all ? !has : !(x->flags & SCIMSYNC_EXTRA_CHANGED))
            continue;
        if (scim_extra_resolve(x->name, SCIM_PROFILE_GENERIC, custom_schema, &p, why, sizeof why) <
                0 ||
            patch_path(&p, custom_schema, path, sizeof path) < 0)
            return -1;
        json_object *op = json_object_new_object();
        json_object *k = json_object_new_string(has ? "replace" : "remove");
        json_object *pa = json_object_new_string(path);
        json_object *v = has ? json_object_new_string(x->value) : NULL;
        if (!op || !k || !pa || (has && !v)) {
            json_object_put(op);
            json_object_put(k);
            json_object_put(pa);
            json_object_put(v);
            return -1;
        }
        json_object_object_add(op, "op", k);
        json_object_object_add(op, "path", pa);
        if (v)
            json_object_object_add(op, "value", v);
        if (json_object_array_add(ops, op) != 0) {
            json_object_put(op);
            return -1;
        }
        (*nops)++;
    }
    return 0;
}

size_t scim_extras_parse(json_object *res, const char *const *names, const char *custom_schema,
                         struct scimsync_extra *x, size_t cap)
{
    size_t n = 0;
    char why[256];
    for (size_t i = 0; names && names[i] && n < cap; i++) {
        struct scim_extra_path p;
        json_object *h, *v;
        if (scim_extra_resolve(names[i], SCIM_PROFILE_GENERIC, custom_schema, &p, why, sizeof why) <
            0)
            continue;
        const char *key = p.place == SCIM_X_NAME         ? "name"
                          : p.place == SCIM_X_ENTERPRISE ? SCIM_SCHEMA_ENTERPRISE
                          : p.place == SCIM_X_CUSTOM     ? custom_schema
                                                         : NULL;
        h = res;
        if (key && !json_object_object_get_ex(res, key, &h))
            continue;
        if (!json_object_is_type(h, json_type_object) ||
            !json_object_object_get_ex(h, p.attr, &v) || !json_object_is_type(v, json_type_string))
            continue;
        x[n++] = (struct scimsync_extra){.name = names[i], .value = json_object_get_string(v)};
    }
    return n;
}
