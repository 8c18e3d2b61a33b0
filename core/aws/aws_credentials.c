/* The AWS credential chain, and its environment, container and IMDSv2
 * providers (the others are in aws_profile.c, aws_sts.c, aws_sso.c and
 * aws_process.c). */
#include "aws_credentials.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ss/dynbuf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "aws_providers.h"
#include "aws_request.h"
#include "log.h"

#define ECS_AGENT_HOST "169.254.170.2"
#define IMDS_DEFAULT_ENDPOINT "http://169.254.169.254"
#define IMDS_TOKEN_TTL "21600"
/* Deepest chain of source_profile references followed. */
#define PROFILE_DEPTH_MAX 5

char *ss_aws_strdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *d = malloc(n);
    if (d)
        memcpy(d, s, n);
    return d;
}

void ss_aws_wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

int ss_aws_read_token_file(const char *path, char **out, char *err, size_t errlen)
{
    struct stat st;
    struct ss_dynbuf d;
    const char *buf;
    size_t len;
    int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;

    *out = NULL;
    ss_dynbuf_init_secret(&d, SS_AWS_TOKEN_FILE_MAX);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", path, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", path);
        goto out;
    }
    if (ss_dynbuf_read_fd_err(&d, fd, path, err, errlen) < 0)
        goto out;
    buf = ss_dynbuf_str(&d);
    len = ss_dynbuf_len(&d);
    while (len && (buf[len - 1] == '\n' || buf[len - 1] == '\r' || buf[len - 1] == ' '))
        len--;
    ss_dynbuf_shrink(&d, ss_dynbuf_len(&d) - len);
    if (!len || strlen(buf) != len || strpbrk(buf, "\r\n")) {
        snprintf(err, errlen, "%s is empty or holds more than one line", path);
        goto out;
    }
    *out = ss_dynbuf_take(&d); /* not empty: no allocation, never NULL */
    rc = 0;
out:
    ss_dynbuf_free(&d);
    if (fd >= 0)
        close(fd);
    return rc;
}

#define dup_str ss_aws_strdup
#define wipe_free ss_aws_wipe_free

void ss_aws_creds_set_source(struct ss_aws_creds *c, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(c->source, sizeof(c->source), fmt, ap);
    va_end(ap);
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

int ss_aws_json_take(struct json_object *obj, const char *what, const char *name, int required,
                     char **out, char *err, size_t errlen)
{
    struct json_object *v;
    const char *s;

    *out = NULL;
    if (!json_object_object_get_ex(obj, name, &v) || json_object_is_type(v, json_type_null)) {
        if (required) {
            snprintf(err, errlen, "%s has no %s", what, name);
            return -1;
        }
        return 0;
    }
    if (!json_object_is_type(v, json_type_string)) {
        snprintf(err, errlen, "%s: %s is not a string", what, name);
        return -1;
    }
    s = json_object_get_string(v);
    if (!*s && !required)
        return 0;
    if (!*s || strlen(s) > SS_AWS_CRED_FIELD_MAX || strpbrk(s, "\r\n")) {
        snprintf(err, errlen, "%s: %s is empty, too long or malformed", what, name);
        return -1;
    }
    *out = dup_str(s);
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}

struct json_object *ss_aws_json_object(const char *json, size_t len)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *doc = NULL;

    if (!tok)
        return NULL;
    doc = json_tokener_parse_ex(tok, json, (int)len);
    if (doc && (!json_object_is_type(doc, json_type_object) ||
                json_tokener_get_error(tok) != json_tokener_success)) {
        json_object_put(doc);
        doc = NULL;
    }
    json_tokener_free(tok);
    return doc;
}

int ss_aws_creds_take(struct json_object *doc, const char *what, const char *const names[4],
                      struct ss_aws_creds *out, char *err, size_t errlen)
{
    char *exp = NULL;
    int rc = -1;

    if (ss_aws_json_take(doc, what, names[0], 1, &out->access_key_id, err, errlen) < 0 ||
        ss_aws_json_take(doc, what, names[1], 1, &out->secret_access_key, err, errlen) < 0 ||
        ss_aws_json_take(doc, what, names[2], 0, &out->session_token, err, errlen) < 0 ||
        ss_aws_json_take(doc, what, names[3], 0, &exp, err, errlen) < 0)
        goto out;
    if (exp && ss_aws_parse_time(exp, &out->expiration) < 0) {
        snprintf(err, errlen, "%s: Expiration '%.40s' is not an ISO 8601 UTC time", what, exp);
        goto out;
    }
    rc = 0;
out:
    if (rc < 0)
        ss_aws_creds_clear(out);
    free(exp);
    return rc;
}

