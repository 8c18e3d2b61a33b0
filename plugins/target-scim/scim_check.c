/* `scimsync check` for the SCIM target: name resolution, connection, TLS
 * (certificate subject, issuer, expiry, verification), the token (one
 * page of one user), the paging the server offers and its
 * ServiceProviderConfig.  Reads only; every request is bounded by a short
 * timeout.  With SCIMSYNC_CHECK_QUICK (the pre-flight of plan / sync) only
 * the token request is made. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "scim_hint.h"
#include "scim_target.h"

/* Bounds of one check request: a check answers in seconds. */
#define CHECK_TIMEOUT_S 15L
#define CHECK_CONNECT_S 10L
#define CHECK_MAX_BODY (1024u * 1024u)
/* A certificate expiring sooner than this is a warning. */
#define CHECK_EXPIRY_WARN_DAYS 14

struct check_ctx {
    struct scim *s;
    scimsync_check_report report;
    void *ctx;
    unsigned flags;
    int failed;
    char where_url[96], where_token[96], where_ca[96];
};

struct get_result {
    CURLcode cc;
    long status;
    char err[CURL_ERROR_SIZE];
    struct scim_conn_info ci;
    char *body;
    size_t len;
    int too_big;
};

static void say(struct check_ctx *c, enum scimsync_check_status st, const char *what,
                const char *detail, const char *hint)
{
    if (st == SCIMSYNC_CHECK_FAIL)
        c->failed = 1;
    if ((c->flags & SCIMSYNC_CHECK_QUICK) && st != SCIMSYNC_CHECK_FAIL)
        return;
    c->report(c->ctx, st, what, detail, hint);
}

/* One GET of path (NULL: connect and handshake only, no request, so the
 * token is not sent), verify: check the certificate as a run would.
 * `scimsync check` answers within CHECK_TIMEOUT_S; the pre-flight of a run
 * (quick) allows the target's own timeout. */
static void get(struct scim *s, const char *path, int verify, int quick, struct get_result *r)
{
    struct scim_req q;
    long t = quick || s->timeout_s < CHECK_TIMEOUT_S ? s->timeout_s : CHECK_TIMEOUT_S;

    memset(r, 0, sizeof(*r));
    memset(&q, 0, sizeof(q));
    r->cc = CURLE_OUT_OF_MEMORY;
    if (scim_req_set(&q, "GET", strdup(path ? path : "/"), NULL) < 0)
        goto out;
    q.resp.buf.max = CHECK_MAX_BODY;
    s->tx->get(s, &q, t, (verify ? 0 : SCIM_GET_NO_VERIFY) | (path ? 0 : SCIM_GET_CONNECT_ONLY),
               &r->ci);
    r->cc = q.cc;
    /* the status line, even when the transfer failed after it */
    r->status = q.status ? q.status : q.cut_status;
    r->too_big = q.resp.too_big;
    if ((r->len = scim_req_body_len(&q)) > 0 && !(r->body = ss_dynbuf_take(&q.resp.buf)))
        r->len = 0;
    if (q.errbuf)
        snprintf(r->err, sizeof r->err, "%s", q.errbuf);
    /* the pre-flight's request is one of the run's (the run report counts it) */
    if (path && SCIMSYNC_HOST_HAS(s->h, count_request))
        s->h->count_request(s->h, "GET", r->status, -1);
out:
    if (!r->err[0] && r->cc != CURLE_OK)
        snprintf(r->err, sizeof r->err, "%s", curl_easy_strerror(r->cc));
    scim_redact(s, r->err);
    scim_req_clear(&q);
}

static int tls_failure(CURLcode cc)
{
    switch (cc) {
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED:
        return 1;
    default:
        return 0;
    }
}

/* "subject ..., issuer ..., expires ... (N days)"; *days_left < 0 when
 * the expiry could not be read. */
static void cert_text(const struct get_result *r, char *buf, size_t cap, long *days_left)
{
    time_t exp = r->ci.expire[0] ? curl_getdate(r->ci.expire, NULL) : -1;

    *days_left = -1;
    if (exp > 0)
        *days_left = (long)((exp - time(NULL)) / 86400);
    if (!r->ci.subject[0]) {
        snprintf(buf, cap, "no certificate details available");
        return;
    }
    if (exp > 0)
        snprintf(buf, cap, "subject %s, issuer %s, expires %s (%ld days)", r->ci.subject,
                 r->ci.issuer, r->ci.expire, *days_left);
    else
        snprintf(buf, cap, "subject %s, issuer %s, expires %s", r->ci.subject, r->ci.issuer,
                 r->ci.expire[0] ? r->ci.expire : "?");
}

