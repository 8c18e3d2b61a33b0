/* The ldap source plugin: configuration keys, instance life cycle, and
 * the descriptor the host loads. */
#include "source.h"

#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static const struct scimsync_config_key keys[] = {
    {"uri", SCIMSYNC_KEY_URL, 1, NULL,
     "server URIs, space separated, tried in order (ldaps://dc1 ldaps://dc2); a bare host "
     "name means ldaps://HOST"},
    {"bind_dn", SCIMSYNC_KEY_STRING, 0, NULL, "DN or UPN to bind as (empty: anonymous)"},
    {"bind_password", SCIMSYNC_KEY_SECRET, 0, NULL,
     "password of bind_dn (env:VAR, file:/path, ...)"},
    {"start_tls", SCIMSYNC_KEY_BOOL, 0, "false", "StartTLS on ldap:// URIs"},
    {"ca_file", SCIMSYNC_KEY_INPUT_PATH, 0, NULL,
     "CA certificates (PEM) that sign the server certificate"},
    {"verify_tls", SCIMSYNC_KEY_BOOL, 0, "true", "verify the server certificate and name"},
    {"base_dn", SCIMSYNC_KEY_STRING, 0, NULL, "search base for users (default: from the RootDSE)"},
    {"group_base_dn", SCIMSYNC_KEY_STRING, 0, NULL,
     "search base for synced groups (default: base_dn)"},
    {"user_filter", SCIMSYNC_KEY_STRING, 0, NULL,
     "LDAP filter selecting users (default per dialect)"},
    {"group_filter", SCIMSYNC_KEY_STRING, 0, NULL,
     "LDAP filter selecting groups (default per dialect)"},
    {"users_from_group", SCIMSYNC_KEY_STRING, 0, NULL,
     "sync only the (transitive) members of this group: a DN or a group name"},
    {"group_name_pattern", SCIMSYNC_KEY_STRING, 0, NULL,
     "sync only groups whose cn matches this wildcard (aws-*)"},
    {"nested_groups", SCIMSYNC_KEY_BOOL, 0, "true", "resolve groups nested in groups"},
    {"dialect", SCIMSYNC_KEY_STRING, 0, "auto", "ad, openldap or auto (from the RootDSE)"},
    {"external_id", SCIMSYNC_KEY_STRING, 0, NULL,
     "attribute that becomes externalId (default: objectGUID on AD, entryUUID on OpenLDAP)"},
    {"login_attribute", SCIMSYNC_KEY_STRING, 0, NULL,
     "attribute exposed as loginName (default: userPrincipalName on AD, uid on OpenLDAP)"},
    {"attributes", SCIMSYNC_KEY_STRING, 0, NULL, "more attributes to read, space separated"},
    {"page_size", SCIMSYNC_KEY_INT, 0, "500", "entries per page (simple paged results)"},
    {"member_range_step", SCIMSYNC_KEY_INT, 0, "0",
     "AD: group members per request (0: the server's MaxValRange)"},
    {"timeout", SCIMSYNC_KEY_INT, 0, "30", "seconds for connecting and for each request"},
    {NULL, 0, 0, NULL, NULL}};

/* Works for Active Directory as is; on OpenLDAP the plugin derives the AD
 * names (loginName, displayName, company, employeeID, department). */
static const char *const default_mapping[] = {"userName=${loginName}",
                                              "givenName=${givenName}",
                                              "familyName=${sn}",
                                              "displayName=${displayName}",
                                              "email=${mail}",
                                              "title=${title}",
                                              "department=${department}",
                                              "organization=${company}",
                                              "employeeNumber=${employeeID}",
                                              "manager=${managerId}",
                                              "active=${active}",
                                              "group.displayName=${cn}",
                                              NULL};

static int get_int(const struct scimsync_host *h, const char *key, long min, long max, long *out)
{
    int ret = h->config_get_int(h, key, out);
    if (ret < 0)
        return ret;
    if (*out < min || *out > max) {
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: %s: must be between %ld and %ld",
               h->config_where(h, key), key, min, max);
        return SCIMSYNC_ERR_CONFIG;
    }
    return 0;
}

