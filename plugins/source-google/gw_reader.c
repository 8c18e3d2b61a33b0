/*
 * The read: the scope of users_from_group (walked first), users, users
 * whose manager came later, synced groups with their members, then groups
 * needed only to resolve nesting (helpers).  Users come first so a member
 * can be classified: a returned user, a group (nesting), or outside the
 * scope (dropped).  Any failure ends the read with <0: the run applies
 * nothing.
 */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_source.h"

#define MAP_LIMIT (20u * 1000u * 1000u) /* ids / addresses kept for one read */
#define ARENA_LIMIT ((size_t)256 << 20) /* bytes of one entry */
#define MEMBERS_LIMIT ((size_t)5000000) /* members of one group */
#define USERS_MAX 500                   /* users.list maxResults */
#define GROUPS_MAX 200                  /* groups.list / members.list maxResults */

static const char users_path[] = "/admin/directory/v1/users";
static const char groups_path[] = "/admin/directory/v1/groups";

int gw_no_memory(struct gw_source *s, const char *where)
{
    s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: out of memory", where);
    return SCIMSYNC_ERR_NOMEM;
}

int gw_room_for(void **arr, size_t *cap, size_t n, size_t elem)
{
    if (n < *cap)
        return 0;
    size_t nc = *cap ? *cap * 2 : 64;
    void *p = realloc(*arr, nc * elem);
    if (!p)
        return -1;
    *arr = p;
    *cap = nc;
    return 0;
}

/* ------------------------------------------------------------------ */
/* paged lists                                                         */

void gw_list_end(struct gw_list *l)
{
    free(l->path);
    gw_cursor_reset(&l->cursor);
    json_object_put(l->page);
    memset(l, 0, sizeof *l);
}

/* customer / domain scope plus query, for users.list and groups.list. */
static void list_scope(struct gw_source *s, struct gw_list *l, const char *query)
{
    if (s->conf.domain)
        l->params[l->nparams++] = (struct gw_param){"domain", s->conf.domain};
    else
        l->params[l->nparams++] = (struct gw_param){"customer", s->conf.customer};
    if (query)
        l->params[l->nparams++] = (struct gw_param){"query", query};
}

int gw_list_start(struct gw_source *s, struct gw_list *l, const char *what, const char *path,
                  const char *items_key, long max)
{
    gw_list_end(l);
    if (!(l->path = strdup(path)))
        return gw_no_memory(s, what);
    l->what = what;
    l->items_key = items_key;
    l->max_results = s->conf.page_size < max ? s->conf.page_size : max;
    snprintf(l->max_buf, sizeof l->max_buf, "%ld", l->max_results);
    l->params[l->nparams++] = (struct gw_param){"maxResults", l->max_buf};
    return 0;
}

/* Members of one group; the group key (an id or an address) is escaped. */
int gw_list_members(struct gw_source *s, struct gw_list *l, const char *group_key)
{
    char *esc = curl_easy_escape(NULL, group_key, 0), *path = NULL;
    int ret;
    if (!esc)
        return gw_no_memory(s, group_key);
    size_t n = sizeof groups_path + strlen(esc) + sizeof "/members";
    if (!(path = malloc(n))) {
        curl_free(esc);
        return gw_no_memory(s, group_key);
    }
    snprintf(path, n, "%s/%s/members", groups_path, esc);
    curl_free(esc);
    ret = gw_list_start(s, l, "members.list", path, "members", GROUPS_MAX);
    free(path);
    return ret;
}

