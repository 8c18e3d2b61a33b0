/* The state as an S3 object, over libcurl with its SigV4 signing and the
 * credential chain of aws_credentials.c.  Endpoint: AWS_ENDPOINT_URL_S3,
 * then AWS_ENDPOINT_URL, then https://s3.REGION.amazonaws.com; the bucket
 * goes in the host name (virtual-hosted style) unless path-style is asked
 * for (endpoints such as MinIO or a loopback test server need it).
 * Transport errors, 5xx, 429 and SlowDown are retried; a PUT retried after
 * a lost answer may meet its own write as a 412, so a 412 after a retry
 * compares the object's ETag with the MD5 of what we sent. */
#include <curl/curl.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <ss/dynbuf_sink.h>

#include "aws_providers.h"
#include "aws_request.h"
#include "log.h"
#include "state_store.h"

#define S3_ATTEMPTS 4

struct s3_hdr {
    char etag[160];
};

static size_t on_header(char *data, size_t size, size_t n, void *ud)
{
    struct s3_hdr *h = ud;
    size_t len = size * n;
    if (len > 5 && !strncasecmp(data, "ETag:", 5)) {
        const char *v = data + 5;
        size_t vl = len - 5;
        while (vl && (*v == ' ' || *v == '\t'))
            v++, vl--;
        while (vl && (v[vl - 1] == '\r' || v[vl - 1] == '\n' || v[vl - 1] == ' '))
            vl--;
        if (vl < sizeof(h->etag)) {
            memcpy(h->etag, v, vl);
            h->etag[vl] = '\0';
        }
    }
    return len;
}

