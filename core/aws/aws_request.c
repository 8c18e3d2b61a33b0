/* HTTP to AWS endpoints through libcurl; SigV4 is libcurl's, not ours. */
#include "aws_request.h"

#include <ss/dynbuf_sink.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "aws_providers.h"
#include "log.h"

#define JSON_ATTEMPTS 3

void ss_aws_http_resp_free(struct ss_aws_http_resp *resp)
{
    if (resp->body) {
        explicit_bzero(resp->body, resp->len);
        free(resp->body);
    }
    resp->body = NULL;
    resp->len = 0;
}

int ss_aws_http(const struct ss_aws_http_req *rq, struct ss_aws_http_resp *resp, char *err,
                size_t errlen)
{
    struct ss_dynbuf_sink b; /* it may hold credentials: a secret buffer */
    char curl_err[CURL_ERROR_SIZE] = "";
    CURL *c = NULL;
    CURLcode cc;
    int rc = -1;

    memset(resp, 0, sizeof(*resp));
    ss_dynbuf_sink_init(&b, SS_AWS_MAX_RESPONSE, 1);
    c = curl_easy_init();
    if (!c) {
        snprintf(err, errlen, "cannot initialise libcurl");
        goto out;
    }
    curl_easy_setopt(c, CURLOPT_URL, rq->url);
    curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(c, CURLOPT_ERRORBUFFER, curl_err);
    curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, rq->connect_timeout_ms);
    curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, rq->timeout_ms);
    curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, ss_dynbuf_sink_write);
    curl_easy_setopt(c, CURLOPT_WRITEDATA, &b);
    curl_easy_setopt(c, CURLOPT_USERAGENT, "scimsync");
    /* Proxies from the environment would see the request; that is what the
     * SDKs do too, and HTTPS keeps the content private. */
    if (rq->headers)
        curl_easy_setopt(c, CURLOPT_HTTPHEADER, rq->headers);
    if (rq->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, rq->body);
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, (long)strlen(rq->body));
    }
    if (strcmp(rq->method, "POST") != 0 && strcmp(rq->method, "GET") != 0)
        curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, rq->method);
    if (!strcmp(rq->method, "PUT") && !rq->body) {
        curl_easy_setopt(c, CURLOPT_POSTFIELDS, "");
        curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, 0L);
    }
    if (rq->sigv4) {
        curl_easy_setopt(c, CURLOPT_AWS_SIGV4, rq->sigv4);
        curl_easy_setopt(c, CURLOPT_USERNAME, rq->access_key_id);
        curl_easy_setopt(c, CURLOPT_PASSWORD, rq->secret_access_key);
    }
    cc = curl_easy_perform(c);
    if (cc != CURLE_OK) {
        if (b.too_big)
            snprintf(err, errlen, "%s: response larger than %d bytes", rq->url,
                     SS_AWS_MAX_RESPONSE);
        else
            snprintf(err, errlen, "%s: %s", rq->url,
                     curl_err[0] ? curl_err : curl_easy_strerror(cc));
        goto out;
    }
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &resp->status);
    resp->len = ss_dynbuf_len(&b.buf);
    if (!(resp->body = ss_dynbuf_take(&b.buf))) {
        resp->len = 0;
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rc = 0;
out:
    ss_dynbuf_free(&b.buf);
    if (c)
        curl_easy_cleanup(c);
    return rc;
}

const char *ss_aws_region(void)
{
    static char from_profile[64];
    char err[512];
    const char *r = getenv("AWS_REGION");
    int rc;

    if (!r || !*r)
        r = getenv("AWS_DEFAULT_REGION");
    if (r && *r)
        return r;
    rc = ss_aws_profile_region(from_profile, sizeof(from_profile), err, sizeof(err));
    if (rc < 0)
        ss_warn("AWS region from the profile: %s", err);
    return rc > 0 ? from_profile : NULL;
}

static int env_true(const char *name)
{
    const char *v = getenv(name);
    return v && !strcasecmp(v, "true");
}

