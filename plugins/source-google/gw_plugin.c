/* The google source plugin: configuration keys, instance life cycle, and
 * the descriptor the host loads. */
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "gw_source.h"
#include "ssp_conf.h"

static const struct scimsync_config_key keys[] = {
    {"credentials", SCIMSYNC_KEY_SECRET, 1, NULL,
     "the service account key file (JSON) as a reference: file:/path, "
     "aws-secretsmanager:NAME, env:VAR"},
    {"subject", SCIMSYNC_KEY_STRING, 1, NULL,
     "the admin user the service account acts as (domain-wide delegation)"},
    {"customer", SCIMSYNC_KEY_STRING, 0, "my_customer",
     "the account whose users and groups are read (my_customer: the subject's)"},
    {"domain", SCIMSYNC_KEY_STRING, 0, NULL,
     "read only this domain's users and groups (instead of customer)"},
    {"user_query", SCIMSYNC_KEY_STRING, 0, NULL,
     "Directory API query selecting users (isSuspended=false orgUnitPath=/Eng)"},
    {"group_query", SCIMSYNC_KEY_STRING, 0, NULL,
     "Directory API query selecting groups (email:aws-*)"},
    {"users_from_group", SCIMSYNC_KEY_STRING, 0, NULL,
     "sync only the (transitive) members of this group: its address or id"},
    {"group_name_pattern", SCIMSYNC_KEY_STRING, 0, NULL,
     "sync only groups whose name or address matches this wildcard (aws-*)"},
    {"nested_groups", SCIMSYNC_KEY_BOOL, 0, "true", "resolve groups nested in groups"},
    {"api_url", SCIMSYNC_KEY_STRING, 0, "https://admin.googleapis.com",
     "the Admin SDK endpoint (tests)"},
    {"token_url", SCIMSYNC_KEY_STRING, 0, NULL,
     "the token endpoint (default: token_uri of the key file)"},
    {"page_size", SCIMSYNC_KEY_INT, 0, "500",
     "entries per page (the API caps users at 500, groups and members at 200)"},
    {"rate_limit", SCIMSYNC_KEY_DOUBLE, 0, "10", "requests a second at most (0: unpaced)"},
    {"retries", SCIMSYNC_KEY_INT, 0, "6",
     "retries of one request after 429, 5xx, 403 rate limits or a connection failure"},
    {"timeout", SCIMSYNC_KEY_INT, 0, "30", "seconds one HTTP attempt may take"},
    {"request_deadline", SCIMSYNC_KEY_INT, 0, "120",
     "seconds one request may take with all its retries and waits"},
    {"ca_file", SCIMSYNC_KEY_PATH, 0, NULL, "CA certificates (PEM) for a TLS-intercepting proxy"},
    {"verify_tls", SCIMSYNC_KEY_BOOL, 0, "true", "verify the servers' certificates"},
    {NULL, 0, 0, NULL, NULL}};

/* Checked by the host before create(). */
static const struct scimsync_key_limit limits[] = {SCIMSYNC_KEY_RANGE("page_size", 1, 500),
                                                   SCIMSYNC_KEY_RANGE("rate_limit", 0, 10000),
                                                   SCIMSYNC_KEY_RANGE("retries", 0, 100),
                                                   SCIMSYNC_KEY_RANGE("timeout", 1, 3600),
                                                   SCIMSYNC_KEY_RANGE("request_deadline", 1, 86400),
                                                   SCIMSYNC_KEY_LIMITS_END};

/* Attribute names: docs/source-google.md. */
static const char *const default_mapping[] = {"userName=${primaryEmail}",
                                              "givenName=${name.givenName}",
                                              "familyName=${name.familyName}",
                                              "displayName=${name.fullName}",
                                              "email=${primaryEmail}",
                                              "title=${organizations.title}",
                                              "department=${organizations.department}",
                                              "costCenter=${organizations.costCenter}",
                                              "employeeNumber=${externalIds.organization.value}",
                                              "phone=${phones.value}",
                                              "manager=${managerId}",
                                              "active=${active}",
                                              "group.displayName=${name}",
                                              NULL};

static void source_destroy(void *inst)
{
    struct gw_source *s = inst;
    if (!s)
        return;
    gw_read_close(s);
    gw_select_clear(s);
    gw_auth_forget(s);
    gw_http_cleanup(s);
    gw_key_free(&s->key);
    free(s);
}

static int check_url(const struct scimsync_host *h, const char *key, const char *url)
{
    if (url && strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0) {
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: %s: %s is not an http:// or https:// URL",
               h->config_where(h, key), key, url);
        return SCIMSYNC_ERR_CONFIG;
    }
    return 0;
}

