/* Internal to the SCIM target plugin: the instance, its HTTP jobs and the
 * runner that executes them concurrently, paced and retried. */
#ifndef SCIM_TARGET_H
#define SCIM_TARGET_H

#include <curl/curl.h>
#include <stddef.h>
#include <stdint.h>

#include <scimsync/plugin.h>
#include <ss/dynbuf_sink.h>

#include "scim_budget.h"
#include "scim_guard.h"
#include "scim_hint.h"
#include "scim_pace.h"
#include "scim_profile.h"
#include "scim_url.h"

/* A hostile or broken server must not make us allocate without bound. */
#define SCIM_MAX_RESPONSE (16u * 1024u * 1024u)

struct scim_stats {
    unsigned long requests, throttled, server_errors, conn_errors, gave_up;
};

struct scim_transport;

struct scim {
    const struct scimsync_host *h;
    const struct scim_transport *tx; /* libcurl (scim_http.c); canned answers in unit tests */
    struct scim_base_url url;
    const char *token;   /* host-owned; only ever handed to libcurl */
    enum scim_profile profile;
    int profile_auto;    /* no `profile` key and not an AWS host name: probe */
    int profile_probed;  /* probed: 1 decided, 2 undecided (probed again next run) */
    double rate_cfg[SCIM_BUDGETS]; /* rate_limit, read_rate, write_rate, member_op_rate;
                                      < 0: not configured, the profile's default */
    long max_conn, timeout_s, retries;
    long deadline_s;     /* request_deadline: one request, retries and waits included */
    const char *ca_file;
    const char *custom_schema; /* URN of the custom.NAME extra attributes, or NULL */
    int verify_tls;
    CURLM *multi;
    struct scim_pacer pacer;
    int pacer_ready;     /* 0: (re)built from the profile and keys at the next scim_run */
    int auth_failed;     /* a 401 was seen: the run stops */
    int drain_on_fail;   /* scim_run: a failing job lets the transfers in flight finish */
    uint64_t rng;        /* backoff jitter */
    /* What this run's listings held, for telling a 409 on an object the
     * listing missed (an incomplete listing) from one on an object it saw. */
    struct scim_idset listed_users, listed_groups;
    int listed_users_ok, listed_groups_ok;
    int listing_suspect; /* a create hit an object the listing missed: apply stops */
    struct scim_stats stats;
    int reached;         /* the server has answered once (scim_conn_retryable) */
    unsigned retries_logged; /* retries logged at info; past a cap at debug */
    /* jobs a response handler added to the running scim_run */
    struct scim_job **added;
    size_t nadded, added_cap;
    int read_ahead; /* a user listing past its first page reads groups and members too */
    struct scim_prefetch *prefetch; /* scim_list.c: a full read's read-ahead */
};

struct scim_req {
    const char *method;  /* "GET", "POST", "PATCH", "DELETE" */
    size_t member_values; /* member values the body carries (member_op_rate) */
    char *path;          /* owned, appended to the base URL */
    char *body;          /* owned JSON text or NULL */
    /* result of the last attempt */
    long status;         /* HTTP status; 0 when no complete response arrived */
    long cut_status;     /* a status line arrived, then the transfer failed */
    CURLcode cc;
    struct ss_dynbuf_sink resp; /* the body (capped at SCIM_MAX_RESPONSE) */
    double retry_after;  /* seconds the server asked for, uncapped; -1 none */
    enum scim_retry gave_up; /* why the last failure was not retried */
    double gave_up_at;   /* monotonic, when it was decided */
    char *errbuf;        /* CURL_ERROR_SIZE bytes while a transfer exists */
    /* runner state */
    int attempt;
    double sent_at;      /* monotonic, when the last attempt started */
    double not_before;
    double deadline;     /* monotonic; 0 until the first attempt starts */
    long attempt_ms;     /* this attempt's time limit (`timeout`, within the deadline) */
    int inflight;        /* the transport holds an attempt of it */
    CURL *easy;
    struct curl_slist *hdrs;
};