static int hex_digest(const EVP_MD *md, const char *buf, size_t len, char *out, size_t outlen)
{
    unsigned char d[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!EVP_Digest(buf, len, d, &n, md, NULL) || outlen < 2 * n + 1)
        return -1;
    for (unsigned i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", d[i]);
    return 0;
}

static int ensure_creds(struct ss_state_store *s, char *err, size_t errlen)
{
    if (s->have_creds &&
        (!s->creds.expiration || s->creds.expiration - time(NULL) > SS_AWS_CREDS_REFRESH_S))
        return 0;
    ss_aws_creds_clear(&s->creds);
    s->have_creds = 0;
    if (ss_aws_creds_resolve(&s->creds, err, errlen) < 0)
        return -1;
    s->have_creds = 1;
    return 0;
}

/* The object URL of key. */
static int object_url(const struct ss_state_store *s, const char *key, char *out, size_t outlen,
                      char *err, size_t errlen)
{
    char base[SS_AWS_URL_MAX];
    int rc = -1;
    CURLU *u = NULL;
    char *host = NULL, *path = NULL, *full = NULL, *ekey = NULL;
    CURL *c = curl_easy_init();

    if (ss_aws_endpoint("S3", "s3", s->region, base, sizeof(base), err, errlen) < 0)
        goto out;
    u = curl_url();
    if (!c || !u || curl_url_set(u, CURLUPART_URL, base, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_HOST, &host, 0) != CURLUE_OK ||
        curl_url_get(u, CURLUPART_PATH, &path, 0) != CURLUE_OK) {
        snprintf(err, errlen, "S3 endpoint URL '%.200s' cannot be parsed", base);
        goto out;
    }
    /* Each segment escaped; the slashes of the key stay. */
    size_t kl = strlen(key), w = 0;
    ekey = malloc(kl * 3 + 1);
    if (!ekey)
        goto nomem;
    for (const char *p = key; *p;) {
        size_t seg = strcspn(p, "/");
        char *e = curl_easy_escape(c, p, (int)seg);
        if (!e)
            goto nomem;
        memcpy(ekey + w, e, strlen(e));
        w += strlen(e);
        curl_free(e);
        p += seg;
        if (*p == '/')
            ekey[w++] = *p++;
    }
    ekey[w] = '\0';
    size_t pl = strlen(path) + strlen(s->bucket) + w + 4;
    char *np = malloc(pl);
    if (!np)
        goto nomem;
    const char *sep = path[strlen(path) - 1] == '/' ? "" : "/";
    if (s->path_style)
        snprintf(np, pl, "%s%s%s/%s", path, sep, s->bucket, ekey);
    else
        snprintf(np, pl, "%s%s%s", path, sep, ekey);
    CURLUcode uc = curl_url_set(u, CURLUPART_PATH, np, 0);
    free(np);
    if (uc != CURLUE_OK)
        goto nomem;
    if (!s->path_style) {
        size_t hl = strlen(host) + strlen(s->bucket) + 2;
        char *nh = malloc(hl);
        if (!nh)
            goto nomem;
        snprintf(nh, hl, "%s.%s", s->bucket, host);
        uc = curl_url_set(u, CURLUPART_HOST, nh, 0);
        free(nh);
        if (uc != CURLUE_OK)
            goto nomem;
    }
    if (curl_url_get(u, CURLUPART_URL, &full, 0) != CURLUE_OK || strlen(full) >= outlen) {
        snprintf(err, errlen, "S3 object URL too long");
        goto out;
    }
    snprintf(out, outlen, "%s", full);
    rc = 0;
    goto out;
nomem:
    snprintf(err, errlen, "out of memory");
out:
    curl_free(host);
    curl_free(path);
    curl_free(full);
    free(ekey);
    curl_url_cleanup(u);
    if (c)
        curl_easy_cleanup(c);
    return rc;
}

struct s3_call {
    const char *method;
    const char *key;
    const char *body; /* PUT */
    size_t len;
    const char *cond_header; /* "If-Match: ..." / "If-None-Match: *" or NULL */
    long status;
    struct ss_dynbuf_sink resp; /* the answer, capped at SS_STATE_MAX_BYTES */
    struct s3_hdr hdr;
};

/* One request; 0 when an answer arrived (any status), <0 otherwise. */
static int s3_once(struct ss_state_store *s, struct s3_call *k, const char *url, char *err,
                   size_t errlen)
{
    char sigv4[128], hash[EVP_MAX_MD_SIZE * 2 + 1], line[256], curl_err[CURL_ERROR_SIZE] = "";
    struct curl_slist *h = NULL, *t;
    int rc = -1;
    CURL *c = curl_easy_init();

    ss_dynbuf_sink_free(&k->resp);
    ss_dynbuf_sink_init(&k->resp, SS_STATE_MAX_BYTES, 0);
    memset(&k->hdr, 0, sizeof(k->hdr));
    if (!c || hex_digest(EVP_sha256(), k->body ? k->body : "", k->body ? k->len : 0, hash,
                         sizeof hash) < 0) {
        snprintf(err, errlen, "cannot initialise libcurl / OpenSSL");
        goto out;
    }
    /* S3 wants the payload hash as a header; libcurl signs it with the rest. */
    snprintf(line, sizeof line, "x-amz-content-sha256: %s", hash);
    if (!(t = curl_slist_append(h, line)))
        goto nomem;
    h = t;
    if (k->cond_header) {
        if (!(t = curl_slist_append(h, k->cond_header)))
            goto nomem;
        h = t;
    }
    if (k->body) {
        if (!(t = curl_slist_append(h, "Content-Type: application/x-ndjson")))
            goto nomem;
        h = t;
    }
    if (s->creds.session_token) {
        size_t n = strlen(s->creds.session_token) + sizeof("X-Amz-Security-Token: ");
        char *th = malloc(n);
        if (!th)
            goto nomem;
        snprintf(th, n, "X-Amz-Security-Token: %s", s->creds.session_token);
        t = curl_slist_append(h, th);
        explicit_bzero(th, n);
        free(th);
        if (!t)
            goto nomem;
        h = t;
    }
    snprintf(sigv4, sizeof sigv4, "aws:amz:%s:s3", s->region);
    curl_easy_setopt(c, CURLOPT_URL, url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, 10000L);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, 300000L);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ss_dynbuf_sink_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &k->resp);
    curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
    curl_easy_setopt(c, CURLOPT_HEADERDATA, &k->hdr);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "scimsync");
    curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, sigv4);
    curl_easy_setopt(c, CURLOPT_USERNAME, s->creds.access_key_id);
    curl_easy_setopt(c, CURLOPT_PASSWORD, s->creds.secret_access_key);
    if (!strcmp(k->method, "PUT")) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, k->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)k->len);
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "PUT");
    } else if (!strcmp(k->method, "DELETE")) {
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
    }
    CURLcode cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        snprintf(err, errlen, "%s %.300s: %.180s", k->method, url,
                 k->resp.too_big ? "answer larger than a state may be"
                                 : (curl_err[0] ? curl_err : curl_easy_strerror(cc)));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &k->status);
    rc = 0;
    goto out;
