/*
 * The read: users (scoped), users whose manager came later, groups (by
 * name pattern), then groups needed only to resolve nesting (helpers).
 * Users come first so group members can be classified: a member DN is a
 * synced user, a group (nesting), or outside the scope (dropped).
 */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAP_LIMIT (20u * 1000u * 1000u) /* DNs kept for one read */
#define ARENA_LIMIT ((size_t)512 << 20) /* bytes of one entry */
#define MEMBERS_LIMIT ((size_t)5000000) /* members of one group */
#define RANGE_ROUNDS_LIMIT 100000       /* range requests for one group */

/* AD: LDAP_MATCHING_RULE_IN_CHAIN, transitive membership evaluated by the DC */
#define AD_IN_CHAIN "1.2.840.113556.1.4.1941"

static const char *const ad_user_attrs[] = {"objectGUID",
                                            "objectSid",
                                            "userPrincipalName",
                                            "sAMAccountName",
                                            "cn",
                                            "givenName",
                                            "sn",
                                            "displayName",
                                            "mail",
                                            "title",
                                            "department",
                                            "company",
                                            "division",
                                            "employeeID",
                                            "employeeNumber",
                                            "employeeType",
                                            "manager",
                                            "userAccountControl",
                                            "accountExpires",
                                            "telephoneNumber",
                                            "mobile",
                                            "preferredLanguage",
                                            "physicalDeliveryOfficeName",
                                            NULL};
static const char *const ad_group_attrs[] = {"objectGUID",     "objectSid",   "cn", "name",
                                             "sAMAccountName", "description", NULL};
static const char *const ol_user_attrs[] = {"entryUUID",
                                            "uid",
                                            "cn",
                                            "givenName",
                                            "sn",
                                            "displayName",
                                            "mail",
                                            "title",
                                            "departmentNumber",
                                            "ou",
                                            "o",
                                            "employeeNumber",
                                            "employeeType",
                                            "manager",
                                            "telephoneNumber",
                                            "mobile",
                                            "preferredLanguage",
                                            "pwdAccountLockedTime",
                                            NULL};
static const char *const ol_group_attrs[] = {"entryUUID",    "cn",        "description", "member",
                                             "uniqueMember", "memberUid", NULL};

/* ------------------------------------------------------------------ */
/* attribute lists                                                      */

static int attr_list_add(char **list, size_t max, const char *name)
{
    size_t n = 0;
    for (; list[n]; n++)
        if (strcasecmp(list[n], name) == 0)
            return 0;
    if (n + 1 >= max)
        return -1;
    if (!(list[n] = strdup(name)))
        return -1;
    list[n + 1] = NULL;
    return 0;
}

static void attr_list_free(char **list)
{
    for (size_t i = 0; list[i]; i++) {
        free(list[i]);
        list[i] = NULL;
    }
}

/* Attributes the plugin derives itself (their inputs are requested as its
 * own needs), and the OpenLDAP aliases of derive_user_attrs: a mapping
 * naming the alias needs its source read too. */
static const char *const derived_attrs[] = {"id", "dn", "active", "loginName", "managerId", NULL};
static const char *const ol_aliases[][2] = {{"displayName", "cn"},
                                            {"company", "o"},
                                            {"employeeID", "employeeNumber"},
                                            {"department", "departmentNumber"}};

static int is_derived(const char *name)
{
    for (const char *const *d = derived_attrs; *d; d++)
        if (strcasecmp(*d, name) == 0)
            return 1;
    return 0;
}

/* What the read needs whatever the mapping: ids, login, members, the
 * inputs of active and managerId, uid (posixGroup memberUid). */
static int add_own_needs(struct lsrc_source *s, int ad, size_t umax, size_t gmax)
{
    static const char *const ad_user[] = {"userAccountControl", "accountExpires", "manager", NULL};
    static const char *const ol_user[] = {"pwdAccountLockedTime", "manager", "uid", NULL};
    static const char *const ol_group[] = {"member", "uniqueMember", "memberUid", NULL};
    int rc = 0;
    rc |= attr_list_add(s->user_attrs, umax, s->id_attr);
    rc |= attr_list_add(s->user_attrs, umax, s->login_attr);
    for (const char *const *a = ad ? ad_user : ol_user; *a; a++)
        rc |= attr_list_add(s->user_attrs, umax, *a);
    rc |= attr_list_add(s->group_attrs, gmax, s->id_attr);
    for (const char *const *a = ad ? NULL : ol_group; a && *a; a++)
        rc |= attr_list_add(s->group_attrs, gmax, *a);
    return rc;
}

/* The attributes the mapping uses, from the host (ABI 1.1). */
static int add_mapped(char **list, size_t max, const char *const *names, int ad)
{
    int rc = 0;
    for (; *names; names++) {
        if (is_derived(*names))
            continue;
        rc |= attr_list_add(list, max, *names);
        for (size_t k = 0; !ad && k < sizeof ol_aliases / sizeof ol_aliases[0]; k++)
            if (strcasecmp(*names, ol_aliases[k][0]) == 0)
                rc |= attr_list_add(list, max, ol_aliases[k][1]);
    }
    return rc;
}

