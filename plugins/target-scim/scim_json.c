#include "scim_json.h"

#include <stdio.h>
#include <string.h>

#include "scim_profile.h"

const struct scim_user_attr scim_user_attrs[SCIMSYNC_F_COUNT] = {
    [SCIMSYNC_F_USER_NAME] = {"userName", SCIM_AT_CORE},
    [SCIMSYNC_F_DISPLAY_NAME] = {"displayName", SCIM_AT_CORE},
    [SCIMSYNC_F_GIVEN_NAME] = {"givenName", SCIM_AT_NAME},
    [SCIMSYNC_F_FAMILY_NAME] = {"familyName", SCIM_AT_NAME},
    [SCIMSYNC_F_EMAIL] = {"emails", SCIM_AT_EMAIL},
    [SCIMSYNC_F_TITLE] = {"title", SCIM_AT_CORE},
    [SCIMSYNC_F_EMPLOYEE_NUMBER] = {"employeeNumber", SCIM_AT_ENT},
    [SCIMSYNC_F_COST_CENTER] = {"costCenter", SCIM_AT_ENT},
    [SCIMSYNC_F_ORGANIZATION] = {"organization", SCIM_AT_ENT},
    [SCIMSYNC_F_DIVISION] = {"division", SCIM_AT_ENT},
    [SCIMSYNC_F_DEPARTMENT] = {"department", SCIM_AT_ENT},
    [SCIMSYNC_F_MANAGER] = {"manager", SCIM_AT_MANAGER},
    [SCIMSYNC_F_NICK_NAME] = {"nickName", SCIM_AT_CORE},
    [SCIMSYNC_F_PREFERRED_LANGUAGE] = {"preferredLanguage", SCIM_AT_CORE},
    [SCIMSYNC_F_LOCALE] = {"locale", SCIM_AT_CORE},
    [SCIMSYNC_F_TIMEZONE] = {"timezone", SCIM_AT_CORE},
    [SCIMSYNC_F_USER_TYPE] = {"userType", SCIM_AT_CORE},
    [SCIMSYNC_F_PHONE] = {"phoneNumbers", SCIM_AT_PHONE},
};

static int has(const char *s)
{
    return s && *s;
}

/* json_object_object_add that reports failure (and frees val). */
static int put(json_object *o, const char *key, json_object *val)
{
    if (!val)
        return -1;
    if (json_object_object_add(o, key, val) != 0) {
        json_object_put(val);
        return -1;
    }
    return 0;
}

static int push(json_object *a, json_object *val)
{
    if (!val)
        return -1;
    if (json_object_array_add(a, val) != 0) {
        json_object_put(val);
        return -1;
    }
    return 0;
}

static json_object *str(const char *s)
{
    return json_object_new_string(s);
}

static json_object *schemas(const char *a, const char *b)
{
    json_object *arr = json_object_new_array();
    if (!arr)
        return NULL;
    if (push(arr, str(a)) < 0 || (b && push(arr, str(b)) < 0)) {
        json_object_put(arr);
        return NULL;
    }
    return arr;
}

/* The value of a multi-valued attribute: one entry, primary for email. */
static json_object *multi_value(enum scim_attr_place place, const char *v)
{
    json_object *arr = json_object_new_array(), *one = json_object_new_object();
    if (!arr || !one)
        goto fail;
    if (put(one, "value", str(v)) < 0 || put(one, "type", str("work")) < 0)
        goto fail;
    if (place == SCIM_AT_EMAIL && put(one, "primary", json_object_new_boolean(1)) < 0)
        goto fail;
    if (json_object_array_add(arr, one) != 0)
        goto fail;
    return arr;
fail:
    json_object_put(one);
    json_object_put(arr);
    return NULL;
}

static json_object *manager_value(const char *id)
{
    json_object *m = json_object_new_object();
    if (m && put(m, "value", str(id)) < 0) {
        json_object_put(m);
        return NULL;
    }
    return m;
}