static const char *nonempty(const struct scimsync_host *h, const char *key)
{
    const char *v = h->config_get(h, key);
    return v && *v ? v : NULL;
}

static void source_destroy(void *inst)
{
    struct lsrc_source *s = inst;
    if (!s)
        return;
    lsrc_read_close(s);
    lsrc_select_clear(s);
    for (int i = 0; i < s->conf.nuris; i++)
        free(s->conf.uris[i]);
    for (int i = 0; i < s->conf.nextra_attrs; i++)
        free(s->conf.extra_attrs[i]);
    free(s);
}

static int read_conf(const struct scimsync_host *h, struct lsrc_conf *c)
{
    int ret;
    const char *uri = nonempty(h, "uri");
    c->nuris = uri ? lsrc_split_words(uri, c->uris, LSRC_MAX_URIS) : 0;
    if (c->nuris <= 0) {
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: uri: give 1 to %d server URIs",
               h->config_where(h, "uri"), LSRC_MAX_URIS);
        return SCIMSYNC_ERR_CONFIG;
    }
    for (int i = 0; i < c->nuris; i++) {
        char *full = lsrc_uri_with_scheme(c->uris[i]);
        if (!full)
            return SCIMSYNC_ERR_NOMEM;
        free(c->uris[i]);
        c->uris[i] = full;
        if (!ldap_is_ldap_url(c->uris[i]) && !ldap_is_ldaps_url(c->uris[i])) {
            h->log(h, SCIMSYNC_LOG_ERROR, "%s: uri: %s is not an ldap:// or ldaps:// URI",
                   h->config_where(h, "uri"), c->uris[i]);
            return SCIMSYNC_ERR_CONFIG;
        }
    }
    const char *attrs = nonempty(h, "attributes");
    c->nextra_attrs = attrs ? lsrc_split_words(attrs, c->extra_attrs, LSRC_MAX_ATTRS) : 0;
    if (c->nextra_attrs < 0) {
        c->nextra_attrs = 0;
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: attributes: at most %d",
               h->config_where(h, "attributes"), LSRC_MAX_ATTRS);
        return SCIMSYNC_ERR_CONFIG;
    }
    c->bind_dn = nonempty(h, "bind_dn");
    c->bind_password = h->config_get(h, "bind_password");
    if (c->bind_dn && !c->bind_password) {
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: bind_dn is set but bind_password is not",
               h->config_where(h, "bind_dn"));
        return SCIMSYNC_ERR_CONFIG;
    }
    c->ca_file = nonempty(h, "ca_file");
    c->base_dn = nonempty(h, "base_dn");
    c->group_base_dn = nonempty(h, "group_base_dn");
    c->user_filter = nonempty(h, "user_filter");
    c->group_filter = nonempty(h, "group_filter");
    c->users_from_group = nonempty(h, "users_from_group");
    c->group_name_pattern = nonempty(h, "group_name_pattern");
    c->external_id = nonempty(h, "external_id");
    c->login_attribute = nonempty(h, "login_attribute");
    c->start_tls = 0;
    c->verify_tls = 1;
    c->nested_groups = 1;
    c->page_size = 500;
    c->timeout = 30;
    c->member_range_step = 0;
    if ((ret = h->config_get_bool(h, "start_tls", &c->start_tls)) < 0 ||
        (ret = h->config_get_bool(h, "verify_tls", &c->verify_tls)) < 0 ||
        (ret = h->config_get_bool(h, "nested_groups", &c->nested_groups)) < 0 ||
        (ret = get_int(h, "page_size", 1, 100000, &c->page_size)) < 0 ||
        (ret = get_int(h, "timeout", 1, 86400, &c->timeout)) < 0 ||
        (ret = get_int(h, "member_range_step", 0, 1000000, &c->member_range_step)) < 0)
        return ret;
    const char *d = nonempty(h, "dialect");
    if (!d || strcasecmp(d, "auto") == 0) {
        c->dialect = LSRC_DIALECT_AUTO;
    } else if (strcasecmp(d, "ad") == 0) {
        c->dialect = LSRC_DIALECT_AD;
    } else if (strcasecmp(d, "openldap") == 0) {
        c->dialect = LSRC_DIALECT_OPENLDAP;
    } else {
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: dialect: %s is not ad, openldap or auto",
               h->config_where(h, "dialect"), d);
        return SCIMSYNC_ERR_CONFIG;
    }
    if (c->group_name_pattern) {
        char *probe = lsrc_pattern_filter("cn", c->group_name_pattern);
        if (!probe) {
            h->log(h, SCIMSYNC_LOG_ERROR, "%s: group_name_pattern: not a usable pattern",
                   h->config_where(h, "group_name_pattern"));
            return SCIMSYNC_ERR_CONFIG;
        }
        free(probe);
    }
    return 0;
}

