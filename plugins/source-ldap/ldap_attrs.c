/* The attributes each search asks for: the mapping's (ABI 1.1 hosts) or
 * the dialect's default list, plus what the read itself needs. */
#include "reader.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

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

static int attr_list_add_all(char **list, size_t max, const char *const *names)
{
    int rc = 0;
    for (; *names; names++)
        rc |= attr_list_add(list, max, *names);
    return rc;
}

/* Attributes the plugin derives itself (their inputs are requested as its
 * own needs). */
static const char *const derived_attrs[] = {"id", "dn", "active", "loginName", "managerId", NULL};

static int is_derived(const char *name)
{
    for (const char *const *d = derived_attrs; *d; d++)
        if (strcasecmp(*d, name) == 0)
            return 1;
    return 0;
}

/* The attributes the mapping uses, from the host (ABI 1.1); a mapping
 * naming a dialect alias needs its source read too. */
static int add_mapped(const struct lsrc_dialect_opts *d, char **list, size_t max,
                      const char *const *names)
{
    int rc = 0;
    for (; *names; names++) {
        if (is_derived(*names))
            continue;
        rc |= attr_list_add(list, max, *names);
        for (size_t k = 0; k < d->naliases; k++)
            if (strcasecmp(*names, d->aliases[k][0]) == 0)
                rc |= attr_list_add(list, max, d->aliases[k][1]);
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
    s->host->log(s->host, SCIMSYNC_LOG_DEBUG, "%s: %s attributes requested: %s", s->uri, what, buf);
}

/* With a host that names the mapping's attributes: exactly those plus the
 * plugin's own needs (a mapping may use any attribute; nothing else is
 * transferred).  With an older host: the fixed lists of the default
 * mapping's attributes. */
int lsrc_attr_lists_build(struct lsrc_source *s)
{
    const struct lsrc_dialect_opts *d = s->dopts;
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
        rc |= attr_list_add(s->user_attrs, umax, s->id_attr);
        rc |= attr_list_add(s->user_attrs, umax, s->login_attr);
        rc |= attr_list_add_all(s->user_attrs, umax, d->own_user_attrs);
        rc |= attr_list_add(s->group_attrs, gmax, s->id_attr);
        rc |= attr_list_add_all(s->group_attrs, gmax, d->own_group_attrs);
        rc |= add_mapped(d, s->user_attrs, umax, mu);
        rc |= add_mapped(d, s->group_attrs, gmax, mg);
    } else {
        rc |= attr_list_add_all(s->user_attrs, umax, d->default_user_attrs);
        rc |= attr_list_add_all(s->group_attrs, gmax, d->default_group_attrs);
    }
    if (d->member_ranges) {
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

void lsrc_attr_lists_free(struct lsrc_source *s)
{
    attr_list_free(s->user_attrs);
    attr_list_free(s->group_attrs);
}
