/* The SCIM 2.0 target (IAM Identity Center and generic servers): the
 * descriptor, configuration and instance lifetime. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <scimsync/plugin.h>

#include "scim_extra.h"
#include "scim_target.h"

static const struct scimsync_config_key scim_keys[] = {
    {"url", SCIMSYNC_KEY_URL, 1, NULL,
     "SCIM base URL, e.g. https://scim.eu-west-1.amazonaws.com/<tenant>/scim/v2/"},
    {"token", SCIMSYNC_KEY_SECRET, 1, NULL, "bearer token reference (env:VAR, file:/path, ...)"},
    {"profile", SCIMSYNC_KEY_STRING, 0, NULL,
     "identity-center or generic; default: identity-center for scim.<region>.amazonaws.com, "
     "else probed"},
    {"rate_limit", SCIMSYNC_KEY_DOUBLE, 0, NULL,
     "overall cap, requests per second, retries included; 0 = none; default none "
     "(identity-center), 50 (generic)"},
    {"read_rate", SCIMSYNC_KEY_DOUBLE, 0, NULL,
     "GET requests per second, retries included; 0 = unpaced; default 40 (identity-center), "
     "0 (generic)"},
    {"write_rate", SCIMSYNC_KEY_DOUBLE, 0, NULL,
     "POST / PATCH / PUT / DELETE requests per second; 0 = unpaced; default 25 "
     "(identity-center), 0 (generic)"},
    {"member_op_rate", SCIMSYNC_KEY_DOUBLE, 0, NULL,
     "member values added or removed per second (a PATCH of 100 values takes 100); 0 = "
     "unpaced; default 100 (identity-center), 0 (generic)"},
    {"max_connections", SCIMSYNC_KEY_INT, 0, "10", "HTTP transfers in flight at once (1-64)"},
    {"timeout", SCIMSYNC_KEY_INT, 0, "30", "seconds one HTTP request may take (1-600)"},
    {"retries", SCIMSYNC_KEY_INT, 0, "6",
     "retries of a request after 429, 5xx or a connection failure (0-20)"},
    {"request_deadline", SCIMSYNC_KEY_INT, 0, "120",
     "seconds one request may take with all its retries and waits (1-3600)"},
    {"ca_file", SCIMSYNC_KEY_INPUT_PATH, 0, NULL, "CA bundle to verify the server with"},
    {"custom_schema", SCIMSYNC_KEY_STRING, 0, NULL,
     "schema URN of the custom.NAME extra attributes (generic profile)"},
    {"verify_tls", SCIMSYNC_KEY_BOOL, 0, "true",
     "verify the server certificate; off exposes the token to anyone on the path"},
    {NULL, 0, 0, NULL, NULL},
};

static const char *const scim_profiles[] = {"identity-center", "generic", NULL};

/* Checked by the host before create() (validate reports them too). */
static const struct scimsync_key_limit scim_limits[] = {
    SCIMSYNC_KEY_CHOICES("profile", scim_profiles),
    SCIMSYNC_KEY_RANGE("rate_limit", 0, 10000),
    SCIMSYNC_KEY_RANGE("read_rate", 0, 10000),
    SCIMSYNC_KEY_RANGE("write_rate", 0, 10000),
    SCIMSYNC_KEY_RANGE("member_op_rate", 0, 1000000),
    SCIMSYNC_KEY_RANGE("max_connections", 1, 64),
    SCIMSYNC_KEY_RANGE("timeout", 1, 600),
    SCIMSYNC_KEY_RANGE("retries", 0, 20),
    SCIMSYNC_KEY_RANGE("request_deadline", 1, 3600),
    SCIMSYNC_KEY_LIMITS_END,
};

static int config_error(struct scim *s, const char *key, const char *why)
{
    s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s: %s: %s", s->h->config_where(s->h, key), key, why);
    return SCIMSYNC_ERR_CONFIG;
}

/* descriptor extra_check: whether the profile this section configures
 * takes extra attribute `name` (validate runs it before any instance). */
static int scim_extra_check(const struct scimsync_host *h, const char *name, char *why,
                            size_t whylen)
{
    const char *profile = h->config_get(h, "profile"), *url = h->config_get(h, "url");
    enum scim_profile p = SCIM_PROFILE_GENERIC;
    struct scim_extra_path path;

    if (profile && *profile) {
        if (strcasecmp(profile, "identity-center") == 0)
            p = SCIM_PROFILE_IDENTITY_CENTER;
    } else if (url) {
        /* no profile: an AWS host name is Identity Center */
        struct scim_base_url u;
        char err[160];
        if (scim_base_url_parse(url, &u, err, sizeof err) == 0) {
            if (u.aws_scim)
                p = SCIM_PROFILE_IDENTITY_CENTER;
            scim_base_url_free(&u);
        }
    }
    if (scim_extra_resolve(name, p, h->config_get(h, "custom_schema"), &path, why, whylen) < 0)
        return SCIMSYNC_ERR_CONFIG;
    return 0;
}