static void log_attr_list(struct lsrc_source *s, const char *what, char **list)
{
    char buf[2048];
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; list[i] && o + 1 < sizeof buf; i++) {
        int n = snprintf(buf + o, sizeof buf - o, "%s%s", i ? " " : "", list[i]);
        if (n < 0)
            break;
        o += (size_t)n;
    }
    s->host->log(s->host, SCIMSYNC_LOG_DEBUG, "%s: %s attributes requested: %s", s->uri, what,
                 buf);
}

/* The attributes each search asks for.  With a host that names the
 * mapping's attributes: exactly those plus the plugin's own needs (a
 * mapping may use any attribute; nothing else is transferred).  With an
 * older host: the fixed lists of the default mapping's attributes. */
static int build_attr_lists(struct lsrc_source *s)
{
    int ad = s->dialect == LSRC_DIALECT_AD;
    const char *const *mu = NULL, *const *mg = NULL;
    size_t umax = sizeof s->user_attrs / sizeof *s->user_attrs;
    size_t gmax = sizeof s->group_attrs / sizeof *s->group_attrs;
    char member[64];
    int rc = 0;
    if (SCIMSYNC_HOST_HAS(s->host, mapped_attributes)) {
        mu = s->host->mapped_attributes(s->host, SCIMSYNC_ENTRY_USER);
        mg = s->host->mapped_attributes(s->host, SCIMSYNC_ENTRY_GROUP);
    }
    if (mu && mg) {
        rc |= add_own_needs(s, ad, umax, gmax);
        rc |= add_mapped(s->user_attrs, umax, mu, ad);
        rc |= add_mapped(s->group_attrs, gmax, mg, ad);
    } else {
        const char *const *u = ad ? ad_user_attrs : ol_user_attrs;
        const char *const *g = ad ? ad_group_attrs : ol_group_attrs;
        for (; *u; u++)
            rc |= attr_list_add(s->user_attrs, umax, *u);
        for (; *g; g++)
            rc |= attr_list_add(s->group_attrs, gmax, *g);
    }
    if (ad) {
        /* an explicit range makes every DC (and Samba) answer in chunks */
        if (s->conf.member_range_step > 0)
            snprintf(member, sizeof member, "member;range=0-%ld", s->conf.member_range_step - 1);
        else
            snprintf(member, sizeof member, "member");
        rc |= attr_list_add(s->group_attrs, gmax, member);
    }
    rc |= attr_list_add(s->user_attrs, umax, s->id_attr);
    rc |= attr_list_add(s->group_attrs, gmax, s->id_attr);
    rc |= attr_list_add(s->user_attrs, umax, s->login_attr);
    for (int i = 0; i < s->conf.nextra_attrs; i++) {
        rc |= attr_list_add(s->user_attrs, umax, s->conf.extra_attrs[i]);
        rc |= attr_list_add(s->group_attrs, gmax, s->conf.extra_attrs[i]);
    }
    if (rc) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR,
                     "too many attributes to read (the mapping and `attributes` name more than "
                     "%zu per kind of entry)",
                     umax - 1);
        return SCIMSYNC_ERR_CONFIG;
    }
    log_attr_list(s, "user", s->user_attrs);
    log_attr_list(s, "group", s->group_attrs);
    return 0;
}

/* ------------------------------------------------------------------ */
/* value decoding                                                       */

/* One value as UTF-8 text in the arena: objectGUID / objectSid decoded,
 * other binary values base64. */
static char *decode_value(struct lsrc_source *s, const char *attr, const struct berval *bv,
                          const char *dn)
{
    struct lsrc_entry_builder *eb = &s->eb;
    const unsigned char *b = (const unsigned char *)bv->bv_val;
    if (strcasecmp(attr, "objectGUID") == 0) {
        char buf[LSRC_GUID_STR];
        if (lsrc_guid_to_string(b, bv->bv_len, buf) == 0)
            return lsrc_eb_strdup(eb, buf);
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s: objectGUID is %zu bytes, not 16", s->uri,
                     dn, (size_t)bv->bv_len);
        return NULL;
    }
    if (strcasecmp(attr, "objectSid") == 0) {
        char buf[LSRC_SID_STR];
        if (lsrc_sid_to_string(b, bv->bv_len, buf) == 0)
            return lsrc_eb_strdup(eb, buf);
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s: malformed objectSid", s->uri, dn);
        return NULL;
    }
    if (lsrc_is_utf8(b, bv->bv_len))
        return lsrc_eb_strndup(eb, bv->bv_val, bv->bv_len);
    char *b64 = lsrc_base64(b, bv->bv_len);
    char *out = b64 ? lsrc_eb_strdup(eb, b64) : NULL;
    free(b64);
    return out;
}

