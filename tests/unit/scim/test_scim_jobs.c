/* The SCIM target's listing and apply jobs fed canned answers: this file
 * replaces the transport's scim_run() with a runner that hands each
 * request the next answer of a script, so what a broken server can do to
 * a listing or an apply is tested without a server. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scim_target.h"

/* ---- the canned transport ------------------------------------------ */

struct answer {
    long status;
    const char *body;
    int attempt; /* retries the runner made before this answer */
};

static const struct answer *script;
static size_t nscript, next_answer;
static char sent[32][640]; /* "METHOD path" of each request */
static size_t sent_members[32]; /* member values each request counts against member_op_rate */
static size_t nsent;
static char logbuf[8192];

/* Jobs added during a run (the read-ahead): run after the given ones. */
static struct scim_job *added[64];
static size_t nadded;

int scim_run_add(struct scim *s, struct scim_job *j)
{
    (void)s;
    if (nadded == 64)
        return -1;
    added[nadded++] = j;
    return 0;
}

static int run_job(struct scim *s, struct scim_job *j)
{
    j->finished = 0;
    if (j->prepare && !j->req.path) {
        int p = j->prepare(j);
        if (p < 0)
            return SCIMSYNC_ERR_NOMEM;
        if (p > 0) {
            j->finished = 1;
            return 0;
        }
    }
    for (;;) {
        struct scim_req *r = &j->req;
        if (next_answer >= nscript) {
            /* the job wants more than the script has: a loop */
            fail_msg("no answer left for %s %s", r->method, r->path);
        }
        const struct answer *a = &script[next_answer++];
        if (nsent < 32) {
            sent_members[nsent] = r->member_values;
            snprintf(sent[nsent++], sizeof(sent[0]), "%s %s", r->method, r->path);
        }
        scim_req_attempt_reset(r);
        if (a->body)
            assert_int_equal(ss_dynbuf_addstr(&r->resp.buf, a->body), 0);
        r->status = a->status;
        r->attempt = a->attempt;
        enum scim_job_result res = j->on_response(s, j);
        if (res == SCIM_JOB_AGAIN)
            continue;
        if (res == SCIM_JOB_DONE) {
            j->finished = 1;
            scim_job_release(j);
            return 0;
        }
        return j->result ? j->result : SCIMSYNC_ERR;
    }
}

int scim_run(struct scim *s, struct scim_job *jobs, size_t n)
{
    int rc = 0;
    nadded = 0;
    for (size_t i = 0; i < n; i++)
        jobs[i].finished = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = run_job(s, &jobs[i]);
    for (size_t i = 0; i < nadded && rc == 0; i++)
        rc = run_job(s, added[i]);
    nadded = 0;
    return rc;
}

static void host_log(const struct scimsync_host *h, int level, const char *fmt, ...)
    SCIMSYNC_PRINTF(3, 4);

static void host_log(const struct scimsync_host *h, int level, const char *fmt, ...)
{
    va_list ap;
    size_t len = strlen(logbuf);
    (void)h;
    (void)level;
    va_start(ap, fmt);
    vsnprintf(logbuf + len, sizeof(logbuf) - len, fmt, ap);
    va_end(ap);
    len = strlen(logbuf);
    if (len + 1 < sizeof(logbuf))
        strcat(logbuf, "\n");
}

static const struct scimsync_host host = {
    .struct_size = sizeof(struct scimsync_host),
    .log = host_log,
};

static struct scim inst;

static void start(enum scim_profile profile, const struct answer *a, size_t n)
{
    scim_listed_reset(&inst);
    scim_prefetch_free(&inst);
    memset(&inst, 0, sizeof(inst));
    inst.h = &host;
    inst.token = "tok-secret-123";
    inst.profile = profile;
    inst.deadline_s = 120;
    inst.retries = 6;
    script = a;
    nscript = n;
    next_answer = 0;
    nsent = 0;
    logbuf[0] = '\0';
}

