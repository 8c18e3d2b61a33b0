/*
 * The narrowed reads of `sync --user NAME` / `--group NAME` (ABI 1.2
 * open_selection), with the Directory API's lookups instead of the
 * listings: users.get for the user, groups.list?userKey= for the groups
 * it is in and, with nested_groups, for the groups those are in; for a
 * group, groups.list with query name='NAME' (or groups.get by the
 * externalId, its id), members.list down the nested groups, and users.get
 * for each member user.  What is found goes where the full read keeps it
 * (s->deferred, s->user_ids, s->groups), so the read's later phases build
 * the entries as usual.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gw_source.h"

#define MAP_LIMIT (20u * 1000u * 1000u)
#define GROUPS_MAX 200

static const char users_path[] = "/admin/directory/v1/users";
static const char groups_path[] = "/admin/directory/v1/groups";

void gw_select_clear(struct gw_source *s)
{
    ssp_selection_clear(&s->sel);
}

int gw_select_set(struct gw_source *s, const struct scimsync_selection *sel)
{
    /* users.get and groups.list?userKey= take no query: the set it selects
     * could not be honoured */
    const char *key = s->conf.user_query    ? "user_query"
                      : s->conf.group_query ? "group_query"
                                            : NULL;
    return ssp_selection_set(&s->sel, s->host, "google", key, sel);
}

/* GET one resource (users.get, groups.get) by its key.  0 and *out (NULL
 * when the API answers 404, or 403 with forbidden_is_missing: a member of
 * another organization), or <0 (logged). */
static int get_one(struct gw_source *s, const char *what, const char *base, const char *key,
                   int forbidden_is_missing, json_object **out)
{
    struct gw_param p[1] = {{"projection", "full"}};
    char *esc = curl_easy_escape(NULL, key, 0), *path = NULL, *url = NULL, label[400];
    json_object *root = NULL, *items = NULL;
    const char *next = NULL;
    int ret = 0;
    *out = NULL;
    size_t n = strlen(base) + (esc ? strlen(esc) : 0) + 2;
    if (!esc || !(path = malloc(n))) {
        ret = gw_no_memory(s, what);
        goto out;
    }
    snprintf(path, n, "%s/%s", base, esc);
    if (!(url = gw_url(s->conf.api_url, path, p, base == users_path ? 1 : 0))) {
        ret = gw_no_memory(s, what);
        goto out;
    }
    snprintf(label, sizeof label, "%s %s", what, key);
    ret = gw_api_get_page(s, label, url, "items", &root, &items, &next, 1);
    if (ret == SCIMSYNC_ERR_NOTFOUND || (ret == SCIMSYNC_ERR_AUTH && forbidden_is_missing)) {
        s->host->log(s->host, SCIMSYNC_LOG_DEBUG, "%s: HTTP %ld: not found", label, s->last_status);
        ret = 0;
    } else if (ret == SCIMSYNC_ERR_AUTH) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR,
                     "%s: HTTP 403 (the subject may not read it: another organization's, or the "
                     "delegated scopes are missing)",
                     label);
    } else if (ret == 0) {
        *out = root;
        root = NULL;
    }
out:
    json_object_put(root);
    free(url);
    free(path);
    curl_free(esc);
    return ret;
}

/* With domain set, only that domain's addresses are read. */
static int in_domain(const struct gw_source *s, const char *email)
{
    if (!s->conf.domain)
        return 1;
    const char *at = email ? strrchr(email, '@') : NULL;
    return at && !strcasecmp(at + 1, s->conf.domain);
}

/* One user resource into the read.  1 taken, 0 outside the scope or
 * taken already, <0 error. */