static int no_memory(struct lsrc_source *s, const char *dn)
{
    s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s: out of memory or entry too large", s->uri,
                 dn);
    return SCIMSYNC_ERR_NOMEM;
}

static int bad_dn(struct lsrc_source *s, const char *dn)
{
    if (!dn)
        return no_memory(s, "entry");
    s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: entry DN does not parse: %s", s->uri, dn);
    return SCIMSYNC_ERR_DATA;
}

/* ------------------------------------------------------------------ */
/* group members                                                        */

/* Room for element n of a doubling array of *cap elements of size elem
 * (first: the capacity of its first allocation).  0, or -1 on no memory. */
static int room_for(void **arr, size_t *cap, size_t n, size_t elem, size_t first)
{
    if (n < *cap)
        return 0;
    size_t ncap = *cap ? *cap * 2 : first;
    void *na = realloc(*arr, ncap * elem);
    if (!na)
        return -1;
    *arr = na;
    *cap = ncap;
    return 0;
}

static int queue_helper(struct lsrc_source *s, const char *canon)
{
    if (lsrc_map_get(&s->emitted, canon, NULL) || lsrc_map_get(&s->queued, canon, NULL))
        return 0;
    if (room_for((void **)&s->helper_queue, &s->helpers_cap, s->nhelpers,
                 sizeof *s->helper_queue, 64) < 0)
        return SCIMSYNC_ERR_NOMEM;
    if (!(s->helper_queue[s->nhelpers] = strdup(canon)))
        return SCIMSYNC_ERR_NOMEM;
    s->nhelpers++;
    return lsrc_map_put(&s->queued, canon, NULL) == 0 ? 0 : SCIMSYNC_ERR_NOMEM;
}

/* A member DN of a group being streamed: keep synced users and groups
 * (queued for nesting), drop the rest. */
static int add_member_dn(struct lsrc_source *s, const char *value, size_t len, const char *dn)
{
    char *raw = strndup(value, len), *canon = raw ? lsrc_dn_canonical(raw) : NULL;
    int ret = 0;
    if (!canon) {
        if (raw)
            s->host->log(s->host, SCIMSYNC_LOG_WARN, "%s: %s: member value is not a DN: %s", s->uri,
                         dn, raw);
        ret = raw ? 0 : SCIMSYNC_ERR_NOMEM;
        s->dropped_members++;
        goto out;
    }
    if (lsrc_map_get(&s->user_ids, canon, NULL)) {
        ret = lsrc_eb_add_member(&s->eb, canon);
    } else if (s->conf.nested_groups && lsrc_map_get(&s->group_index, canon, NULL)) {
        ret = lsrc_eb_add_member(&s->eb, canon);
        if (ret == 0)
            ret = queue_helper(s, canon);
    } else {
        s->dropped_members++;
    }
    if (ret == -2) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s: more than %zu members", s->uri, dn,
                     MEMBERS_LIMIT);
        ret = SCIMSYNC_ERR_DATA;
    } else if (ret < 0) {
        ret = no_memory(s, dn);
    }
out:
    free(raw);
    free(canon);
    return ret;
}

static int add_member_uid(struct lsrc_source *s, const struct berval *bv, const char *dn)
{
    char *uid = strndup(bv->bv_val, bv->bv_len);
    const char *udn = NULL;
    int ret = 0;
    if (!uid)
        return SCIMSYNC_ERR_NOMEM;
    if (lsrc_map_get(&s->uid_dns, uid, &udn) && udn)
        ret = lsrc_eb_add_member(&s->eb, udn) == 0 ? 0 : no_memory(s, dn);
    else
        s->dropped_members++;
    free(uid);
    return ret;
}