static int teardown(void **state)
{
    (void)state;
    scim_listed_reset(&inst);
    scim_prefetch_free(&inst);
    return 0;
}

#define N(a) (sizeof(a) / sizeof(*(a)))
#define LIST "\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"]"
#define ERR200 "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"status\":\"400\"," \
               "\"detail\":\"Invalid request\"}"

static size_t nusers, ngroups, nmembers;
static int on_user(void *ctx, const struct scimsync_user *u)
{
    (void)ctx;
    (void)u;
    nusers++;
    return 0;
}
static int on_group(void *ctx, const struct scimsync_group *g)
{
    (void)ctx;
    (void)g;
    ngroups++;
    return 0;
}
static int on_member(void *ctx, size_t index, const char *id)
{
    (void)ctx;
    (void)index;
    (void)id;
    nmembers++;
    return 0;
}

static int list_users(void)
{
    nusers = 0;
    return scim_list_users(&inst, on_user, NULL);
}

/* ---- listings ------------------------------------------------------- */

static void test_cursor_cycle(void **state)
{
    (void)state;
    /* A -> B -> A: used to page on until the 100,000-page cap */
    static const struct answer a[] = {
        {200, "{" LIST ",\"itemsPerPage\":2,\"nextCursor\":\"A\",\"Resources\":"
              "[{\"id\":\"u1\"},{\"id\":\"u2\"}]}", 0},
        {200, "{" LIST ",\"itemsPerPage\":1,\"nextCursor\":\"B\",\"Resources\":[{\"id\":\"u3\"}]}", 0},
        {200, "{" LIST ",\"itemsPerPage\":1,\"nextCursor\":\"A\",\"Resources\":[{\"id\":\"u4\"}]}", 0},
    };
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    assert_int_equal(list_users(), SCIMSYNC_ERR_IO);
    assert_int_equal(nsent, 3);
    assert_string_equal(sent[2], "GET /Users?count=100&cursor=B");
    assert_non_null(strstr(logbuf, "listing users: GET /Users?count=100&cursor=B: page 3 gives "
                                   "a cursor the listing has already followed"));
    assert_false(inst.listed_users_ok);
}

static void test_new_cursor_same_page(void **state)
{
    (void)state;
    static const struct answer a[] = {
        {200, "{" LIST ",\"itemsPerPage\":2,\"nextCursor\":\"c1\",\"Resources\":"
              "[{\"id\":\"u1\"},{\"id\":\"u2\"}]}", 0},
        {200, "{" LIST ",\"itemsPerPage\":2,\"nextCursor\":\"c2\",\"Resources\":"
              "[{\"id\":\"u1\"},{\"id\":\"u2\"}]}", 0},
    };
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    assert_int_equal(list_users(), SCIMSYNC_ERR_IO);
    assert_non_null(strstr(logbuf, "page 2 is the same as the page before it"));
    assert_int_equal(nusers, 2); /* page 2 was never handed on */
}

static void test_start_index_ignored(void **state)
{
    (void)state;
    /* a generic server that ignores startIndex and has no totalResults */
    static const struct answer a[] = {
        {200, "{" LIST ",\"Resources\":[{\"id\":\"g1\"},{\"id\":\"g2\"}]}", 0},
        {200, "{" LIST ",\"Resources\":[{\"id\":\"g1\"},{\"id\":\"g2\"}]}", 0},
    };
    start(SCIM_PROFILE_GENERIC, a, N(a));
    ngroups = 0;
    assert_int_equal(scim_list_groups(&inst, on_group, NULL), SCIMSYNC_ERR_IO);
    assert_string_equal(sent[1], "GET /Groups?startIndex=3&count=100");
    assert_non_null(strstr(logbuf, "listing groups: GET /Groups?startIndex=3&count=100: page 2"));
    assert_int_equal(ngroups, 2);
}

