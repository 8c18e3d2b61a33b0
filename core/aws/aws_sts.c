/*
 * STS AssumeRole (signed by libcurl's SigV4) and AssumeRoleWithWebIdentity
 * (unsigned: the token is the proof).
 *
 * STS speaks the AWS query protocol, whose only documented answer format
 * is XML, and no XML library is among our dependencies.  The answer is
 * read by ss_aws_xml_text(): a strict, bounded extractor of the few leaf
 * elements we need (each must appear exactly once, hold no markup, and
 * use only the five predefined entities); anything else is an error.
 * The undocumented JSON answers some STS front ends give to
 * `Accept: application/json` are not relied upon: STS-compatible servers
 * and VPC endpoints return XML.
 */
#include "aws_providers.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "aws_request.h"
#include "log.h"

#define STS_VERSION "2011-06-15"
#define STS_ATTEMPTS 3
#define XML_CODE_MAX 128
#define XML_MESSAGE_MAX 400

/* First occurrence of needle (nlen bytes) in hay[0..len). */
static const char *find(const char *hay, size_t len, const char *needle, size_t nlen)
{
    const char *p = hay, *end = hay + len;

    while (nlen && (size_t)(end - p) >= nlen) {
        p = memchr(p, needle[0], (size_t)(end - p) - nlen + 1);
        if (!p)
            return NULL;
        if (!memcmp(p, needle, nlen))
            return p;
        p++;
    }
    return NULL;
}

/* The inner range of the single <elem>...</elem>: 1, 0 absent, <0 repeated
 * or unterminated. */
static int xml_block(const char *xml, size_t len, const char *elem, const char **in, size_t *inlen)
{
    char open[80], close[80];
    int ol = snprintf(open, sizeof(open), "<%s>", elem);
    int cl = snprintf(close, sizeof(close), "</%s>", elem);
    const char *s, *e, *after;

    if (ol <= 0 || (size_t)ol >= sizeof(open) || cl <= 0 || (size_t)cl >= sizeof(close))
        return -1;
    s = find(xml, len, open, (size_t)ol);
    if (!s)
        return 0;
    s += ol;
    e = find(s, len - (size_t)(s - xml), close, (size_t)cl);
    if (!e)
        return -1;
    after = e + cl;
    if (find(s, (size_t)(e - s), open, (size_t)ol) ||
        find(after, len - (size_t)(after - xml), open, (size_t)ol))
        return -1;
    *in = s;
    *inlen = (size_t)(e - s);
    return 1;
}

int ss_aws_xml_text(const char *xml, size_t len, const char *elem, size_t max, char **out)
{
    static const struct {
        const char *ent;
        char c;
    } ents[] = {{"&amp;", '&'}, {"&lt;", '<'}, {"&gt;", '>'}, {"&quot;", '"'}, {"&apos;", '\''}};
    const char *in;
    size_t inlen, n = 0;
    char *buf;
    int rc = xml_block(xml, len, elem, &in, &inlen);

    *out = NULL;
    if (rc <= 0)
        return rc;
    if (memchr(in, '<', inlen) || memchr(in, '\0', inlen) || inlen > max * 6)
        return -1;
    buf = malloc(inlen + 1);
    if (!buf)
        return -1;
    for (size_t i = 0; i < inlen;) {
        if (in[i] != '&') {
            buf[n++] = in[i++];
            continue;
        }
        size_t k = 0, nents = sizeof(ents) / sizeof(ents[0]);
        for (; k < nents; k++) {
            size_t el = strlen(ents[k].ent);
            if (inlen - i >= el && !memcmp(in + i, ents[k].ent, el)) {
                buf[n++] = ents[k].c;
                i += el;
                break;
            }
        }
        if (k == nents) { /* numeric or unknown entity: not in an STS answer */
            explicit_bzero(buf, inlen + 1);
            free(buf);
            return -1;
        }
    }
    buf[n] = '\0';
    if (n > max) {
        explicit_bzero(buf, inlen + 1);
        free(buf);
        return -1;
    }
    *out = buf;
    return 1;
}