json_object *scim_user_create_body(const struct scimsync_user *u)
{
    json_object *o = json_object_new_object(), *name = json_object_new_object(),
                *ent = json_object_new_object();
    int nent = 0;
    if (!o || !name || !ent)
        goto fail;
    if (has(u->external_id) && put(o, "externalId", str(u->external_id)) < 0)
        goto fail;
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        const char *v = u->field[f];
        if (!has(v))
            continue;
        switch (scim_user_attrs[f].place) {
        case SCIM_AT_CORE:
            if (put(o, scim_user_attrs[f].attr, str(v)) < 0)
                goto fail;
            break;
        case SCIM_AT_NAME:
            if (put(name, scim_user_attrs[f].attr, str(v)) < 0)
                goto fail;
            break;
        case SCIM_AT_ENT:
            if (put(ent, scim_user_attrs[f].attr, str(v)) < 0)
                goto fail;
            nent++;
            break;
        case SCIM_AT_MANAGER:
            if (put(ent, scim_user_attrs[f].attr, manager_value(v)) < 0)
                goto fail;
            nent++;
            break;
        case SCIM_AT_EMAIL:
        case SCIM_AT_PHONE:
            if (put(o, scim_user_attrs[f].attr, multi_value(scim_user_attrs[f].place, v)) < 0)
                goto fail;
            break;
        }
    }
    if (put(o, "name", name) < 0) {
        name = NULL;
        goto fail;
    }
    name = NULL;
    if (put(o, "active", json_object_new_boolean(u->active ? 1 : 0)) < 0)
        goto fail;
    if (put(o, "schemas", schemas(SCIM_SCHEMA_USER, nent ? SCIM_SCHEMA_ENTERPRISE : NULL)) < 0)
        goto fail;
    if (nent) {
        json_object *e = ent;
        ent = NULL;
        if (put(o, SCIM_SCHEMA_ENTERPRISE, e) < 0)
            goto fail;
    }
    json_object_put(ent);
    return o;
fail:
    json_object_put(name);
    json_object_put(ent);
    json_object_put(o);
    return NULL;
}

/* {"op":op,"path":path[,"value":value]} appended to ops (value consumed). */
static int add_op(json_object *ops, const char *op, const char *path, json_object *value,
                  int with_value)
{
    json_object *o = json_object_new_object();
    if (!o || (with_value && !value))
        goto fail;
    if (put(o, "op", str(op)) < 0 || (path && put(o, "path", str(path)) < 0))
        goto fail;
    if (with_value) {
        json_object *v = value;
        value = NULL;
        if (put(o, "value", v) < 0)
            goto fail;
    }
    if (json_object_array_add(ops, o) != 0)
        goto fail;
    return 0;
fail:
    json_object_put(value);
    json_object_put(o);
    return -1;
}

static json_object *patch_message(json_object **ops)
{
    json_object *o = json_object_new_object();
    if (!o || put(o, "schemas", schemas(SCIM_SCHEMA_PATCH, NULL)) < 0)
        goto fail;
    json_object *list = *ops;
    *ops = NULL;
    if (put(o, "Operations", list) < 0)
        goto fail;
    return o;
fail:
    json_object_put(o);
    json_object_put(*ops);
    *ops = NULL;
    return NULL;
}

static int field_op(json_object *ops, int f, const char *v)
{
    char path[160];
    enum scim_attr_place place = scim_user_attrs[f].place;
    int present = has(v);

    switch (place) {
    case SCIM_AT_CORE:
    case SCIM_AT_EMAIL:
    case SCIM_AT_PHONE:
        snprintf(path, sizeof(path), "%s", scim_user_attrs[f].attr);
        break;
    case SCIM_AT_NAME:
        snprintf(path, sizeof(path), "name.%s", scim_user_attrs[f].attr);
        break;
    case SCIM_AT_ENT:
    case SCIM_AT_MANAGER:
        snprintf(path, sizeof(path), "%s:%s", SCIM_SCHEMA_ENTERPRISE, scim_user_attrs[f].attr);
        break;
    }
    if (!present) {
        /* required attributes can never be removed: leave them as they are */
        if (f == SCIMSYNC_F_USER_NAME || f == SCIMSYNC_F_DISPLAY_NAME ||
            f == SCIMSYNC_F_GIVEN_NAME || f == SCIMSYNC_F_FAMILY_NAME)
            return 0;
        return add_op(ops, "remove", path, NULL, 0) < 0 ? -1 : 1;
    }
    json_object *val;
    if (place == SCIM_AT_EMAIL || place == SCIM_AT_PHONE)
        val = multi_value(place, v);
    else if (place == SCIM_AT_MANAGER)
        val = manager_value(v);
    else
        val = str(v);
    return add_op(ops, "replace", path, val, 1) < 0 ? -1 : 1;
}