static int add_member_values(struct lsrc_source *s, const struct berval *vals, size_t n,
                             const char *dn)
{
    for (size_t i = 0; i < n; i++) {
        int ret = add_member_dn(s, vals[i].bv_val, vals[i].bv_len, dn);
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* AD range retrieval: the rest of `member` after the chunk ending at hi. */
static int fetch_member_ranges(struct lsrc_source *s, const char *dn, long hi)
{
    long step = s->conf.member_range_step;
    for (int round = 0; hi >= 0; round++) {
        if (round == RANGE_ROUNDS_LIMIT) {
            s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s: too many member ranges", s->uri, dn);
            return SCIMSYNC_ERR_DATA;
        }
        char want[80];
        long lo = hi + 1;
        if (step > 0)
            snprintf(want, sizeof want, "member;range=%ld-%ld", lo, lo + step - 1);
        else
            snprintf(want, sizeof want, "member;range=%ld-*", lo);
        char *attrs[] = {want, NULL};
        LDAPMessage *res = NULL;
        int ret = lsrc_search_small(s, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, &res);
        if (ret < 0)
            return ret;
        LDAPMessage *e = ldap_first_entry(s->ld, res);
        BerElement *ber = NULL;
        char *a = e ? ldap_first_attribute(s->ld, e, &ber) : NULL;
        hi = -1; /* no member attribute back: nothing more */
        for (; a; a = ldap_next_attribute(s->ld, e, ber)) {
            long rlo, rhi;
            if (ret == 0 && lsrc_parse_range(a, "member", &rlo, &rhi) == 1) {
                if (rlo != lo) {
                    s->host->log(s->host, SCIMSYNC_LOG_ERROR,
                                 "%s: %s: asked for members from %ld, got %s", s->uri, dn, lo, a);
                    ret = SCIMSYNC_ERR_DATA;
                } else {
                    struct berval **vals = ldap_get_values_len(s->ld, e, a);
                    for (size_t i = 0; ret == 0 && vals && vals[i]; i++)
                        ret = add_member_dn(s, vals[i]->bv_val, vals[i]->bv_len, dn);
                    ldap_value_free_len(vals);
                    hi = rhi;
                }
            }
            ldap_memfree(a);
        }
        if (ber)
            ber_free(ber, 0);
        ldap_msgfree(res);
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* entries                                                              */

static size_t count_values(const struct berval *vals)
{
    size_t n = 0;
    while (vals && vals[n].bv_val)
        n++;
    return n;
}

/* Copies the attributes of e into the builder (members of groups go to
 * the member list).  Sets *id to the decoded external id.  One pass over
 * the entry's BER (ldap_get_attribute_ber), values not copied twice. */
static int collect_attrs(struct lsrc_source *s, LDAPMessage *e, const char *dn, int group,
                         const char **id)
{
    BerElement *ber = NULL;
    struct berval bdn, battr, *vals = NULL;
    int ret = 0, rc;
    long range_hi = -1;
    *id = NULL;
    rc = ldap_get_dn_ber(s->ld, e, &ber, &bdn);
    if (rc != LDAP_SUCCESS) {
        ret = lsrc_fail(s, dn, rc, "cannot decode the entry");
        goto out;
    }
    for (rc = ldap_get_attribute_ber(s->ld, e, ber, &battr, &vals);
         rc == LDAP_SUCCESS && battr.bv_val;
         rc = ldap_get_attribute_ber(s->ld, e, ber, &battr, &vals)) {
        size_t n = count_values(vals);
        long lo, hi;
        char *a = lsrc_eb_strndup(&s->eb, battr.bv_val, battr.bv_len);
        if (!a) {
            ret = no_memory(s, dn);
        } else if (group && strcasecmp(a, "member") == 0) {
            ret = add_member_values(s, vals, n, dn);
        } else if (group && strcasecmp(a, "uniqueMember") == 0) {
            for (size_t i = 0; ret == 0 && i < n; i++)
                ret = add_member_dn(s, vals[i].bv_val,
                                    lsrc_strip_optional_uid(vals[i].bv_val, vals[i].bv_len), dn);
        } else if (group && strcasecmp(a, "memberUid") == 0) {
            for (size_t i = 0; ret == 0 && i < n; i++)
                ret = add_member_uid(s, &vals[i], dn);
        } else if (group && lsrc_parse_range(a, "member", &lo, &hi) == 1) {
            ret = add_member_values(s, vals, n, dn);
            range_hi = hi;
        } else {
            const char **out = lsrc_eb_values(&s->eb, n);
            if (!out) {
                ret = no_memory(s, dn);
            } else {
                for (size_t i = 0; ret == 0 && i < n; i++)
                    if (!(out[i] = decode_value(s, a, &vals[i], dn)))
                        ret = SCIMSYNC_ERR_DATA;
                if (ret == 0 && lsrc_eb_attach_attr(&s->eb, a, out, n) < 0)
                    ret = no_memory(s, dn);
                if (ret == 0 && n > 0 && strcasecmp(a, s->id_attr) == 0)
                    *id = out[0];
            }
        }
        ber_memfree(vals);
        vals = NULL;
        if (ret < 0)
            goto out;
    }
    if (rc != LDAP_SUCCESS) {
        ret = lsrc_fail(s, dn, rc, "cannot decode the entry");
        goto out;
    }
    if (range_hi >= 0 && (ret = fetch_member_ranges(s, dn, range_hi)) < 0)
        goto out;
    if (!*id) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s: no %s (the external_id attribute)",
                     s->uri, dn, s->id_attr);
        ret = SCIMSYNC_ERR_DATA;
    }
out:
    if (ber)
        ber_free(ber, 0);
    return ret;
}

/* Adds name=value unless name is already there (dialect aliases). */
static int alias(struct lsrc_source *s, const char *name, const char *from)
{
    const char *v = lsrc_eb_get1(&s->eb, from);
    if (!v || lsrc_eb_get1(&s->eb, name))
        return 0;
    return lsrc_eb_add_attr1(&s->eb, name, v);
}

/* Derived attributes the default mapping relies on: active, loginName,
 * dn, and OpenLDAP aliases for the AD attribute names. */
static int derive_user_attrs(struct lsrc_source *s, const char *dn)
{
    struct lsrc_entry_builder *eb = &s->eb;
    int active = 1;
    if (s->dialect == LSRC_DIALECT_AD) {
        const char *uac = lsrc_eb_get1(eb, "userAccountControl");
        const char *exp = lsrc_eb_get1(eb, "accountExpires");
        int disabled = 0, expired = 0;
        if (uac && lsrc_ad_uac_disabled(uac, &disabled) < 0) {
            s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s: userAccountControl is not a number",
                         s->uri, dn);
            return SCIMSYNC_ERR_DATA;
        }
        if (exp && lsrc_ad_account_expired(exp, s->now, &expired) < 0) {
            s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s: accountExpires is not a number",
                         s->uri, dn);
            return SCIMSYNC_ERR_DATA;
        }
        active = !disabled && !expired;
    } else {
        active = lsrc_eb_get1(eb, "pwdAccountLockedTime") == NULL;
        if (alias(s, "displayName", "cn") || alias(s, "company", "o") ||
            alias(s, "employeeID", "employeeNumber") || alias(s, "department", "departmentNumber"))
            return no_memory(s, dn);
    }
    const char *login = lsrc_eb_get1(eb, s->login_attr);
    if (lsrc_eb_add_attr1(eb, "active", active ? "true" : "false") < 0 ||
        lsrc_eb_add_attr1(eb, "dn", dn) < 0 ||
        (login && lsrc_eb_add_attr1(eb, "loginName", login) < 0))
        return no_memory(s, dn);
    return 0;
}