int ss_aws_sts_parse(const char *xml, size_t len, const char *action, struct ss_aws_creds *out,
                     char *err, size_t errlen)
{
    static const char *const names[] = {"AccessKeyId", "SecretAccessKey", "SessionToken",
                                        "Expiration"};
    char result[64];
    const char *res, *cred;
    size_t reslen, credlen;
    char *val[4] = {0};
    int rc = -1;

    memset(out, 0, sizeof(*out));
    snprintf(result, sizeof(result), "%sResult", action);
    if (xml_block(xml, len, result, &res, &reslen) != 1 ||
        xml_block(res, reslen, "Credentials", &cred, &credlen) != 1) {
        snprintf(err, errlen, "the answer holds no single %s with Credentials", result);
        goto out;
    }
    for (int i = 0; i < 4; i++) {
        if (ss_aws_xml_text(cred, credlen, names[i], SS_AWS_CRED_FIELD_MAX, &val[i]) != 1 ||
            !*val[i] || strpbrk(val[i], "\r\n")) {
            snprintf(err, errlen, "Credentials.%s is missing, repeated, empty or malformed",
                     names[i]);
            goto out;
        }
    }
    if (ss_aws_parse_time(val[3], &out->expiration) < 0) {
        snprintf(err, errlen, "Credentials.Expiration '%.40s' is not an ISO 8601 UTC time", val[3]);
        goto out;
    }
    out->access_key_id = val[0];
    out->secret_access_key = val[1];
    out->session_token = val[2];
    val[0] = val[1] = val[2] = NULL;
    rc = 0;
out:
    for (int i = 0; i < 4; i++)
        ss_aws_wipe_free(val[i]);
    return rc;
}

void ss_aws_sts_error(long status, const char *xml, size_t len, char *out, size_t outlen)
{
    const char *e;
    size_t elen;
    char *code = NULL, *msg = NULL;

    if (xml && xml_block(xml, len, "Error", &e, &elen) == 1) {
        ss_aws_xml_text(e, elen, "Code", XML_CODE_MAX, &code);
        ss_aws_xml_text(e, elen, "Message", XML_MESSAGE_MAX, &msg);
    }
    if (code && msg && *msg)
        snprintf(out, outlen, "%s: %s", code, msg);
    else if (code)
        snprintf(out, outlen, "%s (HTTP %ld)", code, status);
    else
        snprintf(out, outlen, "HTTP %ld", status);
    free(code);
    free(msg);
}