/* 1 and *item (valid until the next call), 0 at the end, <0 error. */
int gw_list_next(struct gw_source *s, struct gw_list *l, json_object **item, const char *context)
{
    for (;;) {
        if (l->items && l->pos < json_object_array_length(l->items)) {
            *item = json_object_array_get_idx(l->items, l->pos++);
            return 1;
        }
        if (!gw_cursor_more(&l->cursor))
            return 0;
        struct gw_param p[8];
        size_t n = l->nparams;
        memcpy(p, l->params, n * sizeof *p);
        if (l->cursor.token)
            p[n++] = (struct gw_param){"pageToken", l->cursor.token};
        char *url = gw_url(s->conf.api_url, l->path, p, n), what[300];
        if (!url)
            return gw_no_memory(s, l->what);
        snprintf(what, sizeof what, "%s%s%s page %lu", l->what, context ? " " : "",
                 context ? context : "", l->cursor.pages + 1);
        json_object *root = NULL, *items = NULL;
        const char *next = NULL;
        int ret = gw_api_get_page(s, what, url, l->items_key, &root, &items, &next,
                                  l->quiet_missing && l->cursor.pages == 0);
        free(url);
        if (ret < 0)
            return ret;
        char err[128];
        if (gw_cursor_advance(&l->cursor, next, err, sizeof err) < 0) {
            s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s", what, err);
            json_object_put(root);
            return SCIMSYNC_ERR_IO;
        }
        /* next pointed into root: the cursor holds its own copy now */
        json_object_put(l->page);
        l->page = root;
        l->items = items;
        l->pos = 0;
    }
}

const char *gw_str_field(json_object *o, const char *name)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    const char *r = json_object_get_string(v);
    return *r ? r : NULL;
}

/* Addresses compare case-insensitively: the map holds them lowered. */
static char *lower_dup(const char *a)
{
    char *r = strdup(a);
    for (char *p = r; p && *p; p++)
        *p = (char)tolower((unsigned char)*p);
    return r;
}

int gw_map_put(struct gw_source *s, struct ssp_map *m, const char *key, const char *val)
{
    int r = ssp_map_put(m, key, val);
    if (r == -2) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "more than %u ids or addresses in one read",
                     MAP_LIMIT);
        return SCIMSYNC_ERR_DATA;
    }
    return r < 0 ? gw_no_memory(s, key) : 0;
}

/* A nested group that cannot be read at all (its first page answered 403
 * or 404): a group of another organization, which our admin may not list,
 * or one deleted meanwhile.  Its members are left out with a warning
 * instead of failing every run for good. */
static int unreadable_nested(struct gw_source *s, const struct gw_list *l, int ret, const char *id,
                             const char *context)
{
    if (!l->quiet_missing || l->cursor.pages != 0 ||
        !((ret == SCIMSYNC_ERR_AUTH && s->last_status == 403) ||
          (ret == SCIMSYNC_ERR_NOTFOUND && s->last_status == 404)))
        return ret;
    s->host->log(s->host, SCIMSYNC_LOG_WARN,
                 "nested group %s (%s) cannot be read (HTTP %ld: another organization's group, "
                 "or deleted): its members are left out",
                 id, context, s->last_status);
    return 0;
}

/* ------------------------------------------------------------------ */
/* users_from_group: its members, transitively (cycles walk once)       */

static int walk_scope(struct gw_source *s)
{
    const struct scimsync_host *h = s->host;
    struct ssp_map seen;
    struct gw_list l = {0};
    char **queue = NULL;
    size_t nq = 0, cap = 0;
    int ret = 0;
    ssp_map_init(&seen, MAP_LIMIT);
    if (gw_room_for((void **)&queue, &cap, nq, sizeof *queue) < 0 ||
        !(queue[nq] = strdup(s->conf.users_from_group))) {
        ret = gw_no_memory(s, "users_from_group");
        goto out;
    }
    nq++;
    if ((ret = gw_map_put(s, &seen, s->conf.users_from_group, NULL)) < 0)
        goto out;
    for (size_t qi = 0; qi < nq && ret == 0; qi++) {
        json_object *m;
        char ctx[300];
        snprintf(ctx, sizeof ctx, "of %s (users_from_group)", queue[qi]);
        if ((ret = gw_list_members(s, &l, queue[qi])) < 0)
            break;
        l.quiet_missing = qi > 0;
        while ((ret = gw_list_next(s, &l, &m, ctx)) == 1) {
            const char *type = gw_str_field(m, "type"), *id = gw_str_field(m, "id");
            if (!id || !type)
                continue;
            if (!strcmp(type, "USER")) {
                if ((ret = gw_map_put(s, &s->scope, id, NULL)) < 0)
                    break;
            } else if (!strcmp(type, "GROUP") && s->conf.nested_groups &&
                       !ssp_map_get(&seen, id, NULL)) {
                if ((ret = gw_map_put(s, &seen, id, NULL)) < 0)
                    break;
                if (gw_room_for((void **)&queue, &cap, nq, sizeof *queue) < 0 ||
                    !(queue[nq] = strdup(id))) {
                    ret = gw_no_memory(s, "users_from_group");
                    break;
                }
                nq++;
            }
        }
        if (qi > 0)
            ret = unreadable_nested(s, &l, ret, queue[qi], "in the users_from_group walk");
        if (ret == SCIMSYNC_ERR_NOTFOUND && qi == 0)
            h->log(h, SCIMSYNC_LOG_ERROR, "%s: users_from_group: no group %s",
                   h->config_where(h, "users_from_group"), s->conf.users_from_group);
        if (ret == SCIMSYNC_ERR_NOTFOUND)
            ret = qi == 0 ? SCIMSYNC_ERR_CONFIG : SCIMSYNC_ERR_IO;
    }
    if (ret == 0) {
        s->scoped = 1;
        h->log(h, SCIMSYNC_LOG_INFO, "users_from_group %s: %zu users in %zu groups",
               s->conf.users_from_group, s->scope.count, nq);
    }
out:
    gw_list_end(&l);
    for (size_t i = 0; i < nq; i++)
        free(queue[i]);
    free(queue);
    ssp_map_free(&seen);
    return ret;
}

