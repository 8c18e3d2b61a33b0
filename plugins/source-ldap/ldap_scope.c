/* users_from_group: the scope group (a DN or a name), the index of every
 * group DN (to tell nested groups from users), and on servers without the
 * in-chain matching rule the walk of the scope group's members; the users
 * filter with the scope's clause (and `sync --user`'s, ldap_select.c). */
#include "reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* AD: LDAP_MATCHING_RULE_IN_CHAIN, transitive membership evaluated by the DC */
#define AD_IN_CHAIN "1.2.840.113556.1.4.1941"

/* users_from_group as a DN: make sure it exists, a typo must not mean
 * "nobody" (the failed search names the DN and says "No such object"). */
static int scope_group_by_dn(struct lsrc_source *s, const char *g)
{
    char *attrs[] = {"1.1", NULL};
    struct lsrc_search q;
    void *e;
    int ret = lsrc_search_open(s, &q, g, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0);
    if (ret < 0)
        return ret;
    while ((ret = lsrc_search_next(s, &q, &e)) == 1)
        ;
    lsrc_search_close(s, &q);
    if (ret == 0 && !(s->scope_group_dn = strdup(g)))
        ret = SCIMSYNC_ERR_NOMEM;
    return ret;
}

/* users_from_group as a name, looked up under base_dn: exactly one match. */
static int scope_group_by_name(struct lsrc_source *s, const char *g)
{
    const struct scimsync_host *h = s->host;
    char *esc = NULL, *byname = NULL, *filter = NULL, *dn = NULL;
    char *attrs[] = {"1.1", NULL};
    struct lsrc_search q;
    void *e;
    int ret = SCIMSYNC_ERR_NOMEM, count = 0;
    if (!(esc = lsrc_filter_escape(g)))
        goto out;
    /* (cn=NAME), or (|(cn=NAME)(sAMAccountName=NAME)) */
    const char *const *names = s->dopts->group_name_attrs;
    size_t n = 8, o = 0, k = 0;
    for (; names[k]; k++)
        n += strlen(names[k]) + strlen(esc) + 4;
    if (!(byname = malloc(n)))
        goto out;
    if (k > 1)
        o += (size_t)snprintf(byname + o, n - o, "(|");
    for (k = 0; names[k]; k++)
        o += (size_t)snprintf(byname + o, n - o, "(%s=%s)", names[k], esc);
    if (k > 1)
        snprintf(byname + o, n - o, ")");
    if (!(filter = lsrc_filter_and(s->conf.group_filter, byname)))
        goto out;
    if ((ret = lsrc_search_open(s, &q, s->base_dn, LDAP_SCOPE_SUBTREE, filter, attrs, 0)) < 0)
        goto out;
    while ((ret = lsrc_search_next(s, &q, &e)) == 1) {
        const char *edn = lsrc_search_dn(s, &q, e);
        if (count++ == 0 && (!edn || !(dn = strdup(edn)))) {
            ret = SCIMSYNC_ERR_NOMEM;
            break;
        }
    }
    lsrc_search_close(s, &q);
    if (ret < 0)
        goto out;
    if (count != 1) {
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: users_from_group %s: %d groups match under %s", s->uri,
               g, count, s->base_dn);
        ret = SCIMSYNC_ERR_CONFIG;
        goto out;
    }
    s->scope_group_dn = dn;
    dn = NULL;
out:
    free(dn);
    free(esc);
    free(byname);
    free(filter);
    return ret;
}

/* Every group DN under base_dn, so member DNs can be told apart from users. */
static int build_group_index(struct lsrc_source *s)
{
    char *attrs[] = {"1.1", NULL};
    struct lsrc_search q;
    void *e;
    int ret =
        lsrc_search_open(s, &q, s->base_dn, LDAP_SCOPE_SUBTREE, s->conf.group_filter, attrs, 1);
    if (ret < 0)
        return ret;
    while ((ret = lsrc_search_next(s, &q, &e)) == 1) {
        const char *dn = lsrc_search_dn(s, &q, e);
        char *canon = NULL;
        int parse = dn ? lsrc_dn_canon(dn, &canon) : -2;
        if (parse == -1) {
            s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: group DN does not parse: %s", s->uri,
                         dn);
            ret = SCIMSYNC_ERR_DATA;
        } else if (parse < 0 || ssp_map_put(&s->group_index, canon, NULL) < 0) {
            ret = lsrc_no_memory(s, dn ? dn : "group");
        }
        free(canon);
        if (ret < 0)
            break;
    }
    lsrc_search_close(s, &q);
    return ret;
}

/* The walk of one group's members: a visited set and a queue of groups. */
struct walk {
    struct lsrc_source *s;
    struct ssp_map visited;
    char **queue;
    size_t nq, cap;
    const char *at; /* the group being read, for messages */
};

