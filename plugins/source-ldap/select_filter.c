/* The filters of a narrowed read (`sync --user NAME`, ABI 1.2
 * open_selection): every value escaped (RFC 4515) with lsrc_filter_escape. */
#include "ldap_util.h"

#include <ss/dynbuf.h>
#include <stdlib.h>
#include <string.h>

/* A filter longer than this is refused (a user in thousands of groups
 * would make a filter no server takes). */
#define SELECT_FILTER_MAX (4u * 1024 * 1024)

/* Appends "(attr=<escaped value>)".  0, or <0. */
static int add_eq(struct ss_dynbuf *b, const char *attr, const char *value)
{
    char *esc = lsrc_filter_escape(value);
    int rc;
    if (!esc)
        return -1;
    rc = ss_dynbuf_addf(b, "(%s=%s)", attr, esc);
    free(esc);
    return rc;
}

char *lsrc_select_user_filter(const char *login_attr, const char *name, const char *id_attr,
                              const char *external_id)
{
    struct ss_dynbuf b;
    int by_id = id_attr && external_id && *external_id;
    ss_dynbuf_init(&b, SELECT_FILTER_MAX);
    if ((by_id && ss_dynbuf_addstr(&b, "(|") < 0) || add_eq(&b, login_attr, name) < 0 ||
        (by_id && (add_eq(&b, id_attr, external_id) < 0 || ss_dynbuf_addstr(&b, ")") < 0)))
        goto fail;
    return ss_dynbuf_take(&b);
fail:
    ss_dynbuf_free(&b);
    return NULL;
}

char *lsrc_select_member_filter(const char *const *dns, size_t ndns, const char *const *uids,
                                size_t nuids)
{
    struct ss_dynbuf b;
    ss_dynbuf_init(&b, SELECT_FILTER_MAX);
    if (ndns + nuids == 0) {
        /* nobody to look for: a filter no entry matches */
        if (ss_dynbuf_addstr(&b, "(!(objectClass=*))") < 0)
            goto fail;
        return ss_dynbuf_take(&b);
    }
    if (ss_dynbuf_addstr(&b, "(|") < 0)
        goto fail;
    for (size_t i = 0; i < ndns; i++) {
        if (add_eq(&b, "member", dns[i]) < 0 || add_eq(&b, "uniqueMember", dns[i]) < 0)
            goto fail;
    }
    for (size_t i = 0; i < nuids; i++) {
        if (add_eq(&b, "memberUid", uids[i]) < 0)
            goto fail;
    }
    if (ss_dynbuf_addstr(&b, ")") < 0)
        goto fail;
    return ss_dynbuf_take(&b);
fail:
    ss_dynbuf_free(&b);
    return NULL;
}

char *lsrc_select_eq_any(const char *attr, const char *const *vals, size_t n, const char *attr2,
                         const char *const *vals2, size_t n2)
{
    struct ss_dynbuf b;
    ss_dynbuf_init(&b, SELECT_FILTER_MAX);
    if (n + n2 == 0) {
        if (ss_dynbuf_addstr(&b, "(!(objectClass=*))") < 0)
            goto fail;
        return ss_dynbuf_take(&b);
    }
    if (ss_dynbuf_addstr(&b, "(|") < 0)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        if (add_eq(&b, attr, vals[i]) < 0)
            goto fail;
    }
    for (size_t i = 0; i < n2; i++) {
        if (add_eq(&b, attr2, vals2[i]) < 0)
            goto fail;
    }
    if (ss_dynbuf_addstr(&b, ")") < 0)
        goto fail;
    return ss_dynbuf_take(&b);
fail:
    ss_dynbuf_free(&b);
    return NULL;
}