static int take_user(struct gw_source *s, json_object *u)
{
    const char *id = gw_str_field(u, "id"), *email = gw_str_field(u, "primaryEmail");
    char where[512];
    int ret;
    snprintf(where, sizeof where, "users.get: user %s", email ? email : "?");
    if (!id) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: no id", where);
        return SCIMSYNC_ERR_DATA;
    }
    if (ssp_map_get(&s->user_ids, id, NULL) || !in_domain(s, email) ||
        (s->scoped && !ssp_map_get(&s->scope, id, NULL)))
        return 0;
    if ((ret = gw_map_put(s, &s->user_ids, id, NULL)) < 0 || (ret = gw_defer_user(s, u, where)) < 0)
        return ret;
    return 1;
}

/* A group resource into the read, once.  1 new, 0 known, <0 error. */
static int take_group(struct gw_source *s, json_object *g, const char *what)
{
    const char *id = gw_str_field(g, "id");
    int ret;
    if (id && ssp_map_get(&s->sel_groups, id, NULL))
        return 0;
    if ((ret = gw_add_group(s, g, what)) < 0 || (ret = gw_map_put(s, &s->sel_groups, id, NULL)) < 0)
        return ret;
    return 1;
}

static int push(struct gw_source *s, char ***q, size_t *n, size_t *cap, const char *v)
{
    if (gw_room_for((void **)q, cap, *n, sizeof **q) < 0 || !((*q)[*n] = strdup(v)))
        return gw_no_memory(s, v);
    (*n)++;
    return 0;
}

/* The groups key is in (groups.list?userKey=), then, with nested_groups,
 * the groups those are in, level by level (each group asked once). */
static int walk_up(struct gw_source *s, const char *user_id)
{
    struct gw_list l = {0};
    char **queue = NULL, ctx[300];
    size_t nq = 0, cap = 0;
    json_object *g;
    int ret = push(s, &queue, &nq, &cap, user_id);
    for (size_t qi = 0; qi < nq && ret == 0; qi++) {
        if ((ret = gw_list_start(s, &l, "groups.list", groups_path, "groups", GROUPS_MAX)) < 0)
            break;
        l.params[l.nparams++] = (struct gw_param){"userKey", queue[qi]};
        snprintf(ctx, sizeof ctx, "userKey %s", queue[qi]);
        while ((ret = gw_list_next(s, &l, &g, ctx)) == 1) {
            const char *id = gw_str_field(g, "id");
            int r = take_group(s, g, "groups.list");
            if (r < 0 ||
                (r == 1 && s->conf.nested_groups && (r = push(s, &queue, &nq, &cap, id)) < 0)) {
                ret = r;
                break;
            }
        }
    }
    gw_list_end(&l);
    for (size_t i = 0; i < nq; i++)
        free(queue[i]);
    free(queue);
    return ret;
}

/* The members of the groups found (s->groups from first on), down the
 * nested groups with nested_groups; then users.get for each member user. */
static int walk_down(struct gw_source *s, size_t first)
{
    struct gw_list l = {0};
    struct ssp_map seen;
    char **users = NULL, ctx[300];
    size_t nu = 0, cap = 0;
    json_object *m, *r = NULL;
    int ret = 0;
    ssp_map_init(&seen, MAP_LIMIT);
    for (size_t gi = first; gi < s->ngroups && ret == 0; gi++) {
        char *gid = strdup(s->groups[gi].id); /* s->groups may move below */
        if (!gid) {
            ret = gw_no_memory(s, "members.list");
            break;
        }
        snprintf(ctx, sizeof ctx, "of %s", gid);
        if ((ret = gw_list_members(s, &l, gid)) == 0)
            while ((ret = gw_list_next(s, &l, &m, ctx)) == 1) {
                const char *type = gw_str_field(m, "type"), *id = gw_str_field(m, "id");
                if (!type || !id || ssp_map_get(&seen, id, NULL))
                    continue;
                if ((ret = gw_map_put(s, &seen, id, NULL)) < 0)
                    break;
                if (!strcmp(type, "USER")) {
                    if ((ret = push(s, &users, &nu, &cap, id)) < 0)
                        break;
                } else if (!strcmp(type, "GROUP") && s->conf.nested_groups &&
                           !ssp_map_get(&s->sel_groups, id, NULL)) {
                    if ((ret = get_one(s, "groups.get", groups_path, id, 1, &r)) < 0)
                        break;
                    if (!r)
                        s->host->log(s->host, SCIMSYNC_LOG_WARN,
                                     "nested group %s (a member of %s) cannot be read: its "
                                     "members are left out",
                                     id, gid);
                    else if ((ret = take_group(s, r, "groups.get")) < 0)
                        break;
                    json_object_put(r);
                    r = NULL;
                    ret = 0;
                }
            }
        free(gid);
    }
    for (size_t i = 0; i < nu && ret == 0; i++) {
        if ((ret = get_one(s, "users.get", users_path, users[i], 1, &r)) < 0)
            break;
        if (!r)
            s->dropped_members++; /* another organization's user */
        else if ((ret = take_user(s, r)) > 0)
            ret = 0;
        json_object_put(r);
        r = NULL;
    }
    json_object_put(r);
    gw_list_end(&l);
    for (size_t i = 0; i < nu; i++)
        free(users[i]);
    free(users);
    ssp_map_free(&seen);
    return ret;
}

