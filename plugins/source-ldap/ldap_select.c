/* The narrowed read of `sync --user NAME` (ABI 1.2 open_selection): the
 * users whose login attribute is NAME (or whose id attribute is the
 * externalId the target gave), then only the groups that have one of them
 * as a member, and with nested_groups the groups above those, found by
 * member searches level by level.  The reader's phases stay as they are;
 * this file gives them their filters. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "source.h"

/* Deepest nesting walked up from a user (a cycle ends the walk sooner). */
#define SELECT_MAX_DEPTH 32

static void free_list(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

static int push(char ***v, size_t *n, size_t *cap, const char *s)
{
    if (*n == *cap) {
        size_t nc = *cap ? *cap * 2 : 16;
        char **nv = realloc(*v, nc * sizeof(**v));
        if (!nv)
            return SCIMSYNC_ERR_NOMEM;
        *v = nv;
        *cap = nc;
    }
    if (!((*v)[*n] = strdup(s)))
        return SCIMSYNC_ERR_NOMEM;
    (*n)++;
    return 0;
}

void lsrc_select_read_free(struct lsrc_source *s)
{
    free_list(s->sel_dns, s->nsel_dns);
    free_list(s->sel_uids, s->nsel_uids);
    s->sel_dns = s->sel_uids = NULL;
    s->nsel_dns = s->sel_dns_cap = s->nsel_uids = s->sel_uids_cap = 0;
}

void lsrc_select_clear(struct lsrc_source *s)
{
    free(s->sel_name);
    free(s->sel_ext);
    s->sel_name = s->sel_ext = NULL;
    s->sel_kind = 0;
}

int lsrc_select_set(struct lsrc_source *s, const struct scimsync_selection *sel)
{
    lsrc_select_clear(s);
    if (sel->kind != SCIMSYNC_ENTRY_USER) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR,
                     "the ldap source does not support --group (it reads one user and its "
                     "groups with --user); run a full sync");
        return SCIMSYNC_ERR_CONFIG;
    }
    s->sel_kind = sel->kind;
    s->sel_name = strdup(sel->name ? sel->name : "");
    s->sel_ext = sel->external_id ? strdup(sel->external_id) : NULL;
    if (!s->sel_name || (sel->external_id && !s->sel_ext)) {
        lsrc_select_clear(s);
        return SCIMSYNC_ERR_NOMEM;
    }
    return 0;
}

/* The id attribute is compared as text: a binary one (objectGUID,
 * objectSid) is decoded by the reader and cannot be searched by that form. */
static int id_is_text(const char *id_attr)
{
    return strcasecmp(id_attr, "objectGUID") != 0 && strcasecmp(id_attr, "objectSid") != 0;
}

char *lsrc_select_users_clause(struct lsrc_source *s)
{
    return lsrc_select_user_filter(s->login_attr, s->sel_name,
                                   id_is_text(s->id_attr) ? s->id_attr : NULL, s->sel_ext);
}

int lsrc_select_note_user(struct lsrc_source *s, const char *dn, const char *uid)
{
    if (push(&s->sel_dns, &s->nsel_dns, &s->sel_dns_cap, dn) < 0 ||
        (uid && push(&s->sel_uids, &s->nsel_uids, &s->sel_uids_cap, uid) < 0))
        return SCIMSYNC_ERR_NOMEM;
    return 0;
}

/* One level up: the groups with a member in dns[from..to) (and, on the
 * first level, a memberUid of the users).  New ones are appended to
 * sel_dns and put in group_index, so the reader keeps them as members. */
static int walk_level(struct lsrc_source *s, const char *base, size_t from, size_t to, int first)
{
    char *attrs[] = {"1.1", NULL};
    char *members = NULL, *filter = NULL;
    struct lsrc_search q;
    void *e;
    int ret = SCIMSYNC_ERR_NOMEM;
    members = lsrc_select_member_filter((const char *const *)s->sel_dns + from, to - from,
                                        first ? (const char *const *)s->sel_uids : NULL,
                                        first ? s->nsel_uids : 0);
    if (!members || !(filter = lsrc_filter_and(s->conf.group_filter, members)))
        goto out;
    if ((ret = lsrc_search_open(s, &q, base, LDAP_SCOPE_SUBTREE, filter, attrs, 1)) < 0)
        goto out;
    while ((ret = lsrc_search_next(s, &q, &e)) == 1) {
        const char *dn = lsrc_search_dn(s, &q, e);
        char *canon = NULL;
        ret = dn ? lsrc_dn_canon(dn, &canon) : -2;
        if (ret == -1) {
            s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: group DN does not parse: %s", s->uri,
                         dn);
            ret = SCIMSYNC_ERR_DATA;
        } else if (ret < 0) {
            ret = SCIMSYNC_ERR_NOMEM;
        } else if (!ssp_map_get(&s->group_index, canon, NULL) &&
                   (ssp_map_put(&s->group_index, canon, NULL) < 0 ||
                    push(&s->sel_dns, &s->nsel_dns, &s->sel_dns_cap, dn) < 0)) {
            ret = SCIMSYNC_ERR_NOMEM;
        }
        free(canon);
        if (ret < 0)
            break;
    }
    lsrc_search_close(s, &q);
out:
    free(members);
    free(filter);
    return ret;
}

int lsrc_select_groups_clause(struct lsrc_source *s, const char *base, char **out)
{
    size_t users = s->nsel_dns, from = 0, to = s->nsel_dns;
    int ret;
    *out = NULL;
    if (s->conf.nested_groups) {
        for (int depth = 0; depth < SELECT_MAX_DEPTH && (from < to || depth == 0); depth++) {
            if ((ret = walk_level(s, base, from, to, depth == 0)) < 0)
                return ret;
            from = to;
            to = s->nsel_dns;
        }
        s->host->log(s->host, SCIMSYNC_LOG_DEBUG, "%s: --user: %zu groups at or above the user",
                     s->uri, s->nsel_dns - users);
    }
    *out = lsrc_select_member_filter((const char *const *)s->sel_dns, s->nsel_dns,
                                     (const char *const *)s->sel_uids, s->nsel_uids);
    return *out ? 0 : SCIMSYNC_ERR_NOMEM;
}
