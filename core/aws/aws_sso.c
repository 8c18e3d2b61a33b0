/*
 * IAM Identity Center (SSO) profiles: the access token `aws sso login`
 * caches in ~/.aws/sso/cache/<sha1>.json, exchanged at the portal's
 * GetRoleCredentials for the account and role of the profile.  For
 * sso-session profiles a token with less than five minutes left is
 * refreshed with SSO OIDC CreateToken (the refresh token and client
 * registration `aws sso login` cached next to it) and the cache file is
 * rewritten, as the SDKs do; otherwise, `aws sso login` again.
 */
#include "aws_providers.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>

#include "aws_request.h"
#include "log.h"
#include "secret_file.h"

int ss_aws_sha1_hex(const char *s, char out[41])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;

    if (!EVP_Digest(s, strlen(s), md, &n, EVP_sha1(), NULL) || n != 20)
        return -1;
    for (unsigned int i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
    return 0;
}

int ss_aws_sso_cache_path(const char *key, char *out, size_t outlen, char *err, size_t errlen)
{
    char home[SS_AWS_PATH_MAX], hex[41];
    int n;

    if (ss_aws_home_dir(home, sizeof(home), err, errlen) < 0)
        return -1;
    if (ss_aws_sha1_hex(key, hex) < 0) {
        snprintf(err, errlen, "SHA-1 is not available from OpenSSL");
        return -1;
    }
    n = snprintf(out, outlen, "%s/.aws/sso/cache/%s.json", home, hex);
    if (n < 0 || (size_t)n >= outlen) {
        snprintf(err, errlen, "SSO token cache path too long");
        return -1;
    }
    return 0;
}

int ss_aws_sso_token_parse(const char *json, size_t len, time_t now, char **token, time_t *expires,
                           char *err, size_t errlen)
{
    struct json_object *doc = ss_aws_json_object(json, len);
    char *exp = NULL, iso[64];
    size_t n;
    int rc = -1;

    *token = NULL;
    if (!doc) {
        snprintf(err, errlen, "not a JSON object");
        goto out;
    }
    if (ss_aws_json_take(doc, "token cache", "accessToken", 1, token, err, errlen) < 0 ||
        ss_aws_json_take(doc, "token cache", "expiresAt", 1, &exp, err, errlen) < 0)
        goto out;
    /* Older CLIs wrote "2019-11-14T04:05:45UTC". */
    n = strlen(exp);
    snprintf(iso, sizeof(iso), "%s", exp);
    if (n > 3 && n < sizeof(iso) && !strcmp(exp + n - 3, "UTC"))
        snprintf(iso + n - 3, sizeof(iso) - (n - 3), "Z");
    if (ss_aws_parse_time(iso, expires) < 0) {
        snprintf(err, errlen, "expiresAt '%.40s' is not an ISO 8601 UTC time", exp);
        goto out;
    }
    if (*expires <= now) {
        snprintf(err, errlen, "the SSO access token expired at %.40s", exp);
        rc = -2;
        goto out;
    }
    rc = 0;
out:
    if (rc < 0) {
        ss_aws_wipe_free(*token);
        *token = NULL;
    }
    free(exp);
    if (doc)
        json_object_put(doc);
    return rc;
}

int ss_aws_sso_creds_parse(const char *json, size_t len, struct ss_aws_creds *out, char *err,
                           size_t errlen)
{
    struct json_object *doc = ss_aws_json_object(json, len), *rc_obj, *v;
    static const char what[] = "GetRoleCredentials answer";
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (!doc || !json_object_object_get_ex(doc, "roleCredentials", &rc_obj) ||
        !json_object_is_type(rc_obj, json_type_object)) {
        snprintf(err, errlen, "%s has no roleCredentials object", what);
        goto out;
    }
    if (ss_aws_json_take(rc_obj, what, "accessKeyId", 1, &out->access_key_id, err, errlen) < 0 ||
        ss_aws_json_take(rc_obj, what, "secretAccessKey", 1, &out->secret_access_key, err, errlen) <
            0 ||
        ss_aws_json_take(rc_obj, what, "sessionToken", 0, &out->session_token, err, errlen) < 0)
        goto out;
    /* Milliseconds since the epoch. */
    if (!json_object_object_get_ex(rc_obj, "expiration", &v) ||
        !json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0) {
        snprintf(err, errlen, "%s: expiration is not a time in milliseconds", what);
        goto out;
    }
    out->expiration = (time_t)(json_object_get_int64(v) / 1000);
    rc = 0;
out:
    if (rc < 0)
        ss_aws_creds_clear(out);
    if (doc)
        json_object_put(doc);
    return rc;
}