/* managerId from the manager's DN.  *pending = 1 when the manager has not
 * been read yet. */
static int resolve_manager(struct lsrc_source *s, int *pending)
{
    const char *mdn = lsrc_eb_get1(&s->eb, "manager");
    *pending = 0;
    if (!mdn)
        return 0;
    char *canon = lsrc_dn_canonical(mdn);
    const char *mid = NULL;
    int ret = 0;
    if (!canon)
        return 0; /* not a DN: nothing to resolve */
    if (lsrc_map_get(&s->user_ids, canon, &mid) && mid)
        ret = lsrc_eb_add_attr1(&s->eb, "managerId", mid) < 0 ? SCIMSYNC_ERR_NOMEM : 0;
    else
        *pending = 1;
    free(canon);
    return ret;
}

static int defer_user(struct lsrc_source *s, const struct scimsync_entry *e)
{
    if (room_for((void **)&s->deferred, &s->deferred_cap, s->ndeferred, sizeof *s->deferred,
                 256) < 0)
        return SCIMSYNC_ERR_NOMEM;
    if (!(s->deferred[s->ndeferred] = lsrc_entry_clone(e)))
        return SCIMSYNC_ERR_NOMEM;
    s->ndeferred++;
    return 0;
}

/* Builds one user.  Returns 1 ready, 0 skipped or deferred, <0 error. */
static int build_user(struct lsrc_source *s, LDAPMessage *e)
{
    char *dn = ldap_get_dn(s->ld, e), *canon = NULL;
    const char *id;
    int ret, pending;
    lsrc_eb_reset(&s->eb);
    if (!dn || !(canon = lsrc_dn_canonical(dn))) {
        ret = bad_dn(s, dn);
        goto out;
    }
    if ((ret = collect_attrs(s, e, dn, 0, &id)) < 0)
        goto out;
    if (s->scope_walked) {
        const char *uid = lsrc_eb_get1(&s->eb, "uid");
        if (!lsrc_map_get(&s->scope_dns, canon, NULL) &&
            !(uid && lsrc_map_get(&s->scope_uids, uid, NULL))) {
            ret = 0; /* not a member of users_from_group */
            goto out;
        }
    }
    if ((ret = derive_user_attrs(s, dn)) < 0)
        goto out;
    struct scimsync_entry *out = &s->eb.entry;
    out->kind = SCIMSYNC_ENTRY_USER;
    if (!(out->id = id) || !(out->ref = lsrc_eb_strdup(&s->eb, canon)) ||
        !(out->where = lsrc_eb_strdup(&s->eb, dn))) {
        ret = no_memory(s, dn);
        goto out;
    }
    const char *uid = lsrc_eb_get1(&s->eb, "uid");
    if (s->sel_kind && lsrc_select_note_user(s, dn, uid) < 0) {
        ret = no_memory(s, dn);
        goto out;
    }
    int put = lsrc_map_put(&s->user_ids, canon, id);
    if (put == 0 && uid)
        put = lsrc_map_put(&s->uid_dns, uid, canon);
    if (put < 0) {
        ret = no_memory(s, dn);
        goto out;
    }
    if ((ret = resolve_manager(s, &pending)) < 0)
        goto out;
    lsrc_eb_finish(&s->eb);
    if (pending) {
        ret = defer_user(s, out) < 0 ? no_memory(s, dn) : 0;
        goto out;
    }
    ret = 1;
out:
    free(canon);
    if (dn)
        ldap_memfree(dn);
    return ret;
}

