/* The libldap directory backend (ldap_dir.h): searches, simple paged
 * results (RFC 2696) for listings.  Entries are handed out one message at
 * a time and freed on the next call; a page is never held whole. */
#include "source.h"

#include <stdlib.h>
#include <string.h>

static void free_entry(struct lsrc_search *q)
{
    if (q->dn)
        ldap_memfree(q->dn);
    q->dn = NULL;
    if (q->msg)
        ldap_msgfree(q->msg);
    q->msg = NULL;
}

static void lib_end(struct lsrc_source *s, struct lsrc_search *q)
{
    /* a search still running (error or close mid-read): tell the server */
    if (q->msgid >= 0 && s->ld)
        ldap_abandon_ext(s->ld, q->msgid, NULL, NULL);
    q->msgid = -1;
    if (q->cookie)
        ber_bvfree(q->cookie);
    q->cookie = NULL;
    free_entry(q);
}

/* Checks the result of a finished search; 0 ok, <0 error (logged). */
static int check_result(struct lsrc_source *s, LDAPMessage *res, const char *what,
                        LDAPControl ***ctrls)
{
    int code = LDAP_SUCCESS;
    char *diag = NULL;
    int rc = ldap_parse_result(s->ld, res, &code, NULL, &diag, NULL, ctrls, 0);
    int ret = 0;
    if (rc != LDAP_SUCCESS)
        ret = lsrc_fail(s, what, rc, NULL);
    else if (code != LDAP_SUCCESS)
        ret = lsrc_fail(s, what, code, diag);
    if (diag)
        ldap_memfree(diag);
    return ret;
}

/* Sends the search, or its next page. */
static int lib_start(struct lsrc_source *s, struct lsrc_search *q)
{
    LDAPControl *page_ctrl = NULL;
    struct berval empty = {0, NULL};
    struct timeval tv = {.tv_sec = s->conf.timeout, .tv_usec = 0};
    int rc = LDAP_SUCCESS;
    if (q->paged)
        rc = ldap_create_page_control(s->ld, (ber_int_t)s->conf.page_size,
                                      q->cookie ? q->cookie : &empty, 1, &page_ctrl);
    if (rc == LDAP_SUCCESS) {
        LDAPControl *sctrls[] = {page_ctrl, NULL};
        rc = ldap_search_ext(s->ld, q->base, q->scope, q->filter, q->attrs, 0,
                             page_ctrl ? sctrls : NULL, NULL, &tv, LDAP_NO_LIMIT, &q->msgid);
        if (page_ctrl)
            ldap_control_free(page_ctrl);
    }
    if (rc != LDAP_SUCCESS) {
        q->msgid = -1;
        return lsrc_fail(s, q->what, rc, NULL);
    }
    q->pages++;
    return 0;
}

/* The request ended: check its result and take the cookie for the next
 * page. */
static int end_page(struct lsrc_source *s, struct lsrc_search *q, LDAPMessage *res)
{
    LDAPControl **ctrls = NULL;
    int ret = check_result(s, res, q->what, &ctrls);
    if (ret < 0)
        goto out;
    if (q->cookie) {
        ber_bvfree(q->cookie);
        q->cookie = NULL;
    }
    LDAPControl *resp = ctrls ? ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, ctrls, NULL) : NULL;
    if (resp && q->paged) {
        ber_int_t estimate;
        struct berval cookie = {0, NULL};
        int rc = ldap_parse_pageresponse_control(s->ld, resp, &estimate, &cookie);
        if (rc != LDAP_SUCCESS) {
            ret = lsrc_fail(s, q->what, rc, "bad paged results response");
            goto out;
        }
        if (cookie.bv_len > 0 && !(q->cookie = ber_bvdup(&cookie)))
            ret = SCIMSYNC_ERR_NOMEM;
        ber_memfree(cookie.bv_val);
    }
    q->last_page = q->cookie == NULL;
out:
    if (ctrls)
        ldap_controls_free(ctrls);
    return ret;
}

/* Entries are taken one message at a time as they arrive, so building an
 * entry overlaps with the server sending the rest of the page, and only
 * the entry being built is held. */
static int lib_next(struct lsrc_source *s, struct lsrc_search *q, void **e)
{
    free_entry(q);
    for (;;) {
        if (q->msgid < 0) {
            if (q->last_page)
                return 0;
            int ret = lib_start(s, q);
            if (ret < 0)
                return ret;
        }
        struct timeval tv = {.tv_sec = s->conf.timeout, .tv_usec = 0};
        LDAPMessage *msg = NULL;
        int rc = ldap_result(s->ld, q->msgid, LDAP_MSG_ONE, &tv, &msg);
        if (rc <= 0) {
            int err = LDAP_TIMEOUT;
            if (rc < 0)
                ldap_get_option(s->ld, LDAP_OPT_RESULT_CODE, &err);
            else
                ldap_abandon_ext(s->ld, q->msgid, NULL, NULL);
            q->msgid = -1;
            return lsrc_fail(s, q->what, err, NULL);
        }
        if (rc == LDAP_RES_SEARCH_ENTRY) {
            q->msg = msg;
            *e = msg;
            return 1;
        }
        int ret = 0;
        if (rc == LDAP_RES_SEARCH_RESULT) {
            q->msgid = -1;
            ret = end_page(s, q, msg);
            if (!q->paged)
                q->last_page = 1;
        }
        /* search references (referrals are not followed) are skipped */
        ldap_msgfree(msg);
        if (ret < 0)
            return ret;
    }
}

static const char *lib_dn(struct lsrc_source *s, struct lsrc_search *q, void *e)
{
    if (!q->dn)
        q->dn = ldap_get_dn(s->ld, e);
    return q->dn;
}

/* One pass over the entry's BER (ldap_get_attribute_ber): values are not
 * copied. */
static int lib_attrs(struct lsrc_source *s, void *e, const char *dn, lsrc_attr_fn fn, void *ctx)
{
    BerElement *ber = NULL;
    struct berval bdn, battr, *vals = NULL;
    int ret = 0;
    int rc = ldap_get_dn_ber(s->ld, e, &ber, &bdn);
    if (rc != LDAP_SUCCESS) {
        ret = lsrc_fail(s, dn, rc, "cannot decode the entry");
        goto out;
    }
    for (rc = ldap_get_attribute_ber(s->ld, e, ber, &battr, &vals);
         rc == LDAP_SUCCESS && battr.bv_val;
         rc = ldap_get_attribute_ber(s->ld, e, ber, &battr, &vals)) {
        size_t n = 0;
        while (vals && vals[n].bv_val)
            n++;
        ret = fn(ctx, &battr, vals, n);
        ber_memfree(vals);
        vals = NULL;
        if (ret < 0)
            goto out;
    }
    if (rc != LDAP_SUCCESS)
        ret = lsrc_fail(s, dn, rc, "cannot decode the entry");
out:
    if (ber)
        ber_free(ber, 0);
    return ret;
}

const struct lsrc_dir lsrc_dir_libldap = {
    .connect = lsrc_connect,
    .disconnect = lsrc_disconnect,
    .start = lib_start,
    .next = lib_next,
    .end = lib_end,
    .dn = lib_dn,
    .attrs = lib_attrs,
};