enum scim_job_result {
    SCIM_JOB_DONE = 0,  /* finished (successfully or with its own error) */
    SCIM_JOB_AGAIN = 1, /* req holds the next request */
    SCIM_JOB_FAIL = 2   /* the whole run stops; job->result says why */
};

struct scim_job;
typedef enum scim_job_result (*scim_job_fn)(struct scim *s, struct scim_job *j);

struct scim_job {
    struct scim_req req;
    /* Sets req when the job is about to start, so a long queue of jobs
     * holds no request bodies (NULL: req was set up front).  Returns 0,
     * or SCIM_JOB_DONE-style completion (1: nothing to send), -1 no memory. */
    int (*prepare)(struct scim_job *j);
    scim_job_fn on_response; /* called once req has its final answer */
    int finished;
    int got_401;
    int result;              /* with SCIM_JOB_FAIL: the run's return value */
    /* per-kind data */
    int state;
    struct scimsync_op *op;
    size_t index;            /* list_members: group index; apply: chunk start */
    size_t chunk_len;
    char *filter;            /* owned */
    char *cursor;            /* owned */
    long start_index;
    struct scim_guard guard;
    int guarded;         /* guard is initialized (freed with the job) */
    size_t skipped_dups;
    char *conflict;          /* owned: detail of a 409, kept for the message */
    int post_retried;        /* the create's POST was retried: an earlier attempt may
                                have made the object it then conflicted with */
    int chain;               /* a cursor chain: its next page is queued first */
    union {
        scimsync_user_cb user;
        scimsync_group_cb group;
        scimsync_member_cb member;
    } cb;
    void *cb_ctx;
};

/* The transport under the runner (scim_run.c): libcurl multi in the
 * plugin (scim_http.c), a script of canned answers in the unit tests
 * (tests/unit/scim/fake_transport.c).  An attempt's outcome is recorded
 * by scim_req_answered; its body arrives through ss_dynbuf_sink_write. */
struct scim_conn_info;

struct scim_transport {
    /* Starts the attempt of j's request (r->attempt_ms bounds it).  0, or
     * -1 no memory. */
    int (*start)(struct scim *s, struct scim_job *j);
    /* Moves the transfers in flight on. */
    void (*perform)(struct scim *s);
    /* A job whose attempt ended (answered, r->inflight 0), NULL when none
     * is left to report. */
    struct scim_job *(*next_done)(struct scim *s);
    /* Waits up to ms for a transfer to move. */
    void (*wait)(struct scim *s, int ms);
    /* Drops r's attempt in flight (stop, 401, fatal error). */
    void (*abandon)(struct scim *s, struct scim_req *r);
    /* One attempt of a GET of r (`scimsync check`): not paced, not
     * retried, bounded by timeout_s; flags SCIM_GET_*; ci: what the
     * connection showed.  r->cc CURLE_ABORTED_BY_CALLBACK when the host
     * asked to stop. */
    void (*get)(struct scim *s, struct scim_req *r, long timeout_s, unsigned flags,
                struct scim_conn_info *ci);
    /* Seconds on a monotonic clock. */
    double (*now)(void);
    /* Frees what the transport holds for s (s->multi). */
    void (*cleanup)(struct scim *s);
};

#define SCIM_GET_NO_VERIFY 1u    /* do not check the certificate */
#define SCIM_GET_CONNECT_ONLY 2u /* connect and handshake; no request (no token sent) */

/* What one check request saw of the connection. */
struct scim_conn_info {
    long verify; /* CURLINFO_SSL_VERIFYRESULT */
    char ip[64];
    long port;
    int connected; /* the TCP connection was made */
    char subject[256], issuer[256], expire[64]; /* first certificate of the chain */
};

extern const struct scim_transport scim_curl_transport;

/* Records how r's attempt ended: the curl code, the status (0: no
 * response) and the Retry-After header's value (NULL: none).  A status
 * line followed by a failed transfer is a failed attempt (cut_status). */