nomem:
    snprintf(err, errlen, "out of memory");
out:
    curl_slist_free_all(h);
    if (c)
        curl_easy_cleanup(c);
    return rc;
}

/* "Code: Message" of an S3 error answer. */
static void s3_error_text(const struct s3_call *k, char *out, size_t outlen)
{
    char *code = NULL, *msg = NULL;
    if (ss_dynbuf_len(&k->resp.buf)) {
        const char *body = ss_dynbuf_str(&k->resp.buf);
        size_t len = ss_dynbuf_len(&k->resp.buf);
        ss_aws_xml_text(body, len, "Code", 128, &code);
        ss_aws_xml_text(body, len, "Message", 300, &msg);
    }
    if (code)
        snprintf(out, outlen, "HTTP %ld %s%s%s", k->status, code, msg ? ": " : "", msg ? msg : "");
    else
        snprintf(out, outlen, "HTTP %ld", k->status);
    free(code);
    free(msg);
}

static int retryable(const struct s3_call *k)
{
    return k->status >= 500 || k->status == 429 ||
           strstr(ss_dynbuf_str(&k->resp.buf), "<Code>SlowDown</Code>");
}

/* Sends k with retries; 0 with k->status set, <0 with err set. */
static int s3_call(struct ss_state_store *s, struct s3_call *k, int *retried, char *err,
                   size_t errlen)
{
    char url[SS_AWS_URL_MAX], text[512];
    *retried = 0;
    if (!s->region && !(s->region = ss_aws_region())) {
        snprintf(err, errlen, "s3://%s: no AWS region (set AWS_REGION)", s->bucket);
        return -1;
    }
    if (ensure_creds(s, err, errlen) < 0 || object_url(s, k->key, url, sizeof url, err, errlen) < 0)
        return -1;
    for (int attempt = 0;; attempt++) {
        int r = s3_once(s, k, url, text, sizeof text);
        if (r == 0 && !retryable(k))
            return 0;
        if (attempt + 1 >= S3_ATTEMPTS) {
            if (r < 0)
                snprintf(err, errlen, "%s", text);
            else
                return 0;
            return -1;
        }
        ss_debug("state: %s s3://%s/%s: %s; retrying", k->method, s->bucket, k->key,
                 r < 0 ? text : "throttled or server error");
        struct timespec ts = {0, 250L * 1000 * 1000 * (1L << attempt)};
        nanosleep(&ts, NULL);
        *retried = 1;
    }
}

static void fail_text(const struct ss_state_store *s, const struct s3_call *k, char *err,
                      size_t errlen)
{
    char text[512];
    s3_error_text(k, text, sizeof text);
    snprintf(err, errlen, "%s s3://%s/%s: %s%s", k->method, s->bucket, k->key, text,
             k->status == 403 ? " (check the task role: s3:GetObject / s3:PutObject / "
                                "s3:DeleteObject on the state's prefix, and the region)"
                              : "");
}

