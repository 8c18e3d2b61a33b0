/*
 * The narrowed reads of `sync --user NAME` / `--group NAME` (ABI 1.2
 * open_selection) with Graph's lookups instead of the listings:
 * /users?$filter=userPrincipalName eq 'NAME' (then the externalId: the
 * object id, or onPremisesImmutableId) and the user's
 * /users/{id}/transitiveMemberOf/microsoft.graph.group; for a group,
 * /groups?$filter=displayName eq 'NAME' (or id eq) and its
 * /groups/{id}/transitiveMembers/microsoft.graph.user.  Transitive reads
 * give each group its users flattened, which is what the engine computes
 * from the nesting of a full read.  The delta state is left alone: a
 * narrowed read says nothing about the rest of the directory.
 */
#include "entra.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void entra_select_clear(struct entra_source *s)
{
    ssp_selection_clear(&s->sel);
}

int entra_select_set(struct entra_source *s, const struct scimsync_selection *sel)
{
    const struct entra_conf *c = &s->conf;
    /* the transitive lookups take no such filter: the set it selects could
     * not be honoured */
    const char *key = c->user_filter    ? "user_filter"
                      : c->user_search  ? "user_search"
                      : c->group_filter ? "group_filter"
                      : c->group_search ? "group_search"
                                        : NULL;
    return ssp_selection_set(&s->sel, s->host, "entra", key, sel);
}

/* "prop eq 'value'", the quotes of the OData literal doubled. */
static char *eq_filter(const char *prop, const char *value)
{
    size_t n = strlen(prop) + 2 * strlen(value) + 8;
    char *f = malloc(n), *p;
    if (!f)
        return NULL;
    p = f + sprintf(f, "%s eq '", prop);
    for (const char *c = value; *c; c++) {
        if (*c == '\'')
            *p++ = '\'';
        *p++ = *c;
    }
    strcpy(p, "'");
    return f;
}

/* Object ids found, into ctx (a json object used as a set). */
static int note_id(json_object *set, json_object *item)
{
    json_object *id;
    if (!json_object_object_get_ex(item, "id", &id) || !json_object_is_type(id, json_type_string))
        return SCIMSYNC_ERR_DATA;
    json_object_object_add(set, json_object_get_string(id), json_object_new_int(1));
    return 0;
}

static int on_user(struct entra_source *s, json_object *item, void *ctx)
{
    if (entra_dir_merge_user(&s->dir, item) < 0 || note_id(ctx, item) < 0) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "users: an item without an id");
        return SCIMSYNC_ERR_DATA;
    }
    return 0;
}

static int on_id(struct entra_source *s, json_object *item, void *ctx)
{
    if (note_id(ctx, item) < 0) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "users_from_group: a member without an id");
        return SCIMSYNC_ERR_DATA;
    }
    return 0;
}

static int on_group(struct entra_source *s, json_object *item, void *ctx)
{
    if (entra_dir_merge_group(&s->dir, item, NULL) < 0 || note_id(ctx, item) < 0) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "groups: an item without an id");
        return SCIMSYNC_ERR_DATA;
    }
    return 0;
}

/* gid gets uid as a direct member (the flattened membership). */
static int add_user_member(struct entra_source *s, const char *gid, const char *uid)
{
    json_object *m = json_object_new_object();
    int ret = 0;
    if (!m)
        return SCIMSYNC_ERR_NOMEM;
    json_object_object_add(m, "@odata.type", json_object_new_string("#microsoft.graph.user"));
    json_object_object_add(m, "id", json_object_new_string(uid));
    if (entra_dir_add_member(&s->dir, gid, m) < 0)
        ret = SCIMSYNC_ERR_NOMEM;
    json_object_put(m);
    return ret;
}

/* One list read (filter, select, expand) into found. */
static int list(struct entra_source *s, const char *path, const char *filter, const char *select,
                entra_item_fn fn, json_object *found)
{
    char top[16];
    snprintf(top, sizeof top, "%ld", s->conf.page_size);
    const char *pairs[] = {
        "$select", select,    "$top",
        top,       "$expand", fn == on_user && s->conf.manager ? "manager($select=id)" : NULL,
        "$filter", filter,    NULL};
    char *url = entra_graph_url(s, path, pairs);
    if (!url)
        return SCIMSYNC_ERR_NOMEM;
    int ret = entra_read_pages(s, url, 0, fn, found, NULL, path);
    free(url);
    return ret;
}

