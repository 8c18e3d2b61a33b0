/* Microsoft Graph over libcurl: the client-credentials token (secret or
 * certificate assertion), renewed before it expires, and GETs with
 * Retry-After, backoff and a deadline per request. */
#include "entra.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

int entra_http_init(struct entra_http *h, const struct scimsync_host *host,
                    const struct entra_conf *conf)
{
    memset(h, 0, sizeof *h);
    h->host = host;
    h->conf = conf;
    if (!(h->curl = curl_easy_init()))
        return SCIMSYNC_ERR_NOMEM;
    return 0;
}

void entra_http_cleanup(struct entra_http *h)
{
    if (h->curl)
        curl_easy_cleanup(h->curl);
    h->curl = NULL;
    if (h->token) {
        memset(h->token, 0, strlen(h->token));
        free(h->token);
    }
    h->token = NULL;
}

/* "GET https://host/v1.0/users" without the query: enough to say where,
 * short, and free of filter values and delta tokens. */
static void describe(const char *method, const char *url, char *out, size_t n)
{
    size_t q = strcspn(url, "?");
    snprintf(out, n, "%s %.*s", method, (int)(q > 200 ? 200 : q), url);
}

/* Graph's and the identity platform's error bodies: {"error":{"code",
 * "message"}} and {"error", "error_description"}.  Neither carries our
 * secret; the description is cut to its first line. */
static void error_text(const char *body, char *out, size_t n)
{
    json_object *o = body ? json_tokener_parse(body) : NULL, *e, *c, *m;
    out[0] = '\0';
    if (o && json_object_object_get_ex(o, "error", &e)) {
        if (json_object_is_type(e, json_type_object)) {
            json_object_object_get_ex(e, "code", &c);
            json_object_object_get_ex(e, "message", &m);
            snprintf(out, n, "%s: %s", c ? json_object_get_string(c) : "?",
                     m ? json_object_get_string(m) : "");
        } else if (json_object_object_get_ex(o, "error_description", &m)) {
            snprintf(out, n, "%s: %s", json_object_get_string(e), json_object_get_string(m));
        } else {
            snprintf(out, n, "%s", json_object_get_string(e));
        }
        out[strcspn(out, "\r\n")] = '\0';
    }
    json_object_put(o);
}