/* ------------------------------------------------------------------ */
/* users                                                                */

static int note_address(struct gw_source *s, const char *addr, const char *id)
{
    char *low = lower_dup(addr);
    int ret = low ? gw_map_put(s, &s->emails, low, id) : gw_no_memory(s, id);
    free(low);
    return ret;
}

/* Every address a manager relation may name: primary, emails[], aliases. */
static int note_addresses(struct gw_source *s, json_object *u, const char *id)
{
    json_object *arr;
    const char *a = gw_str_field(u, "primaryEmail");
    int ret = a ? note_address(s, a, id) : 0;
    if (ret == 0 && json_object_object_get_ex(u, "emails", &arr) &&
        json_object_is_type(arr, json_type_array))
        for (size_t i = 0; i < json_object_array_length(arr) && ret == 0; i++)
            if ((a = gw_str_field(json_object_array_get_idx(arr, i), "address")))
                ret = note_address(s, a, id);
    if (ret == 0 && json_object_object_get_ex(u, "aliases", &arr) &&
        json_object_is_type(arr, json_type_array))
        for (size_t i = 0; i < json_object_array_length(arr) && ret == 0; i++) {
            json_object *v = json_object_array_get_idx(arr, i);
            if (json_object_is_type(v, json_type_string) && *json_object_get_string(v))
                ret = note_address(s, json_object_get_string(v), id);
        }
    return ret;
}

/* The manager's address from relations (type manager). */
static const char *manager_address(json_object *u)
{
    json_object *arr;
    if (!json_object_object_get_ex(u, "relations", &arr) ||
        !json_object_is_type(arr, json_type_array))
        return NULL;
    for (size_t i = 0; i < json_object_array_length(arr); i++) {
        json_object *r = json_object_array_get_idx(arr, i);
        const char *t = gw_str_field(r, "type");
        if (t && !strcmp(t, "manager"))
            return gw_str_field(r, "value");
    }
    return NULL;
}

int gw_defer_user(struct gw_source *s, json_object *u, const char *where)
{
    const char *js = json_object_to_json_string_ext(u, JSON_C_TO_STRING_PLAIN);
    if (!js ||
        gw_room_for((void **)&s->deferred, &s->deferred_cap, s->ndeferred, sizeof *s->deferred) <
            0 ||
        !(s->deferred[s->ndeferred] = strdup(js)))
        return gw_no_memory(s, where);
    s->ndeferred++;
    return 0;
}

/* Builds one user.  final: no more deferring (the manager is either
 * known now or not among the users read).  1 ready, 0 skipped or
 * deferred, <0 error. */
