/* The SCIM 2.0 target (IAM Identity Center and generic servers): the
 * descriptor, configuration and instance lifetime. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <scimsync/plugin.h>

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
    {"verify_tls", SCIMSYNC_KEY_BOOL, 0, "true",
     "verify the server certificate; off exposes the token to anyone on the path"},
    {NULL, 0, 0, NULL, NULL},
};

static int config_error(struct scim *s, const char *key, const char *why)
{
    s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s: %s: %s", s->h->config_where(s->h, key), key, why);
    return SCIMSYNC_ERR_CONFIG;
}

static int int_in_range(struct scim *s, const char *key, long lo, long hi, long *out)
{
    char why[64];
    if (s->h->config_get_int(s->h, key, out) < 0)
        return SCIMSYNC_ERR_CONFIG;
    if (*out < lo || *out > hi) {
        snprintf(why, sizeof(why), "must be between %ld and %ld", lo, hi);
        return config_error(s, key, why);
    }
    return 0;
}

static int read_config(struct scim *s)
{
    const struct scimsync_host *h = s->h;
    const char *url = h->config_get(h, "url"), *profile = h->config_get(h, "profile");
    char why[160];
    int rc = 0;

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
    } else if (!strcmp(profile, "identity-center"))
        s->profile = SCIM_PROFILE_IDENTITY_CENTER;
    else if (!strcmp(profile, "generic"))
        s->profile = SCIM_PROFILE_GENERIC;
    else
        return config_error(s, "profile", "must be identity-center or generic");
    for (int k = 0; k < SCIM_BUDGETS; k++) {
        static const char *const rate_keys[SCIM_BUDGETS] = {"rate_limit", "read_rate",
                                                            "write_rate", "member_op_rate"};
        const char *v = h->config_get(h, rate_keys[k]);
        s->rate_cfg[k] = -1; /* the profile's default */
        if (!v || !*v)
            continue;
        if (h->config_get_double(h, rate_keys[k], &s->rate_cfg[k]) < 0)
            return SCIMSYNC_ERR_CONFIG;
        if (k == SCIM_BUDGET_MEMBER && !(s->rate_cfg[k] >= 0 && s->rate_cfg[k] <= 1000000))
            return config_error(s, rate_keys[k],
                                "must be between 0 and 1000000 member values per second");
        if (k != SCIM_BUDGET_MEMBER && !(s->rate_cfg[k] >= 0 && s->rate_cfg[k] <= 10000))
            return config_error(s, rate_keys[k],
                                "must be between 0 and 10000 requests per second");
    }
    if ((rc = int_in_range(s, "max_connections", 1, 64, &s->max_conn)) < 0 ||
        (rc = int_in_range(s, "timeout", 1, 600, &s->timeout_s)) < 0 ||
        (rc = int_in_range(s, "retries", 0, 20, &s->retries)) < 0 ||
        (rc = int_in_range(s, "request_deadline", 1, 3600, &s->deadline_s)) < 0)
        return rc;
    s->ca_file = h->config_get(h, "ca_file");
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
    .abi_major = SCIMSYNC_ABI_MAJOR,
    .abi_minor = SCIMSYNC_ABI_MINOR,
    .struct_size = sizeof(struct scimsync_plugin),
    .kind = SCIMSYNC_PLUGIN_TARGET,
    .name = "scim",
    .version = SCIM_PLUGIN_VERSION,
    .description = "SCIM 2.0 target: AWS IAM Identity Center or a generic SCIM server",
    .keys = scim_keys,
    .create = scim_create,
    .destroy = scim_destroy,
    .target = &scim_target_ops,
    .check = scim_check,
    .find_users = scim_find_users,
    .find_groups = scim_find_groups,
};