/* GET /federation/credentials?role_name=..&account_id=.. with the token. */
static int get_role_credentials(const char *region, const char *account, const char *role,
                                const char *token, struct ss_aws_creds *out, char *err,
                                size_t errlen)
{
    char base[SS_AWS_URL_MAX], why[512], *url = NULL, *hdr = NULL;
    char q1[300], q2[64];
    struct curl_slist *headers = NULL;
    struct ss_aws_http_resp resp = {0};
    struct ss_aws_http_req rq = {0};
    CURLU *u = NULL;
    size_t n;
    int auth, rc = -1;

    if (ss_aws_endpoint("SSO", "portal.sso", region, base, sizeof(base), why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s", why);
        goto out;
    }
    snprintf(q1, sizeof(q1), "role_name=%s", role);
    snprintf(q2, sizeof(q2), "account_id=%s", account);
    u = curl_url();
    if (!u || curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_PATH, "/federation/credentials", 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_QUERY, q1, CURLU_APPENDQUERY | CURLU_URLENCODE) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_QUERY, q2, CURLU_APPENDQUERY | CURLU_URLENCODE) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
        snprintf(err, errlen, "cannot build the GetRoleCredentials URL from %.200s", base);
        goto out;
    }
    n = strlen(token) + sizeof("x-amz-sso_bearer_token: ");
    if (!(hdr = malloc(n)))
        goto nomem;
    snprintf(hdr, n, "x-amz-sso_bearer_token: %s", token);
    if (!(headers = curl_slist_append(NULL, hdr)))
        goto nomem;
    rq = (struct ss_aws_http_req){.method = "GET",
                                  .url = url,
                                  .headers = headers,
                                  .connect_timeout_ms = 5000,
                                  .timeout_ms = 20000};
    if (ss_aws_http(&rq, &resp, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "GetRoleCredentials: %s", why);
        goto out;
    }
    if (resp.status != 200) {
        ss_aws_error_text(resp.status, resp.body, resp.len, why, sizeof(why), &auth);
        /* The portal puts the code in a header and only a message in the body. */
        if (!strncmp(why, "HTTP ", 5)) {
            struct json_object *doc = ss_aws_json_object(resp.body, resp.len), *m;
            if (doc && json_object_object_get_ex(doc, "message", &m) &&
                json_object_is_type(m, json_type_string))
                snprintf(why, sizeof(why), "HTTP %ld: %.300s", resp.status,
                         json_object_get_string(m));
            if (doc)
                json_object_put(doc);
        }
        snprintf(err, errlen, "GetRoleCredentials for account %.20s role %.64s: %s%s", account,
                 role, why, auth ? " (run `aws sso login` again)" : "");
        goto out;
    }
    if (ss_aws_sso_creds_parse(resp.body, resp.len, out, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s", why);
        goto out;
    }
    rc = 0;
    goto out;
nomem:
    snprintf(err, errlen, "out of memory");
out:
    ss_aws_http_resp_free(&resp);
    curl_slist_free_all(headers);
    ss_aws_wipe_free(hdr);
    curl_free(url);
    curl_url_cleanup(u);
    return rc;
}

#define SSO_REFRESH_MARGIN_S 300

/* Replaces the cache file atomically (same directory, mode 0600). */
static int write_cache(const char *path, struct json_object *doc, char *err, size_t errlen)
{
    const char *text = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PLAIN);
    char tmp[SS_AWS_PATH_MAX + 32];
    size_t len = strlen(text), done = 0;
    int fd, rc = -1;

    snprintf(tmp, sizeof(tmp), "%s.scimsync-XXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        return -1;
    }
    while (done < len) {
        ssize_t n = write(fd, text + done, len - done);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            break;
        done += (size_t)n;
    }
    if (done == len && fsync(fd) == 0 && close(fd) == 0) {
        fd = -1;
        if (rename(tmp, path) == 0)
            rc = 0;
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        if (fd >= 0)
            close(fd);
        unlink(tmp);
    }
    return rc;
}

/* SSO OIDC CreateToken with the cached refresh token; 0 and the new
 * token, or <0 with err.  The cache file is updated (a failure to write
 * it is only warned about: the token is good for this process). */
