/* The directory model: what a full read fills, what delta pages update,
 * and its compact form in the state store. */
#include "entra_logic.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define STATE_VERSION 1

int entra_dir_init(struct entra_dir *d)
{
    d->users = json_object_new_object();
    d->groups = json_object_new_object();
    if (!d->users || !d->groups) {
        entra_dir_free(d);
        return -1;
    }
    return 0;
}

void entra_dir_free(struct entra_dir *d)
{
    json_object_put(d->users);
    json_object_put(d->groups);
    d->users = d->groups = NULL;
}

static const char *str_member(json_object *o, const char *key)
{
    json_object *v;
    if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

/* Removes key and every "key.*" (a nested object that became null). */
static void del_attr(json_object *u, const char *key)
{
    size_t n = strlen(key), nk = 0;
    char *doomed[64];
    json_object_object_foreach(u, k, v)
    {
        (void)v;
        if (nk < 64 && strncmp(k, key, n) == 0 && k[n] == '.')
            doomed[nk++] = strdup(k);
    }
    for (size_t i = 0; i < nk; i++) {
        if (doomed[i])
            json_object_object_del(u, doomed[i]);
        free(doomed[i]);
    }
    json_object_object_del(u, key);
}

/* A scalar as the text the mapping sees: strings as they are, booleans
 * true/false, numbers in JSON notation; NULL for null and containers. */
static json_object *scalar(json_object *v)
{
    switch (json_object_get_type(v)) {
    case json_type_string:
        return json_object_new_string(json_object_get_string(v));
    case json_type_boolean:
        return json_object_new_string(json_object_get_boolean(v) ? "true" : "false");
    case json_type_int:
    case json_type_double:
        return json_object_new_string(json_object_to_json_string(v));
    default:
        return NULL;
    }
}

static int set_attr(json_object *u, const char *key, json_object *v, int depth)
{
    if (!v || json_object_is_type(v, json_type_null)) {
        del_attr(u, key);
        return 0;
    }
    if (json_object_is_type(v, json_type_array)) {
        json_object *arr = json_object_new_array();
        if (!arr)
            return -1;
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            json_object *s = scalar(json_object_array_get_idx(v, i));
            if (s)
                json_object_array_add(arr, s);
        }
        json_object_object_add(u, key, arr);
        return 0;
    }
    if (json_object_is_type(v, json_type_object)) {
        if (depth > 0)
            return 0; /* one level of flattening is what mappings need */
        json_object_object_foreach(v, k2, v2)
        {
            if (strchr(k2, '@'))
                continue;
            char name[256];
            snprintf(name, sizeof name, "%s.%s", key, k2);
            if (set_attr(u, name, v2, depth + 1) < 0)
                return -1;
        }
        return 0;
    }
    json_object *s = scalar(v);
    if (!s)
        return -1;
    json_object_object_add(u, key, s);
    return 0;
}

int entra_dir_merge_user(struct entra_dir *d, json_object *obj)
{
    const char *id = str_member(obj, "id");
    if (!id)
        return -1;
    if (json_object_object_get_ex(obj, "@removed", NULL)) {
        json_object_object_del(d->users, id);
        return 0;
    }
    json_object *u;
    if (!json_object_object_get_ex(d->users, id, &u)) {
        if (!(u = json_object_new_object()))
            return -1;
        json_object_object_add(d->users, id, u);
    }
    json_object_object_foreach(obj, key, val)
    {
        if (strcmp(key, "id") == 0)
            continue;
        if (strcmp(key, "manager") == 0) {
            const char *mid = val ? str_member(val, "id") : NULL;
            if (mid)
                json_object_object_add(u, "manager", json_object_new_string(mid));
            else
                json_object_object_del(u, "manager");
            continue;
        }
        if (strcmp(key, "manager@delta") == 0) {
            size_t n =
                json_object_is_type(val, json_type_array) ? json_object_array_length(val) : 0;
            for (size_t i = 0; i < n; i++) {
                json_object *m = json_object_array_get_idx(val, i);
                const char *mid = str_member(m, "id");
                if (json_object_object_get_ex(m, "@removed", NULL) || !mid)
                    json_object_object_del(u, "manager");
                else
                    json_object_object_add(u, "manager", json_object_new_string(mid));
            }
            continue;
        }
        if (strchr(key, '@'))
            continue; /* annotations: @odata.type, x@odata.context, ... */
        if (set_attr(u, key, val, 0) < 0)
            return -1;
    }
    return 0;
}

static json_object *group_of(struct entra_dir *d, const char *gid)
{
    json_object *g;
    if (json_object_object_get_ex(d->groups, gid, &g))
        return g;
    if (!(g = json_object_new_object()))
        return NULL;
    json_object_object_add(g, "u", json_object_new_object());
    json_object_object_add(g, "g", json_object_new_object());
    json_object_object_add(d->groups, gid, g);
    return g;
}