static void test_list_error_body(void **state)
{
    (void)state;
    /* a 200 carrying an Error: used to read as an empty, complete listing */
    static const struct answer a[] = {{200, ERR200, 0}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    assert_int_equal(list_users(), SCIMSYNC_ERR_IO);
    assert_non_null(strstr(logbuf, "SCIM error (status 400: Invalid request)"));
    /* totalResults > 0 without Resources */
    static const struct answer b[] = {{200, "{" LIST ",\"totalResults\":3}", 0}};
    start(SCIM_PROFILE_IDENTITY_CENTER, b, N(b));
    assert_int_equal(list_users(), SCIMSYNC_ERR_IO);
    assert_non_null(strstr(logbuf, "no Resources but totalResults = 3"));
}

static void test_dropped_cursor_total(void **state)
{
    (void)state;
    /* nextCursor dropped after the first page of 300 */
    static const struct answer a[] = {
        {200, "{" LIST ",\"totalResults\":300,\"itemsPerPage\":2,\"Resources\":"
              "[{\"id\":\"u1\"},{\"id\":\"u2\"}]}", 0},
    };
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    assert_int_equal(list_users(), SCIMSYNC_ERR_IO);
    assert_non_null(strstr(logbuf, "ended after 2 resources but the server says it holds "
                                   "totalResults = 300"));
}

static void test_member_listings(void **state)
{
    (void)state;
    const char *gids[] = {"g1"};
    /* Identity Center: filtered Users query answered 200 + Error */
    static const struct answer a[] = {{200, ERR200, 0}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    assert_int_equal(scim_list_members(&inst, gids, 1, on_member, NULL), SCIMSYNC_ERR_IO);
    assert_non_null(strstr(logbuf, "listing group members: GET /Users?filter=groups.value"));
    /* generic: GET /Groups/g1 answered 200 + Error (used to be "no members") */
    start(SCIM_PROFILE_GENERIC, a, N(a));
    assert_int_equal(scim_list_members(&inst, gids, 1, on_member, NULL), SCIMSYNC_ERR_IO);
    assert_non_null(strstr(logbuf, "GET /Groups/g1: HTTP 200 with a SCIM error (status 400"));
    /* and a member listing that loops */
    static const struct answer b[] = {
        {200, "{" LIST ",\"itemsPerPage\":1,\"nextCursor\":\"x\",\"Resources\":[{\"id\":\"u1\"}]}", 0},
        {200, "{" LIST ",\"itemsPerPage\":1,\"nextCursor\":\"y\",\"Resources\":[{\"id\":\"u1\"}]}", 0},
    };
    start(SCIM_PROFILE_IDENTITY_CENTER, b, N(b));
    nmembers = 0;
    assert_int_equal(scim_list_members(&inst, gids, 1, on_member, NULL), SCIMSYNC_ERR_IO);
    assert_int_equal(nmembers, 1);
    /* a sound one */
    static const struct answer c[] = {
        {200, "{\"id\":\"g1\",\"members\":[{\"value\":\"u1\"},{\"value\":\"u2\"}]}", 0},
    };
    start(SCIM_PROFILE_GENERIC, c, N(c));
    nmembers = 0;
    assert_int_equal(scim_list_members(&inst, gids, 1, on_member, NULL), 0);
    assert_int_equal(nmembers, 2);
}

/* ---- the read-ahead of a full read ------------------------------------ */

static char got_members[8][32]; /* "index:user id" */
static size_t ngot;
static int record_member(void *ctx, size_t index, const char *id)
{
    (void)ctx;
    if (ngot < 8)
        snprintf(got_members[ngot++], sizeof(got_members[0]), "%zu:%s", index, id ? id : "-");
    return 0;
}

static int stop_at_first(void *ctx, const struct scimsync_user *u)
{
    (void)ctx;
    (void)u;
    nusers++;
    return 1;
}

static int has_member(const char *want)
{
    for (size_t i = 0; i < ngot; i++) {
        if (!strcmp(got_members[i], want))
            return 1;
    }
    return 0;
}

static void test_read_ahead(void **state)
{
    (void)state;
    static const struct answer a[] = {
        /* the user chain: past its first page, the read-ahead starts */
        {200, "{" LIST ",\"itemsPerPage\":2,\"nextCursor\":\"c2\",\"Resources\":"
              "[{\"id\":\"u1\"},{\"id\":\"u2\"}]}", 0},
        {200, "{" LIST ",\"itemsPerPage\":1,\"Resources\":[{\"id\":\"u3\"}]}", 0},
        /* the groups beside it: g1 is ours (externalId), g2 made by hand */
        {200, "{" LIST ",\"itemsPerPage\":2,\"Resources\":[{\"id\":\"g1\",\"displayName\":"
              "\"one\",\"externalId\":\"e1\"},{\"id\":\"g2\",\"displayName\":\"two\"}]}", 0},
        /* the members of g1, read as it was listed */
        {200, "{" LIST ",\"itemsPerPage\":2,\"Resources\":[{\"id\":\"u1\"},{\"id\":\"u3\"}]}", 0},
        /* g2's members, asked for later (adopted by name): read then */
        {200, "{" LIST ",\"itemsPerPage\":1,\"Resources\":[{\"id\":\"u2\"}]}", 0},
    };
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    inst.read_ahead = 1;
    assert_int_equal(list_users(), 0);
    assert_int_equal(nusers, 3);
    assert_int_equal(nsent, 4);
    assert_string_equal(sent[1], "GET /Users?count=100&cursor=c2");
    assert_string_equal(sent[2], "GET /Groups?count=100&cursor=");
    assert_non_null(strstr(sent[3], "groups.value"));
    assert_non_null(strstr(sent[3], "g1"));
    /* the groups and g1's members come from the read-ahead: no request */
    ngroups = 0;
    assert_int_equal(scim_list_groups(&inst, on_group, NULL), 0);
    assert_int_equal(ngroups, 2);
    assert_true(inst.listed_groups_ok);
    assert_int_equal(nsent, 4);
    const char *gids[] = {"g2", "g1"};
    ngot = 0;
    assert_int_equal(scim_list_members(&inst, gids, 2, record_member, NULL), 0);
    assert_int_equal(nsent, 5);
    assert_non_null(strstr(sent[4], "g2"));
    assert_int_equal(ngot, 3);
    assert_true(has_member("1:u1") && has_member("1:u3") && has_member("0:u2"));
    assert_null(inst.prefetch);

    /* a listing stopped after its first user (the state's check): one
     * request, nothing read ahead */
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    inst.read_ahead = 1;
    nusers = 0;
    assert_int_equal(scim_list_users(&inst, stop_at_first, NULL), 1);
    assert_int_equal(nusers, 1);
    assert_int_equal(nsent, 1);
    assert_null(inst.prefetch);
}

/* ---- apply ---------------------------------------------------------- */

static struct scimsync_user mkuser(const char *name, const char *ext)
{
    struct scimsync_user u;
    memset(&u, 0, sizeof(u));
    u.external_id = ext;
    u.field[SCIMSYNC_F_USER_NAME] = name;
    u.field[SCIMSYNC_F_DISPLAY_NAME] = name;
    u.field[SCIMSYNC_F_GIVEN_NAME] = "G";
    u.field[SCIMSYNC_F_FAMILY_NAME] = "F";
    u.active = 1;
    return u;
}

/* The listing every apply test starts from: u1 (ours), h1 = carol (by hand). */
#define LISTING                                                                            \
    {200, "{" LIST ",\"totalResults\":2,\"itemsPerPage\":2,\"Resources\":["                   \
          "{\"id\":\"u1\",\"userName\":\"alice\",\"externalId\":\"e-alice\"},"               \
          "{\"id\":\"h1\",\"userName\":\"carol\"}]}", 0}

static void test_write_error_body(void **state)
{
    (void)state;
    struct scimsync_user u = mkuser("alice", "e-alice");
    struct scimsync_op ops[2];
    static const struct answer a[] = {
        {200, ERR200, 0},
        {201, "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"status\":409,"
              "\"detail\":\"dup\"}", 0},
    };
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    memset(ops, 0, sizeof(ops));
    ops[0].kind = SCIMSYNC_OP_DEACTIVATE_USER;
    ops[0].target_id = "u1";
    ops[1].kind = SCIMSYNC_OP_CREATE_USER;
    ops[1].user = &u;
    assert_int_equal(scim_apply(&inst, ops, 2), 0);
    /* used to be reported applied */
    assert_int_equal(ops[0].status, SCIMSYNC_ERR_INVALID);
    assert_non_null(strstr(ops[0].error, "PATCH /Users/u1 answered HTTP 200 with a SCIM error "
                                         "(status 400: Invalid request)"));
    assert_int_equal(ops[1].status, SCIMSYNC_ERR_CONFLICT);
    assert_string_equal(ops[1].new_id, "");
}

static void test_conflict_with_unlisted_stops(void **state)
{
    (void)state;
    struct scimsync_user bob = mkuser("bob", "e-bob"), alice = mkuser("alice", "e-alice");
    struct scimsync_op ops[2];
    static const struct answer a[] = {
        LISTING,
        {409, "{\"status\":\"409\",\"detail\":\"Duplicate userName\"}", 0},
        /* bob carries our externalId: a previous run made him, this
         * listing missed him */
        {200, "{" LIST ",\"totalResults\":1,\"Resources\":["
              "{\"id\":\"zz\",\"userName\":\"bob\",\"externalId\":\"e-bob\"}]}", 0},
    };
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    assert_int_equal(list_users(), 0);
    assert_true(inst.listed_users_ok);
    memset(ops, 0, sizeof(ops));
    ops[0].kind = SCIMSYNC_OP_CREATE_USER;
    ops[0].user = &bob;
    ops[1].kind = SCIMSYNC_OP_UPDATE_USER;
    ops[1].user = &alice;
    ops[1].target_id = "u1";
    ops[1].changed = 1u << SCIMSYNC_F_DISPLAY_NAME;
    assert_true(scim_apply(&inst, ops, 2) < 0);
    assert_int_equal(nsent, 3); /* no adoption PATCH, no update */
    assert_int_equal(ops[0].status, SCIMSYNC_ERR_CONFLICT);
    assert_string_equal(ops[0].new_id, "");
    assert_non_null(strstr(ops[0].error, "POST /Users conflicted (409) with an existing user "
                                         "(userName \"bob\", id zz) the listing did not contain: "
                                         "the listing was incomplete; stopping"));
    assert_int_equal(ops[1].status, SCIMSYNC_ERR_STOPPED);
    /* and nothing more on this instance until the next listing */
    ops[1].status = 0;
    assert_true(scim_apply(&inst, &ops[1], 1) < 0);
    assert_int_equal(ops[1].status, SCIMSYNC_ERR_STOPPED);
    assert_int_equal(nsent, 3);
    /* the next run (a daemon's) starts with a new listing and applies again */
    static const struct answer b[] = {LISTING, {200, "{\"id\":\"u1\"}", 0}};
    script = b;
    nscript = N(b);
    next_answer = 0;
    assert_int_equal(list_users(), 0);
    ops[1].status = 0;
    assert_int_equal(scim_apply(&inst, &ops[1], 1), 0);
    assert_int_equal(ops[1].status, 0);
}

static void test_adopt_listed_by_hand(void **state)
{
    (void)state;
    struct scimsync_user carol = mkuser("carol", "e-carol");
    struct scimsync_op op;
    static const struct answer a[] = {
        LISTING,
        {409, "{\"status\":\"409\",\"detail\":\"Duplicate userName\"}", 0},
        {200, "{" LIST ",\"totalResults\":1,\"Resources\":[{\"id\":\"h1\",\"userName\":\"carol\"}]}",
         0},
        {200, "{\"id\":\"h1\",\"userName\":\"carol\",\"externalId\":\"e-carol\"}", 0},
    };
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    assert_int_equal(list_users(), 0);
    memset(&op, 0, sizeof(op));
    op.kind = SCIMSYNC_OP_CREATE_USER;
    op.user = &carol;
    op.adopt = 1;
    assert_int_equal(scim_apply(&inst, &op, 1), 0);
    assert_int_equal(op.status, 0);
    assert_string_equal(op.new_id, "h1");
    assert_true(op.result_flags & SCIMSYNC_OP_ADOPTED);
    assert_string_equal(sent[3], "PATCH /Users/h1");
}

static void test_own_retried_create(void **state)
{
    (void)state;
    /* the POST's first attempt got lost after the server made the user;
     * the retry's 409 finds our externalId: ours, not a blind spot */
    struct scimsync_user bob = mkuser("bob", "e-bob");
    struct scimsync_op op;
    static const struct answer a[] = {
        LISTING,
        {409, "{\"status\":\"409\",\"detail\":\"Duplicate userName\"}", 1},
        {200, "{" LIST ",\"totalResults\":1,\"Resources\":["
              "{\"id\":\"zz\",\"userName\":\"bob\",\"externalId\":\"e-bob\"}]}", 0},
        {200, "{\"id\":\"zz\",\"userName\":\"bob\",\"externalId\":\"e-bob\"}", 0},
    };
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    assert_int_equal(list_users(), 0);
    memset(&op, 0, sizeof(op));
    op.kind = SCIMSYNC_OP_CREATE_USER;
    op.user = &bob;
    assert_int_equal(scim_apply(&inst, &op, 1), 0);
    assert_int_equal(op.status, 0);
    assert_string_equal(op.new_id, "zz");
}

static void test_lookup_error_body(void **state)
{
    (void)state;
    struct scimsync_user carol = mkuser("carol", "e-carol");
    struct scimsync_op op;
    static const struct answer a[] = {
        {409, "{\"status\":\"409\",\"detail\":\"Duplicate userName\"}", 0},
        {200, ERR200, 0},
    };
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    memset(&op, 0, sizeof(op));
    op.kind = SCIMSYNC_OP_CREATE_USER;
    op.user = &carol;
    op.adopt = 1;
    assert_int_equal(scim_apply(&inst, &op, 1), 0);
    assert_int_equal(op.status, SCIMSYNC_ERR_CONFLICT);
    assert_non_null(strstr(op.error, "looking it up failed"));
    assert_non_null(strstr(op.error, "SCIM error (status 400: Invalid request)"));
}

/* ---- how a request's outcome is told -------------------------------- */

static void test_describe(void **state)
{
    (void)state;
    struct scim_req r;
    char buf[256];
    start(SCIM_PROFILE_IDENTITY_CENTER, NULL, 0);
    memset(&r, 0, sizeof(r));
    assert_int_equal(scim_req_set(&r, "GET", strdup("/Users"), NULL), 0);
    r.status = 429;
    r.retry_after = 999999;
    r.gave_up = SCIM_RETRY_AFTER_TOO_LONG;
    scim_req_describe(&inst, &r, buf, sizeof(buf));
    assert_string_equal(buf, "HTTP 429: the server asked to retry after 999999 s, beyond "
                             "request_deadline = 120 s");
    /* a wait that fits the deadline but not what is left of it */
    r.status = 503;
    r.retry_after = 30;
    r.attempt = 3;
    r.deadline = 1000;
    r.gave_up_at = 1000 - 10; /* 110 s in */
    scim_req_describe(&inst, &r, buf, sizeof(buf));
    assert_string_equal(buf, "HTTP 503: the server asked to retry after 30 s, past "
                             "request_deadline = 120 s (the request has taken 110.0 s over 4 "
                             "attempts)");
    r.gave_up = SCIM_RETRY_DEADLINE;
    assert_int_equal(ss_dynbuf_addstr(&r.resp.buf, "{\"detail\":\"busy\"}"), 0);
    scim_req_describe(&inst, &r, buf, sizeof(buf));
    assert_string_equal(buf, "HTTP 503 (request_deadline = 120 s reached after 4 attempts): busy");
    /* a body cut off after the status line */
    r.status = 0;
    r.cut_status = 200;
    r.cc = CURLE_PARTIAL_FILE;
    r.gave_up = SCIM_RETRY_EXHAUSTED;
    scim_req_describe(&inst, &r, buf, sizeof(buf));
    assert_non_null(strstr(buf, "connection failed after the status line (HTTP 200): "));
    assert_non_null(strstr(buf, "(retries exhausted)"));
    scim_req_clear(&r);
}

/* ---- the profile probe ---------------------------------------------- */

static void start_probe(const struct answer *a, size_t n)
{
    start(SCIM_PROFILE_GENERIC, a, n);
    inst.profile_auto = 1;
    inst.url.base = (char *)"http://127.0.0.1:9/t/scim/v2";
}

static void test_probe_cursor(void **state)
{
    (void)state;
    static const struct answer a[] = {
        {200, "{" LIST ",\"totalResults\":3,\"itemsPerPage\":1,\"nextCursor\":\"c1\","
              "\"Resources\":[{\"id\":\"u1\"}]}", 0},
        {200, "{" LIST ",\"itemsPerPage\":1,\"Resources\":[{\"id\":\"u1\"}]}", 0},
        {200, "{" LIST ",\"itemsPerPage\":1,\"Resources\":[{\"id\":\"u1\"}]}", 0},
    };
    start_probe(a, N(a));
    assert_int_equal(list_users(), 0);
    assert_int_equal(nsent, 2);
    assert_string_equal(sent[0], "GET /Users?count=1&cursor=");
    assert_string_equal(sent[1], "GET /Users?count=100&cursor=");
    assert_int_equal(inst.profile, SCIM_PROFILE_IDENTITY_CENTER);
    assert_non_null(strstr(logbuf, "http://127.0.0.1:9/t/scim/v2: profile identity-center "
                                   "(probed: the first page of GET /Users?count=1&cursor= "
                                   "carried a nextCursor); set profile = identity-center or "
                                   "generic to skip the probe"));
    /* decided: the next run does not ask again */
    assert_int_equal(list_users(), 0);
    assert_int_equal(nsent, 3);
    assert_string_equal(sent[2], "GET /Users?count=100&cursor=");
}

static void test_probe_generic(void **state)
{
    (void)state;
    /* a server that ignores the cursor parameter: startIndex paging */
    static const struct answer a[] = {
        {200, "{" LIST ",\"totalResults\":2,\"startIndex\":1,\"itemsPerPage\":1,"
              "\"Resources\":[{\"id\":\"u1\"}]}", 0},
        {200, "{" LIST ",\"totalResults\":2,\"Resources\":[{\"id\":\"u1\"},{\"id\":\"u2\"}]}",
         0},
    };
    start_probe(a, N(a));
    assert_int_equal(list_users(), 0);
    assert_int_equal(nsent, 2);
    assert_string_equal(sent[1], "GET /Users?startIndex=1&count=100");
    assert_int_equal(inst.profile, SCIM_PROFILE_GENERIC);
    assert_non_null(strstr(logbuf, "profile generic (probed: GET /Users?count=1&cursor= answered 1 "
                                   "of totalResults 2 without a nextCursor: the cursor was "
                                   "ignored"));
}

static void test_probe_empty_server(void **state)
{
    (void)state;
    /* no users: the listing cannot tell; ServiceProviderConfig names no
     * pagination; a refused startIndex says Identity Center */
    static const struct answer a[] = {
        {200, "{" LIST ",\"totalResults\":0,\"Resources\":[]}", 0},
        {200, "{\"patch\":{\"supported\":true}}", 0},
        {400, "{\"detail\":\"startIndex is not supported\",\"status\":\"400\"}", 0},
        {200, "{" LIST ",\"totalResults\":0,\"Resources\":[]}", 0},
    };
    start_probe(a, N(a));
    assert_int_equal(list_users(), 0);
    assert_int_equal(nsent, 4);
    assert_string_equal(sent[1], "GET /ServiceProviderConfig");
    assert_string_equal(sent[2], "GET /Users?startIndex=1&count=1");
    assert_string_equal(sent[3], "GET /Users?count=100&cursor=");
    assert_int_equal(inst.profile, SCIM_PROFILE_IDENTITY_CENTER);
    assert_non_null(strstr(logbuf, "too few to tell; GET /ServiceProviderConfig names no "
                                   "pagination methods; GET /Users?count=1&startIndex=1 was "
                                   "refused (HTTP 400)"));
}

static void test_probe_no_answer(void **state)
{
    (void)state;
    static const struct answer a[] = {{503, "down", 6}};
    start_probe(a, N(a));
    assert_int_equal(list_users(), SCIMSYNC_ERR_IO);
    assert_int_equal(nsent, 1);
    assert_non_null(strstr(logbuf, "probing http://127.0.0.1:9/t/scim/v2 for its SCIM profile: "
                                   "GET /Users?count=1&cursor= failed: HTTP 503"));
}

static void test_member_patch_cost(void **state)
{
    (void)state;
    const char *ids[250];
    char names[250][8];
    struct scimsync_op op;
    static const struct answer a[] = {{204, NULL, 0}, {204, NULL, 0}, {204, NULL, 0}};
    for (int i = 0; i < 250; i++) {
        snprintf(names[i], sizeof(names[i]), "u%d", i);
        ids[i] = names[i];
    }
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    memset(&op, 0, sizeof(op));
    op.kind = SCIMSYNC_OP_ADD_MEMBERS;
    op.target_id = "g1";
    op.member_ids = ids;
    op.nmembers = 250;
    assert_int_equal(scim_apply(&inst, &op, 1), 0);
    assert_int_equal(op.status, 0);
    /* 100 + 100 + 50 values, each PATCH counted whole */
    assert_int_equal(nsent, 3);
    assert_int_equal(sent_members[0], 100);
    assert_int_equal(sent_members[1], 100);
    assert_int_equal(sent_members[2], 50);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_cursor_cycle, teardown),
        cmocka_unit_test_teardown(test_new_cursor_same_page, teardown),
        cmocka_unit_test_teardown(test_start_index_ignored, teardown),
        cmocka_unit_test_teardown(test_list_error_body, teardown),
        cmocka_unit_test_teardown(test_dropped_cursor_total, teardown),
        cmocka_unit_test_teardown(test_member_listings, teardown),
        cmocka_unit_test_teardown(test_read_ahead, teardown),
        cmocka_unit_test_teardown(test_write_error_body, teardown),
        cmocka_unit_test_teardown(test_conflict_with_unlisted_stops, teardown),
        cmocka_unit_test_teardown(test_adopt_listed_by_hand, teardown),
        cmocka_unit_test_teardown(test_own_retried_create, teardown),
        cmocka_unit_test_teardown(test_lookup_error_body, teardown),
        cmocka_unit_test_teardown(test_describe, teardown),
        cmocka_unit_test_teardown(test_probe_cursor, teardown),
        cmocka_unit_test_teardown(test_probe_generic, teardown),
        cmocka_unit_test_teardown(test_probe_empty_server, teardown),
        cmocka_unit_test_teardown(test_probe_no_answer, teardown),
        cmocka_unit_test_teardown(test_member_patch_cost, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
