/*
 * example: a minimal source plugin, built out of tree against the installed
 * <scimsync/plugin.h> (see README.md).  It emits the users named in its
 * `users` key and, when `group` is set, one group holding all of them.
 *
 *   [source demo]
 *   plugin = example
 *   users = alice, bob
 *   domain = example.com
 *   group = example-users
 */
#include <stdio.h>
#include <string.h>

#include <scimsync/plugin.h>

#define EXAMPLE_MAX_USERS 64
#define EXAMPLE_NAME_MAX 64
#define EXAMPLE_VALUE_MAX 256

struct example_user {
    char name[EXAMPLE_NAME_MAX]; /* as configured: "alice" */
    char id[EXAMPLE_VALUE_MAX];  /* "example:alice" -> externalId */
    char upn[EXAMPLE_VALUE_MAX]; /* "alice@example.com" */
    char display[EXAMPLE_VALUE_MAX];
};

struct example_source {
    const struct scimsync_host *h;
    const char *family_name;
    const char *group; /* NULL: users only */
    struct example_user users[EXAMPLE_MAX_USERS];
    size_t nusers;
    size_t next; /* next entry index; users first, then the group */

    /* The entry handed out by next(), valid until the following call. */
    const char *values[4];
    struct scimsync_attr attrs[4];
    const char *members[EXAMPLE_MAX_USERS];
    struct scimsync_entry entry;
};

static const struct scimsync_config_key example_keys[] = {
    {"users", SCIMSYNC_KEY_STRING, 1, NULL,
     "comma-separated user names (letters, digits, '.', '-', '_'); at most 64"},
    {"domain", SCIMSYNC_KEY_STRING, 0, "example.com", "domain appended to each name for userName"},
    {"family_name", SCIMSYNC_KEY_STRING, 0, "Example", "familyName given to every user"},
    {"group", SCIMSYNC_KEY_STRING, 0, NULL, "name of a group holding every user (optional)"},
    {NULL, 0, 0, NULL, NULL},
};

static const char *const example_default_mapping[] = {
    "userName=${userName}",
    "displayName=${displayName}",
    "givenName=${givenName}",
    "familyName=${familyName}",
    "email=${userName}",
    "group.displayName=${displayName}",
    NULL,
};

static int valid_name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '-' || c == '_';
}

/* One name from the `users` list into u; the name is [start, start + len). */
static int add_user(struct example_source *s, const char *domain, const char *start, size_t len)
{
    const char *where = s->h->config_where(s->h, "users");
    struct example_user *u;
    size_t i;

    if (s->nusers == EXAMPLE_MAX_USERS) {
        s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s: users: more than %d names", where,
                  EXAMPLE_MAX_USERS);
        return SCIMSYNC_ERR_CONFIG;
    }
    if (len == 0 || len >= EXAMPLE_NAME_MAX) {
        s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s: users: name %zu is empty or longer than %d bytes",
                  where, s->nusers + 1, EXAMPLE_NAME_MAX - 1);
        return SCIMSYNC_ERR_CONFIG;
    }
    for (i = 0; i < len; i++) {
        if (!valid_name_char(start[i])) {
            s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s: users: name %zu: character '%c' not allowed",
                      where, s->nusers + 1, start[i]);
            return SCIMSYNC_ERR_CONFIG;
        }
    }
    u = &s->users[s->nusers];
    memcpy(u->name, start, len);
    u->name[len] = '\0';
    for (i = 0; i < s->nusers; i++) {
        if (strcmp(s->users[i].name, u->name) == 0) {
            s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s: users: '%s' listed twice", where, u->name);
            return SCIMSYNC_ERR_CONFIG;
        }
    }
    /* Formatted from the configuration text, not from u->name: the
     * destination and the argument must not share an object. */
    if ((size_t)snprintf(u->id, sizeof u->id, "example:%.*s", (int)len, start) >= sizeof u->id ||
        (size_t)snprintf(u->upn, sizeof u->upn, "%.*s@%s", (int)len, start, domain) >=
            sizeof u->upn ||
        (size_t)snprintf(u->display, sizeof u->display, "%.*s %s", (int)len, start,
                         s->family_name) >= sizeof u->display) {
        s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s: users: '%s': domain or family_name too long",
                  where, u->name);
        return SCIMSYNC_ERR_CONFIG;
    }
    s->nusers++;
    return 0;
}