/* groups.list with query name='NAME' (quotes escaped), kept when the name
 * is exactly NAME (the query compares without case). */
static int groups_named(struct gw_source *s, const char *name)
{
    struct gw_list l = {0};
    json_object *g;
    size_t n = strlen(name);
    char *q = malloc(2 * n + sizeof "name=''"), *p = q;
    int ret;
    if (!q)
        return gw_no_memory(s, name);
    p += sprintf(p, "name='");
    for (const char *c = name; *c; c++) {
        if (*c == '\'' || *c == '\\')
            *p++ = '\\';
        *p++ = *c;
    }
    strcpy(p, "'");
    if ((ret = gw_list_start(s, &l, "groups.list", groups_path, "groups", GROUPS_MAX)) == 0) {
        if (s->conf.domain)
            l.params[l.nparams++] = (struct gw_param){"domain", s->conf.domain};
        else
            l.params[l.nparams++] = (struct gw_param){"customer", s->conf.customer};
        l.params[l.nparams++] = (struct gw_param){"query", q};
        while ((ret = gw_list_next(s, &l, &g, NULL)) == 1) {
            const char *gn = gw_str_field(g, "name");
            if (gn && !strcmp(gn, name) && (ret = take_group(s, g, "groups.list")) < 0)
                break;
        }
    }
    gw_list_end(&l);
    free(q);
    return ret;
}

int gw_select_read(struct gw_source *s)
{
    const struct scimsync_host *h = s->host;
    json_object *o = NULL;
    int ret;
    if (s->sel.kind == SCIMSYNC_ENTRY_USER) {
        if ((ret = get_one(s, "users.get", users_path, s->sel.name, 0, &o)) < 0)
            goto out;
        if (!o && s->sel.external_id &&
            (ret = get_one(s, "users.get", users_path, s->sel.external_id, 0, &o)) < 0)
            goto out;
        if (o && (ret = take_user(s, o)) == 1)
            ret = walk_up(s, gw_str_field(o, "id"));
    } else {
        if (s->sel.external_id &&
            (ret = get_one(s, "groups.get", groups_path, s->sel.external_id, 0, &o)) < 0)
            goto out;
        if (o && in_domain(s, gw_str_field(o, "email")) &&
            (ret = take_group(s, o, "groups.get")) < 0)
            goto out;
        if ((ret = groups_named(s, s->sel.name)) < 0 || (ret = walk_down(s, 0)) < 0)
            goto out;
    }
    if (ret < 0)
        goto out;
    ret = 0;
    h->log(h, SCIMSYNC_LOG_INFO, "%s %s: %zu users, %zu groups read by lookups",
           s->sel.kind == SCIMSYNC_ENTRY_USER ? "--user" : "--group", s->sel.name, s->ndeferred,
           s->ngroups);
    s->phase = GW_PH_DEFERRED;
out:
    json_object_put(o);
    return ret;
}