static int read_config(struct scim *s)
{
    const struct scimsync_host *h = s->h;
    const char *url = h->config_get(h, "url"), *profile = h->config_get(h, "profile");
    char why[160];

    if (scim_base_url_parse(url, &s->url, why, sizeof(why)) < 0)
        return config_error(s, "url", why);
    s->token = h->config_get(h, "token");
    if (!s->token || !*s->token)
        return config_error(s, "token", "the secret is empty");
    if (strpbrk(s->token, "\r\n"))
        return config_error(s, "token", "the secret contains a line break");
    if (!profile || !*profile) {
        s->profile = s->url.aws_scim ? SCIM_PROFILE_IDENTITY_CENTER : SCIM_PROFILE_GENERIC;
        s->profile_auto = !s->url.aws_scim; /* generic until the probe says otherwise */
    } else { /* one of the choices: the host checked them (scim_limits) */
        s->profile = !strcasecmp(profile, "identity-center") ? SCIM_PROFILE_IDENTITY_CENTER
                                                             : SCIM_PROFILE_GENERIC;
    }
    for (int k = 0; k < SCIM_BUDGETS; k++) {
        static const char *const rate_keys[SCIM_BUDGETS] = {"rate_limit", "read_rate",
                                                            "write_rate", "member_op_rate"};
        const char *v = h->config_get(h, rate_keys[k]);
        s->rate_cfg[k] = -1; /* the profile's default */
        if (!v || !*v)
            continue;
        if (h->config_get_double(h, rate_keys[k], &s->rate_cfg[k]) < 0)
            return SCIMSYNC_ERR_CONFIG;
    }
    if (h->config_get_int(h, "max_connections", &s->max_conn) < 0 ||
        h->config_get_int(h, "timeout", &s->timeout_s) < 0 ||
        h->config_get_int(h, "retries", &s->retries) < 0 ||
        h->config_get_int(h, "request_deadline", &s->deadline_s) < 0)
        return SCIMSYNC_ERR_CONFIG;
    s->ca_file = h->config_get(h, "ca_file");
    s->custom_schema = h->config_get(h, "custom_schema");
    if (h->config_get_bool(h, "verify_tls", &s->verify_tls) < 0)
        return SCIMSYNC_ERR_CONFIG;
    if (!s->verify_tls && s->url.https)
        h->log(h, SCIMSYNC_LOG_WARN,
               "%s: verify_tls is OFF: the server's certificate is not checked, so anyone on "
               "the network path can impersonate %s and read the token",
               h->config_where(h, "verify_tls"), s->url.base);
    if (!s->url.https && !s->url.loopback)
        h->log(h, SCIMSYNC_LOG_WARN,
               "%s: url is plain http: the token crosses the network unencrypted",
               h->config_where(h, "url"));
    double c[SCIM_BUDGETS];
    scim_pacing_ceilings(s, c);
    h->log(h, SCIMSYNC_LOG_DEBUG,
           "%s: profile %s, rate_limit %g, read_rate %g, write_rate %g, member_op_rate %g "
           "(0: unpaced), %ld connections",
           s->url.base,
           s->profile_auto ? "probed at the first run"
           : s->profile == SCIM_PROFILE_IDENTITY_CENTER ? "identity-center"
                                                        : "generic",
           c[SCIM_BUDGET_ALL], c[SCIM_BUDGET_READ], c[SCIM_BUDGET_WRITE], c[SCIM_BUDGET_MEMBER],
           s->max_conn);
    return 0;
}

static void scim_destroy(void *inst)
{
    struct scim *s = inst;
    if (!s)
        return;
    if (s->tx)
        s->tx->cleanup(s);
    scim_listed_reset(s);
    scim_prefetch_free(s);
    scim_base_url_free(&s->url);
    free(s);
    curl_global_cleanup();
}

static int scim_create(const struct scimsync_host *h, void **inst)
{
    struct scim *s;
    int rc;

    *inst = NULL;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        h->log(h, SCIMSYNC_LOG_ERROR, "libcurl failed to initialize");
        return SCIMSYNC_ERR;
    }
    s = calloc(1, sizeof(*s));
    if (!s) {
        curl_global_cleanup();
        return SCIMSYNC_ERR_NOMEM;
    }
    s->h = h;
    s->tx = &scim_curl_transport;
    s->read_ahead = 1;
    /* different jitter in every process, so clients never retry in step */
    s->rng = ((uint64_t)time(NULL) << 20) ^ (uint64_t)getpid() ^ (uint64_t)(uintptr_t)s;
    rc = read_config(s);
    if (rc < 0) {
        scim_destroy(s);
        return rc;
    }
    *inst = s;
    return 0;
}

static const struct scimsync_target_ops scim_target_ops = {
    .list_users = scim_list_users,
    .list_groups = scim_list_groups,
    .list_members = scim_list_members,
    .apply = scim_apply,
};

SCIMSYNC_PLUGIN_DEFINE = {
    SCIMSYNC_PLUGIN_V1(SCIMSYNC_PLUGIN_TARGET, "scim", SCIM_PLUGIN_VERSION,
                       "SCIM 2.0 target: AWS IAM Identity Center or a generic SCIM server"),
    .keys = scim_keys,
    .key_limits = scim_limits,
    .extra_check = scim_extra_check,
    .create = scim_create,
    .destroy = scim_destroy,
    .target = &scim_target_ops,
    .check = scim_check,
    .find_users = scim_find_users,
    .find_groups = scim_find_groups,
};