json_object *scim_user_patch_body(const struct scimsync_user *u, uint32_t changed,
                                  int set_external_id, size_t *nops)
{
    json_object *ops = json_object_new_array();
    *nops = 0;
    if (!ops)
        return NULL;
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        if (!(changed & (1u << f)))
            continue;
        int r = field_op(ops, f, u->field[f]);
        if (r < 0)
            goto fail;
        *nops += (size_t)r;
    }
    if (changed & SCIMSYNC_F_ACTIVE_BIT) {
        if (add_op(ops, "replace", "active", json_object_new_boolean(u->active ? 1 : 0), 1) < 0)
            goto fail;
        (*nops)++;
    }
    if (set_external_id && has(u->external_id)) {
        if (add_op(ops, "replace", "externalId", str(u->external_id), 1) < 0)
            goto fail;
        (*nops)++;
    }
    return patch_message(&ops);
fail:
    json_object_put(ops);
    return NULL;
}

json_object *scim_user_deactivate_body(void)
{
    json_object *ops = json_object_new_array();
    if (!ops || add_op(ops, "replace", "active", json_object_new_boolean(0), 1) < 0) {
        json_object_put(ops);
        return NULL;
    }
    return patch_message(&ops);
}

json_object *scim_group_create_body(const struct scimsync_group *g)
{
    json_object *o = json_object_new_object();
    if (!o || put(o, "schemas", schemas(SCIM_SCHEMA_GROUP, NULL)) < 0)
        goto fail;
    if (has(g->display_name) && put(o, "displayName", str(g->display_name)) < 0)
        goto fail;
    if (has(g->external_id) && put(o, "externalId", str(g->external_id)) < 0)
        goto fail;
    return o;
fail:
    json_object_put(o);
    return NULL;
}

json_object *scim_group_patch_body(const char *display_name, const char *external_id)
{
    json_object *ops = json_object_new_array();
    if (!ops)
        return NULL;
    if (has(display_name) && add_op(ops, "replace", "displayName", str(display_name), 1) < 0)
        goto fail;
    if (has(external_id) && add_op(ops, "replace", "externalId", str(external_id), 1) < 0)
        goto fail;
    return patch_message(&ops);
fail:
    json_object_put(ops);
    return NULL;
}

json_object *scim_members_patch_body(const char *op, const char *const *ids, size_t n)
{
    json_object *ops = json_object_new_array(), *vals = json_object_new_array();
    if (!ops || !vals || n == 0 || n > SCIM_MEMBERS_PER_PATCH)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        json_object *m = json_object_new_object();
        if (!m || put(m, "value", str(ids[i])) < 0 || json_object_array_add(vals, m) != 0) {
            json_object_put(m);
            goto fail;
        }
    }
    json_object *v = vals;
    vals = NULL;
    if (add_op(ops, op, "members", v, 1) < 0)
        goto fail;
    return patch_message(&ops);
fail:
    json_object_put(vals);
    json_object_put(ops);
    return NULL;
}

size_t scim_member_chunks(size_t n)
{
    return (n + SCIM_MEMBERS_PER_PATCH - 1) / SCIM_MEMBERS_PER_PATCH;
}

const char *scim_json_text(json_object *obj)
{
    return json_object_to_json_string_ext(obj,
                                          JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
}
