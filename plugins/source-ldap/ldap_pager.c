/* Simple paged results (RFC 2696): entries are handed out one message at a
 * time and freed on the next call; a page is never held whole. */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lsrc_pager_start(struct lsrc_source *s, struct lsrc_pager *p, const char *base, int scope,
                     const char *filter, char **attrs)
{
    memset(p, 0, sizeof *p);
    p->base = strdup(base);
    p->filter = strdup(filter);
    p->scope = scope;
    p->attrs = attrs;
    p->msgid = -1;
    snprintf(p->what, sizeof p->what, "search %.400s under %.400s", filter, base);
    if (!p->base || !p->filter) {
        lsrc_pager_end(s, p);
        return SCIMSYNC_ERR_NOMEM;
    }
    return 0;
}

void lsrc_pager_end(struct lsrc_source *s, struct lsrc_pager *p)
{
    /* a search still running (error or close mid-read): tell the server */
    if (p->base && p->msgid >= 0 && s->ld)
        ldap_abandon_ext(s->ld, p->msgid, NULL, NULL);
    free(p->base);
    free(p->filter);
    if (p->cookie)
        ber_bvfree(p->cookie);
    if (p->msg)
        ldap_msgfree(p->msg);
    memset(p, 0, sizeof *p);
    p->msgid = -1;
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

/* Sends the search for the next page. */
static int send_page(struct lsrc_source *s, struct lsrc_pager *p)
{
    LDAPControl *page_ctrl = NULL;
    struct berval empty = {0, NULL};
    struct timeval tv = {.tv_sec = s->conf.timeout, .tv_usec = 0};
    int rc = ldap_create_page_control(s->ld, (ber_int_t)s->conf.page_size,
                                      p->cookie ? p->cookie : &empty, 1, &page_ctrl);
    if (rc == LDAP_SUCCESS) {
        LDAPControl *sctrls[] = {page_ctrl, NULL};
        rc = ldap_search_ext(s->ld, p->base, p->scope, p->filter, p->attrs, 0, sctrls, NULL, &tv,
                             LDAP_NO_LIMIT, &p->msgid);
        ldap_control_free(page_ctrl);
    }
    if (rc != LDAP_SUCCESS)
        return lsrc_fail(s, p->what, rc, NULL);
    p->pages++;
    return 0;
}

/* The page ended: check its result and take the cookie for the next. */
static int end_page(struct lsrc_source *s, struct lsrc_pager *p, LDAPMessage *res)
{
    LDAPControl **ctrls = NULL;
    int ret = check_result(s, res, p->what, &ctrls);
    if (ret < 0)
        goto out;
    if (p->cookie) {
        ber_bvfree(p->cookie);
        p->cookie = NULL;
    }
    LDAPControl *resp = ctrls ? ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, ctrls, NULL) : NULL;
    if (resp) {
        ber_int_t estimate;
        struct berval cookie = {0, NULL};
        int rc = ldap_parse_pageresponse_control(s->ld, resp, &estimate, &cookie);
        if (rc != LDAP_SUCCESS) {
            ret = lsrc_fail(s, p->what, rc, "bad paged results response");
            goto out;
        }
        if (cookie.bv_len > 0 && !(p->cookie = ber_bvdup(&cookie)))
            ret = SCIMSYNC_ERR_NOMEM;
        ber_memfree(cookie.bv_val);
    }
    p->done = p->cookie == NULL;
out:
    if (ctrls)
        ldap_controls_free(ctrls);
    return ret;
}

/* Entries are taken one message at a time as they arrive, so building an
 * entry overlaps with the server sending the rest of the page, and only
 * the entry being built is held. */
int lsrc_pager_next(struct lsrc_source *s, struct lsrc_pager *p, LDAPMessage **e)
{
    if (p->msg) {
        ldap_msgfree(p->msg);
        p->msg = NULL;
    }
    for (;;) {
        if (s->host->should_stop && s->host->should_stop(s->host))
            return SCIMSYNC_ERR_STOPPED;
        if (p->msgid < 0) {
            if (p->done)
                return 0;
            int ret = send_page(s, p);
            if (ret < 0)
                return ret;
        }
        struct timeval tv = {.tv_sec = s->conf.timeout, .tv_usec = 0};
        LDAPMessage *msg = NULL;
        int rc = ldap_result(s->ld, p->msgid, LDAP_MSG_ONE, &tv, &msg);
        if (rc <= 0) {
            int err = LDAP_TIMEOUT;
            if (rc < 0)
                ldap_get_option(s->ld, LDAP_OPT_RESULT_CODE, &err);
            else
                ldap_abandon_ext(s->ld, p->msgid, NULL, NULL);
            p->msgid = -1;
            p->done = 1;
            return lsrc_fail(s, p->what, err, NULL);
        }
        if (rc == LDAP_RES_SEARCH_ENTRY) {
            p->msg = msg;
            p->entries++;
            *e = msg;
            return 1;
        }
        int ret = 0;
        if (rc == LDAP_RES_SEARCH_RESULT) {
            p->msgid = -1;
            ret = end_page(s, p, msg);
            if (ret < 0)
                p->done = 1;
        }
        /* search references (referrals are not followed) are skipped */
        ldap_msgfree(msg);
        if (ret < 0)
            return ret;
    }
}

int lsrc_search_small(struct lsrc_source *s, const char *base, int scope, const char *filter,
                      char **attrs, LDAPMessage **res)
{
    struct timeval tv = {.tv_sec = s->conf.timeout, .tv_usec = 0};
    char what[1024];
    snprintf(what, sizeof what, "search %s at %s", filter, *base ? base : "the RootDSE");
    *res = NULL;
    int rc = ldap_search_ext_s(s->ld, base, scope, filter, attrs, 0, NULL, NULL, &tv, LDAP_NO_LIMIT,
                               res);
    if (rc != LDAP_SUCCESS) {
        char *diag = NULL;
        ldap_get_option(s->ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
        int ret = lsrc_fail(s, what, rc, diag);
        if (diag)
            ldap_memfree(diag);
        if (*res)
            ldap_msgfree(*res);
        *res = NULL;
        return ret;
    }
    return 0;
}
