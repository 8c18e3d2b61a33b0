/* The libcurl transport under the runner (scim_run.c): a multi handle
 * with several transfers in flight (keep-alive connections shared through
 * it), and the one-shot GET of `scimsync check`.  Both build their easy
 * handle with easy_new, so a check request is made as a run's is. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scim_target.h"

/* Bounds of one connection attempt. */
#define CONNECT_CAP_MS 10000L

/* An easy handle for r at s->url.base + r->path, answered into r->resp.
 * NULL on no memory (r->hdrs then NULL). */
static CURL *easy_new(struct scim *s, struct scim_req *r, long timeout_ms, int verify,
                      int connect_only)
{
    size_t ulen = strlen(s->url.base) + strlen(r->path) + 1;
    char *url = malloc(ulen);
    CURL *e = curl_easy_init();

    if (!r->errbuf)
        r->errbuf = malloc(CURL_ERROR_SIZE);
    if (!url || !e || !r->errbuf)
        goto fail;
    r->errbuf[0] = '\0';
    snprintf(url, ulen, "%s%s", s->url.base, r->path);
    r->hdrs = curl_slist_append(NULL, "Accept: application/scim+json, application/json");
    if (r->hdrs && r->body) {
        struct curl_slist *h2 = curl_slist_append(r->hdrs, "Content-Type: application/scim+json");
        if (!h2)
            goto fail;
        r->hdrs = h2;
    }
    if (!r->hdrs)
        goto fail;
    curl_easy_setopt(e, CURLOPT_URL, url); /* libcurl copies it */
    curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L); /* the token never follows a redirect */
    curl_easy_setopt(e, CURLOPT_USERAGENT, "scimsync/" SCIM_PLUGIN_VERSION);
    curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(e, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(e, CURLOPT_ACCEPT_ENCODING, "");
    curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, timeout_ms);
    curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS,
                     timeout_ms < CONNECT_CAP_MS ? timeout_ms : CONNECT_CAP_MS);
    curl_easy_setopt(e, CURLOPT_ERRORBUFFER, r->errbuf);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYPEER, verify && s->verify_tls ? 1L : 0L);
    curl_easy_setopt(e, CURLOPT_SSL_VERIFYHOST, verify && s->verify_tls ? 2L : 0L);
    if (s->ca_file)
        curl_easy_setopt(e, CURLOPT_CAINFO, s->ca_file);
    free(url);
    if (connect_only) { /* no request: the token is not sent */
        curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
        return e;
    }
    curl_easy_setopt(e, CURLOPT_HTTPAUTH, (long)CURLAUTH_BEARER);
    curl_easy_setopt(e, CURLOPT_XOAUTH2_BEARER, s->token);
    curl_easy_setopt(e, CURLOPT_HTTPHEADER, r->hdrs);
    curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, ss_dynbuf_sink_write);
    curl_easy_setopt(e, CURLOPT_WRITEDATA, &r->resp);
    if (!strcmp(r->method, "POST"))
        curl_easy_setopt(e, CURLOPT_POST, 1L);
    else if (strcmp(r->method, "GET") != 0)
        curl_easy_setopt(e, CURLOPT_CUSTOMREQUEST, r->method);
    if (r->body) {
        curl_easy_setopt(e, CURLOPT_POSTFIELDS, r->body);
        curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE, (long)strlen(r->body));
    }
    return e;
fail:
    if (e)
        curl_easy_cleanup(e);
    curl_slist_free_all(r->hdrs);
    r->hdrs = NULL;
    free(url);
    return NULL;
}

/* Records the answer of r's transfer (cc: how it ended) and frees it. */
static void finish_transfer(struct scim *s, struct scim_req *r, CURLcode cc, int in_multi)
{
    struct curl_header *hdr = NULL;
    long status = 0;

    curl_easy_getinfo(r->easy, CURLINFO_RESPONSE_CODE, &status);
    if (!status || curl_easy_header(r->easy, "Retry-After", 0, CURLH_HEADER, -1, &hdr) != CURLHE_OK)
        hdr = NULL;
    scim_req_answered(s, r, cc, status, hdr ? hdr->value : NULL);
    if (in_multi)
        curl_multi_remove_handle(s->multi, r->easy);
    curl_easy_cleanup(r->easy);
    curl_slist_free_all(r->hdrs);
    r->easy = NULL;
    r->hdrs = NULL;
}

