/*
 * The read: users (scoped), users whose manager came later, groups (by
 * name pattern), then groups needed only to resolve nesting (helpers).
 * Users come first so group members can be classified: a member DN is a
 * synced user, a group (nesting), or outside the scope (dropped).
 */
#include "reader.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

/* The dialect's defaults for the keys left unset. */
static void apply_dialect_defaults(struct lsrc_source *s)
{
    const struct lsrc_dialect_opts *d = s->dopts;
    s->id_attr = s->conf.external_id ? s->conf.external_id : d->external_id;
    s->login_attr = s->conf.login_attribute ? s->conf.login_attribute : d->login_attribute;
    if (!s->conf.user_filter)
        s->conf.user_filter = d->user_filter;
    if (!s->conf.group_filter)
        s->conf.group_filter = d->group_filter;
}

static int start_users(struct lsrc_source *s)
{
    char *filter = NULL;
    int ret = lsrc_scope_user_filter(s, &filter);
    if (ret < 0)
        return ret;
    s->host->log(s->host, SCIMSYNC_LOG_DEBUG, "%s: users: %s under %s", s->uri, filter, s->base_dn);
    ret = lsrc_search_open(s, &s->pager, s->base_dn, LDAP_SCOPE_SUBTREE, filter, s->user_attrs, 1);
    free(filter);
    return ret;
}

static int start_groups(struct lsrc_source *s)
{
    char *byname = NULL, *filter = NULL;
    const char *base = s->conf.group_base_dn ? s->conf.group_base_dn : s->base_dn;
    int ret = SCIMSYNC_ERR_NOMEM;
    if (s->conf.group_name_pattern &&
        !(byname = lsrc_pattern_filter("cn", s->conf.group_name_pattern)))
        goto out;
    if (s->sel.kind) { /* sync --user: the groups of that user only */
        char *sel = NULL, *both;
        if ((ret = lsrc_select_groups_clause(s, base, &sel)) < 0)
            goto out;
        ret = SCIMSYNC_ERR_NOMEM;
        both = lsrc_filter_and(byname, sel);
        free(sel);
        free(byname);
        if (!(byname = both))
            goto out;
    }
    if (!(filter = lsrc_filter_and(s->conf.group_filter, byname)))
        goto out;
    s->host->log(s->host, SCIMSYNC_LOG_DEBUG, "%s: groups: %s under %s", s->uri, filter, base);
    ret = lsrc_search_open(s, &s->pager, base, LDAP_SCOPE_SUBTREE, filter, s->group_attrs, 1);
out:
    free(byname);
    free(filter);
    return ret;
}

int lsrc_read_open(struct lsrc_source *s)
{
    int ret;
    lsrc_read_close(s);
    if (!s->dir)
        s->dir = &lsrc_dir_libldap;
    s->now = time(NULL);
    ssp_eb_init(&s->eb, LSRC_ARENA_LIMIT, LSRC_MEMBERS_LIMIT);
    ssp_map_init(&s->user_ids, LSRC_MAP_LIMIT);
    ssp_map_init(&s->uid_dns, LSRC_MAP_LIMIT);
    ssp_map_init(&s->scope_dns, LSRC_MAP_LIMIT);
    ssp_map_init(&s->scope_uids, LSRC_MAP_LIMIT);
    ssp_map_init(&s->group_index, LSRC_MAP_LIMIT);
    ssp_map_init(&s->emitted, LSRC_MAP_LIMIT);
    ssp_map_init(&s->queued, LSRC_MAP_LIMIT);
    ssp_map_init(&s->sel_seen, LSRC_MAP_LIMIT);
    if ((ret = s->dir->connect(s)) < 0)
        return ret;
    s->connected = 1;
    if ((ret = lsrc_read_rootdse(s)) < 0)
        return ret;
    apply_dialect_defaults(s);
    if ((ret = lsrc_attr_lists_build(s)) < 0 || (ret = lsrc_scope_open(s)) < 0 ||
        (ret = start_users(s)) < 0)
        return ret;
    s->phase = LSRC_PH_USERS;
    return 0;
}

static int next_deferred(struct lsrc_source *s)
{
    struct scimsync_entry *d = s->deferred[s->deferred_pos];
    s->deferred[s->deferred_pos++] = NULL;
    int ret = ssp_eb_load(&s->eb, d) < 0 ? lsrc_no_memory(s, d->where) : 0;
    free(d);
    int pending;
    if (ret == 0 && (ret = lsrc_resolve_manager(s, &pending)) == 0 && pending)
        s->host->log(s->host, SCIMSYNC_LOG_DEBUG, "%s: manager of %s is not among the synced users",
                     s->uri, s->eb.entry.where);
    ssp_eb_finish(&s->eb);
    return ret < 0 ? ret : 1;
}

