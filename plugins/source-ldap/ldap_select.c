/* The narrowed reads of ABI 1.2 open_selection.  `sync --user NAME`: the
 * users whose login attribute is NAME (or whose id attribute is the
 * externalId the target gave), then only the groups that have one of them
 * as a member, and with nested_groups the groups above those, found by
 * member searches level by level.  `sync --group NAME`: the groups whose cn
 * is NAME, the groups nested in them, and their member users (without the
 * in-chain rule: by walking the member values and reading those entries by
 * entryDN; with it (AD): by memberOf, which AD keeps complete).  The
 * reader's phases stay as they are; this file gives them their filters. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ldap_dialect.h"
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
    free_list(s->sel_udns, s->nsel_udns);
    s->sel_dns = s->sel_uids = s->sel_udns = NULL;
    s->nsel_dns = s->sel_dns_cap = s->nsel_uids = s->sel_uids_cap = 0;
    s->nsel_udns = s->sel_udns_cap = s->nsel_named = 0;
    ssp_map_free(&s->sel_seen);
}

void lsrc_select_clear(struct lsrc_source *s)
{
    ssp_selection_clear(&s->sel);
}

int lsrc_select_set(struct lsrc_source *s, const struct scimsync_selection *sel)
{
    /* --group reads the group's members, not the group users_from_group names */
    const char *key =
        sel->kind == SCIMSYNC_ENTRY_GROUP && s->conf.users_from_group ? "users_from_group" : NULL;
    return ssp_selection_set(&s->sel, s->host, "ldap", key, sel);
}

/* The id attribute is compared as text: a binary one (objectGUID,
 * objectSid) is decoded by the reader and cannot be searched by that form. */
static int id_is_text(const char *id_attr)
{
    return strcasecmp(id_attr, "objectGUID") != 0 && strcasecmp(id_attr, "objectSid") != 0;
}

/* The attribute a DN is searched by. */
static const char *dn_attr(const struct lsrc_source *s)
{
    return s->dialect == LSRC_DIALECT_AD ? "distinguishedName" : "entryDN";
}

/* AD's LDAP_MATCHING_RULE_IN_CHAIN on memberOf */
#define IN_CHAIN_ATTR "memberOf:1.2.840.113556.1.4.1941:"

char *lsrc_select_users_clause(struct lsrc_source *s)
{
    if (s->sel.kind == SCIMSYNC_ENTRY_GROUP) {
        if (s->dopts->in_chain)
            return lsrc_select_eq_any(s->conf.nested_groups ? IN_CHAIN_ATTR : "memberOf",
                                      (const char *const *)s->sel_dns, s->nsel_named, NULL, NULL,
                                      0);
        return lsrc_select_eq_any(dn_attr(s), (const char *const *)s->sel_udns, s->nsel_udns, "uid",
                                  (const char *const *)s->sel_uids, s->nsel_uids);
    }
    return lsrc_select_user_filter(s->login_attr, s->sel.name,
                                   id_is_text(s->id_attr) ? s->id_attr : NULL, s->sel.external_id);
}

int lsrc_select_note_user(struct lsrc_source *s, const char *dn, const char *uid)
{
    if (s->sel.kind != SCIMSYNC_ENTRY_USER)
        return 0;
    if (push(&s->sel_dns, &s->nsel_dns, &s->sel_dns_cap, dn) < 0 ||
        (uid && push(&s->sel_uids, &s->nsel_uids, &s->sel_uids_cap, uid) < 0))
        return SCIMSYNC_ERR_NOMEM;
    return 0;
}

/* A group found for the selection: into sel_dns once (sel_seen), and into
 * group_index (which a users_from_group read may have filled already) so
 * the reader keeps it as a member.  0, or <0 (logged). */
static int note_group(struct lsrc_source *s, const char *dn)
{
    char *canon = NULL;
    int ret = lsrc_dn_canon(dn, &canon);
    if (ret == -1) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: group DN does not parse: %s", s->uri, dn);
        return SCIMSYNC_ERR_DATA;
    }
    if (ret < 0)
        return SCIMSYNC_ERR_NOMEM;
    ret = 0;
    if (!ssp_map_get(&s->sel_seen, canon, NULL) &&
        (ssp_map_put(&s->sel_seen, canon, NULL) < 0 ||
         (!ssp_map_get(&s->group_index, canon, NULL) &&
          ssp_map_put(&s->group_index, canon, NULL) < 0) ||
         push(&s->sel_dns, &s->nsel_dns, &s->sel_dns_cap, dn) < 0))
        ret = SCIMSYNC_ERR_NOMEM;
    free(canon);
    return ret;
}

/* One level up: the groups with a member in dns[from..to) (and, on the
 * first level, a memberUid of the users).  New ones are appended to
 * sel_dns (note_group). */
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
        ret = dn ? note_group(s, dn) : SCIMSYNC_ERR_NOMEM;
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
    if (s->sel.kind == SCIMSYNC_ENTRY_GROUP) {
        /* the group and the groups nested in it (found before the users) */
        *out = lsrc_select_eq_any(dn_attr(s), (const char *const *)s->sel_dns, s->nsel_dns, NULL,
                                  NULL, 0);
        return *out ? 0 : SCIMSYNC_ERR_NOMEM;
    }
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

/* Groups under base matching and(group_filter, clause), each noted.  0, or
 * <0 (logged). */
