/* Microsoft Graph over libcurl: the client-credentials token (secret or
 * certificate assertion), renewed before it expires, and GETs with
 * Retry-After, backoff and a deadline per request. */
#include "entra.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

struct buf {
    char *data;
    size_t len;
};

struct reply {
    struct buf body;
    char retry_after[128];
};

static size_t on_body(char *p, size_t size, size_t n, void *ud)
{
    struct buf *b = ud;
    size_t add = size * n;
    char *d = realloc(b->data, b->len + add + 1);
    if (!d)
        return 0; /* curl reports a write error */
    memcpy(d + b->len, p, add);
    b->len += add;
    d[b->len] = '\0';
    b->data = d;
    return add;
}

static size_t on_header(char *p, size_t size, size_t n, void *ud)
{
    struct reply *r = ud;
    size_t len = size * n;
    static const char name[] = "retry-after:";
    if (len > sizeof name - 1 && strncasecmp(p, name, sizeof name - 1) == 0) {
        size_t vlen = len - (sizeof name - 1);
        if (vlen >= sizeof r->retry_after)
            vlen = sizeof r->retry_after - 1;
        memcpy(r->retry_after, p + sizeof name - 1, vlen);
        r->retry_after[vlen] = '\0';
        r->retry_after[strcspn(r->retry_after, "\r\n")] = '\0';
    }
    return len;
}

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

/* Sleeps secs, polling should_stop.  0, or SCIMSYNC_ERR_STOPPED. */
static int wait_for(struct entra_http *h, long secs)
{
    for (long ms = secs * 1000; ms > 0; ms -= 100) {
        if (h->host->should_stop(h->host))
            return SCIMSYNC_ERR_STOPPED;
        usleep(100000);
    }
    return 0;
}

static int transient(long status)
{
    return status == 429 || status == 500 || status == 502 || status == 503 || status == 504;
}

/* One request with retries.  post: form body (token endpoint) or NULL
 * for a GET with the bearer token. */
static int perform(struct entra_http *h, const char *url, const char *post, int eventual,
                   struct buf *body, long *status)
{
    const struct scimsync_host *host = h->host;
    char what[256], errbuf[CURL_ERROR_SIZE], etext[512];
    time_t deadline = time(NULL) + h->conf->request_timeout;
    int ret = SCIMSYNC_ERR_IO;
    describe(post ? "POST" : "GET", url, what, sizeof what);
    for (int attempt = 1;; attempt++) {
        struct reply r = {{NULL, 0}, ""};
        struct curl_slist *hdrs = NULL;
        char *auth = NULL;
        if (host->should_stop(host))
            return SCIMSYNC_ERR_STOPPED;
        curl_easy_reset(h->curl);
        curl_easy_setopt(h->curl, CURLOPT_URL, url);
        curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "https,http");
        curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
        curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT, 30L);
        curl_easy_setopt(h->curl, CURLOPT_TIMEOUT, (long)(h->conf->request_timeout));
        curl_easy_setopt(h->curl, CURLOPT_ACCEPT_ENCODING, "");
        curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
        curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, &r.body);
        curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, on_header);
        curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, &r);
        curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, errbuf);
        curl_easy_setopt(h->curl, CURLOPT_USERAGENT, "scimsync-entra");
        if (h->conf->ca_file)
            curl_easy_setopt(h->curl, CURLOPT_CAINFO, h->conf->ca_file);
        hdrs = curl_slist_append(hdrs, "Accept: application/json");
        if (post) {
            curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, post);
        } else {
            size_t n = strlen(h->token) + 32;
            if (!(auth = malloc(n))) {
                curl_slist_free_all(hdrs);
                return SCIMSYNC_ERR_NOMEM;
            }
            snprintf(auth, n, "Authorization: Bearer %s", h->token);
            hdrs = curl_slist_append(hdrs, auth);
            if (eventual)
                hdrs = curl_slist_append(hdrs, "ConsistencyLevel: eventual");
        }
        curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, hdrs);
        errbuf[0] = '\0';
        CURLcode rc = curl_easy_perform(h->curl);
        h->requests++;
        curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, NULL);
        curl_slist_free_all(hdrs);
        if (auth) {
            memset(auth, 0, strlen(auth));
            free(auth);
        }
        *status = 0;
        long wait;
        char why[CURL_ERROR_SIZE + 32];
        if (rc != CURLE_OK) {
            snprintf(why, sizeof why, "%s", errbuf[0] ? errbuf : curl_easy_strerror(rc));
            wait = entra_backoff(attempt);
        } else {
            curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, status);
            if (*status >= 200 && *status < 300) {
                *body = r.body;
                return 0;
            }
            if (!transient(*status)) {
                if (*status == 410 || (*status == 401 && !post)) {
                    free(r.body.data); /* the caller decides */
                    return *status == 410 ? SCIMSYNC_ERR_NOTFOUND : SCIMSYNC_ERR_AUTH;
                }
                error_text(r.body.data, etext, sizeof etext);
                host->log(host, SCIMSYNC_LOG_ERROR, "%s: HTTP %ld%s%s%s", what, *status,
                          etext[0] ? " (" : "", etext, etext[0] ? ")" : "");
                if (*status == 403)
                    host->log(host, SCIMSYNC_LOG_ERROR,
                              "the app registration lacks a permission or its admin consent: "
                              "see docs/source-entra.md");
                free(r.body.data);
                /* 400: a query Graph refuses (a filter), or refused client
                 * credentials at the token endpoint */
                if (*status == 400)
                    return post ? SCIMSYNC_ERR_AUTH : SCIMSYNC_ERR_INVALID;
                return *status == 401 || *status == 403 ? SCIMSYNC_ERR_AUTH
                       : *status == 404                 ? SCIMSYNC_ERR_NOTFOUND
                                                        : SCIMSYNC_ERR_IO;
            }
            snprintf(why, sizeof why, "HTTP %ld", *status);
            long ra = entra_retry_after(r.retry_after, time(NULL));
            wait = (*status == 429 || *status == 503) && ra >= 0 ? ra : entra_backoff(attempt);
        }
        free(r.body.data);
        if (attempt > h->conf->retries || time(NULL) + wait > deadline) {
            host->log(host, SCIMSYNC_LOG_ERROR, "%s: %s; giving up after %d attempt%s", what, why,
                      attempt, attempt == 1 ? "" : "s");
            return ret;
        }
        h->retried++;
        host->log(host, SCIMSYNC_LOG_INFO, "%s: %s; retry %d in %ld s", what, why, attempt, wait);
        if (wait_for(h, wait) < 0)
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
    struct buf body = {NULL, 0};
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
    o = json_tokener_parse(body.data);
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
    wipe(body.data);
    wipe(form);
    wipe(assertion);
    return ret;
}

int entra_get(struct entra_http *h, const char *url, int eventual, json_object **out, long *status)
{
    struct buf body = {NULL, 0};
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
        *out = json_tokener_parse_ex(tk, body.data ? body.data : "", (int)body.len);
        if (json_tokener_get_error(tk) != json_tokener_success) {
            json_object_put(*out);
            *out = NULL;
        }
        json_tokener_free(tk);
    }
    free(body.data);
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
