/* Reading Entra ID into the directory model: full reads through the list
 * endpoints (server-side filters, transitiveMembers), or delta queries
 * applied to the model kept in the state store.  Any failure aborts the
 * whole read: the engine must never see a partial directory. */
#include "entra.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Every page from url on: item callback for each element of "value";
 * the final page's @odata.deltaLink into *delta_link when asked. */
int entra_read_pages(struct entra_source *s, const char *url, int eventual, entra_item_fn fn,
                     void *ctx, char **delta_link, const char *what)
{
    const struct scimsync_host *host = s->host;
    char *next = strdup(url);
    unsigned long pages = 0, items = 0;
    int ret = 0;
    if (!next)
        return SCIMSYNC_ERR_NOMEM;
    while (next) {
        json_object *page = NULL, *value, *link;
        long status;
        if ((ret = entra_get(&s->http, next, eventual, &page, &status)) < 0) {
            if (ret == SCIMSYNC_ERR_NOTFOUND && status == 410 && delta_link)
                break; /* the caller falls back to a full read */
            if (status == 410)
                host->log(host, SCIMSYNC_LOG_ERROR, "reading %s: HTTP 410", what);
            host->log(host, SCIMSYNC_LOG_ERROR,
                      "reading %s failed after %lu page%s: nothing "
                      "is applied",
                      what, pages, pages == 1 ? "" : "s");
            break;
        }
        free(next);
        next = NULL;
        pages++;
        if (!json_object_object_get_ex(page, "value", &value) ||
            !json_object_is_type(value, json_type_array)) {
            host->log(host, SCIMSYNC_LOG_ERROR, "reading %s: page %lu has no value array", what,
                      pages);
            json_object_put(page);
            ret = SCIMSYNC_ERR_IO;
            break;
        }
        for (size_t i = 0; i < json_object_array_length(value) && ret == 0; i++, items++)
            ret = fn(s, json_object_array_get_idx(value, i), ctx);
        if (ret == 0 && json_object_object_get_ex(page, "@odata.nextLink", &link)) {
            const char *l = json_object_get_string(link);
            /* the bearer token goes with the link: only to the Graph host */
            if (!entra_same_origin(s->conf.graph_url, l)) {
                host->log(host, SCIMSYNC_LOG_ERROR,
                          "reading %s: @odata.nextLink leaves graph_url %s; refused", what,
                          s->conf.graph_url);
                ret = SCIMSYNC_ERR_IO;
            } else if (!(next = strdup(l))) {
                ret = SCIMSYNC_ERR_NOMEM;
            }
        } else if (ret == 0 && delta_link) {
            if (json_object_object_get_ex(page, "@odata.deltaLink", &link) &&
                entra_same_origin(s->conf.graph_url, json_object_get_string(link))) {
                if (!(*delta_link = strdup(json_object_get_string(link))))
                    ret = SCIMSYNC_ERR_NOMEM;
            } else {
                host->log(host, SCIMSYNC_LOG_ERROR,
                          "reading %s: the last page has no usable @odata.deltaLink", what);
                ret = SCIMSYNC_ERR_IO;
            }
        }
        json_object_put(page);
        if (ret < 0)
            break;
    }
    free(next);
    if (ret == 0)
        host->log(host, SCIMSYNC_LOG_DEBUG, "%s: %lu item%s in %lu page%s", what, items,
                  items == 1 ? "" : "s", pages, pages == 1 ? "" : "s");
    return ret;
}

static int bad_item(struct entra_source *s, const char *what)
{
    s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: an item without an id", what);
    return SCIMSYNC_ERR_DATA;
}

static int on_user(struct entra_source *s, json_object *item, void *ctx)
{
    (void)ctx;
    return entra_dir_merge_user(&s->dir, item) < 0 ? bad_item(s, "users") : 0;
}

static int on_group(struct entra_source *s, json_object *item, void *ctx)
{
    return entra_dir_merge_group(&s->dir, item, ctx) < 0 ? bad_item(s, "groups") : 0;
}

static int on_member(struct entra_source *s, json_object *item, void *ctx)
{
    return entra_dir_add_member(&s->dir, ctx, item) < 0 ? bad_item(s, "group members") : 0;
}

char *entra_graph_url(struct entra_source *s, const char *path, const char *const *pairs)
{
    char *u = entra_url(s->conf.graph_url, path, pairs);
    if (!u)
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "cannot build the URL of %s", path);
    return u;
}

