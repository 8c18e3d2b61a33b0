/* Group members: a member DN is a synced user, a group (nesting: queued
 * as a helper) or outside the scope (dropped, counted); posixGroup
 * memberUid through the uid index; AD range retrieval of big groups. */
#include "reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lsrc_room_for(void **arr, size_t *cap, size_t n, size_t elem, size_t first)
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

int lsrc_no_memory(struct lsrc_source *s, const char *dn)
{
    s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s: out of memory or entry too large", s->uri,
                 dn);
    return SCIMSYNC_ERR_NOMEM;
}

static int queue_helper(struct lsrc_source *s, const char *canon)
{
    if (ssp_map_get(&s->emitted, canon, NULL) || ssp_map_get(&s->queued, canon, NULL))
        return 0;
    if (lsrc_room_for((void **)&s->helper_queue, &s->helpers_cap, s->nhelpers,
                      sizeof *s->helper_queue, 64) < 0)
        return SCIMSYNC_ERR_NOMEM;
    if (!(s->helper_queue[s->nhelpers] = strdup(canon)))
        return SCIMSYNC_ERR_NOMEM;
    s->nhelpers++;
    return ssp_map_put(&s->queued, canon, NULL) == 0 ? 0 : SCIMSYNC_ERR_NOMEM;
}

int lsrc_member_dn(struct lsrc_source *s, const char *value, size_t len, const char *dn)
{
    char *raw = strndup(value, len), *canon = NULL;
    int ret = 0, parse = raw ? lsrc_dn_canon(raw, &canon) : -2;
    if (parse == -2) {
        ret = lsrc_no_memory(s, dn);
        goto out;
    }
    if (parse < 0) {
        s->host->log(s->host, SCIMSYNC_LOG_WARN, "%s: %s: member value is not a DN: %s", s->uri, dn,
                     raw);
        s->dropped_members++;
        goto out;
    }
    if (ssp_map_get(&s->user_ids, canon, NULL)) {
        ret = ssp_eb_add_member(&s->eb, canon);
    } else if (s->conf.nested_groups && ssp_map_get(&s->group_index, canon, NULL)) {
        ret = ssp_eb_add_member(&s->eb, canon);
        if (ret == 0)
            ret = queue_helper(s, canon);
    } else {
        s->dropped_members++;
    }
    if (ret == -2) {
        s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s: more than %zu members", s->uri, dn,
                     s->eb.members_limit);
        ret = SCIMSYNC_ERR_DATA;
    } else if (ret < 0) {
        ret = lsrc_no_memory(s, dn);
    }
out:
    free(raw);
    free(canon);
    return ret;
}

int lsrc_member_uid(struct lsrc_source *s, const struct berval *bv, const char *dn)
{
    char *uid = strndup(bv->bv_val, bv->bv_len);
    const char *udn = NULL;
    int ret = 0;
    if (!uid)
        return SCIMSYNC_ERR_NOMEM;
    if (ssp_map_get(&s->uid_dns, uid, &udn) && udn)
        ret = ssp_eb_add_member(&s->eb, udn) == 0 ? 0 : lsrc_no_memory(s, dn);
    else
        s->dropped_members++;
    free(uid);
    return ret;
}

/* One chunk of a range request: the member;range=lo-hi attribute. */
struct range_chunk {
    struct lsrc_source *s;
    const char *dn;
    long lo, hi;
};

static int range_attr(void *ctx, const struct berval *name, const struct berval *vals, size_t n)
{
    struct range_chunk *c = ctx;
    char desc[128];
    long rlo, rhi;
    snprintf(desc, sizeof desc, "%.*s", (int)(name->bv_len < 127 ? name->bv_len : 127),
             name->bv_val);
    if (lsrc_parse_range(desc, "member", &rlo, &rhi) != 1)
        return 0;
    if (rlo != c->lo) {
        c->s->host->log(c->s->host, SCIMSYNC_LOG_ERROR,
                        "%s: %s: asked for members from %ld, got %s", c->s->uri, c->dn, c->lo,
                        desc);
        return SCIMSYNC_ERR_DATA;
    }
    for (size_t i = 0; i < n; i++) {
        int ret = lsrc_member_dn(c->s, vals[i].bv_val, vals[i].bv_len, c->dn);
        if (ret < 0)
            return ret;
    }
    c->hi = rhi;
    return 0;
}

int lsrc_member_ranges(struct lsrc_source *s, const char *dn, long hi)
{
    long step = s->conf.member_range_step;
    for (int round = 0; hi >= 0; round++) {
        if (round == LSRC_RANGE_ROUNDS_LIMIT) {
            s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: %s: too many member ranges", s->uri, dn);
            return SCIMSYNC_ERR_DATA;
        }
        char want[80];
        struct range_chunk c = {.s = s, .dn = dn, .lo = hi + 1, .hi = -1};
        if (step > 0)
            snprintf(want, sizeof want, "member;range=%ld-%ld", c.lo, c.lo + step - 1);
        else
            snprintf(want, sizeof want, "member;range=%ld-*", c.lo);
        char *attrs[] = {want, NULL};
        struct lsrc_search q;
        void *e;
        int ret = lsrc_search_open(s, &q, dn, LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0);
        if (ret < 0)
            return ret;
        /* no member attribute back: nothing more */
        while ((ret = lsrc_search_next(s, &q, &e)) == 1)
            if ((ret = lsrc_search_attrs(s, e, dn, range_attr, &c)) < 0)
                break;
        lsrc_search_close(s, &q);
        if (ret < 0)
            return ret;
        hi = c.hi;
    }
    return 0;
}
