/* Building one user or group from a directory entry: values decoded into
 * the builder's arena, members classified, derived attributes (active,
 * dn, loginName, dialect aliases, managerId). */
#include "reader.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* One value as UTF-8 text in the arena: objectGUID / objectSid decoded,
 * other binary values base64. */
static char *decode_value(struct lsrc_source *s, const char *attr, const struct berval *bv,
                          const char *dn)
{
    struct ssp_entry_builder *eb = &s->eb;
    const unsigned char *b = (const unsigned char *)bv->bv_val;
    if (strcasecmp(attr, "objectGUID") == 0) {
        char buf[LSRC_GUID_STR];
        if (lsrc_guid_to_string(b, bv->bv_len, buf) == 0)
            return ssp_eb_strdup(eb, buf);
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s: objectGUID is %zu bytes, not 16", s->uri,
                     dn, (size_t)bv->bv_len);
        return NULL;
    }
    if (strcasecmp(attr, "objectSid") == 0) {
        char buf[LSRC_SID_STR];
        if (lsrc_sid_to_string(b, bv->bv_len, buf) == 0)
            return ssp_eb_strdup(eb, buf);
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s: malformed objectSid", s->uri, dn);
        return NULL;
    }
    if (lsrc_is_utf8(b, bv->bv_len))
        return ssp_eb_strndup(eb, bv->bv_val, bv->bv_len);
    char *b64 = lsrc_base64(b, bv->bv_len);
    char *out = b64 ? ssp_eb_strdup(eb, b64) : NULL;
    free(b64);
    return out;
}

/* The canonical form of an entry's DN into *canon: 0, or <0 (logged). */
static int entry_dn(struct lsrc_source *s, const char *dn, char **canon)
{
    int rc = dn ? lsrc_dn_canon(dn, canon) : -2;
    if (rc == -2)
        return lsrc_no_memory(s, dn ? dn : "entry");
    if (rc < 0) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: entry DN does not parse: %s", s->uri, dn);
        return SCIMSYNC_ERR_DATA;
    }
    return 0;
}

/* The entry being collected. */
struct collect {
    struct lsrc_source *s;
    const char *dn;
    int group;
    const char *id; /* the decoded external id */
    long range_hi;  /* member;range=lo-hi seen: hi (-1: none, or the last) */
};

static int collect_members(struct collect *c, const struct berval *vals, size_t n, int unique)
{
    for (size_t i = 0; i < n; i++) {
        size_t len = vals[i].bv_len;
        if (unique)
            len = lsrc_strip_optional_uid(vals[i].bv_val, len);
        int ret = lsrc_member_dn(c->s, vals[i].bv_val, len, c->dn);
        if (ret < 0)
            return ret;
    }
    return 0;
}

/* Copies one attribute into the builder (members of groups go to the
 * member list). */
static int collect_attr(void *ctx, const struct berval *name, const struct berval *vals, size_t n)
{
    struct collect *c = ctx;
    struct lsrc_source *s = c->s;
    long lo, hi;
    int ret = 0;
    char *a = ssp_eb_strndup(&s->eb, name->bv_val, name->bv_len);
    if (!a)
        return lsrc_no_memory(s, c->dn);
    if (c->group && strcasecmp(a, "member") == 0)
        return collect_members(c, vals, n, 0);
    if (c->group && strcasecmp(a, "uniqueMember") == 0)
        return collect_members(c, vals, n, 1);
    if (c->group && strcasecmp(a, "memberUid") == 0) {
        for (size_t i = 0; ret == 0 && i < n; i++)
            ret = lsrc_member_uid(s, &vals[i], c->dn);
        return ret;
    }
    if (c->group && lsrc_parse_range(a, "member", &lo, &hi) == 1) {
        c->range_hi = hi;
        return collect_members(c, vals, n, 0);
    }
    const char **out = ssp_eb_values(&s->eb, n);
    if (!out)
        return lsrc_no_memory(s, c->dn);
    for (size_t i = 0; i < n; i++)
        if (!(out[i] = decode_value(s, a, &vals[i], c->dn)))
            return SCIMSYNC_ERR_DATA;
    if (ssp_eb_attach_attr(&s->eb, a, out, n) < 0)
        return lsrc_no_memory(s, c->dn);
    if (n > 0 && strcasecmp(a, s->id_attr) == 0)
        c->id = out[0];
    return 0;
}