/* Steps up to the transport: returns 0 when the request reached HTTP. */
static int transport(struct check_ctx *c, const struct get_result *r)
{
    struct scim *s = c->s;
    char detail[2560], hint[1400];
    int connected = r->cc == CURLE_OK || r->status > 0 || r->ci.connected || tls_failure(r->cc);

    if (r->cc == CURLE_COULDNT_RESOLVE_HOST) {
        snprintf(detail, sizeof detail, "%s: %s", s->url.base, r->err);
        snprintf(hint, sizeof hint, "check the host name in url (%s)", c->where_url);
        say(c, SCIMSYNC_CHECK_FAIL, "dns", detail, hint);
        return -1;
    }
    snprintf(detail, sizeof detail, "the host of %s resolves%s%s", s->url.base,
             r->ci.ip[0] ? " to " : "", r->ci.ip);
    say(c, SCIMSYNC_CHECK_PASS, "dns", detail, NULL);
    if (!connected) {
        /* The run's own words (scim_hint.c), with the URL asked. */
        char why[256];
        scim_conn_hint(r->cc, r->err, s->ca_file, s->timeout_s, why, sizeof why);
        snprintf(detail, sizeof detail, "GET %s/Users?count=1: %s", s->url.base, r->err);
        if (why[0]) /* "; what failed and what to check" */
            snprintf(hint, sizeof hint, "%s (url: %s)", why + 2, c->where_url);
        else
            snprintf(hint, sizeof hint,
                     "is the server up and the port in url (%s) right? a firewall or proxy in "
                     "the way?",
                     c->where_url);
        say(c, SCIMSYNC_CHECK_FAIL, "connect", detail, hint);
        return -1;
    }
    snprintf(detail, sizeof detail, "%s port %ld", r->ci.ip, r->ci.port);
    say(c, SCIMSYNC_CHECK_PASS, "connect", detail, NULL);
    if (!s->url.https) {
        say(c, s->url.loopback ? SCIMSYNC_CHECK_PASS : SCIMSYNC_CHECK_WARN, "tls",
            s->url.loopback ? "not used: plain http on the loopback interface"
                            : "not used: plain http sends the token unencrypted",
            NULL);
    } else if (tls_failure(r->cc)) {
        /* The handshake again without verification, only for the details
         * of the certificate (no request: the token is not sent). */
        struct get_result peek;
        char cert[700];
        long days;
        get(s, NULL, 0, 0, &peek);
        cert_text(&peek, cert, sizeof cert, &days);
        free(peek.body);
        char why[512];
        scim_conn_hint(r->cc, r->err, s->ca_file, s->timeout_s, why, sizeof why);
        snprintf(detail, sizeof detail, "GET %s/Users?count=1: %s (verify result %ld); %s",
                 s->url.base, r->err, r->ci.verify, cert);
        if (why[0]) /* the check that failed and the key to set */
            snprintf(hint, sizeof hint, "%s (url: %s, ca_file: %s)", why + 2, c->where_url,
                     c->where_ca);
        else
            snprintf(hint, sizeof hint,
                     "set ca_file (%s) to the CA that signed the server's certificate",
                     c->where_ca);
        say(c, SCIMSYNC_CHECK_FAIL, "tls", detail, hint);
        return -1;
    } else {
        char cert[700];
        long days;
        cert_text(r, cert, sizeof cert, &days);
        if (!s->verify_tls) {
            snprintf(detail, sizeof detail, "%s; NOT verified (verify_tls = false)", cert);
            say(c, SCIMSYNC_CHECK_WARN, "tls", detail, NULL);
        } else if (days >= 0 && days < CHECK_EXPIRY_WARN_DAYS) {
            snprintf(detail, sizeof detail, "%s; verified, but expires soon", cert);
            say(c, SCIMSYNC_CHECK_WARN, "tls", detail, NULL);
        } else {
            snprintf(detail, sizeof detail, "%s; verified%s%s", cert,
                     s->ca_file ? " with " : " with the system CAs", s->ca_file ? s->ca_file : "");
            say(c, SCIMSYNC_CHECK_PASS, "tls", detail, NULL);
        }
    }
    if (r->cc != CURLE_OK && r->status == 0) {
        if (c->flags & SCIMSYNC_CHECK_QUICK)
            return 1; /* not conclusive: the run's own retries decide */
        snprintf(detail, sizeof detail, "no answer: %s", r->err);
        snprintf(hint, sizeof hint,
                 "the server accepted the connection but did not answer "
                 "within %ld s; check url (%s)",
                 CHECK_TIMEOUT_S, c->where_url);
        say(c, SCIMSYNC_CHECK_FAIL, "http", detail, hint);
        return -1;
    }
    return 0;
}