static int build_user(struct gw_source *s, json_object *u, int final)
{
    const char *id = gw_str_field(u, "id"), *email = gw_str_field(u, "primaryEmail");
    char where[512];
    int ret;
    ssp_eb_reset(&s->eb);
    snprintf(where, sizeof where, "user %s (id %s)", email ? email : "?", id ? id : "?");
    if (!json_object_is_type(u, json_type_object)) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "users.list: an entry is not a JSON object");
        return SCIMSYNC_ERR_DATA;
    }
    if (id && s->scoped && !ssp_map_get(&s->scope, id, NULL))
        return 0; /* not a member of users_from_group */
    if (!final && id) {
        if ((ret = gw_map_put(s, &s->user_ids, id, NULL)) < 0 ||
            (ret = note_addresses(s, u, id)) < 0)
            return ret;
    }
    const char *maddr = manager_address(u), *mid = NULL;
    if (maddr) {
        char *low = lower_dup(maddr);
        if (!low)
            return gw_no_memory(s, where);
        int known = ssp_map_get(&s->emails, low, &mid);
        free(low);
        if (!known && !final)
            return gw_defer_user(s, u, where);
        if (!known)
            s->host->log(s->host, SCIMSYNC_LOG_DEBUG,
                         "%s: manager %s is not among the users read: no manager", where, maddr);
    }
    if (gw_flatten(&s->eb, u) < 0 ||
        ssp_eb_add_value(&s->eb, "active", gw_user_active(u) ? "true" : "false") < 0 ||
        (mid && ssp_eb_add_value(&s->eb, "managerId", mid) < 0))
        return gw_no_memory(s, where);
    struct scimsync_entry *e = &s->eb.entry;
    e->kind = SCIMSYNC_ENTRY_USER;
    e->id = id ? ssp_eb_strdup(&s->eb, id) : NULL; /* no id: the host reports the entry */
    e->where = ssp_eb_strdup(&s->eb, where);
    if ((id && !e->id) || !e->where || !ssp_eb_finish(&s->eb))
        return gw_no_memory(s, where);
    s->users_out++;
    return 1;
}

static int next_deferred(struct gw_source *s)
{
    char *js = s->deferred[s->deferred_pos];
    s->deferred[s->deferred_pos++] = NULL;
    json_object *u = json_tokener_parse(js);
    int ret = u ? build_user(s, u, 1) : gw_no_memory(s, "a deferred user");
    json_object_put(u);
    free(js);
    return ret;
}

/* ------------------------------------------------------------------ */
/* groups                                                               */

int gw_add_group(struct gw_source *s, json_object *g, const char *what)
{
    const char *id = gw_str_field(g, "id"), *email = gw_str_field(g, "email"),
               *name = gw_str_field(g, "name");
    if (!id) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: group %s has no id", what,
                     email ? email : "?");
        return SCIMSYNC_ERR_DATA;
    }
    if (gw_room_for((void **)&s->groups, &s->groups_cap, s->ngroups, sizeof *s->groups) < 0)
        return gw_no_memory(s, what);
    struct gw_group *gg = &s->groups[s->ngroups];
    gg->id = strdup(id);
    gg->email = strdup(email ? email : "");
    gg->name = strdup(name ? name : "");
    s->ngroups++;
    if (!gg->id || !gg->email || !gg->name)
        return gw_no_memory(s, what);
    int synced = !s->conf.group_name_pattern || gw_wildcard(s->conf.group_name_pattern, gg->name) ||
                 gw_wildcard(s->conf.group_name_pattern, gg->email);
    return synced ? gw_map_put(s, &s->synced, id, NULL) : 0;
}

static int load_groups(struct gw_source *s)
{
    struct gw_list l = {0};
    json_object *g;
    int ret;
    if ((ret = gw_list_start(s, &l, "groups.list", groups_path, "groups", GROUPS_MAX)) < 0)
        return ret;
    list_scope(s, &l, s->conf.group_query);
    while ((ret = gw_list_next(s, &l, &g, NULL)) == 1)
        if ((ret = gw_add_group(s, g, "groups.list")) < 0)
            break;
    gw_list_end(&l);
    if (ret == 0)
        s->host->log(s->host, SCIMSYNC_LOG_INFO, "groups.list: %zu groups, %zu to sync", s->ngroups,
                     s->synced.count);
    return ret;
}

static int queue_helper(struct gw_source *s, const char *id)
{
    int ret;
    if (ssp_map_get(&s->synced, id, NULL) || ssp_map_get(&s->emitted, id, NULL))
        return 0;
    if ((ret = gw_map_put(s, &s->emitted, id, NULL)) < 0)
        return ret;
    if (gw_room_for((void **)&s->helpers, &s->helpers_cap, s->nhelpers, sizeof *s->helpers) < 0 ||
        !(s->helpers[s->nhelpers] = strdup(id)))
        return gw_no_memory(s, id);
    s->nhelpers++;
    return 0;
}