/* Copies the attributes of e into the builder; *id: the external id. */
static int collect_attrs(struct lsrc_source *s, void *e, const char *dn, int group, const char **id)
{
    struct collect c = {.s = s, .dn = dn, .group = group, .range_hi = -1};
    int ret = lsrc_search_attrs(s, e, dn, collect_attr, &c);
    *id = NULL;
    if (ret < 0)
        return ret;
    if (c.range_hi >= 0 && (ret = lsrc_member_ranges(s, dn, c.range_hi)) < 0)
        return ret;
    if (!c.id) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s: no %s (the external_id attribute)",
                     s->uri, dn, s->id_attr);
        return SCIMSYNC_ERR_DATA;
    }
    *id = c.id;
    return 0;
}

/* Adds name=value unless name is already there (dialect aliases). */
static int alias(struct lsrc_source *s, const char *name, const char *from)
{
    const char *v = ssp_eb_get1(&s->eb, from);
    if (!v || ssp_eb_get1(&s->eb, name))
        return 0;
    return ssp_eb_add_attr1(&s->eb, name, v);
}

static int derive_active(struct lsrc_source *s, const char *dn, int *active)
{
    struct ssp_entry_builder *eb = &s->eb;
    if (s->dopts->active == LSRC_ACTIVE_PWDLOCK) {
        *active = ssp_eb_get1(eb, "pwdAccountLockedTime") == NULL;
        return 0;
    }
    const char *uac = ssp_eb_get1(eb, "userAccountControl");
    const char *exp = ssp_eb_get1(eb, "accountExpires");
    int disabled = 0, expired = 0;
    if (uac && lsrc_ad_uac_disabled(uac, &disabled) < 0) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s: userAccountControl is not a number",
                     s->uri, dn);
        return SCIMSYNC_ERR_DATA;
    }
    if (exp && lsrc_ad_account_expired(exp, s->now, &expired) < 0) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s: accountExpires is not a number", s->uri,
                     dn);
        return SCIMSYNC_ERR_DATA;
    }
    *active = !disabled && !expired;
    return 0;
}

/* Derived attributes the default mapping relies on: active, loginName,
 * dn, and the dialect's aliases for the AD attribute names. */
static int derive_user_attrs(struct lsrc_source *s, const char *dn)
{
    struct ssp_entry_builder *eb = &s->eb;
    const struct lsrc_dialect_opts *d = s->dopts;
    int active = 1, ret = derive_active(s, dn, &active);
    if (ret < 0)
        return ret;
    for (size_t k = 0; k < d->naliases; k++)
        if (alias(s, d->aliases[k][0], d->aliases[k][1]))
            return lsrc_no_memory(s, dn);
    const char *login = ssp_eb_get1(eb, s->login_attr);
    if (ssp_eb_add_attr1(eb, "active", active ? "true" : "false") < 0 ||
        ssp_eb_add_attr1(eb, "dn", dn) < 0 ||
        (login && ssp_eb_add_attr1(eb, "loginName", login) < 0))
        return lsrc_no_memory(s, dn);
    return 0;
}

int lsrc_resolve_manager(struct lsrc_source *s, int *pending)
{
    const char *mdn = ssp_eb_get1(&s->eb, "manager");
    *pending = 0;
    if (!mdn)
        return 0;
    char *canon;
    const char *mid = NULL;
    int ret = lsrc_dn_canon(mdn, &canon);
    if (ret == -2)
        return SCIMSYNC_ERR_NOMEM;
    if (ret < 0)
        return 0; /* not a DN: nothing to resolve */
    if (ssp_map_get(&s->user_ids, canon, &mid) && mid)
        ret = ssp_eb_add_attr1(&s->eb, "managerId", mid) < 0 ? SCIMSYNC_ERR_NOMEM : 0;
    else
        *pending = 1;
    free(canon);
    return ret;
}