int ss_aws_creds_from_json(const char *json, size_t len, struct ss_aws_creds *out, char *err,
                           size_t errlen)
{
    static const char *const names[4] = {"AccessKeyId", "SecretAccessKey", "Token", "Expiration"};
    struct json_object *doc = ss_aws_json_object(json, len), *v;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (!doc) {
        snprintf(err, errlen, "credentials document is not a JSON object");
        goto out;
    }
    /* IMDS reports failures in "Code". */
    if (json_object_object_get_ex(doc, "Code", &v) &&
        strcmp(json_object_get_string(v), "Success") != 0) {
        snprintf(err, errlen, "credentials document reports Code %.64s", json_object_get_string(v));
        goto out;
    }
    rc = ss_aws_creds_take(doc, "credentials document", names, out, err, errlen);
out:
    if (doc)
        json_object_put(doc);
    return rc;
}

int ss_aws_container_host_ok(const char *host)
{
    unsigned char a4[4];
    unsigned char a6[16];
    char v6[64];
    size_t n = strlen(host);

    /* A literal 127.0.0.0/8 address: "127.evil.example" is a name. */
    if (inet_pton(AF_INET, host, a4) == 1)
        return a4[0] == 127 || !strcmp(host, ECS_AGENT_HOST) || !strcmp(host, "169.254.170.23");
    if (!strcasecmp(host, "localhost"))
        return 1;
    if (n < 3 || n - 2 >= sizeof(v6) || host[0] != '[' || host[n - 1] != ']')
        return 0;
    memcpy(v6, host + 1, n - 2);
    v6[n - 2] = '\0';
    if (inet_pton(AF_INET6, v6, a6) != 1)
        return 0;
    static const unsigned char loop6[16] = {[15] = 1};
    static const unsigned char eks6[16] = {0xfd, 0x00, 0x0e, 0xc2, [15] = 0x23};
    return !memcmp(a6, loop6, 16) || !memcmp(a6, eks6, 16);
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
        ok = ss_aws_container_host_ok(host);
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

int ss_aws_from_env(struct ss_aws_creds *out, char *err, size_t errlen)
{
    const char *id = getenv("AWS_ACCESS_KEY_ID");
    const char *secret = getenv("AWS_SECRET_ACCESS_KEY");
    const char *token = getenv("AWS_SESSION_TOKEN");

    if ((!id || !*id) && (!secret || !*secret)) {
        snprintf(err, errlen, "AWS_ACCESS_KEY_ID not set");
        return 0;
    }
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
    ss_aws_creds_set_source(out, "environment");
    if (!out->access_key_id || !out->secret_access_key ||
        (token && *token && !out->session_token)) {
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
        if (ss_aws_read_token_file(file, &token, why, sizeof(why)) < 0) {
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

int ss_aws_from_container(struct ss_aws_creds *out, char *err, size_t errlen)
{
    char url[SS_AWS_URL_MAX], why[256];
    struct curl_slist *headers = NULL;
    struct ss_aws_http_resp resp = {0};
    struct ss_aws_http_req rq = {0};
    int rc = ss_aws_container_url(url, sizeof(url), err, errlen);

    if (rc == 0)
        snprintf(err, errlen, "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI / _FULL_URI not set");
    if (rc <= 0)
        return rc;
    rc = -1;
    if (container_auth_header(&headers, err, errlen) < 0)
        goto out;
    rq = (struct ss_aws_http_req){.method = "GET",
                                  .url = url,
                                  .headers = headers,
                                  .connect_timeout_ms = 2000,
                                  .timeout_ms = 5000};
    if (fetch_document("container credentials", &rq, &resp, err, errlen) < 0)
        goto out;
    if (ss_aws_creds_from_json(resp.body, resp.len, out, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "container credentials from %s: %s", url, why);
        goto out;
    }
    ss_aws_creds_set_source(out, "container credentials endpoint");
    rc = 1;
out:
    ss_aws_http_resp_free(&resp);
    curl_slist_free_all(headers);
    return rc;
}

/* IMDSv2: a session token first, then the role name, then its keys. */
int ss_aws_from_imds(struct ss_aws_creds *out, char *err, size_t errlen)
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

    snprintf(url, sizeof(url), "%.*s/latest/meta-data/iam/security-credentials/", (int)blen, base);
    rq.method = "GET";
    rq.headers = headers;
    if (fetch_document("EC2 instance metadata role", &rq, &resp, err, errlen) < 0)
        goto out;
    /* The first line names the instance profile's role. */
    n = strcspn(resp.body, "\r\n");
    if (!n || n >= sizeof(role) ||
        strspn(resp.body, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-") <
            n) {
        snprintf(err, errlen, "EC2 instance metadata: no IAM role attached to this instance");
        goto out;
    }
    memcpy(role, resp.body, n);
    role[n] = '\0';
    ss_aws_http_resp_free(&resp);

    snprintf(url, sizeof(url), "%.*s/latest/meta-data/iam/security-credentials/%s", (int)blen, base,
             role);
    if (fetch_document("EC2 instance metadata credentials", &rq, &resp, err, errlen) < 0)
        goto out;
    if (ss_aws_creds_from_json(resp.body, resp.len, out, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "EC2 instance metadata credentials for role %.64s: %.200s", role,
                 why);
        goto out;
    }
    ss_aws_creds_set_source(out, "EC2 instance metadata");
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

/* STS AssumeRoleWithWebIdentity with the token in file (read anew on each
 * call: the kubelet rotates it). */
static int web_identity(const char *file, const char *role_arn, const char *session,
                        struct ss_aws_creds *out, char *err, size_t errlen)
{
    struct ss_aws_sts_req rq = {
        .action = "AssumeRoleWithWebIdentity", .role_arn = role_arn, .session_name = session};
    char *token = NULL, why[512];
    int rc;

    if (ss_aws_read_token_file(file, &token, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "web identity token: %s", why);
        return -1;
    }
    rq.web_identity_token = token;
    rc = ss_aws_sts_assume(&rq, out, err, errlen);
    wipe_free(token);
    return rc;
}

static int from_web_identity_env(struct ss_aws_creds *out, char *err, size_t errlen)
{
    const char *file = getenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    const char *role = getenv("AWS_ROLE_ARN");
    const char *session = getenv("AWS_ROLE_SESSION_NAME");
    char why[768];

    if (!file || !*file) {
        snprintf(err, errlen, "AWS_WEB_IDENTITY_TOKEN_FILE not set");
        return 0;
    }
    if (!role || !*role) {
        snprintf(err, errlen, "AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
        return -1;
    }
    if (web_identity(file, role, session && *session ? session : NULL, out, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "web identity (AWS_WEB_IDENTITY_TOKEN_FILE): %s", why);
        return -1;
    }
    ss_aws_creds_set_source(out, "web identity (role %.150s)", role);
    return 1;
}

/* ---- profiles ----------------------------------------------------------- */

struct profile_walk {
    const char *names[PROFILE_DEPTH_MAX + 1];
    int n;
};

static int profile_creds(struct profile_walk *w, const char *name, struct ss_aws_creds *out,
                         char *err, size_t errlen);

static int static_keys(const struct ss_aws_profile *p, const char *label, struct ss_aws_creds *out,
                       char *err, size_t errlen)
{
    const char *id = p->v[SS_AWS_P_ACCESS_KEY_ID], *secret = p->v[SS_AWS_P_SECRET_ACCESS_KEY];
    const char *token = p->v[SS_AWS_P_SESSION_TOKEN];
    char where[SS_AWS_PATH_MAX + 16];

    if (!id || !*id || !secret || !*secret) {
        enum ss_aws_pkey have = id && *id ? SS_AWS_P_ACCESS_KEY_ID : SS_AWS_P_SECRET_ACCESS_KEY;
        ss_aws_profile_where(p, have, where, sizeof(where));
        snprintf(err, errlen, "%s: %s: %s is set but %s is not", label, where,
                 ss_aws_pkey_name(have),
                 ss_aws_pkey_name(have == SS_AWS_P_ACCESS_KEY_ID ? SS_AWS_P_SECRET_ACCESS_KEY
                                                                 : SS_AWS_P_ACCESS_KEY_ID));
        return -1;
    }
    if (strpbrk(id, "\r\n") || (token && strpbrk(token, "\r\n"))) {
        snprintf(err, errlen, "%s: a key contains a line break", label);
        return -1;
    }
    out->access_key_id = dup_str(id);
    out->secret_access_key = dup_str(secret);
    out->session_token = token && *token ? dup_str(token) : NULL;
    if (!out->access_key_id || !out->secret_access_key ||
        (token && *token && !out->session_token)) {
        ss_aws_creds_clear(out);
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    ss_aws_creds_set_source(out, "%s (static keys)", label);
    return 1;
}

/* The credentials role_arn is assumed with: source_profile or
 * credential_source. */
static int role_base(struct profile_walk *w, const char *name, const struct ss_aws_profile *p,
                     const char *label, struct ss_aws_creds *base, char *err, size_t errlen)
{
    const char *src = p->v[SS_AWS_P_SOURCE_PROFILE], *cs = p->v[SS_AWS_P_CREDENTIAL_SOURCE];
    char why[1024];
    int rc;

    if (src && *src) {
        /* A profile naming itself takes its own static keys. */
        if (!strcmp(src, name))
            return static_keys(p, label, base, err, errlen);
        for (int i = 0; i < w->n; i++)
            if (!strcmp(w->names[i], src)) {
                snprintf(err, errlen, "%s: source_profile \"%.64s\" loops back", label, src);
                return -1;
            }
        if (w->n > PROFILE_DEPTH_MAX) {
            snprintf(err, errlen, "%s: more than %d source_profile steps", label,
                     PROFILE_DEPTH_MAX);
            return -1;
        }
        rc = profile_creds(w, src, base, why, sizeof(why));
        if (rc == 1)
            return 1;
        /* why names the source profile and what is wrong with it. */
        snprintf(err, errlen, "%s: source_profile: %.600s", label, why);
        return -1;
    }
    if (!strcmp(cs, "Environment"))
        rc = ss_aws_from_env(base, why, sizeof(why));
    else if (!strcmp(cs, "EcsContainer"))
        rc = ss_aws_from_container(base, why, sizeof(why));
    else if (!strcmp(cs, "Ec2InstanceMetadata") && imds_disabled()) {
        snprintf(why, sizeof(why), "disabled by AWS_EC2_METADATA_DISABLED");
        rc = 0;
    } else if (!strcmp(cs, "Ec2InstanceMetadata"))
        rc = ss_aws_from_imds(base, why, sizeof(why));
    else {
        snprintf(err, errlen,
                 "%s: credential_source '%.40s' is not one of Environment, EcsContainer, "
                 "Ec2InstanceMetadata",
                 label, cs);
        return -1;
    }
    if (rc <= 0) {
        snprintf(err, errlen, "%s: credential_source %.40s: %.600s", label, cs, why);
        return -1;
    }
    return 1;
}

static int assume_role(struct profile_walk *w, const char *name, const struct ss_aws_profile *p,
                       const char *label, struct ss_aws_creds *out, char *err, size_t errlen)
{
    const char *role = p->v[SS_AWS_P_ROLE_ARN];
    const char *src = p->v[SS_AWS_P_SOURCE_PROFILE], *cs = p->v[SS_AWS_P_CREDENTIAL_SOURCE];
    const char *wif = p->v[SS_AWS_P_WEB_IDENTITY_TOKEN_FILE];
    struct ss_aws_creds base = {0};
    struct ss_aws_sts_req rq = {
        .action = "AssumeRole",
        .role_arn = role,
        .session_name = p->v[SS_AWS_P_ROLE_SESSION_NAME],
        .external_id = p->v[SS_AWS_P_EXTERNAL_ID],
        .duration = p->v[SS_AWS_P_DURATION_SECONDS],
    };
    char why[1024];
    int n = (src && *src) + (cs && *cs) + (wif && *wif), rc = -1;

    if (p->v[SS_AWS_P_MFA_SERIAL]) {
        snprintf(err, errlen, "%s: mfa_serial asks for a code typed in: not possible here", label);
        return -1;
    }
    if (n != 1) {
        snprintf(err, errlen,
                 "%s: role_arn needs exactly one of source_profile, credential_source, "
                 "web_identity_token_file",
                 label);
        return -1;
    }
    if (wif && *wif) {
        if (web_identity(wif, role, rq.session_name, out, why, sizeof(why)) < 0) {
            snprintf(err, errlen, "%s: %.600s", label, why);
            return -1;
        }
        ss_aws_creds_set_source(out, "%s (web identity, role %.100s)", label, role);
        return 1;
    }
    if (role_base(w, name, p, label, &base, err, errlen) < 0)
        goto out;
    rq.signer = &base;
    if (ss_aws_sts_assume(&rq, out, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s: %.400s (signed with the credentials from the %s)", label, why,
                 base.source);
        goto out;
    }
    ss_aws_creds_set_source(out, "%s (role %.100s)", label, role);
    rc = 1;
out:
    ss_aws_creds_clear(&base);
    return rc;
}

/* 1 found, 0 the profile holds no credentials (err says so), -2 no such
 * profile (err says where it was looked for), -1 error. */
static int profile_creds(struct profile_walk *w, const char *name, struct ss_aws_creds *out,
                         char *err, size_t errlen)
{
    struct ss_aws_profile p;
    char label[300], why[1024]; /* label: profile "NAME" (FILE), capped for messages */
    int rc = ss_aws_profile_load("profile", name, &p, why, sizeof(why));

    if (rc < 0) {
        snprintf(err, errlen, "profile \"%.64s\": %s", name, why);
        return -1;
    }
    if (rc == 0) {
        if (!p.exists[0] && !p.exists[1])
            snprintf(err, errlen, "profile \"%.64s\": no %.300s nor %.300s", name, p.path[0],
                     p.path[1]);
        else if (!strcmp(name, "default"))
            snprintf(err, errlen, "profile \"default\": no [default] in %.300s nor %.300s",
                     p.path[0], p.path[1]);
        else
            snprintf(err, errlen,
                     "profile \"%.64s\": no [profile %.64s] in %.300s nor [%.64s] in %.300s", name,
                     name, p.path[0], name, p.path[1]);
        ss_aws_profile_free(&p);
        return -2;
    }
    w->names[w->n++] = name;
    snprintf(label, sizeof(label), "profile \"%.64s\" (%.200s)", name, p.path[p.where]);
    if (p.v[SS_AWS_P_ROLE_ARN] && *p.v[SS_AWS_P_ROLE_ARN]) {
        rc = assume_role(w, name, &p, label, out, err, errlen);
    } else if (p.v[SS_AWS_P_SSO_SESSION] || p.v[SS_AWS_P_SSO_START_URL] ||
               p.v[SS_AWS_P_SSO_ACCOUNT_ID] || p.v[SS_AWS_P_SSO_ROLE_NAME]) {
        rc = ss_aws_sso_resolve(name, &p, out, why, sizeof(why)) < 0 ? -1 : 1;
        if (rc < 0)
            snprintf(err, errlen, "%s: %.600s", label, why);
    } else if (p.v[SS_AWS_P_ACCESS_KEY_ID] || p.v[SS_AWS_P_SECRET_ACCESS_KEY]) {
        rc = static_keys(&p, label, out, err, errlen);
    } else if (p.v[SS_AWS_P_CREDENTIAL_PROCESS] && *p.v[SS_AWS_P_CREDENTIAL_PROCESS]) {
        rc = ss_aws_process_run(p.v[SS_AWS_P_CREDENTIAL_PROCESS], out, why, sizeof(why)) < 0 ? -1
                                                                                             : 1;
        if (rc < 0)
            snprintf(err, errlen, "%s: %.600s", label, why);
        else
            ss_aws_creds_set_source(out, "%s (credential_process)", label);
    } else {
        snprintf(err, errlen, "%s: no credentials in the profile", label);
        rc = 0;
    }
    w->n--;
    ss_aws_profile_free(&p);
    return rc;
}

static int from_profile(struct ss_aws_creds *out, char *err, size_t errlen)
{
    struct profile_walk w = {.n = 0};
    const char *env = getenv("AWS_PROFILE");
    int rc = profile_creds(&w, ss_aws_profile_name(), out, err, errlen);

    /* A profile asked for by name must exist; the default one need not. */
    if (rc == -2)
        return env && *env ? -1 : 0;
    return rc;
}

/* ---- the chain ---------------------------------------------------------- */

static void note_skip(char *list, size_t len, const char *name, const char *why)
{
    size_t used = strlen(list);
    if (used < len)
        snprintf(list + used, len - used, "%s%s%s%s", used ? "; " : "", name ? name : "",
                 name ? ": " : "", why);
}

int ss_aws_creds_resolve(struct ss_aws_creds *out, char *err, size_t errlen)
{
    char list[2048] = "", why[1536];
    int rc;

    memset(out, 0, sizeof(*out));
    rc = ss_aws_from_env(out, why, sizeof(why));
    if (rc == 0) {
        note_skip(list, sizeof(list), "environment", why);
        rc = from_web_identity_env(out, why, sizeof(why));
    }
    if (rc == 0) {
        note_skip(list, sizeof(list), "web identity", why);
        rc = from_profile(out, why, sizeof(why));
    }
    if (rc == 0) {
        note_skip(list, sizeof(list), NULL, why); /* why begins with profile "NAME" */
        rc = ss_aws_from_container(out, why, sizeof(why));
    }
    if (rc == 0) {
        note_skip(list, sizeof(list), "container", why);
        if (imds_disabled()) {
            note_skip(list, sizeof(list), "EC2 instance metadata",
                      "disabled by "
                      "AWS_EC2_METADATA_DISABLED");
        } else {
            rc = ss_aws_from_imds(out, why, sizeof(why));
            if (rc < 0) {
                note_skip(list, sizeof(list), NULL, why); /* why names the IMDS step */
                rc = 0;
            }
        }
        if (rc == 0) {
            snprintf(err, errlen, "no AWS credentials: %s", list);
            return -1;
        }
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s", why);
        return -1;
    }
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
