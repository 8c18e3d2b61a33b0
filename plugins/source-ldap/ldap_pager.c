/* Simple paged results (RFC 2696): one page in memory at a time, freed
 * before the next is requested. */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lsrc_pager_start(struct lsrc_source *s, struct lsrc_pager *p, const char *base, int scope,
                     const char *filter, char **attrs)
{
    (void)s;
    memset(p, 0, sizeof *p);
    p->base = strdup(base);
    p->filter = strdup(filter);
    p->scope = scope;
    p->attrs = attrs;
    if (!p->base || !p->filter) {
        lsrc_pager_end(p);
        return SCIMSYNC_ERR_NOMEM;
    }
    return 0;
}

void lsrc_pager_end(struct lsrc_pager *p)
{
    free(p->base);
    free(p->filter);
    if (p->cookie)
        ber_bvfree(p->cookie);
    if (p->page)
        ldap_msgfree(p->page);
    memset(p, 0, sizeof *p);
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

/* Sends the search for the next page and waits for all of it. */
static int fetch_page(struct lsrc_source *s, struct lsrc_pager *p)
{
    LDAPControl *page_ctrl = NULL, **resp_ctrls = NULL;
    LDAPMessage *res = NULL;
    int msgid, rc, ret;
    char what[1024];
    snprintf(what, sizeof what, "search %s under %s (page %lu)", p->filter, p->base, p->pages + 1);

    struct berval empty = { 0, NULL };
    rc = ldap_create_page_control(s->ld, (ber_int_t)s->conf.page_size,
                                  p->cookie ? p->cookie : &empty, 1, &page_ctrl);
    if (rc != LDAP_SUCCESS) {
        ret = lsrc_fail(s, what, rc, NULL);
        goto out;
    }
    LDAPControl *sctrls[] = { page_ctrl, NULL };
    struct timeval tv = { .tv_sec = s->conf.timeout, .tv_usec = 0 };
    rc = ldap_search_ext(s->ld, p->base, p->scope, p->filter, p->attrs, 0, sctrls, NULL, &tv,
                         LDAP_NO_LIMIT, &msgid);
    if (rc != LDAP_SUCCESS) {
        ret = lsrc_fail(s, what, rc, NULL);
        goto out;
    }
    rc = ldap_result(s->ld, msgid, LDAP_MSG_ALL, &tv, &res);
    if (rc <= 0) {
        if (rc == 0)
            ldap_abandon_ext(s->ld, msgid, NULL, NULL);
        int err = LDAP_TIMEOUT;
        if (rc < 0)
            ldap_get_option(s->ld, LDAP_OPT_RESULT_CODE, &err);
        ret = lsrc_fail(s, what, err, NULL);
        goto out;
    }
    ret = check_result(s, res, what, &resp_ctrls);
    if (ret < 0)
        goto out;
    LDAPControl *resp = resp_ctrls ? ldap_control_find(LDAP_CONTROL_PAGEDRESULTS, resp_ctrls, NULL)
                                   : NULL;
    if (p->cookie) {
        ber_bvfree(p->cookie);
        p->cookie = NULL;
    }
    if (resp) {
        ber_int_t estimate;
        struct berval cookie = { 0, NULL };
        rc = ldap_parse_pageresponse_control(s->ld, resp, &estimate, &cookie);
        if (rc != LDAP_SUCCESS) {
            ret = lsrc_fail(s, what, rc, "bad paged results response");
            goto out;
        }
        if (cookie.bv_len > 0) {
            p->cookie = ber_bvdup(&cookie);
            if (!p->cookie)
                ret = SCIMSYNC_ERR_NOMEM;
        }
        ber_memfree(cookie.bv_val);
        if (ret < 0)
            goto out;
    }
    p->done = p->cookie == NULL;
    p->pages++;
    p->page = res;
    res = NULL;
    ret = 0;
out:
    if (page_ctrl)
        ldap_control_free(page_ctrl);
    if (resp_ctrls)
        ldap_controls_free(resp_ctrls);
    if (res)
        ldap_msgfree(res);
    return ret;
}

int lsrc_pager_next(struct lsrc_source *s, struct lsrc_pager *p, LDAPMessage **e)
{
    for (;;) {
        if (s->host->should_stop && s->host->should_stop(s->host))
            return SCIMSYNC_ERR_STOPPED;
        if (p->cur)
            p->cur = ldap_next_entry(s->ld, p->cur);
        else if (p->page && !p->started)
            p->cur = ldap_first_entry(s->ld, p->page);
        p->started = 1;
        if (p->cur) {
            p->entries++;
            *e = p->cur;
            return 1;
        }
        if (p->page) {
            ldap_msgfree(p->page);
            p->page = NULL;
        }
        if (p->done && p->pages > 0)
            return 0;
        int ret = fetch_page(s, p);
        if (ret < 0)
            return ret;
        p->started = 0;
        p->cur = NULL;
    }
}

int lsrc_search_small(struct lsrc_source *s, const char *base, int scope, const char *filter,
                      char **attrs, LDAPMessage **res)
{
    struct timeval tv = { .tv_sec = s->conf.timeout, .tv_usec = 0 };
    char what[1024];
    snprintf(what, sizeof what, "search %s at %s", filter, *base ? base : "the RootDSE");
    *res = NULL;
    int rc = ldap_search_ext_s(s->ld, base, scope, filter, attrs, 0, NULL, NULL, &tv,
                               LDAP_NO_LIMIT, res);
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