/* One group and its direct members.  g: from groups.list (NULL for a
 * helper found only as a member). */
static int build_group(struct gw_source *s, const char *id, const struct gw_group *g,
                       unsigned flags)
{
    struct gw_list l = {0};
    json_object *m;
    char where[600];
    int ret;
    ssp_eb_reset(&s->eb);
    snprintf(where, sizeof where, "group %s (id %s)%s", g && *g->email ? g->email : "?", id,
             flags & SCIMSYNC_ENTRY_HELPER ? ", nested only" : "");
    if ((ret = gw_map_put(s, &s->emitted, id, NULL)) < 0)
        return ret;
    if (ssp_eb_add_value(&s->eb, "id", id) < 0 ||
        (g && *g->email && ssp_eb_add_value(&s->eb, "email", g->email) < 0) ||
        (g && *g->name && ssp_eb_add_value(&s->eb, "name", g->name) < 0))
        return gw_no_memory(s, where);
    if ((ret = gw_list_members(s, &l, id)) < 0)
        return ret;
    /* only a helper that groups.list did not return may be unreadable */
    l.quiet_missing = (flags & SCIMSYNC_ENTRY_HELPER) && !g;
    while ((ret = gw_list_next(s, &l, &m, where)) == 1) {
        const char *type = gw_str_field(m, "type"), *mid = gw_str_field(m, "id");
        int r = 0;
        if (type && mid && !strcmp(type, "USER") && ssp_map_get(&s->user_ids, mid, NULL)) {
            r = ssp_eb_add_member(&s->eb, mid);
        } else if (type && mid && !strcmp(type, "GROUP") && s->conf.nested_groups &&
                   (!s->sel.kind || ssp_map_get(&s->sel_groups, mid, NULL))) {
            if ((ret = queue_helper(s, mid)) < 0)
                break;
            r = ssp_eb_add_member(&s->eb, mid);
        } else {
            if (type && !strcmp(type, "CUSTOMER"))
                s->host->log(s->host, SCIMSYNC_LOG_WARN,
                             "%s: the member \"all users of the organization\" is not expanded",
                             where);
            s->dropped_members++; /* outside the scope, external, or not nested */
        }
        if (r == -2) {
            s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: more than %zu members", where,
                         MEMBERS_LIMIT);
            ret = SCIMSYNC_ERR_DATA;
            break;
        }
        if (r < 0) {
            ret = gw_no_memory(s, where);
            break;
        }
    }
    if (ret < 0)
        ret = unreadable_nested(s, &l, ret, id, "a member of a group read");
    gw_list_end(&l);
    if (ret < 0) {
        if (ret == SCIMSYNC_ERR_NOTFOUND)
            ret = SCIMSYNC_ERR_IO; /* deleted while we read: the read is not consistent */
        return ret;
    }
    struct scimsync_entry *e = &s->eb.entry;
    e->kind = SCIMSYNC_ENTRY_GROUP;
    e->flags = flags;
    e->id = ssp_eb_strdup(&s->eb, id);
    e->where = ssp_eb_strdup(&s->eb, where);
    if (!e->id || !e->where || !ssp_eb_finish(&s->eb))
        return gw_no_memory(s, where);
    s->groups_out++;
    return 1;
}

/* ------------------------------------------------------------------ */

int gw_read_open(struct gw_source *s)
{
    int ret;
    gw_read_close(s);
    ssp_eb_init(&s->eb, ARENA_LIMIT, MEMBERS_LIMIT);
    ssp_map_init(&s->user_ids, MAP_LIMIT);
    ssp_map_init(&s->emails, MAP_LIMIT);
    ssp_map_init(&s->scope, MAP_LIMIT);
    ssp_map_init(&s->synced, MAP_LIMIT);
    ssp_map_init(&s->emitted, MAP_LIMIT);
    ssp_map_init(&s->sel_groups, MAP_LIMIT);
    if ((ret = gw_http_init(s)) < 0 || (ret = gw_auth_token(s)) < 0)
        return ret;
    if (s->conf.users_from_group && (ret = walk_scope(s)) < 0)
        return ret;
    if (s->sel.kind)
        return gw_select_read(s); /* users.get, groups by userKey or by name */
    if ((ret = gw_list_start(s, &s->list, "users.list", users_path, "users", USERS_MAX)) < 0)
        return ret;
    list_scope(s, &s->list, s->conf.user_query);
    s->list.params[s->list.nparams++] = (struct gw_param){"projection", "full"};
    s->phase = GW_PH_USERS;
    return 0;
}