int ss_s3_get(struct ss_state_store *s, const char *key, char **buf, size_t *len, char *etag,
              size_t etaglen, char *err, size_t errlen)
{
    struct s3_call k = {.method = "GET", .key = key};
    int retried, rc = -1;
    *buf = NULL;
    *len = 0;
    if (s3_call(s, &k, &retried, err, errlen) < 0)
        goto out;
    if (k.status == 404) {
        rc = 0;
        goto out;
    }
    if (k.status != 200) {
        fail_text(s, &k, err, errlen);
        goto out;
    }
    *len = ss_dynbuf_len(&k.resp.buf);
    if (!(*buf = ss_dynbuf_take(&k.resp.buf))) { /* "" when the object is empty */
        *len = 0;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    snprintf(etag, etaglen, "%s", k.hdr.etag);
    rc = 1;
out:
    ss_dynbuf_sink_free(&k.resp);
    return rc;
}

int ss_s3_put(struct ss_state_store *s, const char *key, const char *buf, size_t len,
              const char *cond, char *etag, size_t etaglen, char *err, size_t errlen)
{
    char ch[220];
    struct s3_call k = {.method = "PUT", .key = key, .body = buf, .len = len};
    int retried, rc = -1;
    if (cond && !strcmp(cond, "*"))
        k.cond_header = "If-None-Match: *";
    else if (cond) {
        snprintf(ch, sizeof ch, "If-Match: %s", cond);
        k.cond_header = ch;
    }
    if (s3_call(s, &k, &retried, err, errlen) < 0)
        goto out;
    if (k.status == 412 && retried) {
        /* Our first attempt may have landed: is the object what we sent? */
        char md5[EVP_MAX_MD_SIZE * 2 + 3], *b = NULL, tag[160] = "";
        size_t bl;
        md5[0] = '"';
        if (hex_digest(EVP_md5(), buf, len, md5 + 1, sizeof md5 - 2) == 0 &&
            ss_s3_get(s, key, &b, &bl, tag, sizeof tag, err, errlen) == 1) {
            strcat(md5, "\"");
            if (!strcmp(tag, md5) || (bl == len && !memcmp(b, buf, len))) {
                snprintf(etag, etaglen, "%s", tag);
                free(b);
                rc = 0;
                goto out;
            }
        }
        free(b);
    }
    if (k.status == 412) {
        snprintf(err, errlen, "PUT s3://%s/%s: HTTP 412 Precondition Failed: %s", s->bucket, key,
                 cond && !strcmp(cond, "*")
                     ? "the object exists already (created by another run meanwhile, or it "
                       "exists but could not be read)"
                     : "another writer changed it since this run read it");
        rc = SS_STORE_CONFLICT;
        goto out;
    }
    if (k.status != 200) {
        fail_text(s, &k, err, errlen);
        goto out;
    }
    snprintf(etag, etaglen, "%s", k.hdr.etag);
    rc = 0;
out:
    ss_dynbuf_sink_free(&k.resp);
    return rc;
}

int ss_s3_delete(struct ss_state_store *s, const char *key, const char *if_match, char *err,
                 size_t errlen)
{
    char ch[220];
    struct s3_call k = {.method = "DELETE", .key = key};
    int retried, rc = -1;
    if (if_match) {
        snprintf(ch, sizeof ch, "If-Match: %s", if_match);
        k.cond_header = ch;
    }
    if (s3_call(s, &k, &retried, err, errlen) < 0)
        goto out;
    if (k.status == 412) {
        snprintf(err, errlen, "DELETE s3://%s/%s: HTTP 412: it changed meanwhile", s->bucket, key);
        rc = SS_STORE_CONFLICT;
        goto out;
    }
    if (k.status != 204 && k.status != 200 && k.status != 404) {
        fail_text(s, &k, err, errlen);
        goto out;
    }
    rc = 0;
out:
    ss_dynbuf_sink_free(&k.resp);
    return rc;
}
