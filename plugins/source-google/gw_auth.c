/* Domain-wide delegation: a JWT signed with the service account's key,
 * impersonating `subject`, exchanged at the token endpoint for an access
 * token (RFC 7523), refreshed before it expires.  API reads go through
 * gw_api_get_page, which renews the token once on a 401. */
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw_source.h"

/* Renew this long before the token expires (or at half its lifetime when
 * that is shorter), so a page read never starts with a dying token. */
#define REFRESH_MARGIN_S 300.0

static const char grant[] = "urn:ietf:params:oauth:grant-type:jwt-bearer";

void gw_auth_forget(struct gw_source *s)
{
    if (s->token) {
        OPENSSL_cleanse(s->token, strlen(s->token));
        free(s->token);
    }
    s->token = NULL;
    s->token_expires = 0;
}

static const char *token_url(const struct gw_source *s)
{
    return s->conf.token_url ? s->conf.token_url : s->key.token_uri;
}

/* The token endpoint's refusal, with what usually causes it. */
static void log_refusal(struct gw_source *s, long status, const char *body)
{
    const struct scimsync_host *h = s->host;
    char reason[128], message[256];
    gw_classify(status, body, reason, sizeof reason, message, sizeof message);
    const char *hint = "";
    if (!strcmp(reason, "unauthorized_client"))
        hint = " (domain-wide delegation is not granted to this service account's client ID "
               "for the three read-only scopes: see docs/source-google.md)";
    else if (!strcmp(reason, "invalid_grant"))
        hint = " (check subject: an existing admin user of the domain; and the machine's clock)";
    else if (!strcmp(reason, "invalid_client"))
        hint = " (the key was deleted or the service account disabled)";
    h->log(h, SCIMSYNC_LOG_ERROR, "token endpoint %s refused the service account %s for %s: HTTP "
           "%ld %s%s%s%s",
           token_url(s), s->key.client_email, s->conf.subject, status, *reason ? reason : "",
           *message ? ": " : "", message, hint);
}

static int fetch_token(struct gw_source *s)
{
    const struct scimsync_host *h = s->host;
    char err[256], *jwt = NULL, *esc = NULL, *form = NULL;
    struct ssp_resp r = {0};
    json_object *root = NULL, *v;
    int ret;
    gw_auth_forget(s);
    if (gw_jwt_build(s->key.private_key, s->key.client_email, s->conf.subject, gw_scopes,
                     token_url(s), time(NULL), &jwt, err, sizeof err) < 0) {
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: credentials: %s", h->config_where(h, "credentials"),
               err);
        ret = SCIMSYNC_ERR_CONFIG;
        goto out;
    }
    size_t flen = sizeof "grant_type=&assertion=" + sizeof grant * 3 + strlen(jwt);
    if (!(esc = curl_easy_escape(NULL, grant, 0)) || !(form = malloc(flen))) {
        ret = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    /* the JWT is base64url and dots: nothing to escape */
    snprintf(form, flen, "grant_type=%s&assertion=%s", esc, jwt);
    s->token_requests++;
    if ((ret = gw_http_call(s, "token request", token_url(s), form, NULL, &r)) < 0)
        goto out;
    if (r.status != 200) {
        log_refusal(s, r.status, r.body);
        ret = r.status >= 400 && r.status < 500 ? SCIMSYNC_ERR_AUTH : SCIMSYNC_ERR_IO;
        goto out;
    }
    root = r.body ? json_tokener_parse(r.body) : NULL;
    const char *tok = NULL;
    long ttl = 3600;
    if (root && json_object_object_get_ex(root, "access_token", &v) &&
        json_object_is_type(v, json_type_string))
        tok = json_object_get_string(v);
    if (root && json_object_object_get_ex(root, "expires_in", &v) &&
        json_object_is_type(v, json_type_int))
        ttl = (long)json_object_get_int64(v);
    if (!tok || !*tok || ttl <= 0) {
        h->log(h, SCIMSYNC_LOG_ERROR, "token endpoint %s: the answer holds no access_token / "
               "expires_in", token_url(s));
        ret = SCIMSYNC_ERR_AUTH;
        goto out;
    }
    if (!(s->token = strdup(tok))) {
        ret = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    double margin = (double)ttl / 2 < REFRESH_MARGIN_S ? (double)ttl / 2 : REFRESH_MARGIN_S;
    s->token_expires = ssp_now() + (double)ttl - margin;
    h->log(h, SCIMSYNC_LOG_DEBUG, "access token for %s as %s, valid %ld s", s->key.client_email,
           s->conf.subject, ttl);
    ret = 0;
out:
    if (jwt) {
        OPENSSL_cleanse(jwt, strlen(jwt));
        free(jwt);
    }
    if (form) {
        OPENSSL_cleanse(form, strlen(form));
        free(form);
    }
    curl_free(esc);
    json_object_put(root);
    if (r.body)
        OPENSSL_cleanse(r.body, r.len);
    ssp_resp_free(&r);
    return ret;
}

int gw_auth_token(struct gw_source *s)
{
    if (s->token && ssp_now() < s->token_expires)
        return 0;
    return fetch_token(s);
}

int gw_api_get_page(struct gw_source *s, const char *what, const char *url, const char *items_key,
                    json_object **root, json_object **items, const char **next,
                    int quiet_missing)
{
    const struct scimsync_host *h = s->host;
    struct ssp_resp r = {0};
    char reason[128], message[256], err[256];
    int ret, renewed = 0;
    for (;;) {
        if ((ret = gw_auth_token(s)) < 0)
            goto out;
        if ((ret = gw_http_call(s, what, url, NULL, s->token, &r)) < 0)
            goto out;
        if (r.status == 401 && !renewed) {
            /* revoked or expired early: one new token, then a real failure */
            renewed = 1;
            gw_auth_forget(s);
            continue;
        }
        break;
    }
    s->last_status = r.status;
    if (quiet_missing && (r.status == 403 || r.status == 404)) {
        ret = r.status == 403 ? SCIMSYNC_ERR_AUTH : SCIMSYNC_ERR_NOTFOUND;
        goto out;
    }
    switch (gw_classify(r.status, r.body, reason, sizeof reason, message, sizeof message)) {
    case GW_OK:
        if (gw_page_parse(r.body ? r.body : "", r.len, items_key, root, items, next, err,
                          sizeof err) < 0) {
            h->log(h, SCIMSYNC_LOG_ERROR, "%s: %s", what, err);
            ret = SCIMSYNC_ERR_IO;
        } else {
            ret = 0;
        }
        break;
    case GW_AUTH:
        h->log(h, SCIMSYNC_LOG_ERROR,
               "%s: HTTP %ld %s%s%s (the service account needs domain-wide delegation of the "
               "read-only scopes, and subject %s must be an admin allowed to read the directory)",
               what, r.status, reason, *message ? ": " : "", message, s->conf.subject);
        ret = SCIMSYNC_ERR_AUTH;
        break;
    case GW_NOTFOUND:
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: HTTP 404 %s%s%s", what, reason, *message ? ": " : "",
               message);
        ret = SCIMSYNC_ERR_NOTFOUND;
        break;
    default:
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: HTTP %ld %s%s%s", what, r.status, reason,
               *message ? ": " : "", message);
        ret = SCIMSYNC_ERR_IO;
        break;
    }
out:
    ssp_resp_free(&r);
    return ret;
}
