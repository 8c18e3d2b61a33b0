/* The fake directory (fake_dir.h). */
#include "fake_dir.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

struct fake_dir *fake;

static int fake_connect(struct lsrc_source *s)
{
    fake->nconnect++;
    s->uri = "fake://dir";
    return fake->connect_rc;
}

static void fake_disconnect(struct lsrc_source *s)
{
    (void)s;
    fake->ndisconnect++;
}

static void record(const struct lsrc_search *q)
{
    char line[2048];
    size_t o = (size_t)snprintf(line, sizeof line, "%s|%s|", q->base, q->filter);
    for (char **a = q->attrs; a && *a && o < sizeof line; a++)
        o += (size_t)snprintf(line + o, sizeof line - o, "%s ", *a);
    if (o < sizeof line)
        snprintf(line + o, sizeof line - o, "|%s\n", q->paged ? "paged" : "one");
    size_t n = strlen(line);
    if (fake->reqlen + n < sizeof fake->requests) {
        memcpy(fake->requests + fake->reqlen, line, n + 1);
        fake->reqlen += n;
    }
}

static const struct fake_search *match(const struct lsrc_search *q)
{
    for (const struct fake_search *f = fake->searches; f && f->base; f++) {
        if (strcasecmp(f->base, q->base) != 0)
            continue;
        if (f->filter && !strstr(q->filter, f->filter))
            continue;
        if (f->attr &&
            (!q->attrs || !q->attrs[0] || strncasecmp(q->attrs[0], f->attr, strlen(f->attr)) != 0))
            continue;
        return f;
    }
    return NULL;
}

static int fake_start(struct lsrc_source *s, struct lsrc_search *q)
{
    record(q);
    const struct fake_search *f = match(q);
    q->priv = (void *)f;
    q->pos = 0;
    q->pages = 1;
    if (f && f->start_rc)
        return lsrc_fail(s, q->what, f->start_rc, NULL);
    return 0;
}

static int fake_next(struct lsrc_source *s, struct lsrc_search *q, void **e)
{
    const struct fake_search *f = q->priv;
    if (!f) /* nothing canned: the base does not exist */
        return lsrc_fail(s, q->what, LDAP_NO_SUCH_OBJECT, NULL);
    if (f->rc && q->pos == f->rc_after)
        return lsrc_fail(s, q->what, f->rc, "canned failure");
    const struct fake_entry *ent = f->entries ? f->entries[q->pos] : NULL;
    if (!ent)
        return 0;
    /* a new page every page_size entries, as the server would cut them */
    if (q->paged && q->pos > 0 && q->pos % (size_t)s->conf.page_size == 0)
        q->pages++;
    q->pos++;
    *e = (void *)ent;
    return 1;
}

static void fake_end(struct lsrc_source *s, struct lsrc_search *q)
{
    (void)s;
    (void)q;
    fake->nend++;
}

static const char *fake_dn(struct lsrc_source *s, struct lsrc_search *q, void *e)
{
    (void)s;
    (void)q;
    return ((const struct fake_entry *)e)->dn;
}

static int fake_attrs(struct lsrc_source *s, void *e, const char *dn, lsrc_attr_fn fn, void *ctx)
{
    const struct fake_entry *ent = e;
    if (ent->undecodable)
        return lsrc_fail(s, dn, LDAP_DECODING_ERROR, "cannot decode the entry");
    for (const struct fake_attr *a = ent->attrs; a < ent->attrs + FAKE_MAX_ATTRS && a->name; a++) {
        struct berval name = {strlen(a->name), (char *)a->name};
        struct berval vals[FAKE_MAX_VALS];
        size_t n = 0;
        for (; n < FAKE_MAX_VALS && a->vals[n]; n++) {
            vals[n].bv_val = (char *)a->vals[n];
            vals[n].bv_len = a->lens[n] ? a->lens[n] : strlen(a->vals[n]);
        }
        int ret = fn(ctx, &name, vals, n);
        if (ret < 0)
            return ret;
    }
    return 0;
}

const struct lsrc_dir fake_dir_ops = {
    .connect = fake_connect,
    .disconnect = fake_disconnect,
    .start = fake_start,
    .next = fake_next,
    .end = fake_end,
    .dn = fake_dn,
    .attrs = fake_attrs,
};

int fake_requested(const char *text)
{
    return strstr(fake->requests, text) != NULL;
}