static int refresh_token(const char *path, const char *region, const char *doc_text, char **token,
                         time_t *expires, char *err, size_t errlen)
{
    struct json_object *doc = ss_aws_json_object(doc_text, strlen(doc_text)), *req = NULL,
                       *ans = NULL, *v;
    char *cid = NULL, *csec = NULL, *rt = NULL, *reg = NULL, *newtok = NULL, *newrt = NULL;
    char base[SS_AWS_URL_MAX], why[512], when[32], *url = NULL;
    struct curl_slist *headers = NULL;
    struct ss_aws_http_resp resp = {0};
    struct ss_aws_http_req rq = {0};
    CURLU *u = NULL;
    time_t now = time(NULL), reg_exp;
    struct tm tm;
    int rc = -1;

    *token = NULL;
    if (!doc ||
        ss_aws_json_take(doc, "token cache", "refreshToken", 1, &rt, why, sizeof(why)) < 0 ||
        ss_aws_json_take(doc, "token cache", "clientId", 1, &cid, why, sizeof(why)) < 0 ||
        ss_aws_json_take(doc, "token cache", "clientSecret", 1, &csec, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "the cache holds no refresh token and client registration");
        goto out;
    }
    if (ss_aws_json_take(doc, "token cache", "registrationExpiresAt", 0, &reg, why, sizeof(why)) ==
            0 &&
        reg && ss_aws_parse_time(reg, &reg_exp) == 0 && reg_exp <= now) {
        snprintf(err, errlen, "the client registration expired at %.40s", reg);
        goto out;
    }
    if (ss_aws_endpoint("SSO_OIDC", "oidc", region, base, sizeof(base), why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s", why);
        goto out;
    }
    u = curl_url();
    if (!u || curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
        curl_url_set(u, CURLUPART_PATH, "/token", 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
        snprintf(err, errlen, "cannot build the CreateToken URL from %.200s", base);
        goto out;
    }
    req = json_object_new_object();
    if (!req || json_object_object_add(req, "clientId", json_object_new_string(cid)) ||
        json_object_object_add(req, "clientSecret", json_object_new_string(csec)) ||
        json_object_object_add(req, "grantType", json_object_new_string("refresh_token")) ||
        json_object_object_add(req, "refreshToken", json_object_new_string(rt)) ||
        !(headers = curl_slist_append(NULL, "Content-Type: application/json"))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rq = (struct ss_aws_http_req){.method = "POST",
                                  .url = url,
                                  .headers = headers,
                                  .body =
                                      json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN),
                                  .connect_timeout_ms = 5000,
                                  .timeout_ms = 20000};
    if (ss_aws_http(&rq, &resp, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "CreateToken: %.450s", why);
        goto out;
    }
    ans = ss_aws_json_object(resp.body, resp.len);
    if (resp.status != 200) {
        /* OAuth-style errors: {"error": "invalid_grant", "error_description": ...} */
        const char *code = ans && json_object_object_get_ex(ans, "error", &v) &&
                                   json_object_is_type(v, json_type_string)
                               ? json_object_get_string(v)
                               : NULL;
        snprintf(err, errlen, "CreateToken: HTTP %ld%s%.100s", resp.status, code ? ": " : "",
                 code ? code : "");
        goto out;
    }
    if (!ans ||
        ss_aws_json_take(ans, "CreateToken answer", "accessToken", 1, &newtok, err, errlen) < 0 ||
        ss_aws_json_take(ans, "CreateToken answer", "refreshToken", 0, &newrt, err, errlen) < 0)
        goto out;
    if (!json_object_object_get_ex(ans, "expiresIn", &v) ||
        !json_object_is_type(v, json_type_int) || json_object_get_int64(v) <= 0 ||
        json_object_get_int64(v) > 366L * 86400) {
        snprintf(err, errlen, "CreateToken answer: expiresIn is not a number of seconds");
        goto out;
    }
    *expires = now + (time_t)json_object_get_int64(v);
    gmtime_r(expires, &tm);
    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (json_object_object_add(doc, "accessToken", json_object_new_string(newtok)) ||
        json_object_object_add(doc, "expiresAt", json_object_new_string(when)) ||
        (newrt && json_object_object_add(doc, "refreshToken", json_object_new_string(newrt)))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (write_cache(path, doc, why, sizeof(why)) < 0)
        ss_warn("cannot update the SSO token cache %s: %s", path, why);
    ss_debug("SSO access token refreshed; valid until %s", when);
    *token = newtok;
    newtok = NULL;
    rc = 0;
out:
    ss_aws_http_resp_free(&resp);
    curl_slist_free_all(headers);
    curl_free(url);
    curl_url_cleanup(u);
    if (req)
        json_object_put(req);
    if (ans)
        json_object_put(ans);
    if (doc)
        json_object_put(doc);
    ss_aws_wipe_free(cid);
    ss_aws_wipe_free(csec);
    ss_aws_wipe_free(rt);
    ss_aws_wipe_free(newtok);
    ss_aws_wipe_free(newrt);
    free(reg);
    return rc;
}

static const char *need(const struct ss_aws_profile *p, enum ss_aws_pkey k)
{
    const char *v = p->v[k];
    return v && *v ? v : NULL;
}

int ss_aws_sso_resolve(const char *profile, const struct ss_aws_profile *p,
                       struct ss_aws_creds *out, char *err, size_t errlen)
{
    const char *session = need(p, SS_AWS_P_SSO_SESSION);
    const char *account = need(p, SS_AWS_P_SSO_ACCOUNT_ID);
    const char *role = need(p, SS_AWS_P_SSO_ROLE_NAME);
    const char *start_url = need(p, SS_AWS_P_SSO_START_URL);
    const char *region = need(p, SS_AWS_P_SSO_REGION);
    struct ss_aws_profile s = {0};
    char path[SS_AWS_PATH_MAX], why[512], login[200];
    char *doc = NULL, *token = NULL;
    time_t expires;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (session) {
        int found = ss_aws_profile_load("sso-session", session, &s, why, sizeof(why));
        if (found < 0) {
            snprintf(err, errlen, "%s", why);
            goto out;
        }
        if (!found) {
            snprintf(err, errlen, "sso_session '%.100s': no [sso-session %.100s] in %s", session,
                     session, s.path[0]);
            goto out;
        }
        start_url = need(&s, SS_AWS_P_SSO_START_URL);
        region = need(&s, SS_AWS_P_SSO_REGION);
        snprintf(login, sizeof(login), "aws sso login --sso-session %.100s", session);
    } else {
        snprintf(login, sizeof(login), "aws sso login --profile %.100s", profile);
    }
    if (!account || !role || !start_url || !region) {
        snprintf(err, errlen,
                 "SSO needs sso_account_id and sso_role_name in the profile and "
                 "sso_start_url and sso_region in %s (missing: %s)",
                 session ? "its [sso-session]" : "the profile",
                 !account     ? "sso_account_id"
                 : !role      ? "sso_role_name"
                 : !start_url ? "sso_start_url"
                              : "sso_region");
        goto out;
    }
    /* The cache file is named after the session, or the start URL for
     * profiles written before sso-session sections existed. */
    if (ss_aws_sso_cache_path(session ? session : start_url, path, sizeof(path), err, errlen) < 0)
        goto out;
    if (ss_secret_file_resolve(path, &doc, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "no SSO token in the cache (%s); run `%s`", why, login);
        goto out;
    }
    rc = ss_aws_sso_token_parse(doc, strlen(doc), time(NULL), &token, &expires, why, sizeof(why));
    /* Refresh tokens come with sso-session logins only. */
    if (session && (rc == -2 || (rc == 0 && expires - time(NULL) < SSO_REFRESH_MARGIN_S))) {
        char why2[512], *fresh = NULL;
        if (refresh_token(path, region, doc, &fresh, &expires, why2, sizeof(why2)) == 0) {
            ss_aws_wipe_free(token);
            token = fresh;
            rc = 0;
        } else if (rc == -2) {
            snprintf(err, errlen, "%s: %s, and it cannot be refreshed (%s); run `%s`", path, why,
                     why2, login);
            rc = -1;
            goto out;
        } else {
            ss_debug("SSO token refresh: %s; the cached token is used while it lasts", why2);
        }
    }
    if (rc < 0) {
        snprintf(err, errlen, "%s: %s%s%s%s", path, why, rc == -2 ? "; run `" : "",
                 rc == -2 ? login : "", rc == -2 ? "`" : "");
        rc = -1;
        goto out;
    }
    rc = -1;
    if (get_role_credentials(region, account, role, token, out, err, errlen) < 0)
        goto out;
    ss_aws_creds_set_source(out,
                            "profile \"%.64s\" (IAM Identity Center, account %.20s, role "
                            "%.64s)",
                            profile, account, role);
    rc = 0;
out:
    ss_aws_wipe_free(token);
    ss_aws_wipe_free(doc);
    ss_aws_profile_free(&s);
    return rc;
}