/* The next group needed only for nesting, read by its DN. */
static int next_helper(struct lsrc_source *s)
{
    while (s->helper_pos < s->nhelpers) {
        char *dn = s->helper_queue[s->helper_pos++];
        if (ssp_map_get(&s->emitted, dn, NULL))
            continue;
        struct lsrc_search q;
        void *e;
        int ret =
            lsrc_search_open(s, &q, dn, LDAP_SCOPE_BASE, s->conf.group_filter, s->group_attrs, 0);
        int built = 0;
        while (ret >= 0 && (ret = lsrc_search_next(s, &q, &e)) == 1)
            if (!built && (ret = lsrc_build_group(s, &q, e, SCIMSYNC_ENTRY_HELPER)) == 1)
                built = 1;
        lsrc_search_close(s, &q);
        if (ret < 0)
            return ret;
        if (built)
            return 1;
    }
    return 0;
}

int lsrc_read_next(void *inst, const struct scimsync_entry **out)
{
    struct lsrc_source *s = inst;
    void *e;
    int ret;
    /* after a failure every call fails: never a short "end of data" */
    if (s->failed)
        return s->failed;
    if (!s->connected) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "read requested without a successful open");
        return SCIMSYNC_ERR;
    }
    for (;;) {
        switch (s->phase) {
        case LSRC_PH_USERS:
            ret = lsrc_search_next(s, &s->pager, &e);
            if (ret == 1) {
                ret = lsrc_build_user(s, &s->pager, e);
                if (ret == 0)
                    continue;
            } else if (ret == 0) {
                s->host->log(s->host, SCIMSYNC_LOG_INFO, "%s: %zu users in %lu pages", s->uri,
                             s->user_ids.count, s->pager.pages);
                lsrc_search_close(s, &s->pager);
                s->phase = LSRC_PH_DEFERRED;
                continue;
            }
            break;
        case LSRC_PH_DEFERRED:
            if (s->deferred_pos < s->ndeferred) {
                ret = next_deferred(s);
                break;
            }
            if ((ret = start_groups(s)) < 0)
                break;
            s->phase = LSRC_PH_GROUPS;
            continue;
        case LSRC_PH_GROUPS:
            ret = lsrc_search_next(s, &s->pager, &e);
            if (ret == 1) {
                ret = lsrc_build_group(s, &s->pager, e, 0);
            } else if (ret == 0) {
                s->host->log(s->host, SCIMSYNC_LOG_INFO, "%s: %zu groups matched", s->uri,
                             s->emitted.count);
                lsrc_search_close(s, &s->pager);
                s->phase = LSRC_PH_HELPERS;
                continue;
            }
            break;
        case LSRC_PH_HELPERS:
            ret = next_helper(s);
            if (ret == 0) {
                if (s->dropped_members) /* a narrowed read drops most: not news */
                    s->host->log(s->host, s->sel.kind ? SCIMSYNC_LOG_DEBUG : SCIMSYNC_LOG_INFO,
                                 "%s: %lu member values name entries outside the synced users "
                                 "and groups; ignored",
                                 s->uri, s->dropped_members);
                s->phase = LSRC_PH_DONE;
            }
            break;
        default:
            ret = 0;
            break;
        }
        if (ret == 1)
            *out = &s->eb.entry;
        else if (ret < 0)
            s->failed = ret;
        return ret;
    }
}

void lsrc_read_close(void *inst)
{
    struct lsrc_source *s = inst;
    lsrc_search_close(s, &s->pager);
    if (s->connected)
        s->dir->disconnect(s);
    s->connected = 0;
    ssp_eb_free(&s->eb);
    ssp_map_free(&s->user_ids);
    ssp_map_free(&s->uid_dns);
    ssp_map_free(&s->scope_dns);
    ssp_map_free(&s->scope_uids);
    ssp_map_free(&s->group_index);
    ssp_map_free(&s->emitted);
    ssp_map_free(&s->queued);
    for (size_t i = 0; i < s->nhelpers; i++)
        free(s->helper_queue[i]);
    free(s->helper_queue);
    s->helper_queue = NULL;
    s->nhelpers = s->helpers_cap = s->helper_pos = 0;
    for (size_t i = s->deferred_pos; i < s->ndeferred; i++)
        free(s->deferred[i]);
    free(s->deferred);
    s->deferred = NULL;
    s->ndeferred = s->deferred_cap = s->deferred_pos = 0;
    lsrc_attr_lists_free(s);
    free(s->base_dn);
    s->base_dn = NULL;
    free(s->scope_group_dn);
    s->scope_group_dn = NULL;
    s->scope_walked = 0;
    lsrc_select_read_free(s);
    s->dropped_members = 0;
    s->failed = 0;
    s->uri = NULL;
}