static int walk_value(struct walk *w, int kind, const char *value, size_t len)
{
    struct lsrc_source *s = w->s;
    if (kind == 1)
        len = lsrc_strip_optional_uid(value, len);
    char *v = strndup(value, len), *canon = NULL;
    int ret = 0, parse = (v && kind < 2) ? lsrc_dn_canon(v, &canon) : 0;
    if (!v || parse == -2) {
        ret = SCIMSYNC_ERR_NOMEM;
    } else if (kind == 2) {
        ret = ssp_map_put(&s->scope_uids, v, NULL) == 0 ? 0 : SCIMSYNC_ERR_NOMEM;
    } else if (!canon) {
        s->host->log(s->host, SCIMSYNC_LOG_WARN, "%s: %s: member is not a DN: %s", s->uri, w->at,
                     v);
    } else if (ssp_map_get(&s->group_index, canon, NULL)) {
        if (s->conf.nested_groups && !ssp_map_get(&w->visited, canon, NULL)) {
            if (lsrc_room_for((void **)&w->queue, &w->cap, w->nq, sizeof *w->queue, 64) < 0 ||
                ssp_map_put(&w->visited, canon, NULL) < 0) {
                ret = lsrc_no_memory(s, v);
            } else {
                w->queue[w->nq++] = canon;
                canon = NULL;
            }
        }
    } else {
        ret = ssp_map_put(&s->scope_dns, canon, NULL) == 0 ? 0 : SCIMSYNC_ERR_NOMEM;
    }
    free(v);
    free(canon);
    return ret;
}

static int walk_attr(void *ctx, const struct berval *name, const struct berval *vals, size_t n)
{
    static const char *const kinds[] = {"member", "uniqueMember", "memberUid"};
    for (int k = 0; k < 3; k++) {
        if (!lsrc_attr_is(name, kinds[k]))
            continue;
        for (size_t i = 0; i < n; i++) {
            int ret = walk_value(ctx, k, vals[i].bv_val, vals[i].bv_len);
            if (ret < 0)
                return ret;
        }
    }
    return 0;
}

/* No in-chain matching rule: walk users_from_group and its nested groups
 * (visited set) collecting member DNs and memberUids. */
static int walk_scope_group(struct lsrc_source *s)
{
    char *attrs[] = {"member", "uniqueMember", "memberUid", NULL};
    struct walk w = {.s = s};
    int ret = 0;
    ssp_map_init(&w.visited, LSRC_MAP_LIMIT);
    char *start = lsrc_dn_canonical(s->scope_group_dn);
    if (!start || lsrc_room_for((void **)&w.queue, &w.cap, w.nq, sizeof *w.queue, 64) < 0) {
        free(start);
        ret = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    w.queue[w.nq++] = start;
    /* A group that cannot be marked visited is not walked: its users would
     * silently fall out of scope, so that is an error, never a skip. */
    if (ssp_map_put(&w.visited, start, NULL) < 0) {
        ret = lsrc_no_memory(s, s->scope_group_dn);
        goto out;
    }
    for (size_t pos = 0; pos < w.nq && ret == 0; pos++) {
        struct lsrc_search q;
        void *e;
        w.at = w.queue[pos];
        ret = lsrc_search_open(s, &q, w.queue[pos], LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0);
        if (ret < 0)
            break;
        while ((ret = lsrc_search_next(s, &q, &e)) == 1)
            if ((ret = lsrc_search_attrs(s, e, w.at, walk_attr, &w)) < 0)
                break;
        lsrc_search_close(s, &q);
    }
    if (ret < 0)
        goto out;
    s->scope_walked = 1;
    s->host->log(s->host, SCIMSYNC_LOG_DEBUG, "%s: users_from_group: %zu groups, %zu member DNs",
                 s->uri, w.nq, s->scope_dns.count);
out:
    for (size_t i = 0; i < w.nq; i++)
        free(w.queue[i]);
    free(w.queue);
    ssp_map_free(&w.visited);
    return ret;
}

int lsrc_scope_open(struct lsrc_source *s)
{
    const char *g = s->conf.users_from_group;
    int ret = 0, walk = 0;
    if (g) {
        ret = lsrc_looks_like_dn(g) ? scope_group_by_dn(s, g) : scope_group_by_name(s, g);
        if (ret < 0)
            return ret;
        walk = !s->dopts->in_chain;
    }
    /* sync --user finds the groups above the user by member searches */
    if ((s->conf.nested_groups && !s->sel.kind) || walk)
        if ((ret = build_group_index(s)) < 0)
            return ret;
    if (walk)
        ret = walk_scope_group(s);
    if (ret == 0 && s->sel.kind == SCIMSYNC_ENTRY_GROUP)
        ret = lsrc_select_group_prepare(s); /* sync --group: the group and its members */
    return ret;
}

int lsrc_scope_user_filter(struct lsrc_source *s, char **filter)
{
    char *clause = NULL, *esc = NULL;
    int ret = SCIMSYNC_ERR_NOMEM;
    if (s->scope_group_dn && s->dopts->in_chain) {
        if (!(esc = lsrc_filter_escape(s->scope_group_dn)))
            goto out;
        size_t n = strlen(esc) + 64;
        if (!(clause = malloc(n)))
            goto out;
        if (s->conf.nested_groups)
            snprintf(clause, n, "(memberOf:" AD_IN_CHAIN ":=%s)", esc);
        else
            snprintf(clause, n, "(memberOf=%s)", esc);
    }
    if (s->sel.kind) { /* sync --user: that user only */
        char *sel = lsrc_select_users_clause(s), *both = sel ? lsrc_filter_and(clause, sel) : NULL;
        free(sel);
        free(clause);
        if (!(clause = both))
            goto out;
    }
    if ((*filter = lsrc_filter_and(s->conf.user_filter, clause)))
        ret = 0;
out:
    free(clause);
    free(esc);
    return ret;
}

int lsrc_scope_has_user(const struct lsrc_source *s, const char *canon, const char *uid)
{
    if (!s->scope_walked)
        return 1;
    return ssp_map_get(&s->scope_dns, canon, NULL) ||
           (uid && ssp_map_get(&s->scope_uids, uid, NULL));
}