/* The first of NAME by prop, then EXT by ext_prop, that finds anything. */
static int find(struct entra_source *s, const char *path, const char *prop, const char *ext_prop,
                const char *select, entra_item_fn fn, json_object *found)
{
    char *f = eq_filter(prop, s->sel.name);
    int ret = f ? list(s, path, f, select, fn, found) : SCIMSYNC_ERR_NOMEM;
    free(f);
    if (ret == 0 && json_object_object_length(found) == 0 && s->sel.external_id) {
        f = eq_filter(ext_prop, s->sel.external_id);
        ret = f ? list(s, path, f, select, fn, found) : SCIMSYNC_ERR_NOMEM;
        free(f);
    }
    return ret;
}

/* users_from_group: the ids of its users, transitively. */
static int scope_users(struct entra_source *s, json_object *scope)
{
    char *gid = NULL, path[160];
    int ret = entra_resolve_group(s, &gid);
    if (ret < 0)
        return ret;
    snprintf(path, sizeof path, "/groups/%s/transitiveMembers/microsoft.graph.user", gid);
    ret = list(s, path, NULL, "id", on_id, scope);
    free(gid);
    return ret;
}

static int read_user(struct entra_source *s)
{
    json_object *found = json_object_new_object(), *groups = NULL;
    char path[160];
    int ret;
    if (!found)
        return SCIMSYNC_ERR_NOMEM;
    ret =
        find(s, "/users", "userPrincipalName",
             s->conf.immutable_id ? "onPremisesImmutableId" : "id", s->conf.select, on_user, found);
    json_object_object_foreach(found, uid, one)
    {
        (void)one;
        if (ret < 0)
            break;
        json_object_put(groups);
        if (!(groups = json_object_new_object())) {
            ret = SCIMSYNC_ERR_NOMEM;
            break;
        }
        snprintf(path, sizeof path, "/users/%s/transitiveMemberOf/microsoft.graph.group", uid);
        if ((ret = list(s, path, NULL, "id,displayName", on_group, groups)) < 0)
            break;
        json_object_object_foreach(groups, gid, g1)
        {
            (void)g1;
            if ((ret = add_user_member(s, gid, uid)) < 0)
                break;
        }
    }
    json_object_put(groups);
    json_object_put(found);
    return ret;
}

static int read_group(struct entra_source *s)
{
    json_object *found = json_object_new_object(), *users = NULL;
    char path[160];
    int ret;
    if (!found)
        return SCIMSYNC_ERR_NOMEM;
    ret = find(s, "/groups", "displayName", "id", "id,displayName", on_group, found);
    json_object_object_foreach(found, gid, one)
    {
        (void)one;
        if (ret < 0)
            break;
        json_object_put(users);
        if (!(users = json_object_new_object())) {
            ret = SCIMSYNC_ERR_NOMEM;
            break;
        }
        entra_dir_add_member(&s->dir, gid, NULL); /* known even when empty */
        snprintf(path, sizeof path, "/groups/%s/transitiveMembers/microsoft.graph.user", gid);
        if ((ret = list(s, path, NULL, s->conf.select, on_user, users)) < 0)
            break;
        json_object_object_foreach(users, uid, u1)
        {
            (void)u1;
            if ((ret = add_user_member(s, gid, uid)) < 0)
                break;
        }
    }
    json_object_put(users);
    json_object_put(found);
    return ret;
}

int entra_select_read(struct entra_source *s)
{
    int ret;
    s->http.requests = s->http.retried = 0;
    if (entra_dir_init(&s->dir) < 0)
        return SCIMSYNC_ERR_NOMEM;
    s->have_dir = 1;
    if ((ret = s->sel.kind == SCIMSYNC_ENTRY_USER ? read_user(s) : read_group(s)) < 0)
        return ret;
    if (s->conf.users_from_group) {
        if (!(s->user_scope = json_object_new_object()))
            return SCIMSYNC_ERR_NOMEM;
        if ((ret = scope_users(s, s->user_scope)) < 0)
            return ret;
    }
    if (entra_dir_pick_groups(&s->dir, s->conf.group_name_pattern, &s->synced, &s->helpers) < 0)
        return SCIMSYNC_ERR_NOMEM;
    s->host->log(s->host, SCIMSYNC_LOG_INFO,
                 "Entra ID %s %s: %d users, %d groups read by lookups in %lu requests",
                 s->sel.kind == SCIMSYNC_ENTRY_USER ? "--user" : "--group", s->sel.name,
                 json_object_object_length(s->dir.users), json_object_object_length(s->synced),
                 s->http.requests);
    return 0;
}