static int multi_start(struct scim *s, struct scim_job *j)
{
    struct scim_req *r = &j->req;
    CURL *e;

    if (!s->multi) {
        if (!(s->multi = curl_multi_init()))
            return -1;
        curl_multi_setopt(s->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS, s->max_conn);
        curl_multi_setopt(s->multi, CURLMOPT_MAX_HOST_CONNECTIONS, s->max_conn);
        curl_multi_setopt(s->multi, CURLMOPT_MAXCONNECTS, s->max_conn);
    }
    if (!(e = easy_new(s, r, r->attempt_ms, 1, 0)))
        return -1;
    curl_easy_setopt(e, CURLOPT_PRIVATE, j);
    if (curl_multi_add_handle(s->multi, e) != CURLM_OK) {
        curl_easy_cleanup(e);
        curl_slist_free_all(r->hdrs);
        r->hdrs = NULL;
        return -1;
    }
    r->easy = e;
    return 0;
}

static void multi_perform(struct scim *s)
{
    int running = 0;
    curl_multi_perform(s->multi, &running);
}

static struct scim_job *multi_next_done(struct scim *s)
{
    CURLMsg *msg;
    int left;

    while ((msg = curl_multi_info_read(s->multi, &left)) != NULL) {
        struct scim_job *j = NULL;
        if (msg->msg != CURLMSG_DONE)
            continue;
        curl_easy_getinfo(msg->easy_handle, CURLINFO_PRIVATE, (char **)&j);
        finish_transfer(s, &j->req, msg->data.result, 1);
        return j;
    }
    return NULL;
}

static void multi_wait(struct scim *s, int ms)
{
    curl_multi_poll(s->multi, NULL, 0, ms, NULL);
}

static void multi_abandon(struct scim *s, struct scim_req *r)
{
    if (r->easy)
        finish_transfer(s, r, r->cc, 1);
}

/* "Subject: CN=x" lines of the first certificate of the chain. */
static void take_certinfo(CURL *e, struct scim_conn_info *ci)
{
    struct curl_certinfo *cert = NULL;

    if (curl_easy_getinfo(e, CURLINFO_CERTINFO, &cert) != CURLE_OK || !cert ||
        cert->num_of_certs < 1)
        return;
    for (struct curl_slist *l = cert->certinfo[0]; l; l = l->next) {
        if (!strncmp(l->data, "Subject:", 8))
            snprintf(ci->subject, sizeof ci->subject, "%s", l->data + 8);
        else if (!strncmp(l->data, "Issuer:", 7))
            snprintf(ci->issuer, sizeof ci->issuer, "%s", l->data + 7);
        else if (!strncmp(l->data, "Expire date:", 12))
            snprintf(ci->expire, sizeof ci->expire, "%s", l->data + 12);
    }
}

/* A stop request (signal, max_run_time) ends a check request at once. */
static int on_progress(void *ud, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
    const struct scim *s = ud;
    (void)dt, (void)dn, (void)ut, (void)un;
    return s->h->should_stop && s->h->should_stop(s->h) ? 1 : 0;
}

static void easy_get(struct scim *s, struct scim_req *r, long timeout_s, unsigned flags,
                     struct scim_conn_info *ci)
{
    char *ip = NULL;
    curl_off_t connect_us = 0;
    CURLcode cc;

    memset(ci, 0, sizeof(*ci));
    scim_req_attempt_reset(r);
    r->easy = easy_new(s, r, timeout_s * 1000L, !(flags & SCIM_GET_NO_VERIFY),
                       (flags & SCIM_GET_CONNECT_ONLY) != 0);
    if (!r->easy) {
        r->cc = CURLE_OUT_OF_MEMORY;
        return;
    }
    curl_easy_setopt(r->easy, CURLOPT_CERTINFO, 1L);
    curl_easy_setopt(r->easy, CURLOPT_XFERINFOFUNCTION, on_progress);
    curl_easy_setopt(r->easy, CURLOPT_XFERINFODATA, s);
    curl_easy_setopt(r->easy, CURLOPT_NOPROGRESS, 0L);
    cc = curl_easy_perform(r->easy);
    curl_easy_getinfo(r->easy, CURLINFO_SSL_VERIFYRESULT, &ci->verify);
    if (curl_easy_getinfo(r->easy, CURLINFO_PRIMARY_IP, &ip) == CURLE_OK && ip)
        snprintf(ci->ip, sizeof ci->ip, "%s", ip);
    curl_easy_getinfo(r->easy, CURLINFO_PRIMARY_PORT, &ci->port);
    curl_easy_getinfo(r->easy, CURLINFO_CONNECT_TIME_T, &connect_us);
    ci->connected = connect_us > 0;
    take_certinfo(r->easy, ci);
    finish_transfer(s, r, cc, 0);
}

static void multi_cleanup(struct scim *s)
{
    if (s->multi)
        curl_multi_cleanup(s->multi);
    s->multi = NULL;
}

const struct scim_transport scim_curl_transport = {
    .start = multi_start,
    .perform = multi_perform,
    .next_done = multi_next_done,
    .wait = multi_wait,
    .abandon = multi_abandon,
    .get = easy_get,
    .now = scim_now,
    .cleanup = multi_cleanup,
};