/* 'u', 'g', or 0 for members of other kinds (devices, contacts, apps). */
static char member_kind(json_object *m)
{
    const char *t = str_member(m, "@odata.type");
    if (!t)
        return 0;
    if (strcmp(t, "#microsoft.graph.user") == 0)
        return 'u';
    if (strcmp(t, "#microsoft.graph.group") == 0)
        return 'g';
    return 0;
}

static int member_change(json_object *g, json_object *m, int remove)
{
    const char *id = str_member(m, "id");
    json_object *set;
    if (!id)
        return -1;
    if (remove) {
        if (json_object_object_get_ex(g, "u", &set))
            json_object_object_del(set, id);
        if (json_object_object_get_ex(g, "g", &set))
            json_object_object_del(set, id);
        return 1;
    }
    char kind = member_kind(m);
    if (!kind)
        return 0;
    if (!json_object_object_get_ex(g, kind == 'u' ? "u" : "g", &set))
        return -1;
    json_object_object_add(set, id, json_object_new_int(1));
    return 1;
}

int entra_dir_add_member(struct entra_dir *d, const char *gid, json_object *member)
{
    json_object *g = group_of(d, gid);
    return g ? member_change(g, member, 0) : -1;
}

int entra_dir_merge_group(struct entra_dir *d, json_object *obj, size_t *ignored)
{
    const char *id = str_member(obj, "id");
    json_object *v;
    if (!id)
        return -1;
    if (json_object_object_get_ex(obj, "@removed", NULL)) {
        json_object_object_del(d->groups, id);
        return 0;
    }
    json_object *g = group_of(d, id);
    if (!g)
        return -1;
    if (json_object_object_get_ex(obj, "displayName", &v)) {
        if (json_object_is_type(v, json_type_string))
            json_object_object_add(g, "n", json_object_new_string(json_object_get_string(v)));
        else
            json_object_object_del(g, "n");
    }
    if (json_object_object_get_ex(obj, "members@delta", &v) &&
        json_object_is_type(v, json_type_array)) {
        for (size_t i = 0; i < json_object_array_length(v); i++) {
            json_object *m = json_object_array_get_idx(v, i);
            int r = member_change(g, m, json_object_object_get_ex(m, "@removed", NULL));
            if (r < 0)
                return -1;
            if (r == 0 && ignored)
                (*ignored)++;
        }
    }
    return 0;
}

/* ---- compact form ------------------------------------------------ */

static json_object *keys_array(json_object *set)
{
    json_object *a = json_object_new_array();
    json_object_object_foreach(set, k, v)
    {
        (void)v;
        json_object_array_add(a, json_object_new_string(k));
    }
    return a;
}

char *entra_dir_save(const struct entra_dir *d, const char *sel, time_t full_at,
                     const char *users_link, const char *groups_link)
{
    char *out = NULL;
    json_object *st = json_object_new_object(), *names = json_object_new_array(),
                *index = json_object_new_object(), *us = json_object_new_object(),
                *gs = json_object_new_object();
    if (!st || !names || !index || !us || !gs)
        goto out;
    /* every attribute name once, so each user is an array of values */
    json_object_object_foreach(d->users, id0, u0)
    {
        (void)id0;
        json_object_object_foreach(u0, k, v)
        {
            (void)v;
            if (!json_object_object_get_ex(index, k, NULL)) {
                json_object_object_add(index, k,
                                       json_object_new_int((int)json_object_array_length(names)));
                json_object_array_add(names, json_object_new_string(k));
            }
        }
    }
    size_t nnames = json_object_array_length(names);
    json_object_object_foreach(d->users, id, u)
    {
        json_object *row = json_object_new_array_ext((int)nnames);
        for (size_t i = 0; i < nnames; i++) {
            json_object *v = NULL;
            json_object_object_get_ex(
                u, json_object_get_string(json_object_array_get_idx(names, i)), &v);
            json_object_array_add(row, v ? json_object_get(v) : NULL);
        }
        json_object_object_add(us, id, row);
    }
    json_object_object_foreach(d->groups, gid, g)
    {
        json_object *row = json_object_new_array_ext(3), *n = NULL, *mu = NULL, *mg = NULL;
        json_object_object_get_ex(g, "n", &n);
        json_object_object_get_ex(g, "u", &mu);
        json_object_object_get_ex(g, "g", &mg);
        json_object_array_add(row, n ? json_object_get(n) : NULL);
        json_object_array_add(row, keys_array(mu));
        json_object_array_add(row, keys_array(mg));
        json_object_object_add(gs, gid, row);
    }
    json_object_object_add(st, "v", json_object_new_int(STATE_VERSION));
    json_object_object_add(st, "sel", json_object_new_string(sel));
    json_object_object_add(st, "full_at", json_object_new_int64((int64_t)full_at));
    json_object_object_add(st, "ul", json_object_new_string(users_link));
    json_object_object_add(st, "gl", json_object_new_string(groups_link));
    json_object_object_add(st, "ua", names);
    json_object_object_add(st, "u", us);
    json_object_object_add(st, "g", gs);
    names = us = gs = NULL;
    const char *s =
        json_object_to_json_string_ext(st, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    out = s ? strdup(s) : NULL;
out:
    json_object_put(st);
    json_object_put(names);
    json_object_put(index);
    json_object_put(us);
    json_object_put(gs);
    return out;
}

static int load_set(json_object *arr, json_object *set)
{
    if (!json_object_is_type(arr, json_type_array))
        return -1;
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *id = json_object_array_get_idx(arr, i);
        if (!json_object_is_type(id, json_type_string))
            return -1;
        json_object_object_add(set, json_object_get_string(id), json_object_new_int(1));
    }
    return 0;
}