static int source_create(const struct scimsync_host *host, void **inst)
{
    struct lsrc_source *s = calloc(1, sizeof *s);
    int ret;
    *inst = NULL;
    if (!s)
        return SCIMSYNC_ERR_NOMEM;
    s->host = host;
    if ((ret = read_conf(host, &s->conf)) < 0) {
        source_destroy(s);
        return ret;
    }
    *inst = s;
    return 0;
}

/* libldap writes to its socket with write(): a server that closed the
 * connection would kill the process with SIGPIPE instead of returning an
 * error.  Ignore it unless the host installed its own handler. */
static void ignore_sigpipe(const struct scimsync_host *h)
{
    struct sigaction old;
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
        struct sigaction ign = {.sa_handler = SIG_IGN};
        sigemptyset(&ign.sa_mask);
        sigaction(SIGPIPE, &ign, NULL);
        h->log(h, SCIMSYNC_LOG_DEBUG,
               "SIGPIPE ignored: LDAP connection errors are reported instead");
    }
}

/* Said on every run, as long as the setting stays. */
static void warn_unverified(const struct lsrc_source *s)
{
    const struct scimsync_host *h = s->host;
    const struct lsrc_conf *c = &s->conf;
    int tls = c->start_tls;
    for (int i = 0; i < c->nuris && !tls; i++)
        tls = strncasecmp(c->uris[i], "ldaps:", 6) == 0;
    if (!c->verify_tls && tls)
        h->log(h, SCIMSYNC_LOG_WARN,
               "%s: verify_tls is OFF: the server's certificate is not checked, so anyone on "
               "the network path can impersonate %s and read the bind password",
               h->config_where(h, "verify_tls"), c->uris[0]);
}

static int read_open(struct lsrc_source *s)
{
    ignore_sigpipe(s->host);
    warn_unverified(s);
    int ret = lsrc_read_open(s);
    if (ret < 0) {
        lsrc_read_close(s);
        s->failed = ret;
    }
    return ret;
}

static int source_open(void *inst)
{
    struct lsrc_source *s = inst;
    lsrc_select_clear(s);
    return read_open(s);
}

/* ABI 1.2: one user and its groups (ldap_select.c). */
static int source_open_selection(void *inst, const struct scimsync_selection *sel)
{
    struct lsrc_source *s = inst;
    int ret = lsrc_select_set(s, sel);
    if (ret < 0) {
        s->failed = ret;
        return ret;
    }
    return read_open(s);
}

static int source_next(void *inst, const struct scimsync_entry **out)
{
    return lsrc_read_next(inst, out);
}

static void source_close(void *inst)
{
    lsrc_read_close(inst);
}

static const struct scimsync_source_ops source_ops = {
    .open = source_open,
    .next = source_next,
    .close = source_close,
    .default_mapping = default_mapping,
};

SCIMSYNC_PLUGIN_DEFINE = {
    .abi_major = SCIMSYNC_ABI_MAJOR,
    .abi_minor = SCIMSYNC_ABI_MINOR,
    .struct_size = sizeof(struct scimsync_plugin),
    .kind = SCIMSYNC_PLUGIN_SOURCE,
    .name = "ldap",
    .version = "0.1.0",
    .description = "LDAP / Active Directory users and groups (paged, nested groups)",
    .keys = keys,
    .create = source_create,
    .destroy = source_destroy,
    .source = &source_ops,
    .check = lsrc_check,
    .open_selection = source_open_selection,
};