static int defer_user(struct lsrc_source *s, const struct scimsync_entry *e)
{
    if (lsrc_room_for((void **)&s->deferred, &s->deferred_cap, s->ndeferred, sizeof *s->deferred,
                      256) < 0)
        return SCIMSYNC_ERR_NOMEM;
    if (!(s->deferred[s->ndeferred] = ssp_entry_clone(e)))
        return SCIMSYNC_ERR_NOMEM;
    s->ndeferred++;
    return 0;
}

/* The entry's kind, id, ref (canonical DN) and where (DN). */
static int finish_entry(struct lsrc_source *s, int kind, unsigned flags, const char *id,
                        const char *canon, const char *dn)
{
    struct scimsync_entry *out = &s->eb.entry;
    out->kind = kind;
    out->flags = flags;
    if (!(out->id = id) || !(out->ref = ssp_eb_strdup(&s->eb, canon)) ||
        !(out->where = ssp_eb_strdup(&s->eb, dn)))
        return lsrc_no_memory(s, dn);
    return 0;
}

int lsrc_build_user(struct lsrc_source *s, struct lsrc_search *q, void *e)
{
    const char *dn = lsrc_search_dn(s, q, e), *id;
    char *canon = NULL;
    int ret, pending;
    ssp_eb_reset(&s->eb);
    if ((ret = entry_dn(s, dn, &canon)) < 0)
        goto out;
    if ((ret = collect_attrs(s, e, dn, 0, &id)) < 0)
        goto out;
    if (!lsrc_scope_has_user(s, canon, ssp_eb_get1(&s->eb, "uid"))) {
        ret = 0; /* not a member of users_from_group */
        goto out;
    }
    if ((ret = derive_user_attrs(s, dn)) < 0 ||
        (ret = finish_entry(s, SCIMSYNC_ENTRY_USER, 0, id, canon, dn)) < 0)
        goto out;
    const char *uid = ssp_eb_get1(&s->eb, "uid");
    if (s->sel.kind && lsrc_select_note_user(s, dn, uid) < 0) {
        ret = lsrc_no_memory(s, dn);
        goto out;
    }
    int put = ssp_map_put(&s->user_ids, canon, id);
    if (put == 0 && uid)
        put = ssp_map_put(&s->uid_dns, uid, canon);
    if (put < 0) {
        ret = lsrc_no_memory(s, dn);
        goto out;
    }
    if ((ret = lsrc_resolve_manager(s, &pending)) < 0)
        goto out;
    ssp_eb_finish(&s->eb);
    if (pending) {
        ret = defer_user(s, &s->eb.entry) < 0 ? lsrc_no_memory(s, dn) : 0;
        goto out;
    }
    ret = 1;
out:
    free(canon);
    return ret;
}

int lsrc_build_group(struct lsrc_source *s, struct lsrc_search *q, void *e, unsigned flags)
{
    const char *dn = lsrc_search_dn(s, q, e), *id;
    char *canon = NULL;
    int ret;
    ssp_eb_reset(&s->eb);
    if ((ret = entry_dn(s, dn, &canon)) < 0)
        goto out;
    /* mark first: a group listing itself (directly or through a helper)
     * must not be queued again */
    if (ssp_map_put(&s->emitted, canon, NULL) < 0) {
        ret = lsrc_no_memory(s, dn);
        goto out;
    }
    if ((ret = collect_attrs(s, e, dn, 1, &id)) < 0 ||
        (ret = finish_entry(s, SCIMSYNC_ENTRY_GROUP, flags, id, canon, dn)) < 0)
        goto out;
    ssp_eb_finish(&s->eb);
    ret = 1;
out:
    free(canon);
    return ret;
}