/* users_from_group: a group id as is, or the one group of that name. */
int entra_resolve_group(struct entra_source *s, char **gid)
{
    const char *g = s->conf.users_from_group;
    *gid = NULL;
    if (entra_is_guid(g))
        return (*gid = strdup(g)) ? 0 : SCIMSYNC_ERR_NOMEM;
    /* OData string literal: a quote is doubled */
    size_t n = strlen(g);
    char *lit = malloc(2 * n + 32), *p;
    if (!lit)
        return SCIMSYNC_ERR_NOMEM;
    p = lit + sprintf(lit, "displayName eq '");
    for (const char *c = g; *c; c++) {
        if (*c == '\'')
            *p++ = '\'';
        *p++ = *c;
    }
    strcpy(p, "'");
    const char *pairs[] = {"$filter", lit, "$select", "id,displayName", NULL};
    char *url = entra_graph_url(s, "/groups", pairs);
    json_object *page = NULL, *value;
    long status;
    int ret = url ? entra_get(&s->http, url, 0, &page, &status) : SCIMSYNC_ERR_NOMEM;
    free(url);
    free(lit);
    if (ret < 0)
        return ret;
    size_t found = json_object_object_get_ex(page, "value", &value) &&
                           json_object_is_type(value, json_type_array)
                       ? json_object_array_length(value)
                       : 0;
    if (found != 1) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR,
                     "%s: users_from_group: %zu groups are named \"%s\"; give its object id",
                     s->host->config_where(s->host, "users_from_group"), found, g);
        ret = SCIMSYNC_ERR_CONFIG;
    } else {
        json_object *id;
        if (json_object_object_get_ex(json_object_array_get_idx(value, 0), "id", &id) &&
            (*gid = strdup(json_object_get_string(id))))
            ret = 0;
        else
            ret = SCIMSYNC_ERR_IO;
    }
    json_object_put(page);
    return ret;
}

static int fetch_members(struct entra_source *s, const char *gid, json_object *fetched)
{
    char path[128], top[16];
    snprintf(path, sizeof path, "/groups/%s/members", gid);
    snprintf(top, sizeof top, "%ld", s->conf.page_size);
    const char *pairs[] = {"$select", "id", "$top", top, NULL};
    char *url = entra_graph_url(s, path, pairs);
    if (!url)
        return SCIMSYNC_ERR_NOMEM;
    json_object_object_add(fetched, gid, json_object_new_int(1));
    /* known to the model even when it has no member */
    entra_dir_add_member(&s->dir, gid, NULL);
    int ret = entra_read_pages(s, url, 0, on_member, (void *)gid, NULL, path);
    free(url);
    return ret;
}