int ss_aws_session_name_ok(const char *s)
{
    size_t n = strlen(s);
    return n >= 2 && n <= 64 &&
           strspn(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-") == n;
}

/* Appends &name=<escaped value> to *body (a malloc'd string that may hold
 * the web identity token: wiped when replaced). */
static int form_add(char **body, const char *name, const char *value)
{
    char *esc = curl_easy_escape(NULL, value, 0);
    size_t old = *body ? strlen(*body) : 0, n;
    char *nb;

    if (!esc)
        return -1;
    n = old + strlen(name) + strlen(esc) + 3;
    nb = malloc(n);
    if (nb)
        snprintf(nb, n, "%s%s%s=%s", *body ? *body : "", old ? "&" : "", name, esc);
    explicit_bzero(esc, strlen(esc));
    curl_free(esc);
    if (!nb)
        return -1;
    ss_aws_wipe_free(*body);
    *body = nb;
    return 0;
}

static int retryable(long status, const char *text)
{
    return status >= 500 || status == 429 || strstr(text, "Throttling") ||
           strstr(text, "IDPCommunicationError");
}

static void backoff(const char *action, const char *why, int attempt)
{
    struct timespec ts = {0, 200L * 1000 * 1000 * (1L << attempt)};
    ss_debug("STS %s: %s; retrying", action, why);
    nanosleep(&ts, NULL);
}

int ss_aws_sts_assume(const struct ss_aws_sts_req *rq, struct ss_aws_creds *out, char *err,
                      size_t errlen)
{
    const char *region = ss_aws_region();
    char url[SS_AWS_URL_MAX], sigv4[128], text[512], session[80], why[256];
    struct curl_slist *headers = NULL, *h;
    struct ss_aws_http_req hr = {0};
    struct ss_aws_http_resp resp = {0};
    char *body = NULL, *tok_hdr = NULL;
    int signed_call = rq->signer != NULL, rc = -1;

    memset(out, 0, sizeof(*out));
    if (!region)
        region = "us-east-1"; /* the SDKs' default for STS */
    if (ss_aws_endpoint("STS", "sts", region, url, sizeof(url), why, sizeof(why)) < 0) {
        snprintf(err, errlen, "STS %s: %s", rq->action, why);
        goto out;
    }
    if (rq->session_name)
        snprintf(session, sizeof(session), "%s", rq->session_name);
    else
        snprintf(session, sizeof(session), "scimsync-%lld", (long long)time(NULL));
    if (!ss_aws_session_name_ok(session)) {
        snprintf(err, errlen,
                 "STS %s: role session name '%.64s' must be 2 to 64 of A-Z a-z 0-9 +=,.@_-",
                 rq->action, session);
        goto out;
    }
    if (form_add(&body, "Action", rq->action) < 0 || form_add(&body, "Version", STS_VERSION) < 0 ||
        form_add(&body, "RoleArn", rq->role_arn) < 0 ||
        form_add(&body, "RoleSessionName", session) < 0 ||
        (rq->external_id && form_add(&body, "ExternalId", rq->external_id) < 0) ||
        (rq->duration && form_add(&body, "DurationSeconds", rq->duration) < 0) ||
        (rq->web_identity_token && form_add(&body, "WebIdentityToken", rq->web_identity_token) < 0))
        goto nomem;
    if (!(h = curl_slist_append(NULL, "Content-Type: application/x-www-form-urlencoded; "
                                      "charset=utf-8")))
        goto nomem;
    headers = h;
    if (signed_call && rq->signer->session_token) {
        size_t n = strlen(rq->signer->session_token) + sizeof("X-Amz-Security-Token: ");
        if (!(tok_hdr = malloc(n)))
            goto nomem;
        snprintf(tok_hdr, n, "X-Amz-Security-Token: %s", rq->signer->session_token);
        if (!(h = curl_slist_append(headers, tok_hdr)))
            goto nomem;
        headers = h;
    }
    snprintf(sigv4, sizeof(sigv4), "aws:amz:%s:sts", region);
    hr = (struct ss_aws_http_req){
        .method = "POST",
        .url = url,
        .headers = headers,
        .body = body,
        .connect_timeout_ms = 5000,
        .timeout_ms = 20000,
        .sigv4 = signed_call ? sigv4 : NULL,
        .access_key_id = signed_call ? rq->signer->access_key_id : NULL,
        .secret_access_key = signed_call ? rq->signer->secret_access_key : NULL,
    };
    for (int attempt = 0;; attempt++) {
        ss_aws_http_resp_free(&resp);
        if (ss_aws_http(&hr, &resp, text, sizeof(text)) < 0) {
            if (attempt + 1 < STS_ATTEMPTS) {
                backoff(rq->action, text, attempt);
                continue;
            }
            snprintf(err, errlen, "STS %s: %s", rq->action, text);
            goto out;
        }
        if (resp.status == 200)
            break;
        ss_aws_sts_error(resp.status, resp.body, resp.len, text, sizeof(text));
        if (retryable(resp.status, text) && attempt + 1 < STS_ATTEMPTS) {
            backoff(rq->action, text, attempt);
            continue;
        }
        snprintf(err, errlen, "STS %s of %.200s: %s", rq->action, rq->role_arn, text);
        goto out;
    }
    if (ss_aws_sts_parse(resp.body, resp.len, rq->action, out, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "STS %s of %.200s: %s", rq->action, rq->role_arn, why);
        goto out;
    }
    rc = 0;
    goto out;
nomem:
    snprintf(err, errlen, "out of memory");
out:
    ss_aws_http_resp_free(&resp);
    curl_slist_free_all(headers);
    ss_aws_wipe_free(tok_hdr);
    ss_aws_wipe_free(body);
    return rc;
}