static int find_groups(struct lsrc_source *s, const char *base, const char *clause)
{
    char *attrs[] = {"1.1", NULL};
    char *filter = lsrc_filter_and(s->conf.group_filter, clause);
    struct lsrc_search q;
    void *e;
    int ret;
    if (!filter)
        return SCIMSYNC_ERR_NOMEM;
    if ((ret = lsrc_search_open(s, &q, base, LDAP_SCOPE_SUBTREE, filter, attrs, 1)) == 0) {
        while ((ret = lsrc_search_next(s, &q, &e)) == 1) {
            const char *dn = lsrc_search_dn(s, &q, e);
            if ((ret = dn ? note_group(s, dn) : SCIMSYNC_ERR_NOMEM) < 0)
                break;
        }
        lsrc_search_close(s, &q);
    }
    free(filter);
    return ret;
}

/* The member values of one group, collected. */
struct members {
    struct lsrc_source *s;
    char **dns;
    size_t ndns, cap;
};

static int member_attr(void *ctx, const struct berval *name, const struct berval *vals, size_t n)
{
    static const char *const kinds[] = {"member", "uniqueMember", "memberUid"};
    struct members *m = ctx;
    for (int k = 0; k < 3; k++) {
        if (!lsrc_attr_is(name, kinds[k]))
            continue;
        for (size_t i = 0; i < n; i++) {
            size_t len = vals[i].bv_len;
            if (k == 1)
                len = lsrc_strip_optional_uid(vals[i].bv_val, len);
            char *v = strndup(vals[i].bv_val, len);
            int ret = !v       ? SCIMSYNC_ERR_NOMEM
                      : k == 2 ? push(&m->s->sel_uids, &m->s->nsel_uids, &m->s->sel_uids_cap, v)
                               : push(&m->dns, &m->ndns, &m->cap, v);
            free(v);
            if (ret < 0)
                return ret;
        }
    }
    return 0;
}

/* Member values per classification search: keeps each filter small. */
#define CLASSIFY_CHUNK 200

/* Without the in-chain rule: the members of the group sel_dns[g].  Member
 * DNs that are groups join sel_dns (with nested_groups), the others
 * sel_udns; memberUid values sel_uids. */
static int walk_group(struct lsrc_source *s, const char *base, size_t g)
{
    char *attrs[] = {"member", "uniqueMember", "memberUid", NULL};
    struct members m = {.s = s};
    struct lsrc_search q;
    void *e;
    size_t before = s->nsel_dns;
    char *at = strdup(s->sel_dns[g]); /* sel_dns may move while it grows */
    int ret = at ? lsrc_search_open(s, &q, at, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0)
                 : SCIMSYNC_ERR_NOMEM;
    if (ret == 0) {
        while ((ret = lsrc_search_next(s, &q, &e)) == 1)
            if ((ret = lsrc_search_attrs(s, e, at, member_attr, &m)) < 0)
                break;
        lsrc_search_close(s, &q);
    }
    /* which member DNs are groups: asked by DN, a chunk at a time */
    for (size_t i = 0; i < m.ndns && ret == 0; i += CLASSIFY_CHUNK) {
        size_t n = m.ndns - i < CLASSIFY_CHUNK ? m.ndns - i : CLASSIFY_CHUNK;
        char *clause =
            lsrc_select_eq_any(dn_attr(s), (const char *const *)m.dns + i, n, NULL, NULL, 0);
        ret = clause ? find_groups(s, base, clause) : SCIMSYNC_ERR_NOMEM;
        free(clause);
    }
    for (size_t i = 0; i < m.ndns && ret == 0; i++) {
        char *canon = NULL;
        int parse = lsrc_dn_canon(m.dns[i], &canon);
        if (parse == -1) {
            s->dropped_members++; /* not a DN: as a full read */
            continue;
        }
        if (parse < 0)
            ret = SCIMSYNC_ERR_NOMEM;
        else if (!ssp_map_get(&s->sel_seen, canon, NULL))
            ret = push(&s->sel_udns, &s->nsel_udns, &s->sel_udns_cap, m.dns[i]);
        free(canon);
    }
    if (ret == 0 && !s->conf.nested_groups) {
        /* member groups are not synced through: not walked either */
        for (size_t i = before; i < s->nsel_dns; i++)
            free(s->sel_dns[i]);
        s->nsel_dns = before;
    }
    free_list(m.dns, m.ndns);
    free(at);
    return ret;
}

int lsrc_select_group_prepare(struct lsrc_source *s)
{
    const char *base = s->conf.group_base_dn ? s->conf.group_base_dn : s->base_dn;
    const char *ids[1] = {s->sel.external_id};
    const char *names[1] = {s->sel.name};
    int ret;
    char *clause = lsrc_select_eq_any("cn", names, 1, s->id_attr, ids,
                                      s->sel.external_id && id_is_text(s->id_attr) ? 1 : 0);
    if (!clause)
        return SCIMSYNC_ERR_NOMEM;
    ret = find_groups(s, base, clause);
    free(clause);
    if (ret < 0)
        return ret;
    s->nsel_named = s->nsel_dns;
    if (s->dopts->in_chain) {
        /* memberOf is complete there: the nested groups by the in-chain rule */
        if (s->conf.nested_groups && s->nsel_named) {
            clause = lsrc_select_eq_any(IN_CHAIN_ATTR, (const char *const *)s->sel_dns,
                                        s->nsel_named, NULL, NULL, 0);
            ret = clause ? find_groups(s, base, clause) : SCIMSYNC_ERR_NOMEM;
            free(clause);
        }
    } else {
        for (size_t g = 0; g < s->nsel_dns && ret == 0; g++)
            ret = walk_group(s, base, g);
    }
    s->host->log(s->host, SCIMSYNC_LOG_DEBUG,
                 "%s: --group: %zu groups named, %zu with the nested ones, %zu member DNs, %zu "
                 "memberUids",
                 s->uri, s->nsel_named, s->nsel_dns, s->nsel_udns, s->nsel_uids);
    return ret;
}
