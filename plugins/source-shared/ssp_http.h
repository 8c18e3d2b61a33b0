/*
 * The HTTP transport of the sources that read a web API (Google's
 * Directory API, Microsoft Graph) over one libcurl easy handle: one
 * attempt of a request, its answer collected, Retry-After read, and the
 * waits between attempts, which see the host's stop request.  Each source
 * keeps its own retry policy (what is retried, how long, what it says).
 * Secrets (the bearer token, an assertion in a form) never outlive the
 * attempt in the handle and never reach a message.
 */
#ifndef SSP_HTTP_H
#define SSP_HTTP_H

#include <curl/curl.h>
#include <scimsync/plugin.h>
#include <ss/dynbuf_sink.h>
#include <stddef.h>
#include <time.h>

struct ssp_req {
    const char *url;
    const char *form;           /* a POST body (urlencoded), or NULL: GET */
    const char *bearer;         /* "Authorization: Bearer ..." or NULL */
    const char *const *headers; /* more header lines, NULL-terminated, or NULL */
    const char *user_agent;
    const char *ca_file; /* NULL: the system CAs */
    int verify_tls;      /* 0: certificate and name not checked */
    long timeout_ms, connect_timeout_ms;
};

struct ssp_resp {
    long status; /* 0: no answer */
    char *body;  /* NUL-terminated, NULL when empty (points into sink) */
    size_t len;
    size_t limit;               /* most body bytes kept, terminator included (0: no limit) */
    int too_big;                /* the body passed limit: the attempt failed */
    double retry_after;         /* seconds, -1 when absent */
    struct ss_dynbuf_sink sink; /* the received body (the shared write callback) */
};

/* Monotonic seconds. */
double ssp_now(void);
/* Sleeps until ssp_now() reaches t, polling the host's stop request.  0,
 * or SCIMSYNC_ERR_STOPPED. */
int ssp_sleep_until(const struct scimsync_host *h, double t);
/* Retry-After as seconds from now: delta-seconds or an HTTP date (a past
 * date: 0); -1 when absent or not understood. */
double ssp_retry_after(const char *value, time_t now);

/* One attempt of q on the handle e (reset first): r gets the status, the
 * body and Retry-After (r->limit is kept).  Returns libcurl's code;
 * errbuf (CURL_ERROR_SIZE) its message. */
CURLcode ssp_http_attempt(CURL *e, const struct ssp_req *q, struct ssp_resp *r, char *errbuf);
void ssp_resp_free(struct ssp_resp *r);

#endif
