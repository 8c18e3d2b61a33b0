/* Searches over the source's directory backend (ldap_dir.h): the parts
 * every backend shares (the message text, the host's stop, the sticky end
 * of a failed search). */
#include "source.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

int lsrc_search_open(struct lsrc_source *s, struct lsrc_search *q, const char *base, int scope,
                     const char *filter, char **attrs, int paged)
{
    memset(q, 0, sizeof *q);
    q->msgid = -1;
    q->base = strdup(base);
    q->filter = strdup(filter);
    q->scope = scope;
    q->attrs = attrs;
    q->paged = paged;
    if (paged)
        snprintf(q->what, sizeof q->what, "search %.400s under %.400s", filter, base);
    else
        snprintf(q->what, sizeof q->what, "search %.400s at %.400s", filter,
                 *base ? base : "the RootDSE");
    if (!q->base || !q->filter) {
        lsrc_search_close(s, q);
        return SCIMSYNC_ERR_NOMEM;
    }
    int ret = s->dir->start(s, q);
    if (ret < 0)
        lsrc_search_close(s, q);
    return ret;
}

int lsrc_search_next(struct lsrc_source *s, struct lsrc_search *q, void **e)
{
    if (q->done)
        return 0;
    if (s->host->should_stop && s->host->should_stop(s->host))
        return SCIMSYNC_ERR_STOPPED;
    int ret = s->dir->next(s, q, e);
    if (ret == 1)
        q->entries++;
    else
        q->done = 1; /* the end, or an error: never read on after it */
    return ret;
}

void lsrc_search_close(struct lsrc_source *s, struct lsrc_search *q)
{
    if (q->base && s->dir)
        s->dir->end(s, q);
    free(q->base);
    free(q->filter);
    memset(q, 0, sizeof *q);
    q->msgid = -1;
}

const char *lsrc_search_dn(struct lsrc_source *s, struct lsrc_search *q, void *e)
{
    return s->dir->dn(s, q, e);
}

int lsrc_search_attrs(struct lsrc_source *s, void *e, const char *dn, lsrc_attr_fn fn, void *ctx)
{
    return s->dir->attrs(s, e, dn, fn, ctx);
}

int lsrc_attr_is(const struct berval *desc, const char *name)
{
    size_t n = strlen(name);
    return desc->bv_len == n && strncasecmp(desc->bv_val, name, n) == 0;
}