static int build_group(struct lsrc_source *s, LDAPMessage *e, unsigned flags)
{
    char *dn = ldap_get_dn(s->ld, e), *canon = NULL;
    const char *id;
    int ret;
    lsrc_eb_reset(&s->eb);
    if (!dn || !(canon = lsrc_dn_canonical(dn))) {
        ret = bad_dn(s, dn);
        goto out;
    }
    /* mark first: a group listing itself (directly or through a helper)
     * must not be queued again */
    if (lsrc_map_put(&s->emitted, canon, NULL) < 0) {
        ret = no_memory(s, dn);
        goto out;
    }
    if ((ret = collect_attrs(s, e, dn, 1, &id)) < 0)
        goto out;
    struct scimsync_entry *out = &s->eb.entry;
    out->kind = SCIMSYNC_ENTRY_GROUP;
    out->flags = flags;
    if (!(out->id = id) || !(out->ref = lsrc_eb_strdup(&s->eb, canon)) ||
        !(out->where = lsrc_eb_strdup(&s->eb, dn))) {
        ret = no_memory(s, dn);
        goto out;
    }
    lsrc_eb_finish(&s->eb);
    ret = 1;
out:
    free(canon);
    if (dn)
        ldap_memfree(dn);
    return ret;
}

/* ------------------------------------------------------------------ */
/* scope                                                                */

