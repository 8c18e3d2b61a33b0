/* The AWS credential chain: environment, container endpoint, IMDSv2. */
#include "aws_credentials.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "aws_request.h"
#include "log.h"
#include "secrets_schemes.h"

#define ECS_AGENT_HOST "169.254.170.2"
#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDS_TOKEN_TTL "21600"
#define CRED_FIELD_MAX 4096

static char *dup_str(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

void ss_aws_creds_clear(struct ss_aws_creds *c)
{
    wipe_free(c->access_key_id);
    wipe_free(c->secret_access_key);
    wipe_free(c->session_token);
    memset(c, 0, sizeof(*c));
}

int ss_aws_parse_time(const char *iso, time_t *out)
{
    struct tm tm = {0};
    int y, mo, d, h, mi, s, n = 0;
    const char *rest;

    if (sscanf(iso, "%4d-%2d-%2dT%2d:%2d:%2d%n", &y, &mo, &d, &h, &mi, &s, &n) != 6 || !n)
        return -1;
    rest = iso + n;
    if (*rest == '.') {
        rest++;
        if (*rest < '0' || *rest > '9')
            return -1;
        while (*rest >= '0' && *rest <= '9')
            rest++;
    }
    if (strcmp(rest, "Z") && strcmp(rest, "+00:00"))
        return -1;
    if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60)
        return -1;
    tm.tm_year = y - 1900;
    tm.tm_mon = mo - 1;
    tm.tm_mday = d;
    tm.tm_hour = h;
    tm.tm_min = mi;
    tm.tm_sec = s;
    *out = timegm(&tm);
    return 0;
}

/* A string member of obj, checked for size and header-safe characters. */
static int take_field(struct json_object *obj, const char *name, int required, char **out,
                      char *err, size_t errlen)
{
    struct json_object *v;
    const char *s;

    *out = NULL;
    if (!json_object_object_get_ex(obj, name, &v) || json_object_is_type(v, json_type_null)) {
        if (required) {
            snprintf(err, errlen, "credentials document has no %s", name);
            return -1;
        }
        return 0;
    }
    if (!json_object_is_type(v, json_type_string)) {
        snprintf(err, errlen, "credentials document: %s is not a string", name);
        return -1;
    }
    s = json_object_get_string(v);
    if (!*s && !required)
        return 0;
    if (!*s || strlen(s) > CRED_FIELD_MAX || strpbrk(s, "\r\n")) {
        snprintf(err, errlen, "credentials document: %s is empty, too long or malformed", name);
        return -1;
    }
    *out = dup_str(s);
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

int ss_aws_creds_from_json(const char *json, size_t len, struct ss_aws_creds *out, char *err,
                           size_t errlen)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *doc = NULL, *v;
    char *exp = NULL;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (!tok) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    doc = json_tokener_parse_ex(tok, json, (int)len);
    if (!doc || !json_object_is_type(doc, json_type_object)) {
        snprintf(err, errlen, "credentials document is not a JSON object");
        goto out;
    }
    /* IMDS reports failures in "Code". */
    if (json_object_object_get_ex(doc, "Code", &v) &&
        strcmp(json_object_get_string(v), "Success") != 0) {
        snprintf(err, errlen, "credentials document reports Code %.64s",
                 json_object_get_string(v));
        goto out;
    }
    if (take_field(doc, "AccessKeyId", 1, &out->access_key_id, err, errlen) < 0 ||
        take_field(doc, "SecretAccessKey", 1, &out->secret_access_key, err, errlen) < 0 ||
        take_field(doc, "Token", 0, &out->session_token, err, errlen) < 0 ||
        take_field(doc, "Expiration", 0, &exp, err, errlen) < 0)
        goto out;
    if (exp && ss_aws_parse_time(exp, &out->expiration) < 0) {
        snprintf(err, errlen, "credentials document: Expiration '%.40s' is not an ISO 8601 UTC time",
                 exp);
        goto out;
    }
    rc = 0;
out:
    if (rc < 0)
        ss_aws_creds_clear(out);
    free(exp);
    if (doc)
        json_object_put(doc);
    if (tok)
        json_tokener_free(tok);
    return rc;
}

/* The SDKs accept a FULL_URI only over https or to a host that cannot be
 * a remote attacker: loopback, or the ECS / EKS agent addresses. */
static int full_uri_host_ok(const char *url, char *err, size_t errlen)
{
    CURLU *u = curl_url();
    char *scheme = NULL, *host = NULL;
    int ok = 0;

    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_SCHEME, &scheme, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK) {
        snprintf(err, errlen, "AWS_CONTAINER_CREDENTIALS_FULL_URI is not a valid URL");
        goto out;
    }
    if (!strcasecmp(scheme, "https"))
        ok = 1;
    else if (!strcasecmp(scheme, "http"))
        ok = !strncmp(host, "127.", 4) || !strcasecmp(host, "localhost") ||
             !strcmp(host, "[::1]") || !strcmp(host, ECS_AGENT_HOST) ||
             !strcmp(host, "169.254.170.23") || !strcasecmp(host, "[fd00:ec2::23]");
    if (!ok)
        snprintf(err, errlen,
                 "AWS_CONTAINER_CREDENTIALS_FULL_URI must use https or a loopback / container "
                 "agent address (got host %.100s)",
                 host);