/* The token: GET /Users?count=1. */
static int token(struct check_ctx *c, const struct get_result *r)
{
    const struct scim *s = c->s;
    char detail[512], hint[512];
    json_object *root, *total = NULL, *res = NULL;

    if (r->status == 401 || r->status == 403) {
        /* The words of the run's own 401 message. */
        size_t n = strlen(s->url.base);
        snprintf(detail, sizeof detail, "HTTP %ld from %.*s", r->status,
                 (int)(n && s->url.base[n - 1] == '/' ? n - 1 : n), s->url.base);
        snprintf(hint, sizeof hint,
                 "set token (%s) to a valid SCIM access token of this tenant (Identity Center "
                 "tokens expire after a year)",
                 c->where_token);
        say(c, SCIMSYNC_CHECK_FAIL, "token", detail, hint);
        return SCIMSYNC_ERR_AUTH;
    }
    if (r->status == 404) {
        char why[256];
        scim_list_hint(404, 1, 0, why, sizeof why);
        snprintf(detail, sizeof detail, "GET %s/Users?count=1: HTTP 404: Not found%s", s->url.base,
                 why);
        snprintf(hint, sizeof hint, "set url (%s) to the SCIM base", c->where_url);
        say(c, SCIMSYNC_CHECK_FAIL, "url", detail, hint);
        return SCIMSYNC_ERR_CONFIG;
    }
    /* Before a run only what is conclusive stops it (name, connection,
     * certificate, token, URL); a 429, a 5xx or a strange answer is left to
     * the run's retries and checks. */
    if ((r->status != 200 || r->too_big) && (c->flags & SCIMSYNC_CHECK_QUICK))
        return 0;
    if (r->status != 200) {
        snprintf(detail, sizeof detail, "GET /Users?count=1: HTTP %ld", r->status);
        say(c, SCIMSYNC_CHECK_FAIL, "token", detail, "look at the server's status and logs");
        return SCIMSYNC_ERR_IO;
    }
    root = r->body ? json_tokener_parse(r->body) : NULL;
    if (!root || !json_object_object_get_ex(root, "Resources", &res) ||
        !json_object_is_type(res, json_type_array)) {
        json_object_put(root);
        if (c->flags & SCIMSYNC_CHECK_QUICK)
            return 0;
        snprintf(hint, sizeof hint, "url (%s) must be the SCIM base, ending in /scim/v2/",
                 c->where_url);
        say(c, SCIMSYNC_CHECK_FAIL, "url", "GET /Users answered 200 without a SCIM list", hint);
        return SCIMSYNC_ERR_IO;
    }
    json_object_object_get_ex(root, "totalResults", &total);
    snprintf(detail, sizeof detail, "accepted: GET /Users?count=1 returned %zu user(s)%s",
             json_object_array_length(res), total ? "" : " (no totalResults)");
    json_object_put(root);
    say(c, SCIMSYNC_CHECK_PASS, "token", detail, NULL);
    return 0;
}

/* The paging the server behaves like, read with the profile probe's
 * readers (scim_profile.c): cursor paging (Identity Center) or startIndex
 * paging (RFC 7644), against the configured or chosen profile. */