static int read_conf(const struct scimsync_host *h, struct gw_conf *c, struct gw_key *k)
{
    char err[256];
    int ret;
    c->credentials = h->config_get(h, "credentials");
    c->subject = ssp_conf_str(h, "subject");
    c->customer = ssp_conf_str(h, "customer");
    c->domain = ssp_conf_str(h, "domain");
    c->user_query = ssp_conf_str(h, "user_query");
    c->group_query = ssp_conf_str(h, "group_query");
    c->users_from_group = ssp_conf_str(h, "users_from_group");
    c->group_name_pattern = ssp_conf_str(h, "group_name_pattern");
    c->api_url = ssp_conf_str(h, "api_url");
    c->token_url = ssp_conf_str(h, "token_url");
    c->ca_file = ssp_conf_str(h, "ca_file");
    if (!c->customer)
        c->customer = "my_customer";
    if (!c->api_url)
        c->api_url = "https://admin.googleapis.com";
    c->verify_tls = 1;
    c->nested_groups = 1;
    c->page_size = 500;
    c->retries = 6;
    c->timeout = 30;
    c->request_deadline = 120;
    c->rate_limit = 10;
    if ((ret = h->config_get_bool(h, "verify_tls", &c->verify_tls)) < 0 ||
        (ret = h->config_get_bool(h, "nested_groups", &c->nested_groups)) < 0 ||
        (ret = h->config_get_int(h, "page_size", &c->page_size)) < 0 ||
        (ret = h->config_get_int(h, "retries", &c->retries)) < 0 ||
        (ret = h->config_get_int(h, "timeout", &c->timeout)) < 0 ||
        (ret = h->config_get_int(h, "request_deadline", &c->request_deadline)) < 0 ||
        (ret = h->config_get_double(h, "rate_limit", &c->rate_limit)) < 0)
        return ret;
    if (!c->subject) {
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: subject: the admin to act as must be set",
               h->config_where(h, "subject"));
        return SCIMSYNC_ERR_CONFIG;
    }
    if ((ret = check_url(h, "api_url", c->api_url)) < 0 ||
        (ret = check_url(h, "token_url", c->token_url)) < 0)
        return ret;
    if (!c->credentials || gw_key_parse(c->credentials, k, err, sizeof err) < 0) {
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: credentials: not a service account key file: %s",
               h->config_where(h, "credentials"), c->credentials ? err : "unset");
        return SCIMSYNC_ERR_CONFIG;
    }
    if (!c->token_url && (ret = check_url(h, "credentials", k->token_uri)) < 0)
        return ret;
    return 0;
}

static int source_create(const struct scimsync_host *host, void **inst)
{
    struct gw_source *s = calloc(1, sizeof *s);
    int ret;
    *inst = NULL;
    if (!s)
        return SCIMSYNC_ERR_NOMEM;
    s->host = host;
    s->rand_state = (unsigned)time(NULL) ^ (unsigned)getpid();
    s->phase = GW_PH_USERS;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        host->log(host, SCIMSYNC_LOG_ERROR, "libcurl: global initialisation failed");
        source_destroy(s);
        return SCIMSYNC_ERR;
    }
    if ((ret = read_conf(host, &s->conf, &s->key)) < 0) {
        source_destroy(s);
        return ret;
    }
    *inst = s;
    return 0;
}

static int read_open(struct gw_source *s)
{
    const struct scimsync_host *h = s->host;
    if (!s->conf.verify_tls)
        h->log(h, SCIMSYNC_LOG_WARN,
               "%s: verify_tls is OFF: anyone on the network path can read the access token "
               "and the directory",
               h->config_where(h, "verify_tls"));
    int ret = gw_read_open(s);
    if (ret < 0) {
        gw_read_close(s);
        s->failed = ret;
    }
    return ret;
}

static int source_open(void *inst)
{
    struct gw_source *s = inst;
    gw_select_clear(s);
    return read_open(s);
}

/* sync --user / --group: lookups instead of listings (gw_select.c). */
static int source_open_selection(void *inst, const struct scimsync_selection *sel)
{
    struct gw_source *s = inst;
    int ret = gw_select_set(s, sel);
    return ret < 0 ? ret : read_open(s);
}

static const struct scimsync_source_ops source_ops = {
    .open = source_open,
    .next = gw_read_next,
    .close = gw_read_close,
    .default_mapping = default_mapping,
};

SCIMSYNC_PLUGIN_DEFINE = {
    SCIMSYNC_PLUGIN_V1(
        SCIMSYNC_PLUGIN_SOURCE, "google", GW_PLUGIN_VERSION,
        "Google Workspace users and groups (Admin SDK Directory API, nested groups)"),
    .keys = keys,
    .key_limits = limits,
    .create = source_create,
    .destroy = source_destroy,
    .source = &source_ops,
    .open_selection = source_open_selection,
};