out:
    curl_free(scheme);
    curl_free(host);
    curl_url_cleanup(u);
    return ok ? 0 : -1;
}

int ss_aws_container_url(char *out, size_t outlen, char *err, size_t errlen)
{
    const char *rel = getenv("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI");
    const char *full = getenv("AWS_CONTAINER_CREDENTIALS_FULL_URI");
    int n;

    if (rel && *rel) {
        if (*rel != '/') {
            snprintf(err, errlen, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI must start with /");
            return -1;
        }
        n = snprintf(out, outlen, "http://" ECS_AGENT_HOST "%s", rel);
    } else if (full && *full) {
        if (full_uri_host_ok(full, err, errlen) < 0)
            return -1;
        n = snprintf(out, outlen, "%s", full);
    } else {
        return 0;
    }
    if (n < 0 || (size_t)n >= outlen) {
        snprintf(err, errlen, "container credentials URI too long");
        return -1;
    }
    return 1;
}

static int from_env(struct ss_aws_creds *out, char *err, size_t errlen)
{
    const char *id = getenv("AWS_ACCESS_KEY_ID");
    const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
    const char *token = getenv("AWS_SESSION_TOKEN");

    if ((!id || !*id) && (!secret || !*secret))
        return 0;
    if (!id || !*id || !secret || !*secret) {
        snprintf(err, errlen, "%s is set but %s is not",
                 id && *id ? "AWS_ACCESS_KEY_ID" : "AWS_SECRET_ACCESS_KEY",
                 id && *id ? "AWS_SECRET_ACCESS_KEY" : "AWS_ACCESS_KEY_ID");
        return -1;
    }
    if (strpbrk(id, "\r\n") || (token && strpbrk(token, "\r\n"))) {
        snprintf(err, errlen, "AWS credentials in the environment contain a line break");
        return -1;
    }
    out->access_key_id = dup_str(id);
    out->secret_access_key = dup_str(secret);
    out->session_token = token && *token ? dup_str(token) : NULL;
    out->source = "environment";
    if (!out->access_key_id || !out->secret_access_key || (token && *token && !out->session_token)) {
        ss_aws_creds_clear(out);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 1;
}

/* Authorization header for the container endpoint, from the token file
 * (EKS Pod Identity) or the token variable; NULL header when neither. */
static int container_auth_header(struct curl_slist **headers, char *err, size_t errlen)
{
    const char *file = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE");
    const char *env = getenv("AWS_CONTAINER_AUTHORIZATION_TOKEN");
    char *token = NULL, *line = NULL;
    struct curl_slist *h;
    size_t n;
    int rc = -1;

    if (file && *file) {
        char why[256];
        if (ss_secret_file_resolve(file, &token, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE: %s", why);
            goto out;
        }
    } else if (env && *env) {
        token = dup_str(env);
        if (!token)
            goto nomem;
    } else {
        return 0;
    }
    if (strpbrk(token, "\r\n")) {
        snprintf(err, errlen, "container authorization token contains a line break");
        goto out;
    }
    n = strlen(token) + sizeof("Authorization: ");
    line = malloc(n);
    if (!line)
        goto nomem;
    snprintf(line, n, "Authorization: %s", token);
    h = curl_slist_append(*headers, line);
    if (!h)
        goto nomem;
    *headers = h;
    rc = 0;
    goto out;
nomem:
    snprintf(err, errlen, "out of memory");
out:
    if (line) {
        explicit_bzero(line, strlen(line));
        free(line);
    }
    wipe_free(token);
    return rc;
}

static int fetch_document(const char *what, const struct ss_aws_http_req *rq,
                          struct ss_aws_http_resp *resp, char *err, size_t errlen)
{
    char why[512];

    if (ss_aws_http(rq, resp, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s: %.300s", what, why);
        return -1;
    }
    if (resp->status != 200) {
        snprintf(err, errlen, "%s: %s answered HTTP %ld", what, rq->url, resp->status);
        ss_aws_http_resp_free(resp);
        return -1;
    }
    return 0;
}

static int from_container(struct ss_aws_creds *out, char *err, size_t errlen)
{
    char url[SS_AWS_URL_MAX], why[256];
    struct curl_slist *headers = NULL;
    struct ss_aws_http_resp resp = {0};
    struct ss_aws_http_req rq = {0};
    int rc = ss_aws_container_url(url, sizeof(url), err, errlen);

    if (rc <= 0)
        return rc;
    rc = -1;
    if (container_auth_header(&headers, err, errlen) < 0)
        goto out;
    rq = (struct ss_aws_http_req){.method = "GET", .url = url, .headers = headers,
                                  .connect_timeout_ms = 2000, .timeout_ms = 5000};
    if (fetch_document("container credentials", &rq, &resp, err, errlen) < 0)
        goto out;
    if (ss_aws_creds_from_json(resp.body, resp.len, out, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "container credentials from %s: %s", url, why);
        goto out;
    }
    out->source = "container credentials endpoint";
    rc = 1;
out:
    ss_aws_http_resp_free(&resp);
    curl_slist_free_all(headers);
    return rc;
}

/* IMDSv2: a session token first, then the role name, then its keys. */
static int from_imds(struct ss_aws_creds *out, char *err, size_t errlen)
{
    const char *base = getenv("AWS_EC2_METADATA_SERVICE_ENDPOINT");
    char url[SS_AWS_URL_MAX], role[256], why[256];
    struct curl_slist *headers = NULL, *h;
    struct ss_aws_http_resp resp = {0};
    struct ss_aws_http_req rq = {.connect_timeout_ms = 1000, .timeout_ms = 2000};
    char *token_hdr = NULL;
    size_t n, blen;
    int rc = -1;

    if (!base || !*base)
        base = IMDS_DEFAULT_ENDPOINT;
    blen = strlen(base);
    while (blen && base[blen - 1] == '/')
        blen--;

    snprintf(url, sizeof(url), "%.*s/latest/api/token", (int)blen, base);
    if (!(h = curl_slist_append(NULL, "X-aws-ec2-metadata-token-ttl-seconds: " IMDS_TOKEN_TTL)))
        goto nomem;
    headers = h;
    rq.method = "PUT";
    rq.url = url;
    rq.headers = headers;
    if (fetch_document("EC2 instance metadata token", &rq, &resp, err, errlen) < 0)
        goto out;
    if (!resp.len || resp.len > 1024 || strpbrk(resp.body, "\r\n")) {
        snprintf(err, errlen, "EC2 instance metadata: malformed session token");
        goto out;
    }
    n = resp.len + sizeof("X-aws-ec2-metadata-token: ");
    token_hdr = malloc(n);
    if (!token_hdr)
        goto nomem;
    snprintf(token_hdr, n, "X-aws-ec2-metadata-token: %s", resp.body);
    ss_aws_http_resp_free(&resp);
    curl_slist_free_all(headers);
    headers = curl_slist_append(NULL, token_hdr);
    if (!headers)
        goto nomem;

    snprintf(url, sizeof(url), "%.*s/latest/meta-data/iam/security-credentials/", (int)blen,
             base);
    rq.method = "GET";
    rq.headers = headers;
    if (fetch_document("EC2 instance metadata role", &rq, &resp, err, errlen) < 0)
        goto out;
    /* The first line names the instance profile's role. */
    n = strcspn(resp.body, "\r\n");
    if (!n || n >= sizeof(role) || strspn(resp.body, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-") < n) {
        snprintf(err, errlen, "EC2 instance metadata: no IAM role attached to this instance");
        goto out;
    }
    memcpy(role, resp.body, n);
    role[n] = '\0';
    ss_aws_http_resp_free(&resp);

    snprintf(url, sizeof(url), "%.*s/latest/meta-data/iam/security-credentials/%s", (int)blen,
             base, role);
    if (fetch_document("EC2 instance metadata credentials", &rq, &resp, err, errlen) < 0)
        goto out;
    if (ss_aws_creds_from_json(resp.body, resp.len, out, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "EC2 instance metadata credentials for role %.64s: %.200s", role, why);
        goto out;
    }
    out->source = "EC2 instance metadata";
    rc = 1;
    goto out;
nomem:
    snprintf(err, errlen, "out of memory");
out:
    if (token_hdr) {
        explicit_bzero(token_hdr, strlen(token_hdr));
        free(token_hdr);
    }
    ss_aws_http_resp_free(&resp);
    curl_slist_free_all(headers);
    return rc;
}

static int imds_disabled(void)
{
    const char *v = getenv("AWS_EC2_METADATA_DISABLED");
    return v && !strcasecmp(v, "true");
}

int ss_aws_creds_resolve(struct ss_aws_creds *out, char *err, size_t errlen)
{
    char why[512];
    int rc;

    memset(out, 0, sizeof(*out));
    rc = from_env(out, err, errlen);
    if (rc == 0)
        rc = from_container(out, err, errlen);
    if (rc == 0) {
        if (imds_disabled()) {
            snprintf(err, errlen,
                     "no AWS credentials: none in the environment (AWS_ACCESS_KEY_ID), no "
                     "container credentials, and EC2 instance metadata is disabled");
            return -1;
        }
        rc = from_imds(out, why, sizeof(why));
        if (rc < 0) {
            snprintf(err, errlen,
                     "no AWS credentials: none in the environment (AWS_ACCESS_KEY_ID), no "
                     "container credentials, and EC2 instance metadata failed (%s)",
                     why);
            return -1;
        }
    }
    if (rc < 0)
        return rc;
    if (out->expiration && out->expiration <= time(NULL)) {
        char when[32];
        struct tm tm;
        gmtime_r(&out->expiration, &tm);
        strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
        snprintf(err, errlen, "AWS credentials from the %s expired at %s", out->source, when);
        ss_aws_creds_clear(out);
        return -1;
    }
    ss_debug("AWS credentials from the %s", out->source);
    return 0;
}