static void paging(struct check_ctx *c)
{
    static const char *const paths[] = {"/Users?count=1&cursor=", "/ServiceProviderConfig",
                                        "/Users?count=1&startIndex=1"};
    enum scim_probe_verdict (*const readers[])(long, const char *, size_t, char *, size_t) = {
        scim_probe_users, scim_probe_spc, scim_probe_index};
    struct scim *s = c->s;
    const char *conf = s->profile == SCIM_PROFILE_IDENTITY_CENTER ? "identity-center" : "generic";
    enum scim_probe_verdict v = SCIM_PROBE_UNSURE;
    char why[256] = "", detail[600];

    for (size_t i = 0; i < 3 && v == SCIM_PROBE_UNSURE; i++) {
        struct get_result r;
        get(s, paths[i], 1, 0, &r);
        v = readers[i](r.status, r.body ? r.body : "", r.len, why, sizeof why);
        free(r.body);
    }
    if (v == SCIM_PROBE_UNSURE) {
        snprintf(detail, sizeof detail,
                 "profile %s%s; the server's paging could not be told apart (%s)", conf,
                 s->profile_auto ? " (not set: probed at the first run)" : "", why);
        say(c, SCIMSYNC_CHECK_PASS, "profile", detail, NULL);
        return;
    }
    int cursor = v == SCIM_PROBE_CURSOR;
    int match = cursor == (s->profile == SCIM_PROFILE_IDENTITY_CENTER);
    snprintf(detail, sizeof detail, "profile %s%s; the server behaves like %s (%s)", conf,
             s->profile_auto ? " (not set: probed at the first run)" : "",
             cursor ? "identity-center: cursor paging" : "generic: startIndex paging", why);
    if (!match && !s->profile_auto)
        say(c, SCIMSYNC_CHECK_WARN, "profile", detail, NULL);
    else
        say(c, SCIMSYNC_CHECK_PASS, "profile", detail, NULL);
}

static const char *supported(json_object *root, const char *key)
{
    json_object *o, *v;
    if (!json_object_object_get_ex(root, key, &o) || !json_object_object_get_ex(o, "supported", &v))
        return "?";
    return json_object_get_boolean(v) ? "yes" : "no";
}

static void provider_config(struct check_ctx *c)
{
    struct get_result r;
    json_object *root;
    char detail[256];

    get(c->s, "/ServiceProviderConfig", 1, 0, &r);
    root = r.status == 200 && r.body ? json_tokener_parse(r.body) : NULL;
    if (!root) {
        snprintf(detail, sizeof detail, "not available (HTTP %ld%s%.180s)", r.status,
                 r.cc != CURLE_OK ? ": " : "", r.cc != CURLE_OK ? r.err : "");
        say(c, SCIMSYNC_CHECK_WARN, "ServiceProviderConfig", detail, NULL);
    } else {
        snprintf(detail, sizeof detail, "patch %s, filter %s, bulk %s, sort %s",
                 supported(root, "patch"), supported(root, "filter"), supported(root, "bulk"),
                 supported(root, "sort"));
        say(c, SCIMSYNC_CHECK_PASS, "ServiceProviderConfig", detail, NULL);
    }
    json_object_put(root);
    free(r.body);
}

int scim_check(void *inst, unsigned flags, scimsync_check_report report, void *ctx)
{
    struct scim *s = inst;
    struct check_ctx c = {.s = s, .report = report, .ctx = ctx, .flags = flags};
    struct get_result r;
    int rc;

    snprintf(c.where_url, sizeof c.where_url, "%.80s", s->h->config_where(s->h, "url"));
    snprintf(c.where_token, sizeof c.where_token, "%.80s", s->h->config_where(s->h, "token"));
    if (s->ca_file)
        snprintf(c.where_ca, sizeof c.where_ca, "now %.80s", s->h->config_where(s->h, "ca_file"));
    else
        snprintf(c.where_ca, sizeof c.where_ca, "in [target %.60s]", s->h->instance_name);
    get(s, "/Users?count=1", 1, (flags & SCIMSYNC_CHECK_QUICK) != 0, &r);
    if (r.cc == CURLE_ABORTED_BY_CALLBACK) {
        free(r.body);
        return SCIMSYNC_ERR_STOPPED; /* the caller says why */
    }
    rc = transport(&c, &r);
    rc = rc < 0 ? SCIMSYNC_ERR_IO : rc > 0 ? 0 : token(&c, &r);
    free(r.body);
    if (rc == 0 && !(flags & SCIMSYNC_CHECK_QUICK)) {
        paging(&c);
        provider_config(&c);
    }
    if (rc == 0 && c.failed)
        rc = SCIMSYNC_ERR;
    return rc;
}