static int load_rows(struct entra_dir *d, json_object *names, json_object *us, json_object *gs)
{
    size_t nnames = json_object_array_length(names);
    for (size_t i = 0; i < nnames; i++)
        if (!json_object_is_type(json_object_array_get_idx(names, i), json_type_string))
            return -1;
    json_object_object_foreach(us, id, row)
    {
        if (!json_object_is_type(row, json_type_array) || json_object_array_length(row) != nnames)
            return -1;
        json_object *u = json_object_new_object();
        json_object_object_add(d->users, id, u);
        for (size_t i = 0; i < nnames; i++) {
            json_object *v = json_object_array_get_idx(row, i);
            if (!v)
                continue;
            if (!json_object_is_type(v, json_type_string) &&
                !json_object_is_type(v, json_type_array))
                return -1;
            json_object_object_add(u, json_object_get_string(json_object_array_get_idx(names, i)),
                                   json_object_get(v));
        }
    }
    json_object_object_foreach(gs, gid, grow)
    {
        json_object *n;
        if (!json_object_is_type(grow, json_type_array) || json_object_array_length(grow) != 3)
            return -1;
        json_object *g = group_of(d, gid), *mu, *mg;
        if (!g)
            return -1;
        n = json_object_array_get_idx(grow, 0);
        if (n && !json_object_is_type(n, json_type_string))
            return -1;
        if (n)
            json_object_object_add(g, "n", json_object_get(n));
        json_object_object_get_ex(g, "u", &mu);
        json_object_object_get_ex(g, "g", &mg);
        if (load_set(json_object_array_get_idx(grow, 1), mu) < 0 ||
            load_set(json_object_array_get_idx(grow, 2), mg) < 0)
            return -1;
    }
    return 0;
}

int entra_dir_load(struct entra_dir *d, const char *text, char **sel, time_t *full_at,
                   char **users_link, char **groups_link)
{
    int ret = -1;
    json_object *st = json_tokener_parse(text), *v, *fa, *names, *us, *gs;
    const char *s, *ul, *gl;
    *sel = *users_link = *groups_link = NULL;
    if (!st || !json_object_object_get_ex(st, "v", &v) || json_object_get_int(v) != STATE_VERSION ||
        !(s = str_member(st, "sel")) || !(ul = str_member(st, "ul")) ||
        !(gl = str_member(st, "gl")) || !json_object_object_get_ex(st, "full_at", &fa) ||
        !json_object_is_type(fa, json_type_int) || !json_object_object_get_ex(st, "ua", &names) ||
        !json_object_is_type(names, json_type_array) || !json_object_object_get_ex(st, "u", &us) ||
        !json_object_is_type(us, json_type_object) || !json_object_object_get_ex(st, "g", &gs) ||
        !json_object_is_type(gs, json_type_object))
        goto out;
    if (entra_dir_init(d) < 0)
        goto out;
    if (load_rows(d, names, us, gs) < 0) {
        entra_dir_free(d);
        goto out;
    }
    *full_at = (time_t)json_object_get_int64(fa);
    *sel = strdup(s);
    *users_link = strdup(ul);
    *groups_link = strdup(gl);
    if (!*sel || !*users_link || !*groups_link) {
        free(*sel);
        free(*users_link);
        free(*groups_link);
        *sel = *users_link = *groups_link = NULL;
        entra_dir_free(d);
        goto out;
    }
    ret = 0;
out:
    json_object_put(st);
    return ret;
}