static int parse_users(struct example_source *s, const char *list, const char *domain)
{
    const char *p = list;

    while (*p) {
        const char *end = strchr(p, ',');
        const char *stop = end ? end : p + strlen(p);
        int rc;

        while (p < stop && *p == ' ')
            p++;
        while (stop > p && stop[-1] == ' ')
            stop--;
        rc = add_user(s, domain, p, (size_t)(stop - p));
        if (rc < 0)
            return rc;
        if (!end)
            break;
        p = end + 1;
    }
    return 0;
}

static int example_create(const struct scimsync_host *h, void **inst)
{
    struct example_source *s = h->alloc(sizeof *s);
    const char *domain;
    int rc;

    if (!s)
        return SCIMSYNC_ERR_NOMEM;
    memset(s, 0, sizeof *s);
    s->h = h;
    s->family_name = h->config_get(h, "family_name");
    s->group = h->config_get(h, "group");
    domain = h->config_get(h, "domain");
    rc = parse_users(s, h->config_get(h, "users"), domain);
    if (rc < 0) {
        h->free(s);
        return rc;
    }
    *inst = s;
    return 0;
}

static void example_destroy(void *inst)
{
    struct example_source *s = inst;

    if (s)
        s->h->free(s);
}

static int example_open(void *inst)
{
    struct example_source *s = inst;

    s->next = 0;
    return 0;
}

static void set_attr(struct example_source *s, size_t i, const char *name, const char *value)
{
    s->values[i] = value;
    s->attrs[i].name = name;
    s->attrs[i].values = &s->values[i];
    s->attrs[i].nvalues = 1;
}

static int example_next(void *inst, const struct scimsync_entry **out)
{
    struct example_source *s = inst;
    struct scimsync_entry *e = &s->entry;
    size_t i;

    memset(e, 0, sizeof *e);
    e->attrs = s->attrs;
    if (s->next < s->nusers) {
        const struct example_user *u = &s->users[s->next++];

        e->kind = SCIMSYNC_ENTRY_USER;
        e->id = u->id;
        e->where = u->name;
        set_attr(s, 0, "userName", u->upn);
        set_attr(s, 1, "displayName", u->display);
        set_attr(s, 2, "givenName", u->name);
        set_attr(s, 3, "familyName", s->family_name);
        e->nattrs = 4;
        *out = e;
        return 1;
    }
    if (s->group && s->next == s->nusers) {
        s->next++;
        e->kind = SCIMSYNC_ENTRY_GROUP;
        e->id = s->group;
        e->where = "group";
        set_attr(s, 0, "displayName", s->group);
        e->nattrs = 1;
        for (i = 0; i < s->nusers; i++)
            s->members[i] = s->users[i].id;
        e->members = s->members;
        e->nmembers = s->nusers;
        *out = e;
        return 1;
    }
    return 0;
}

static void example_close(void *inst)
{
    (void)inst;
}

static const struct scimsync_source_ops example_source_ops = {
    .open = example_open,
    .next = example_next,
    .close = example_close,
    .default_mapping = example_default_mapping,
};

SCIMSYNC_PLUGIN_DEFINE = {
    SCIMSYNC_PLUGIN_V1(SCIMSYNC_PLUGIN_SOURCE, "example", "1.0.0",
                       "Example out-of-tree source: users named in its configuration"),
    .keys = example_keys,
    .create = example_create,
    .destroy = example_destroy,
    .source = &example_source_ops,
};
