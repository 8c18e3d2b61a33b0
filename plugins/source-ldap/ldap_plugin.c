/* The ldap source plugin: configuration keys, instance life cycle, and
 * the descriptor the host loads (reading the keys: ldap_conf.c). */
#include "source.h"

#include <signal.h>
#include <stdlib.h>
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

static const char *const dialects[] = {"auto", "ad", "openldap", NULL};

/* Checked by the host before create(). */
static const struct scimsync_key_limit limits[] = {
    SCIMSYNC_KEY_RANGE("page_size", 1, 100000), SCIMSYNC_KEY_RANGE("timeout", 1, 86400),
    SCIMSYNC_KEY_RANGE("member_range_step", 0, 1000000), SCIMSYNC_KEY_CHOICES("dialect", dialects),
    SCIMSYNC_KEY_LIMITS_END};

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

static void source_destroy(void *inst)
{
    struct lsrc_source *s = inst;
    if (!s)
        return;
    lsrc_read_close(s);
    lsrc_select_clear(s);
    lsrc_conf_free(&s->conf);
    free(s);
}

static int source_create(const struct scimsync_host *host, void **inst)
{
    struct lsrc_source *s = calloc(1, sizeof *s);
    int ret;
    *inst = NULL;
    if (!s)
        return SCIMSYNC_ERR_NOMEM;
    s->host = host;
    if ((ret = lsrc_conf_read(host, &s->conf)) < 0) {
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

static const struct scimsync_source_ops source_ops = {
    .open = source_open,
    .next = lsrc_read_next,
    .close = lsrc_read_close,
    .default_mapping = default_mapping,
};

SCIMSYNC_PLUGIN_DEFINE = {
    SCIMSYNC_PLUGIN_V1(SCIMSYNC_PLUGIN_SOURCE, "ldap", "0.1.0",
                       "LDAP / Active Directory users and groups (paged, nested groups)"),
    .keys = keys,
    .key_limits = limits,
    .create = source_create,
    .destroy = source_destroy,
    .source = &source_ops,
    .check = lsrc_check,
    .open_selection = source_open_selection,
};