void scim_req_answered(struct scim *s, struct scim_req *r, CURLcode cc, long status,
                       const char *retry_after);
/* Clears the outcome of r's last attempt before the next one starts. */
void scim_req_attempt_reset(struct scim_req *r);
/* The body of r's last answer ("" when none) and its length. */
const char *scim_req_body(const struct scim_req *r);
size_t scim_req_body_len(const struct scim_req *r);

/* Frees what a finished job no longer needs (its request and answer). */
void scim_job_release(struct scim_job *j);

/* Sets the job's request (takes ownership of path and body; either may
 * be freed on failure).  -1 on no memory. */
int scim_req_set(struct scim_req *r, const char *method, char *path, char *body);
void scim_req_clear(struct scim_req *r);

/* Runs jobs[0..n) to completion: each job's req must be set.  Returns 0
 * when every job finished, else SCIMSYNC_ERR_AUTH (a 401), _STOPPED,
 * _NOMEM, or the result of a job that answered SCIM_JOB_FAIL.
 * Unfinished jobs keep finished == 0. */
int scim_run(struct scim *s, struct scim_job *jobs, size_t n);
/* From a response handler during scim_run: runs job j too (its req set;
 * the caller owns it and keeps it in place until scim_run returns).
 * -1 on no memory. */
int scim_run_add(struct scim *s, struct scim_job *j);

/* "HTTP 400: detail" / "connection failed: reason" for the last answer
 * of r (with why it was not retried), with any trace of the token removed. */
void scim_req_describe(const struct scim *s, const struct scim_req *r, char *buf, size_t cap);

/* Tells the host how an attempt of r ended (the run report's request
 * counts).  retry_in: seconds until the retry, < 0 when the outcome is
 * final.  (The retry itself is logged by the runner, log_retry.) */
void scim_req_note(const struct scim *s, const struct scim_req *r, double retry_in);

/* Removes every occurrence of the token from buf (defence in depth:
 * server text is echoed into messages). */
void scim_redact(const struct scim *s, char *buf);

void scim_job_free(struct scim_job *j);

/* Seconds since an arbitrary start (CLOCK_MONOTONIC). */
double scim_now(void);



/* The ceilings of the budgets for the current profile and keys. */
void scim_pacing_ceilings(const struct scim *s, double out[SCIM_BUDGETS]);

/* The effective rates of the current run (since its user listing): per
 * budget its ceiling, the rate at the start, the lowest, the rate now,
 * requests and 429s.  For the run report. */
void scim_rates(const struct scim *s, struct scim_rate_report *out);

/* scim_probe.c: when the profile is not known (no `profile` key, a host
 * name that is not Identity Center's), asks the server once and sets
 * it.  0, or the run's error (401, a server that does not answer). */
int scim_profile_ready(struct scim *s);

/* scim_list.c */
int scim_list_users(void *inst, scimsync_user_cb cb, void *ctx);
int scim_list_groups(void *inst, scimsync_group_cb cb, void *ctx);
/* ABI 1.2: the users / groups matching one condition (filtered listings). */
int scim_find_users(void *inst, enum scimsync_find_by by, const char *value, scimsync_user_cb cb,
                    void *ctx);
int scim_find_groups(void *inst, enum scimsync_find_by by, const char *value,
                     scimsync_group_cb cb, void *ctx);
int scim_list_members(void *inst, const char *const *group_ids, size_t n, scimsync_member_cb cb,
                      void *ctx);
/* Sets the listed-object sets up for a new run (nothing listed yet). */
void scim_listed_reset(struct scim *s);
/* Forgets what a full read read ahead. */
void scim_prefetch_free(struct scim *s);
/* scim_apply.c */
int scim_apply(void *inst, struct scimsync_op *ops, size_t nops);
/* Logs the retry counters of the last run (and resets them). */
void scim_log_stats(struct scim *s, const char *what);
/* scim_check.c: the plugin's check entry (ABI 1.1) */
int scim_check(void *inst, unsigned flags, scimsync_check_report report, void *ctx);
#endif