static int transient(long status)
{
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

/* One request with retries.  post: form body (token endpoint) or NULL
 * for a GET with the bearer token.  0 with *body (the caller frees it). */
static int perform(struct entra_http *h, const char *url, const char *post, int eventual,
                   struct ssp_resp *body, long *status)
{
    const struct scimsync_host *host = h->host;
    static const char *const consistency[] = {"ConsistencyLevel: eventual", NULL};
    char what[256], errbuf[CURL_ERROR_SIZE], etext[512];
    time_t deadline = time(NULL) + h->conf->request_timeout;
    const struct ssp_req q = {
        .url = url,
        .form = post,
        .bearer = post ? NULL : h->token,
        .headers = !post && eventual ? consistency : NULL,
        .user_agent = "scimsync-entra",
        .ca_file = h->conf->ca_file,
        .verify_tls = 1,
        .timeout_ms = h->conf->request_timeout * 1000L,
        .connect_timeout_ms = 30000L,
    };
    describe(post ? "POST" : "GET", url, what, sizeof what);
    for (int attempt = 1;; attempt++) {
        struct ssp_resp r = {0};
        if (host->should_stop(host))
            return SCIMSYNC_ERR_STOPPED;
        CURLcode rc = ssp_http_attempt(h->curl, &q, &r, errbuf);
        h->requests++;
        *status = 0;
        long wait;
        char why[CURL_ERROR_SIZE + 32];
        if (rc == CURLE_OUT_OF_MEMORY) {
            ssp_resp_free(&r);
            return SCIMSYNC_ERR_NOMEM;
        }
        if (rc != CURLE_OK) {
            snprintf(why, sizeof why, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
            wait = entra_backoff(attempt);
        } else {
            *status = r.status;
            if (*status >= 200 && *status < 300) {
                *body = r;
                return 0;
            }
            if (!transient(*status)) {
                if (*status == 410 || (*status == 401 && !post)) {
                    ssp_resp_free(&r); /* the caller decides */
                    return *status == 410 ? SCIMSYNC_ERR_NOTFOUND : SCIMSYNC_ERR_AUTH;
                }
                error_text(r.body, etext, sizeof etext);
                host->log(host, SCIMSYNC_LOG_ERROR, "%s: HTTP %ld%s%s%s", what, *status,
                          etext[0] ? " (" : "", etext, etext[0] ? ")" : "");
                if (*status == 403)
                    host->log(host, SCIMSYNC_LOG_ERROR,
                              "the app registration lacks a permission or its admin consent: "
                              "see docs/source-entra.md");
                ssp_resp_free(&r);
                /* 400: a query Graph refuses (a filter), or refused client
                 * credentials at the token endpoint */
                if (*status == 400)
                    return post ? SCIMSYNC_ERR_AUTH : SCIMSYNC_ERR_INVALID;
                return *status == 401 || *status == 403 ? SCIMSYNC_ERR_AUTH
                       : *status == 404                 ? SCIMSYNC_ERR_NOTFOUND
                                                        : SCIMSYNC_ERR_IO;
            }
            snprintf(why, sizeof why, "HTTP %ld", *status);
            long ra = r.retry_after >= 0 ? (long)ceil(r.retry_after) : -1;
            wait = (*status == 429 || *status == 503) && ra >= 0 ? ra : entra_backoff(attempt);
        }
        ssp_resp_free(&r);
        if (attempt > h->conf->retries || time(NULL) + wait > deadline) {
            host->log(host, SCIMSYNC_LOG_ERROR, "%s: %s; giving up after %d attempt%s", what, why,
                      attempt, attempt == 1 ? "" : "s");
            return SCIMSYNC_ERR_IO;
        }
        h->retried++;
        host->log(host, SCIMSYNC_LOG_INFO, "%s: %s; retry %d in %ld s", what, why, attempt, wait);
        if (ssp_sleep_until(host, ssp_now() + (double)wait) < 0)
            return SCIMSYNC_ERR_STOPPED;
    }
}

static char *form_pair(CURL *c, char *acc, const char *name, const char *value)
{
    char *v = curl_easy_escape(c, value, 0);
    if (!v) {
        free(acc);
        return NULL;
    }
    size_t old = acc ? strlen(acc) : 0, n = old + strlen(name) + strlen(v) + 3;
    char *out = realloc(acc, n);
    if (out)
        snprintf(out + old, n - old, "%s%s=%s", old ? "&" : "", name, v);
    else
        free(acc);
    memset(v, 0, strlen(v));
    curl_free(v);
    return out;
}

static void wipe(char *s)
{
    if (s) {
        memset(s, 0, strlen(s));
        free(s);
    }
}

/* Client credentials: a new access token when there is none or it is
 * within its renewal margin. */
static int ensure_token(struct entra_http *h)
{
    const struct scimsync_host *host = h->host;
    const struct entra_conf *c = h->conf;
    char *form = NULL, *assertion = NULL, err[256];
    struct ssp_resp body = {0};
    json_object *o = NULL, *tok, *exp;
    long status = 0;
    int ret;
    time_t now = time(NULL);
    if (h->token && now < h->token_renew_at)
        return 0;
    form = form_pair(h->curl, form, "client_id", c->client_id);
    if (form)
        form = form_pair(h->curl, form, "scope", c->scope);
    if (form)
        form = form_pair(h->curl, form, "grant_type", "client_credentials");
    if (c->certificate) {
        if (entra_client_assertion(c->certificate, c->private_key, c->thumb_sha256, c->client_id,
                                   c->token_url, now, 600, NULL, &assertion, err, sizeof err) < 0) {
            host->log(host, SCIMSYNC_LOG_ERROR, "%s", err);
            ret = SCIMSYNC_ERR_CONFIG;
            goto out;
        }
        if (form)
            form = form_pair(h->curl, form, "client_assertion_type",
                             "urn:ietf:params:oauth:client-assertion-type:jwt-bearer");
        if (form)
            form = form_pair(h->curl, form, "client_assertion", assertion);
    } else if (form) {
        form = form_pair(h->curl, form, "client_secret", c->client_secret);
    }
    if (!form) {
        ret = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    if ((ret = perform(h, c->token_url, form, 0, &body, &status)) < 0) {
        if (ret == SCIMSYNC_ERR_AUTH)
            host->log(host, SCIMSYNC_LOG_ERROR,
                      "Entra ID refused the client credentials of client_id %s in tenant %s",
                      c->client_id, c->tenant_id);
        goto out;
    }
    o = body.body ? json_tokener_parse(body.body) : NULL;
    if (!o || !json_object_object_get_ex(o, "access_token", &tok) ||
        !json_object_is_type(tok, json_type_string)) {
        host->log(host, SCIMSYNC_LOG_ERROR, "POST %s: the answer has no access_token",
                  c->token_url);
        ret = SCIMSYNC_ERR_IO;
        goto out;
    }
    long life = 3600;
    if (json_object_object_get_ex(o, "expires_in", &exp))
        life = json_object_get_int(exp); /* a number or a numeric string */
    if (life <= 0)
        life = 60;
    wipe(h->token);
    if (!(h->token = strdup(json_object_get_string(tok)))) {
        ret = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    /* renew 5 minutes early, or halfway through a short lifetime */
    h->token_renew_at = now + (life > 600 ? life - 300 : life / 2);
    host->log(host, SCIMSYNC_LOG_DEBUG, "access token for client_id %s, valid %ld s", c->client_id,
              life);
    ret = 0;
out:
    if (o) {
        /* the token text inside the parsed answer */
        json_object_put(o);
    }
    if (body.body)
        memset(body.body, 0, body.len); /* the token's text */
    ssp_resp_free(&body);
    wipe(form);
    wipe(assertion);
    return ret;
}

int entra_get(struct entra_http *h, const char *url, int eventual, json_object **out, long *status)
{
    struct ssp_resp body = {0};
    int ret;
    *out = NULL;
    *status = 0;
    for (int renewed = 0;; renewed = 1) {
        if ((ret = ensure_token(h)) < 0)
            return ret;
        ret = perform(h, url, NULL, eventual, &body, status);
        /* a 401 on a GET: the token expired early or was revoked; one new
         * token, then the refusal stands */
        if (ret == SCIMSYNC_ERR_AUTH && *status == 401 && !renewed) {
            h->token_renew_at = 0;
            continue;
        }
        break;
    }
    if (ret == SCIMSYNC_ERR_AUTH && *status == 401) {
        char what[256];
        describe("GET", url, what, sizeof what);
        h->host->log(h->host, SCIMSYNC_LOG_ERROR, "%s: HTTP 401 with a new access token", what);
    }
    if (ret < 0)
        return ret;
    json_tokener *tk = json_tokener_new();
    if (tk) {
        *out = json_tokener_parse_ex(tk, body.body ? body.body : "", (int)body.len);
        if (json_tokener_get_error(tk) != json_tokener_success) {
            json_object_put(*out);
            *out = NULL;
        }
        json_tokener_free(tk);
    }
    ssp_resp_free(&body);
    if (!*out || !json_object_is_type(*out, json_type_object)) {
        char what[256];
        describe("GET", url, what, sizeof what);
        h->host->log(h->host, SCIMSYNC_LOG_ERROR, "%s: the answer is not a JSON object", what);
        json_object_put(*out);
        *out = NULL;
        return SCIMSYNC_ERR_IO;
    }
    return 0;
}