static int step(struct gw_source *s)
{
    json_object *item;
    int ret;
    switch (s->phase) {
    case GW_PH_USERS:
        if ((ret = gw_list_next(s, &s->list, &item, NULL)) == 1)
            return build_user(s, item, 0);
        if (ret < 0)
            return ret;
        gw_list_end(&s->list);
        s->phase = GW_PH_DEFERRED;
        return 0;
    case GW_PH_DEFERRED:
        if (s->deferred_pos < s->ndeferred)
            return next_deferred(s);
        if (!s->sel.kind && (ret = load_groups(s)) < 0)
            return ret;
        s->phase = GW_PH_GROUPS;
        return 0;
    case GW_PH_GROUPS:
        while (s->group_pos < s->ngroups) {
            const struct gw_group *g = &s->groups[s->group_pos++];
            if (ssp_map_get(&s->synced, g->id, NULL))
                return build_group(s, g->id, g, 0);
        }
        s->phase = GW_PH_HELPERS;
        return 0;
    case GW_PH_HELPERS:
        if (s->helper_pos < s->nhelpers) {
            const char *id = s->helpers[s->helper_pos++];
            const struct gw_group *g = NULL;
            for (size_t i = 0; i < s->ngroups && !g; i++)
                if (!strcmp(s->groups[i].id, id))
                    g = &s->groups[i];
            return build_group(s, id, g, SCIMSYNC_ENTRY_HELPER);
        }
        s->host->log(s->host, SCIMSYNC_LOG_INFO,
                     "read %lu users, %lu groups (%zu nested only), %lu members outside the "
                     "scope left out; %lu requests, %lu retried, %lu tokens",
                     s->users_out, s->groups_out, s->nhelpers, s->dropped_members, s->requests,
                     s->retried, s->token_requests);
        s->phase = GW_PH_DONE;
        return 0;
    case GW_PH_DONE:
        break;
    }
    return 0;
}

int gw_read_next(void *inst, const struct scimsync_entry **out)
{
    struct gw_source *s = inst;
    int ret;
    if (s->failed)
        return s->failed;
    while (s->phase != GW_PH_DONE) {
        if (s->host->should_stop && s->host->should_stop(s->host)) {
            ret = SCIMSYNC_ERR_STOPPED;
            goto fail;
        }
        if ((ret = step(s)) < 0)
            goto fail;
        if (ret == 1) {
            *out = &s->eb.entry;
            return 1;
        }
    }
    return 0;
fail:
    s->failed = ret;
    return ret;
}

void gw_read_close(void *inst)
{
    struct gw_source *s = inst;
    gw_list_end(&s->list);
    ssp_eb_free(&s->eb);
    ssp_map_free(&s->user_ids);
    ssp_map_free(&s->emails);
    ssp_map_free(&s->scope);
    ssp_map_free(&s->synced);
    ssp_map_free(&s->emitted);
    ssp_map_free(&s->sel_groups);
    for (size_t i = s->deferred_pos; i < s->ndeferred; i++)
        free(s->deferred[i]);
    free(s->deferred);
    s->deferred = NULL;
    s->ndeferred = s->deferred_cap = s->deferred_pos = 0;
    for (size_t i = 0; i < s->ngroups; i++) {
        free(s->groups[i].id);
        free(s->groups[i].email);
        free(s->groups[i].name);
    }
    free(s->groups);
    s->groups = NULL;
    s->ngroups = s->groups_cap = s->group_pos = 0;
    for (size_t i = 0; i < s->nhelpers; i++)
        free(s->helpers[i]);
    free(s->helpers);
    s->helpers = NULL;
    s->nhelpers = s->helpers_cap = s->helper_pos = 0;
    s->scoped = 0;
    s->failed = 0;
    s->dropped_members = s->users_out = s->groups_out = 0;
    s->phase = GW_PH_USERS;
}