int ss_aws_endpoint(const char *env_id, const char *host_prefix, const char *region, char *out,
                    size_t outlen, char *err, size_t errlen)
{
    char name[64];
    const char *url = NULL;
    int n;

    if (!env_true("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) {
        snprintf(name, sizeof(name), "AWS_ENDPOINT_URL_%s", env_id);
        url = getenv(name);
        if (!url || !*url)
            url = getenv("AWS_ENDPOINT_URL");
    }
    if (url && *url) {
        if (strncmp(url, "https://", 8) && strncmp(url, "http://", 7)) {
            snprintf(err, errlen, "endpoint URL '%.200s' must start with https:// or http://", url);
            return -1;
        }
        n = snprintf(out, outlen, "%s", url);
    } else {
        if (strspn(region, "abcdefghijklmnopqrstuvwxyz0123456789-") != strlen(region)) {
            snprintf(err, errlen, "invalid AWS region '%.64s'", region);
            return -1;
        }
        n = snprintf(out, outlen, "https://%s.%s.amazonaws.com/", host_prefix, region);
    }
    if (n < 0 || (size_t)n >= outlen) {
        snprintf(err, errlen, "endpoint URL too long");
        return -1;
    }
    return 0;
}

static const char *const auth_codes[] = {
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "ExpiredTokenException",
    "AccessDeniedException",
    "IncompleteSignatureException",
    "MissingAuthenticationTokenException",
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    NULL,
};

void ss_aws_error_text(long status, const char *body, size_t len, char *out, size_t outlen,
                       int *auth)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *doc = NULL, *v;
    const char *code = NULL, *msg = NULL;

    *auth = status == 401 || status == 403;
    if (tok && body && len) {
        doc = json_tokener_parse_ex(tok, body, (int)len);
        if (doc && !json_object_is_type(doc, json_type_object)) {
            json_object_put(doc);
            doc = NULL;
        }
    }
    if (doc) {
        if (json_object_object_get_ex(doc, "__type", &v) ||
            json_object_object_get_ex(doc, "code", &v))
            code = json_object_get_string(v);
        if (json_object_object_get_ex(doc, "message", &v) ||
            json_object_object_get_ex(doc, "Message", &v))
            msg = json_object_get_string(v);
    }
    if (code && strchr(code, '#'))
        code = strchr(code, '#') + 1;
    if (code)
        for (const char *const *a = auth_codes; *a; a++)
            if (!strcmp(code, *a))
                *auth = 1;
    if (code && msg && *msg)
        snprintf(out, outlen, "%.100s: %.300s", code, msg);
    else if (code)
        snprintf(out, outlen, "%.100s (HTTP %ld)", code, status);
    else
        snprintf(out, outlen, "HTTP %ld", status);
    if (doc)
        json_object_put(doc);
    if (tok)
        json_tokener_free(tok);
}

static int retryable(long status, const char *text)
{
    return status >= 500 || status == 429 || strstr(text, "Throttling") ||
           strstr(text, "TooManyRequests");
}

static void backoff(int attempt)
{
    struct timespec ts = {0, 200L * 1000 * 1000 * (1L << attempt)};
    nanosleep(&ts, NULL);
}

int ss_aws_json_call(const struct ss_aws_call *call, const struct ss_aws_creds *creds,
                     const char *body, struct json_object **out, char *err, size_t errlen)
{
    char url[SS_AWS_URL_MAX], sigv4[128], hdr[160], text[512];
    struct ss_aws_http_req rq = {0};
    struct ss_aws_http_resp resp = {0};
    struct curl_slist *headers = NULL, *h;
    struct json_tokener *tok = NULL;
    int rc = -1, auth = 0;

    *out = NULL;
    if (ss_aws_endpoint(call->endpoint_id, call->service, call->region, url, sizeof(url), err,
                        errlen) < 0)
        goto out;
    snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:%s", call->region, call->service);
    snprintf(hdr, sizeof(hdr), "X-Amz-Target: %s", call->target);
    if (!(h = curl_slist_append(headers, hdr)))
        goto nomem;
    headers = h;
    if (!(h = curl_slist_append(headers, "Content-Type: application/x-amz-json-1.1")))
        goto nomem;
    headers = h;
    /* Signed along with the other headers: libcurl signs every header set. */
    if (creds->session_token) {
        size_t n = strlen(creds->session_token) + sizeof("X-Amz-Security-Token: ");
        char *th = malloc(n);
        if (!th)
            goto nomem;
        snprintf(th, n, "X-Amz-Security-Token: %s", creds->session_token);
        h = curl_slist_append(headers, th);
        explicit_bzero(th, n);
        free(th);
        if (!h)
            goto nomem;
        headers = h;
    }
    rq = (struct ss_aws_http_req){
        .method = "POST",
        .url = url,
        .headers = headers,
        .body = body,
        .connect_timeout_ms = 5000,
        .timeout_ms = 20000,
        .sigv4 = sigv4,
        .access_key_id = creds->access_key_id,
        .secret_access_key = creds->secret_access_key,
    };
    for (int attempt = 0;; attempt++) {
        ss_aws_http_resp_free(&resp);
        if (ss_aws_http(&rq, &resp, text, sizeof(text)) < 0) {
            if (attempt + 1 < JSON_ATTEMPTS) {
                ss_debug("%s: %s; retrying", call->target, text);
                backoff(attempt);
                continue;
            }
            snprintf(err, errlen, "%s: %s", call->target, text);
            goto out;
        }
        if (resp.status == 200)
            break;
        ss_aws_error_text(resp.status, resp.body, resp.len, text, sizeof(text), &auth);
        if (!auth && retryable(resp.status, text) && attempt + 1 < JSON_ATTEMPTS) {
            ss_debug("%s: %s; retrying", call->target, text);
            backoff(attempt);
            continue;
        }
        if (auth)
            snprintf(err, errlen, "%s: AWS refused the credentials from the %s: %s", call->target,
                     creds->source, text);
        else
            snprintf(err, errlen, "%s: %s", call->target, text);
        rc = auth ? -2 : -1;
        goto out;
    }
    tok = json_tokener_new();
    if (!tok)
        goto nomem;
    *out = json_tokener_parse_ex(tok, resp.body, (int)resp.len);
    if (!*out || !json_object_is_type(*out, json_type_object)) {
        if (*out)
            json_object_put(*out);
        *out = NULL;
        snprintf(err, errlen, "%s: response is not a JSON object", call->target);
        goto out;
    }
    rc = 0;
    goto out;
nomem:
    snprintf(err, errlen, "out of memory");
out:
    ss_aws_http_resp_free(&resp);
    if (tok)
        json_tokener_free(tok);
    curl_slist_free_all(headers);
    return rc;
}