/* Full read through the list endpoints. */
static int read_full(struct entra_source *s)
{
    const struct entra_conf *c = &s->conf;
    char top[16], *url = NULL, *gid = NULL;
    json_object *fetched = json_object_new_object();
    int ret;
    snprintf(top, sizeof top, "%ld", c->page_size);
    if (!fetched)
        return SCIMSYNC_ERR_NOMEM;

    /* users */
    int u_eventual = c->user_search || entra_filter_is_advanced(c->user_filter);
    const char *upairs[] = {"$select", c->select,
                            "$top",    top,
                            "$expand", c->manager ? "manager($select=id)" : NULL,
                            "$filter", c->user_filter,
                            "$search", c->user_search,
                            "$count",  u_eventual ? "true" : NULL,
                            NULL};
    char upath[160] = "/users";
    if (c->users_from_group) {
        if ((ret = entra_resolve_group(s, &gid)) < 0)
            goto out;
        snprintf(upath, sizeof upath, "/groups/%s/transitiveMembers/microsoft.graph.user", gid);
    }
    if (!(url = entra_graph_url(s, upath, upairs))) {
        ret = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    if ((ret = entra_read_pages(s, url, u_eventual, on_user, NULL, NULL, "users")) < 0)
        goto out;
    free(url);

    /* groups, then the members of those to sync and of the groups nested
     * in them, as far as the nesting goes */
    int g_eventual = c->group_search || entra_filter_is_advanced(c->group_filter);
    const char *gpairs[] = {"$select", "id,displayName",
                            "$top",    top,
                            "$filter", c->group_filter,
                            "$search", c->group_search,
                            "$count",  g_eventual ? "true" : NULL,
                            NULL};
    if (!(url = entra_graph_url(s, "/groups", gpairs))) {
        ret = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    if ((ret = entra_read_pages(s, url, g_eventual, on_group, NULL, NULL, "groups")) < 0)
        goto out;
    for (;;) {
        json_object *synced, *helpers;
        size_t todo = 0;
        if (entra_dir_pick_groups(&s->dir, c->group_name_pattern, &synced, &helpers) < 0) {
            ret = SCIMSYNC_ERR_NOMEM;
            goto out;
        }
        json_object *sets[2] = {synced, helpers};
        for (int k = 0; k < 2 && ret == 0; k++) {
            json_object_object_foreach(sets[k], id, one)
            {
                (void)one;
                if (json_object_object_get_ex(fetched, id, NULL))
                    continue;
                todo++;
                if ((ret = fetch_members(s, id, fetched)) < 0)
                    break;
            }
        }
        json_object_put(synced);
        json_object_put(helpers);
        if (ret < 0 || todo == 0)
            break;
    }
out:
    free(url);
    free(gid);
    json_object_put(fetched);
    return ret;
}

/* ---- delta ------------------------------------------------------- */

static int state_available(const struct scimsync_host *h)
{
    return h->struct_size >= offsetof(struct scimsync_host, state_put) + sizeof(h->state_put) &&
           h->state_get && h->state_put;
}

/* The users' $select of a delta query: the attributes plus manager. */
static char *delta_select(const struct entra_conf *c)
{
    size_t n = strlen(c->select) + 16;
    char *sel = malloc(n);
    if (sel)
        snprintf(sel, n, "%s%s", c->select, c->manager ? ",manager" : "");
    return sel;
}

/* One round of delta: from the links (a follow-up) or from the start (an
 * initial round: every object).  New links in *ul / *gl. */
static int delta_round(struct entra_source *s, const char *users_link, const char *groups_link,
                       const char *sel, char **ul, char **gl)
{
    char *uurl = NULL, *gurl = NULL;
    size_t ignored = 0;
    int ret;
    *ul = *gl = NULL;
    const char *up[] = {"$select", sel, NULL};
    const char *gp[] = {"$select", "displayName,members", NULL};
    if (!(uurl = users_link ? strdup(users_link) : entra_graph_url(s, "/users/delta", up)) ||
        !(gurl = groups_link ? strdup(groups_link) : entra_graph_url(s, "/groups/delta", gp))) {
        ret = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    if ((ret = entra_read_pages(s, uurl, 0, on_user, NULL, ul, "users (delta)")) < 0 ||
        (ret = entra_read_pages(s, gurl, 0, on_group, &ignored, gl, "groups (delta)")) < 0)
        goto out;
    if (ignored)
        s->host->log(s->host, SCIMSYNC_LOG_DEBUG,
                     "%zu group member changes of other kinds (devices, contacts, apps) ignored",
                     ignored);
out:
    if (ret < 0) {
        free(*ul);
        free(*gl);
        *ul = *gl = NULL;
    }
    free(uurl);
    free(gurl);
    return ret;
}

/* 1 when this configuration can use delta queries at all. */
static int delta_usable(struct entra_source *s)
{
    const struct entra_conf *c = &s->conf;
    if (!c->delta || !state_available(s->host))
        return 0;
    if (c->user_filter || c->user_search || c->group_filter || c->group_search) {
        s->host->log(s->host, SCIMSYNC_LOG_INFO,
                     "delta queries take no $filter or $search: user_filter, user_search, "
                     "group_filter and group_search mean a full read every run");
        return 0;
    }
    const char *v = s->host->state_get(s->host, ENTRA_STATE_KEY);
    /* no value: either a first run or no state store; deleting the
     * absent key tells which (it fails without a store) */
    return v || s->host->state_put(s->host, ENTRA_STATE_KEY, NULL) == 0;
}

static int read_delta(struct entra_source *s)
{
    const struct scimsync_host *host = s->host;
    char *sel = delta_select(&s->conf), *old_sel = NULL, *ul = NULL, *gl = NULL, *nul = NULL,
         *ngl = NULL, *saved = NULL;
    time_t full_at = 0, now = time(NULL);
    int ret = 0, full = 1;
    if (!sel)
        return SCIMSYNC_ERR_NOMEM;
    const char *v = host->state_get(host, ENTRA_STATE_KEY);
    if (v && entra_dir_load(&s->dir, v, &old_sel, &full_at, &ul, &gl) == 0) {
        s->have_dir = 1;
        if (strcmp(old_sel, sel) != 0)
            host->log(host, SCIMSYNC_LOG_INFO, "the attributes read changed: full read");
        else if (s->conf.full_reconcile_interval > 0 &&
                 now - full_at >= s->conf.full_reconcile_interval)
            host->log(host, SCIMSYNC_LOG_INFO,
                      "last full read %ld s ago (full_reconcile_interval %ld): full read",
                      (long)(now - full_at), s->conf.full_reconcile_interval);
        else
            full = 0;
    } else if (v) {
        host->log(host, SCIMSYNC_LOG_WARN, "the saved directory state is unreadable: full read");
    }
    if (!full) {
        ret = delta_round(s, ul, gl, sel, &nul, &ngl);
        if (ret == SCIMSYNC_ERR_NOTFOUND) {
            host->log(host, SCIMSYNC_LOG_INFO, "the delta token expired (HTTP 410): full read");
            full = 1;
        } else if (ret < 0) {
            goto out;
        } else {
            host->log(host, SCIMSYNC_LOG_INFO,
                      "delta read: %lu request%s for the changes since the last run",
                      s->http.requests, s->http.requests == 1 ? "" : "s");
        }
    }
    if (full) {
        if (s->have_dir)
            entra_dir_free(&s->dir);
        s->have_dir = 0;
        if (entra_dir_init(&s->dir) < 0) {
            ret = SCIMSYNC_ERR_NOMEM;
            goto out;
        }
        s->have_dir = 1;
        full_at = now;
        if ((ret = delta_round(s, NULL, NULL, sel, &nul, &ngl)) < 0) {
            if (ret == SCIMSYNC_ERR_NOTFOUND) {
                host->log(host, SCIMSYNC_LOG_ERROR, "an initial delta query answered HTTP 410");
                ret = SCIMSYNC_ERR_IO;
            }
            goto out;
        }
    }
    if (!(saved = entra_dir_save(&s->dir, sel, full_at, nul, ngl))) {
        ret = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    if (host->state_put(host, ENTRA_STATE_KEY, saved) < 0) {
        host->log(host, SCIMSYNC_LOG_ERROR, "the directory state could not be stored");
        ret = SCIMSYNC_ERR_IO;
        goto out;
    }
    host->log(host, SCIMSYNC_LOG_DEBUG, "directory state: %zu bytes", strlen(saved));
out:
    free(sel);
    free(old_sel);
    free(ul);
    free(gl);
    free(nul);
    free(ngl);
    free(saved);
    return ret;
}

/* users_from_group on the whole model (delta reads): its transitive
 * users. */
static int scope_from_model(struct entra_source *s)
{
    const char *g = s->conf.users_from_group, *gid = NULL;
    size_t found = 0;
    if (entra_is_guid(g)) {
        gid = g;
        found = json_object_object_get_ex(s->dir.groups, g, NULL);
    } else {
        json_object_object_foreach(s->dir.groups, id, grp)
        {
            json_object *n;
            if (json_object_object_get_ex(grp, "n", &n) &&
                strcmp(json_object_get_string(n), g) == 0) {
                gid = id;
                found++;
            }
        }
    }
    if (found != 1) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: users_from_group: %zu groups are %s \"%s\"",
                     s->host->config_where(s->host, "users_from_group"), found,
                     entra_is_guid(g) ? "of id" : "named", g);
        return SCIMSYNC_ERR_CONFIG;
    }
    s->user_scope = entra_dir_transitive_users(&s->dir, gid);
    return s->user_scope ? 0 : SCIMSYNC_ERR_NOMEM;
}

int entra_read(struct entra_source *s)
{
    int ret;
    s->http.requests = s->http.retried = 0;
    if (delta_usable(s)) {
        if ((ret = read_delta(s)) < 0)
            return ret;
        if (s->conf.users_from_group && (ret = scope_from_model(s)) < 0)
            return ret;
    } else {
        if (entra_dir_init(&s->dir) < 0)
            return SCIMSYNC_ERR_NOMEM;
        s->have_dir = 1;
        if ((ret = read_full(s)) < 0)
            return ret;
    }
    if (entra_dir_pick_groups(&s->dir, s->conf.group_name_pattern, &s->synced, &s->helpers) < 0)
        return SCIMSYNC_ERR_NOMEM;
    s->host->log(s->host, SCIMSYNC_LOG_INFO,
                 "Entra ID: %d users, %d groups (+%d nesting only) read in %lu requests (%lu "
                 "retried)",
                 json_object_object_length(s->dir.users), json_object_object_length(s->synced),
                 json_object_object_length(s->helpers), s->http.requests, s->http.retried);
    return 0;
}