/* users_from_group: a DN as given, or a group name looked up under base_dn. */
static int resolve_scope_group(struct lsrc_source *s)
{
    const char *g = s->conf.users_from_group;
    const struct scimsync_host *h = s->host;
    char *esc = NULL, *byname = NULL, *filter = NULL, *dn = NULL;
    LDAPMessage *res = NULL;
    char *attrs[] = {"1.1", NULL};
    int ret;
    if (lsrc_looks_like_dn(g)) {
        /* make sure it exists: a typo must not mean "nobody" (the failed
         * search names the DN and says "No such object") */
        ret = lsrc_search_small(s, g, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, &res);
        if (ret == 0 && !(s->scope_group_dn = strdup(g)))
            ret = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    if (!(esc = lsrc_filter_escape(g))) {
        ret = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    size_t n = 2 * strlen(esc) + 64;
    if (!(byname = malloc(n))) {
        ret = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    if (s->dialect == LSRC_DIALECT_AD)
        snprintf(byname, n, "(|(cn=%s)(sAMAccountName=%s))", esc, esc);
    else
        snprintf(byname, n, "(cn=%s)", esc);
    if (!(filter = lsrc_filter_and(s->conf.group_filter, byname))) {
        ret = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    ret = lsrc_search_small(s, s->base_dn, LDAP_SCOPE_SUBTREE, filter, attrs, &res);
    if (ret < 0)
        goto out;
    int count = ldap_count_entries(s->ld, res);
    if (count != 1) {
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: users_from_group %s: %d groups match under %s", s->uri,
               g, count, s->base_dn);
        ret = SCIMSYNC_ERR_CONFIG;
        goto out;
    }
    dn = ldap_get_dn(s->ld, ldap_first_entry(s->ld, res));
    if (!dn || !(s->scope_group_dn = strdup(dn)))
        ret = SCIMSYNC_ERR_NOMEM;
out:
    if (dn)
        ldap_memfree(dn);
    if (res)
        ldap_msgfree(res);
    free(esc);
    free(byname);
    free(filter);
    return ret;
}

/* Every group DN under base_dn, so member DNs can be told apart from users. */
static int build_group_index(struct lsrc_source *s)
{
    char *attrs[] = {"1.1", NULL};
    struct lsrc_pager p;
    LDAPMessage *e;
    int ret = lsrc_pager_start(s, &p, s->base_dn, LDAP_SCOPE_SUBTREE, s->conf.group_filter, attrs);
    if (ret < 0)
        return ret;
    while ((ret = lsrc_pager_next(s, &p, &e)) == 1) {
        char *dn = ldap_get_dn(s->ld, e), *canon = dn ? lsrc_dn_canonical(dn) : NULL;
        if (!canon || lsrc_map_put(&s->group_index, canon, NULL) < 0)
            ret = no_memory(s, dn ? dn : "group");
        free(canon);
        if (dn)
            ldap_memfree(dn);
        if (ret < 0)
            break;
    }
    lsrc_pager_end(s, &p);
    return ret;
}

/* OpenLDAP has no in-chain matching rule: walk users_from_group and its
 * nested groups (visited set) collecting member DNs and memberUids. */
static int walk_scope_group(struct lsrc_source *s)
{
    char *attrs[] = {"member", "uniqueMember", "memberUid", NULL};
    struct lsrc_map visited;
    char **queue = NULL;
    size_t nq = 0, cap = 0, pos = 0;
    int ret = 0;
    lsrc_map_init(&visited, MAP_LIMIT);
    char *start = lsrc_dn_canonical(s->scope_group_dn);
    if (!start || room_for((void **)&queue, &cap, nq, sizeof *queue, 64) < 0) {
        free(start);
        ret = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    queue[nq++] = start;
    /* A group that cannot be marked visited is not walked: its users would
     * silently fall out of scope, so that is an error, never a skip. */
    if (lsrc_map_put(&visited, start, NULL) < 0) {
        ret = no_memory(s, s->scope_group_dn);
        goto out;
    }
    for (; pos < nq && ret == 0; pos++) {
        LDAPMessage *res = NULL;
        ret = lsrc_search_small(s, queue[pos], LDAP_SCOPE_BASE, "(objectClass=*)", attrs, &res);
        LDAPMessage *e = ret == 0 ? ldap_first_entry(s->ld, res) : NULL;
        for (int k = 0; e && ret == 0 && attrs[k]; k++) {
            struct berval **vals = ldap_get_values_len(s->ld, e, attrs[k]);
            for (size_t i = 0; vals && vals[i] && ret == 0; i++) {
                size_t vlen = vals[i]->bv_len;
                if (k == 1)
                    vlen = lsrc_strip_optional_uid(vals[i]->bv_val, vlen);
                char *v = strndup(vals[i]->bv_val, vlen);
                char *canon = (v && k < 2) ? lsrc_dn_canonical(v) : NULL;
                if (!v) {
                    ret = SCIMSYNC_ERR_NOMEM;
                } else if (k == 2) {
                    ret = lsrc_map_put(&s->scope_uids, v, NULL) == 0 ? 0 : SCIMSYNC_ERR_NOMEM;
                } else if (!canon) {
                    s->host->log(s->host, SCIMSYNC_LOG_WARN, "%s: %s: member is not a DN: %s",
                                 s->uri, queue[pos], v);
                } else if (lsrc_map_get(&s->group_index, canon, NULL)) {
                    if (s->conf.nested_groups && !lsrc_map_get(&visited, canon, NULL)) {
                        if (room_for((void **)&queue, &cap, nq, sizeof *queue, 64) < 0 ||
                            lsrc_map_put(&visited, canon, NULL) < 0) {
                            ret = no_memory(s, v);
                        } else {
                            queue[nq++] = canon;
                            canon = NULL;
                        }
                    }
                } else {
                    ret = lsrc_map_put(&s->scope_dns, canon, NULL) == 0 ? 0 : SCIMSYNC_ERR_NOMEM;
                }
                free(v);
                free(canon);
            }
            ldap_value_free_len(vals);
        }
        if (res)
            ldap_msgfree(res);
    }
    s->scope_walked = 1;
    s->host->log(s->host, SCIMSYNC_LOG_DEBUG, "%s: users_from_group: %zu groups, %zu member DNs",
                 s->uri, nq, s->scope_dns.count);
out:
    for (size_t i = 0; i < nq; i++)
        free(queue[i]);
    free(queue);
    lsrc_map_free(&visited);
    return ret;
}

static int start_users(struct lsrc_source *s)
{
    char *clause = NULL, *esc = NULL, *filter = NULL;
    int ret = SCIMSYNC_ERR_NOMEM;
    if (s->scope_group_dn && s->dialect == LSRC_DIALECT_AD) {
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
    if (s->sel_kind) { /* sync --user: that user only */
        char *sel = lsrc_select_users_clause(s), *both = sel ? lsrc_filter_and(clause, sel) : NULL;
        free(sel);
        free(clause);
        if (!(clause = both))
            goto out;
    }
    if (!(filter = lsrc_filter_and(s->conf.user_filter, clause)))
        goto out;
    s->host->log(s->host, SCIMSYNC_LOG_DEBUG, "%s: users: %s under %s", s->uri, filter, s->base_dn);
    ret = lsrc_pager_start(s, &s->pager, s->base_dn, LDAP_SCOPE_SUBTREE, filter, s->user_attrs);
out:
    free(clause);
    free(esc);
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
    if (s->sel_kind) { /* sync --user: the groups of that user only */
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
    ret = lsrc_pager_start(s, &s->pager, base, LDAP_SCOPE_SUBTREE, filter, s->group_attrs);
out:
    free(byname);
    free(filter);
    return ret;
}

/* ------------------------------------------------------------------ */
/* open / next / close                                                  */

int lsrc_read_open(struct lsrc_source *s)
{
    int ret;
    lsrc_read_close(s);
    s->now = time(NULL);
    lsrc_eb_init(&s->eb, ARENA_LIMIT, MEMBERS_LIMIT);
    lsrc_map_init(&s->user_ids, MAP_LIMIT);
    lsrc_map_init(&s->uid_dns, MAP_LIMIT);
    lsrc_map_init(&s->scope_dns, MAP_LIMIT);
    lsrc_map_init(&s->scope_uids, MAP_LIMIT);
    lsrc_map_init(&s->group_index, MAP_LIMIT);
    lsrc_map_init(&s->emitted, MAP_LIMIT);
    lsrc_map_init(&s->queued, MAP_LIMIT);
    if ((ret = lsrc_connect(s)) < 0 || (ret = lsrc_read_rootdse(s)) < 0)
        return ret;
    int ad = s->dialect == LSRC_DIALECT_AD;
    s->id_attr = s->conf.external_id ? s->conf.external_id : ad ? "objectGUID" : "entryUUID";
    s->login_attr = s->conf.login_attribute ? s->conf.login_attribute
                    : ad                    ? "userPrincipalName"
                                            : "uid";
    if (!s->conf.user_filter)
        s->conf.user_filter = ad ? "(&(objectCategory=person)(objectClass=user))"
                                 : "(|(objectClass=inetOrgPerson)(objectClass=posixAccount))";
    if (!s->conf.group_filter)
        s->conf.group_filter = ad ? "(objectClass=group)"
                                  : "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)"
                                    "(objectClass=posixGroup))";
    if ((ret = build_attr_lists(s)) < 0)
        return ret;
    if (s->conf.users_from_group && (ret = resolve_scope_group(s)) < 0)
        return ret;
    /* sync --user finds the groups above the user by member searches */
    if ((s->conf.nested_groups && !s->sel_kind) || (s->scope_group_dn && !ad))
        if ((ret = build_group_index(s)) < 0)
            return ret;
    if (s->scope_group_dn && !ad && (ret = walk_scope_group(s)) < 0)
        return ret;
    if ((ret = start_users(s)) < 0)
        return ret;
    s->phase = LSRC_PH_USERS;
    return 0;
}

static int next_deferred(struct lsrc_source *s)
{
    struct scimsync_entry *d = s->deferred[s->deferred_pos];
    s->deferred[s->deferred_pos++] = NULL;
    int ret = lsrc_eb_load(&s->eb, d) < 0 ? no_memory(s, d->where) : 0;
    free(d);
    int pending;
    if (ret == 0 && (ret = resolve_manager(s, &pending)) == 0 && pending)
        s->host->log(s->host, SCIMSYNC_LOG_DEBUG, "%s: manager of %s is not among the synced users",
                     s->uri, s->eb.entry.where);
    lsrc_eb_finish(&s->eb);
    return ret < 0 ? ret : 1;
}

static int next_helper(struct lsrc_source *s)
{
    while (s->helper_pos < s->nhelpers) {
        char *dn = s->helper_queue[s->helper_pos++];
        if (lsrc_map_get(&s->emitted, dn, NULL))
            continue;
        LDAPMessage *res = NULL;
        int ret =
            lsrc_search_small(s, dn, LDAP_SCOPE_BASE, s->conf.group_filter, s->group_attrs, &res);
        if (ret < 0)
            return ret;
        LDAPMessage *e = ldap_first_entry(s->ld, res);
        ret = e ? build_group(s, e, SCIMSYNC_ENTRY_HELPER) : 0;
        ldap_msgfree(res);
        if (ret != 0)
            return ret;
    }
    return 0;
}

int lsrc_read_next(struct lsrc_source *s, const struct scimsync_entry **out)
{
    LDAPMessage *e;
    int ret;
    /* after a failure every call fails: never a short "end of data" */
    if (s->failed)
        return s->failed;
    if (!s->ld) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "read requested without a successful open");
        return SCIMSYNC_ERR;
    }
    for (;;) {
        switch (s->phase) {
        case LSRC_PH_USERS:
            ret = lsrc_pager_next(s, &s->pager, &e);
            if (ret == 1) {
                ret = build_user(s, e);
                if (ret == 0)
                    continue;
            } else if (ret == 0) {
                s->host->log(s->host, SCIMSYNC_LOG_INFO, "%s: %zu users in %lu pages", s->uri,
                             s->user_ids.count, s->pager.pages);
                lsrc_pager_end(s, &s->pager);
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
            ret = lsrc_pager_next(s, &s->pager, &e);
            if (ret == 1) {
                ret = build_group(s, e, 0);
            } else if (ret == 0) {
                s->host->log(s->host, SCIMSYNC_LOG_INFO, "%s: %zu groups matched", s->uri,
                             s->emitted.count);
                lsrc_pager_end(s, &s->pager);
                s->phase = LSRC_PH_HELPERS;
                continue;
            }
            break;
        case LSRC_PH_HELPERS:
            ret = next_helper(s);
            if (ret == 0) {
                if (s->dropped_members)
                    s->host->log(s->host, SCIMSYNC_LOG_INFO,
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

void lsrc_read_close(struct lsrc_source *s)
{
    lsrc_pager_end(s, &s->pager);
    lsrc_disconnect(s);
    lsrc_eb_free(&s->eb);
    lsrc_map_free(&s->user_ids);
    lsrc_map_free(&s->uid_dns);
    lsrc_map_free(&s->scope_dns);
    lsrc_map_free(&s->scope_uids);
    lsrc_map_free(&s->group_index);
    lsrc_map_free(&s->emitted);
    lsrc_map_free(&s->queued);
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
    attr_list_free(s->user_attrs);
    attr_list_free(s->group_attrs);
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
