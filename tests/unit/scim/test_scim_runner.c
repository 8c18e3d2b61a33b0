/* The SCIM runner (scim_run.c) with the listing, apply, probe and check
 * code above it, fed canned answers by a fake transport on a virtual
 * clock (fake_transport.c): retries, Retry-After, 429 budgets, request
 * deadlines, connection failures, 401, concurrency, stop requests, 409
 * adoption by externalId, 404s and what `scimsync check` reports. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fake_transport.h"

/* ---- the host -------------------------------------------------------- */

static char logbuf[32768];
static int stop_after = -1; /* should_stop answers stop_how from this call on */
static int stop_how, stop_calls;
static size_t ncounted, nop_done;
static double last_retry_in;

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

static int host_should_stop(const struct scimsync_host *h)
{
    (void)h;
    return stop_after >= 0 && stop_calls++ >= stop_after ? stop_how : 0;
}

static const char *host_where(const struct scimsync_host *h, const char *key)
{
    static char buf[64];
    (void)h;
    snprintf(buf, sizeof buf, "t.ini:%s", key);
    return buf;
}

static void host_count(const struct scimsync_host *h, const char *method, long status,
                       double retry_in)
{
    (void)h, (void)method, (void)status;
    ncounted++;
    last_retry_in = retry_in;
}

static void host_op_done(const struct scimsync_host *h, const struct scimsync_op *op, long status)
{
    (void)h, (void)op, (void)status;
    nop_done++;
}

static const struct scimsync_host host = {
    .struct_size = sizeof(struct scimsync_host),
    .instance_name = "aws",
    .log = host_log,
    .should_stop = host_should_stop,
    .config_where = host_where,
    .count_request = host_count,
    .op_done = host_op_done,
};

static struct scim inst;

static void start(enum scim_profile profile, const struct fake_answer *a, size_t n)
{
    fake_instance(&inst, &host, profile, a, n);
    logbuf[0] = '\0';
    stop_after = -1;
    stop_calls = 0;
    ncounted = nop_done = 0;
    last_retry_in = -2;
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
#define ONE_USER "{" LIST ",\"totalResults\":1,\"Resources\":[{\"id\":\"u1\",\"userName\":\"a\"}]}"
#define ERR200                                                                                     \
    "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"status\":\"400\","           \
    "\"detail\":\"Invalid request\"}"

static size_t nusers, ngroups;
static int on_user(void *ctx, const struct scimsync_user *u)
{
    (void)ctx, (void)u;
    nusers++;
    return 0;
}
static int on_group(void *ctx, const struct scimsync_group *g)
{
    (void)ctx, (void)g;
    ngroups++;
    return 0;
}

static int list_users(void)
{
    nusers = 0;
    return scim_list_users(&inst, on_user, NULL);
}

static void assert_logged(const char *text)
{
    if (!strstr(logbuf, text))
        fail_msg("not logged: \"%s\"; the log:\n%s", text, logbuf);
}

/* ---- retries, Retry-After, deadlines ---------------------------------- */

static void test_retry_5xx(void **state)
{
    (void)state;
    static const struct fake_answer a[] = {{.status = 503, .body = "busy"},
                                           {.status = 200, .body = ONE_USER}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    assert_int_equal(list_users(), 0);
    assert_int_equal(nusers, 1);
    assert_int_equal(fake_nsent, 2);
    assert_int_equal(fake_sent[1].attempt, 1);
    assert_true(fake_sent[1].at > fake_sent[0].at); /* backed off */
    assert_logged("listing users: 2 requests, retried 0 throttled (429), 1 server errors, 0 "
                  "connection failures");
    assert_logged("GET http://127.0.0.1:9/scim/v2/Users?count=100&cursor=: HTTP 503; retry 1 of 6 "
                  "in ");
    assert_int_equal(ncounted, 2);
}

static void test_retry_after_429(void **state)
{
    (void)state;
    static const struct fake_answer a[] = {
        {.status = 429, .retry_after = "7", .body = "{\"detail\":\"slow down\"}"},
        {.status = 200, .body = ONE_USER}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    assert_int_equal(list_users(), 0);
    assert_int_equal(fake_nsent, 2);
    /* the wait the server asked for, not less */
    assert_true(fake_sent[1].at - fake_sent[0].at >= 7.0);
    assert_true(fake_sent[1].at - fake_sent[0].at < 9.0);
    assert_logged("retried 1 throttled (429)");
    assert_logged("HTTP 429 (throttled); retry 1 of 6 in 7.0 s");
    /* the 429 slowed the budgets the GET used */
    assert_logged("throttled (HTTP 429): pacing ");
}

static void test_retry_after_beyond_deadline(void **state)
{
    (void)state;
    static const struct fake_answer a[] = {{.status = 429, .retry_after = "3600"}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    inst.deadline_s = 30;
    assert_int_equal(list_users(), SCIMSYNC_ERR_IO);
    assert_int_equal(fake_nsent, 1);
    assert_logged(
        "HTTP 429: the server asked to retry after 3600 s, beyond request_deadline = 30 s");
    assert_logged("pacing reads at 20.0/s (was 40.0");
}

static void test_retry_after_past_what_is_left(void **state)
{
    (void)state;
    /* each wait fits the deadline, their sum does not */
    static const struct fake_answer a[] = {{.status = 503, .retry_after = "20"},
                                           {.status = 503, .retry_after = "20"},
                                           {.status = 503, .retry_after = "20"}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    inst.deadline_s = 50;
    assert_int_equal(list_users(), SCIMSYNC_ERR_IO);
    assert_int_equal(fake_nsent, 3);
    assert_logged("HTTP 503: the server asked to retry after 20 s, past request_deadline = 50 s "
                  "(the request has taken 40.");
}

static void test_retries_exhausted(void **state)
{
    (void)state;
    static const struct fake_answer a[] = {
        {.status = 502}, {.status = 502}, {.status = 502, .body = "{\"detail\":\"bad gateway\"}"}};
    start(SCIM_PROFILE_GENERIC, a, N(a));
    inst.retries = 2;
    ngroups = 0;
    assert_int_equal(scim_list_groups(&inst, on_group, NULL), SCIMSYNC_ERR_IO);
    assert_int_equal(fake_nsent, 3);
    assert_logged("HTTP 502 (retries exhausted): bad gateway");
}

static void test_deadline_reached(void **state)
{
    (void)state;
    /* slow failures: each answer takes 4 s of a 10 s deadline */
    static const struct fake_answer a[] = {{.status = 500, .delay = 4},
                                           {.status = 500, .delay = 4},
                                           {.status = 500, .delay = 4},
                                           {.status = 500, .delay = 4},
                                           {.status = 500, .delay = 4}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    inst.deadline_s = 10;
    inst.retries = 20;
    assert_int_equal(list_users(), SCIMSYNC_ERR_IO);
    assert_true(fake_nsent >= 2 && fake_nsent <= 3);
    assert_logged("(request_deadline = 10 s reached after");
    /* the last attempt's time limit is what is left of the deadline */
    assert_true(fake_clock - 1000.0 <= 11.0);
    assert_logged("Operation timed out");
}

static void test_connection_failures(void **state)
{
    (void)state;
    /* refused before the server ever answered: a wrong URL, not retried */
    static const struct fake_answer a[] = {
        {.cc = CURLE_COULDNT_CONNECT, .err = "Failed to connect to 127.0.0.1 port 9"}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    assert_int_equal(list_users(), SCIMSYNC_ERR_IO);
    assert_int_equal(fake_nsent, 1);
    assert_logged("connection failed: Failed to connect to 127.0.0.1 port 9");
    /* once it has answered, a lost connection and a body cut short after
     * its status line are retried */
    static const struct fake_answer b[] = {
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":2,\"itemsPerPage\":1,\"nextCursor\":\"c1\","
                 "\"Resources\":[{\"id\":\"u1\"}]}"},
        {.cc = CURLE_RECV_ERROR, .err = "Connection reset by peer"},
        {.status = 200, .cc = CURLE_PARTIAL_FILE, .body = "{\"Resou", .err = "transfer closed"},
        {.status = 200, .body = "{" LIST ",\"totalResults\":2,\"Resources\":[{\"id\":\"u2\"}]}"}};
    start(SCIM_PROFILE_IDENTITY_CENTER, b, N(b));
    assert_int_equal(list_users(), 0);
    assert_int_equal(nusers, 2);
    assert_int_equal(fake_nsent, 4);
    assert_int_equal(fake_sent[3].attempt, 2);
    assert_logged("2 connection failures");
    assert_logged("Connection reset by peer; retry 1 of 6");
}

static void test_too_big(void **state)
{
    (void)state;
    static const struct fake_answer a[] = {
        {.status = 200, .cc = CURLE_WRITE_ERROR, .too_big = 1, .body = "{"}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    assert_int_equal(list_users(), SCIMSYNC_ERR_IO);
    assert_int_equal(fake_nsent, 1); /* not retried */
    assert_logged("the response was larger than 16777216 bytes");
}

static void test_token_rejected(void **state)
{
    (void)state;
    struct scimsync_op op;
    static const struct fake_answer a[] = {{.status = 401, .body = "{\"detail\":\"expired\"}"}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    assert_int_equal(list_users(), SCIMSYNC_ERR_AUTH);
    assert_logged("SCIM token rejected (expired or wrong tenant?): HTTP 401 from "
                  "http://127.0.0.1:9/scim/v2");
    assert_true(inst.auth_failed);
    /* nothing more is sent on this instance */
    memset(&op, 0, sizeof(op));
    op.kind = SCIMSYNC_OP_DELETE_USER;
    op.target_id = "u1";
    assert_int_equal(scim_apply(&inst, &op, 1), SCIMSYNC_ERR_AUTH);
    assert_int_equal(op.status, SCIMSYNC_ERR_STOPPED);
    assert_string_equal(op.error, "not attempted: the token was rejected");
    assert_int_equal(fake_nsent, 1);
}

/* ---- paging ---------------------------------------------------------- */

static void test_paging_cursor(void **state)
{
    (void)state;
    static const struct fake_answer a[] = {
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":3,\"itemsPerPage\":1,\"nextCursor\":\"c1\","
                 "\"Resources\":[{\"id\":\"u1\",\"userName\":\"a\"}]}"},
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":3,\"itemsPerPage\":1,\"nextCursor\":\"c 2\","
                 "\"Resources\":[{\"id\":\"u2\",\"userName\":\"b\"}]}"},
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":3,\"itemsPerPage\":1,"
                 "\"Resources\":[{\"id\":\"u3\",\"userName\":\"c\"}]}"}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    assert_int_equal(list_users(), 0);
    assert_int_equal(nusers, 3);
    assert_string_equal(fake_sent[1].path, "/Users?count=100&cursor=c1");
    assert_string_equal(fake_sent[2].path, "/Users?count=100&cursor=c%202");
    assert_true(inst.listed_users_ok);
}

static char got_members[8][32]; /* "index:user id" */
static size_t ngot;
static int record_member(void *ctx, size_t index, const char *id)
{
    (void)ctx;
    if (ngot < 8)
        snprintf(got_members[ngot++], sizeof(got_members[0]), "%zu:%s", index, id ? id : "-");
    return 0;
}

static int has_member(const char *want)
{
    for (size_t i = 0; i < ngot; i++) {
        if (!strcmp(got_members[i], want))
            return 1;
    }
    return 0;
}

/* A full read: past the first user page the group listing runs beside
 * the user chain, each group with an externalId has its members read as
 * it is listed, and a chain's next page starts before member reads queued
 * earlier; list_groups / list_members answer from what was read. */
static void test_read_ahead(void **state)
{
    (void)state;
    static const struct fake_answer a[] = {
        /* 0: users, first page */
        {.status = 200,
         .delay = 0.01,
         .body = "{" LIST ",\"itemsPerPage\":2,\"nextCursor\":\"c2\",\"Resources\":["
                 "{\"id\":\"u1\",\"userName\":\"a\"},{\"id\":\"u2\",\"userName\":\"b\"}]}"},
        /* 1: users, the last page (slow) */
        {.status = 200,
         .delay = 0.5,
         .body =
             "{" LIST ",\"itemsPerPage\":1,\"Resources\":[{\"id\":\"u3\",\"userName\":\"c\"}]}"},
        /* 2: groups, first page: three of ours */
        {.status = 200,
         .delay = 0.01,
         .body = "{" LIST ",\"itemsPerPage\":3,\"nextCursor\":\"gc2\",\"Resources\":["
                 "{\"id\":\"g1\",\"displayName\":\"one\",\"externalId\":\"e1\"},"
                 "{\"id\":\"g2\",\"displayName\":\"two\",\"externalId\":\"e2\"},"
                 "{\"id\":\"g3\",\"displayName\":\"three\",\"externalId\":\"e3\"}]}"},
        /* 3: groups, the last page: one made by hand */
        {.status = 200,
         .delay = 0.01,
         .body = "{" LIST ",\"itemsPerPage\":1,\"Resources\":["
                 "{\"id\":\"g4\",\"displayName\":\"four\"}]}"},
        /* 4-6: the members of g1, g2, g3 */
        {.status = 200,
         .delay = 0.01,
         .body = "{" LIST ",\"itemsPerPage\":2,\"Resources\":[{\"id\":\"u1\"},{\"id\":\"u3\"}]}"},
        {.status = 200,
         .delay = 0.01,
         .body = "{" LIST ",\"itemsPerPage\":1,\"Resources\":[{\"id\":\"u2\"}]}"},
        {.status = 200, .delay = 0.01, .body = "{" LIST ",\"itemsPerPage\":0,\"Resources\":[]}"},
        /* 7: g4's members, asked for later (adopted by name) */
        {.status = 200,
         .delay = 0.01,
         .body = "{" LIST ",\"itemsPerPage\":1,\"Resources\":[{\"id\":\"u1\"}]}"},
    };
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    inst.read_ahead = 1;
    assert_int_equal(list_users(), 0);
    assert_int_equal(nusers, 3);
    assert_int_equal(fake_nsent, 7);
    assert_string_equal(fake_sent[1].path, "/Users?count=100&cursor=c2");
    assert_string_equal(fake_sent[2].path, "/Groups?count=100&cursor=");
    /* the group chain's next page before the member reads queued with it */
    assert_string_equal(fake_sent[3].path, "/Groups?count=100&cursor=gc2");
    for (size_t i = 4; i < 7; i++)
        assert_non_null(strstr(fake_sent[i].path, "groups.value"));
    assert_true(strstr(fake_sent[4].path, "g1") && strstr(fake_sent[5].path, "g2") &&
                strstr(fake_sent[6].path, "g3"));
    /* the group listing started while the last user page was out (this
     * transport answers in the order of the starts) */
    assert_true(fake_sent[2].at < fake_sent[1].at + 0.5);
    ngroups = 0;
    assert_int_equal(scim_list_groups(&inst, on_group, NULL), 0);
    assert_int_equal(ngroups, 4);
    assert_int_equal(fake_nsent, 7);
    const char *gids[] = {"g4", "g1", "g2", "g3"};
    ngot = 0;
    assert_int_equal(scim_list_members(&inst, gids, 4, record_member, NULL), 0);
    assert_int_equal(fake_nsent, 8);
    assert_non_null(strstr(fake_sent[7].path, "g4"));
    assert_int_equal(ngot, 4);
    assert_true(has_member("0:u1") && has_member("1:u1") && has_member("1:u3") &&
                has_member("2:u2"));
}

static void test_paging_start_index(void **state)
{
    (void)state;
    static const struct fake_answer a[] = {
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":3,\"startIndex\":1,\"itemsPerPage\":2,"
                 "\"Resources\":[{\"id\":\"g1\",\"displayName\":\"x\"},"
                 "{\"id\":\"g2\",\"displayName\":\"y\"}]}"},
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":3,\"startIndex\":3,\"itemsPerPage\":1,"
                 "\"Resources\":[{\"id\":\"g3\",\"displayName\":\"z\"}]}"}};
    start(SCIM_PROFILE_GENERIC, a, N(a));
    ngroups = 0;
    assert_int_equal(scim_list_groups(&inst, on_group, NULL), 0);
    assert_int_equal(ngroups, 3);
    assert_int_equal(fake_nsent, 2);
    assert_string_equal(fake_sent[0].path, "/Groups?startIndex=1&count=100");
    assert_string_equal(fake_sent[1].path, "/Groups?startIndex=3&count=100");
}

static void test_listing_error_body_through_runner(void **state)
{
    (void)state;
    static const struct fake_answer a[] = {{.status = 200, .body = ERR200}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    assert_int_equal(list_users(), SCIMSYNC_ERR_IO);
    assert_logged("SCIM error (status 400: Invalid request)");
    assert_false(inst.listed_users_ok);
}

static void test_find(void **state)
{
    (void)state;
    /* the narrowed reads of sync --user / --group: filtered, paged and
     * checked like a listing */
    static const struct fake_answer a[] = {
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":1,\"Resources\":[{\"id\":\"u1\",\"userName\":"
                 "\"alice\"}]}"},
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":2,\"Resources\":[{\"id\":\"g1\",\"displayName\":"
                 "\"a\"},{\"id\":\"g2\",\"displayName\":\"b\"}]}"},
        {.status = 200, .body = ERR200}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    nusers = ngroups = 0;
    assert_int_equal(scim_find_users(&inst, SCIMSYNC_FIND_USER_NAME, "alice", on_user, NULL), 0);
    assert_int_equal(nusers, 1);
    assert_string_equal(fake_sent[0].path, "/Users?filter=userName%20eq%20%22alice%22&count=100"
                                           "&cursor=");
    assert_int_equal(scim_find_groups(&inst, SCIMSYNC_FIND_HAS_MEMBER, "u1", on_group, NULL), 0);
    assert_int_equal(ngroups, 2);
    assert_int_equal(scim_find_users(&inst, SCIMSYNC_FIND_MEMBER_OF, "g1", on_user, NULL),
                     SCIMSYNC_ERR_IO);
    assert_logged("SCIM error (status 400: Invalid request)");
    /* a lookup the resource does not have */
    assert_int_equal(scim_find_groups(&inst, SCIMSYNC_FIND_USER_NAME, "x", on_group, NULL),
                     SCIMSYNC_ERR_CONFIG);
    assert_logged("the SCIM target cannot look groups up that way");
    assert_int_equal(fake_nsent, 3);
}

/* ---- apply ----------------------------------------------------------- */

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

static void test_apply_concurrent_404(void **state)
{
    (void)state;
    struct scimsync_op ops[8];
    static const char *ids[8] = {"u0", "u1", "u2", "u3", "u4", "u5", "u6", "u7"};
    static const struct fake_answer a[] = {
        {.status = 204, .delay = 1},
        {.status = 404, .delay = 1},
        {.status = 204, .delay = 1},
        {.status = 404, .delay = 1, .body = "{\"detail\":\"no such user\"}"},
        {.status = 204, .delay = 1},
        {.status = 204, .delay = 1},
        {.status = 400, .delay = 1, .body = "{\"detail\":\"bad value\"}"},
        {.status = 200, .delay = 1, .body = ERR200}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    inst.max_conn = 3;
    memset(ops, 0, sizeof(ops));
    for (int i = 0; i < 8; i++) {
        ops[i].kind = i % 2 ? SCIMSYNC_OP_DELETE_USER : SCIMSYNC_OP_DEACTIVATE_USER;
        ops[i].target_id = ids[i];
    }
    ops[3].kind = SCIMSYNC_OP_DEACTIVATE_USER;
    assert_int_equal(scim_apply(&inst, ops, 8), 0);
    assert_int_equal(fake_max_inflight, 3);
    assert_int_equal(fake_nsent, 8);
    assert_int_equal(nop_done, 8);
    assert_int_equal(ops[0].status, 0);
    assert_int_equal(ops[1].status, 0); /* deleting what is gone is done */
    assert_int_equal(ops[3].status, SCIMSYNC_ERR_NOTFOUND);
    assert_non_null(strstr(ops[3].error, "HTTP 404: no such user"));
    assert_int_equal(ops[6].status, SCIMSYNC_ERR_INVALID);
    assert_non_null(strstr(ops[6].error, "rejected by the target (HTTP 400: bad value)"));
    assert_int_equal(ops[7].status, SCIMSYNC_ERR_INVALID);
    assert_string_equal(fake_sent[0].method, "PATCH");
    assert_string_equal(fake_sent[1].method, "DELETE");
}

static void test_apply_429_budget(void **state)
{
    (void)state;
    struct scimsync_op op;
    double ceiling;
    static const struct fake_answer a[] = {{.status = 429}, {.status = 429}, {.status = 204}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    memset(&op, 0, sizeof(op));
    op.kind = SCIMSYNC_OP_DELETE_GROUP;
    op.target_id = "g1";
    assert_int_equal(scim_apply(&inst, &op, 1), 0);
    assert_int_equal(op.status, 0);
    assert_int_equal(fake_nsent, 3);
    assert_logged("retried 2 throttled (429)");
    /* the write budget was cut (AIMD) and has not grown back yet */
    ceiling = inst.pacer.b[SCIM_BUDGET_WRITE].aimd.ceiling;
    assert_true(ceiling > 0);
    assert_true(inst.pacer.b[SCIM_BUDGET_WRITE].aimd.rate < ceiling);
    assert_logged("DELETE /Groups/g1 throttled (HTTP 429): pacing ");
}

static void test_apply_adopt_by_external_id(void **state)
{
    (void)state;
    struct scimsync_user bob = mkuser("bob", "e-bob");
    struct scimsync_group grp;
    struct scimsync_op ops[2];
    /* bob was renamed by hand in the target: not found by userName, found
     * by our externalId, taken back with a PATCH */
    static const struct fake_answer a[] = {
        {.status = 409, .body = "{\"status\":\"409\",\"detail\":\"Duplicate userName\"}"},
        /* a group of ours by externalId with the same name: nothing to change */
        {.status = 409, .body = "{\"status\":\"409\",\"detail\":\"Duplicate\"}"},
        {.status = 200, .body = "{" LIST ",\"totalResults\":0,\"Resources\":[]}"},
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":1,\"Resources\":[{\"id\":\"gg\",\"displayName\":"
                 "\"Eng\",\"externalId\":\"e-eng\"}]}"},
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":1,\"Resources\":[{\"id\":\"zz\",\"userName\":"
                 "\"bobby\",\"externalId\":\"e-bob\"}]}"},
        {.status = 200, .body = "{\"id\":\"zz\"}"}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    inst.max_conn = 1;
    memset(&grp, 0, sizeof(grp));
    grp.display_name = "Eng";
    grp.external_id = "e-eng";
    memset(ops, 0, sizeof(ops));
    ops[0].kind = SCIMSYNC_OP_CREATE_USER;
    ops[0].user = &bob;
    ops[1].kind = SCIMSYNC_OP_CREATE_GROUP;
    ops[1].group = &grp;
    assert_int_equal(scim_apply(&inst, ops, 2), 0);
    if (ops[0].status)
        fail_msg("%s\n%s", ops[0].error, logbuf);
    assert_string_equal(ops[0].new_id, "zz");
    assert_true(ops[0].result_flags & SCIMSYNC_OP_ADOPTED);
    assert_string_equal(fake_sent[2].path, "/Users?filter=userName%20eq%20%22bob%22");
    assert_string_equal(fake_sent[4].path, "/Users?filter=externalId%20eq%20%22e-bob%22");
    assert_string_equal(fake_sent[5].method, "PATCH");
    assert_string_equal(fake_sent[5].path, "/Users/zz");
    assert_int_equal(ops[1].status, 0);
    assert_string_equal(ops[1].new_id, "gg");
    assert_true(ops[1].result_flags & SCIMSYNC_OP_ADOPTED);
    assert_int_equal(fake_nsent, 6);
    assert_logged("already exists with our externalId: taking it");
}

static void test_apply_conflict_not_ours(void **state)
{
    (void)state;
    struct scimsync_user u = mkuser("carol", "e-carol"), v = mkuser("dave", NULL);
    struct scimsync_op ops[2];
    static const struct fake_answer a[] = {
        {.status = 409, .body = "{\"detail\":\"Duplicate\"}"},
        {.status = 409, .body = "{\"detail\":\"Duplicate\"}"},
        {.status = 200,
         .body = "{" LIST ",\"Resources\":[{\"id\":\"c1\",\"userName\":\"CAROL\","
                 "\"externalId\":\"someone-else\"}]}"},
        {.status = 200,
         .body = "{" LIST ",\"Resources\":[{\"id\":\"d1\",\"userName\":\"dave\"}]}"}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    inst.max_conn = 1;
    memset(ops, 0, sizeof(ops));
    ops[0].kind = SCIMSYNC_OP_CREATE_USER;
    ops[0].user = &u;
    ops[1].kind = SCIMSYNC_OP_CREATE_USER;
    ops[1].user = &v;
    assert_int_equal(scim_apply(&inst, ops, 2), 0);
    assert_int_equal(ops[0].status, SCIMSYNC_ERR_CONFLICT);
    if (!strstr(ops[0].error, "already exists in the target with another externalId"))
        fail_msg("%s", ops[0].error);
    assert_int_equal(ops[1].status, SCIMSYNC_ERR_CONFLICT);
    assert_non_null(strstr(ops[1].error, "without externalId (created by hand); set adopt = true"));
}

static void test_apply_create_and_members(void **state)
{
    (void)state;
    struct scimsync_user u = mkuser("erin", "e-erin");
    struct scimsync_group g;
    const char *members[] = {"u1", "u2"};
    struct scimsync_op ops[4];
    static const struct fake_answer a[] = {
        {.status = 201, .body = "{\"id\":\"new-u\",\"userName\":\"erin\"}"},
        {.status = 201, .body = "{\"id\":\"new-g\",\"displayName\":\"Ops\"}"},
        {.status = 204},
        {.status = 200, .body = "{\"id\":\"g9\"}"},
    };
    start(SCIM_PROFILE_GENERIC, a, N(a));
    inst.max_conn = 1;
    memset(&g, 0, sizeof(g));
    g.display_name = "Ops";
    g.external_id = "e-ops";
    memset(ops, 0, sizeof(ops));
    ops[0].kind = SCIMSYNC_OP_CREATE_USER;
    ops[0].user = &u;
    ops[1].kind = SCIMSYNC_OP_CREATE_GROUP;
    ops[1].group = &g;
    ops[2].kind = SCIMSYNC_OP_REMOVE_MEMBERS;
    ops[2].target_id = "g9";
    ops[2].member_ids = members;
    ops[2].nmembers = 2;
    ops[3].kind = SCIMSYNC_OP_RENAME_GROUP;
    ops[3].target_id = "g9";
    ops[3].group = &g;
    assert_int_equal(scim_apply(&inst, ops, 4), 0);
    for (int i = 0; i < 4; i++)
        assert_int_equal(ops[i].status, 0);
    assert_string_equal(ops[0].new_id, "new-u");
    assert_string_equal(ops[1].new_id, "new-g");
    assert_non_null(strstr(fake_sent[0].body, "\"externalId\":\"e-erin\""));
    assert_non_null(strstr(fake_sent[2].body, "\"op\":\"remove\""));
    assert_string_equal(fake_sent[3].path, "/Groups/g9");
    /* an op without its data fails alone */
    memset(ops, 0, sizeof(ops));
    ops[0].kind = SCIMSYNC_OP_UPDATE_USER;
    fake_script(a, 0);
    assert_int_equal(scim_apply(&inst, ops, 1), 0);
    assert_int_equal(ops[0].status, SCIMSYNC_ERR_INVALID);
    assert_string_equal(ops[0].error, "incomplete operation (no target id or data)");
}

static void test_apply_every_field(void **state)
{
    (void)state;
    struct scimsync_user full, sparse;
    struct scimsync_op ops[2];
    static const struct fake_answer a[] = {{.status = 201, .body = "{\"id\":\"n1\"}"},
                                           {.status = 200, .body = "{\"id\":\"u1\"}"}};
    memset(&full, 0, sizeof(full));
    full.external_id = "e-full";
    full.active = 0;
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++)
        full.field[f] = "v";
    full.field[SCIMSYNC_F_EMAIL] = "full@example.com";
    full.field[SCIMSYNC_F_PHONE] = "+1 555 0100";
    full.field[SCIMSYNC_F_MANAGER] = "m-id";
    /* what the source no longer has is removed, the required names kept */
    sparse = mkuser("alice", "e-alice");
    sparse.field[SCIMSYNC_F_GIVEN_NAME] = NULL;
    sparse.field[SCIMSYNC_F_TITLE] = "CTO";
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    inst.max_conn = 1;
    memset(ops, 0, sizeof(ops));
    ops[0].kind = SCIMSYNC_OP_CREATE_USER;
    ops[0].user = &full;
    ops[1].kind = SCIMSYNC_OP_UPDATE_USER;
    ops[1].user = &sparse;
    ops[1].target_id = "u1";
    ops[1].changed = SCIMSYNC_F_ACTIVE_BIT | 1u << SCIMSYNC_F_GIVEN_NAME | 1u << SCIMSYNC_F_TITLE |
                     1u << SCIMSYNC_F_EMAIL | 1u << SCIMSYNC_F_MANAGER | 1u << SCIMSYNC_F_PHONE |
                     1u << SCIMSYNC_F_COST_CENTER;
    assert_int_equal(scim_apply(&inst, ops, 2), 0);
    assert_int_equal(ops[0].status, 0);
    assert_int_equal(ops[1].status, 0);
    const char *c = fake_sent[0].body, *u = fake_sent[1].body;
    assert_non_null(strstr(c, "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"));
    assert_non_null(strstr(c, "\"manager\":{\"value\":\"m-id\"}"));
    assert_non_null(strstr(c, "\"emails\":[{\"value\":\"full@example.com\""));
    assert_non_null(strstr(c, "\"phoneNumbers\":[{\"value\":\"+1 555 0100\""));
    assert_non_null(strstr(c, "\"active\":false"));
    assert_non_null(strstr(u, "\"op\":\"replace\",\"path\":\"title\",\"value\":\"CTO\""));
    assert_non_null(strstr(u, "\"op\":\"remove\",\"path\":\"emails\""));
    assert_non_null(strstr(u, "\"op\":\"remove\",\"path\":\"urn:ietf:params:scim:schemas:"
                              "extension:enterprise:2.0:User:manager\""));
    assert_null(strstr(u, "name.givenName")); /* required: never removed */
}

static void test_stop_drain(void **state)
{
    (void)state;
    struct scimsync_op ops[4];
    static const char *ids[4] = {"u0", "u1", "u2", "u3"};
    static const struct fake_answer a[] = {{.status = 204, .delay = 2},
                                           {.status = 204, .delay = 2},
                                           {.status = 204, .delay = 2},
                                           {.status = 204, .delay = 2}};
    start(SCIM_PROFILE_GENERIC, a, N(a));
    inst.max_conn = 2;
    for (int k = 0; k < SCIM_BUDGETS; k++)
        inst.rate_cfg[k] = 0; /* unpaced: both start at once */
    memset(ops, 0, sizeof(ops));
    for (int i = 0; i < 4; i++) {
        ops[i].kind = SCIMSYNC_OP_DELETE_USER;
        ops[i].target_id = ids[i];
    }
    stop_after = 1;
    stop_how = SCIMSYNC_STOP_DRAIN;
    assert_int_equal(scim_apply(&inst, ops, 4), SCIMSYNC_ERR_STOPPED);
    assert_int_equal(fake_nsent, 2);
    /* the writes in flight got their answers; the rest were not attempted */
    assert_int_equal(ops[0].status, 0);
    assert_int_equal(ops[1].status, 0);
    assert_int_equal(ops[2].status, SCIMSYNC_ERR_STOPPED);
    assert_string_equal(ops[3].error, "not attempted: the run stopped");
    assert_logged("stop requested: waiting for 2 request(s) in flight");
    assert_int_equal(fake_abandoned, 0);
}

static void test_stop_now(void **state)
{
    (void)state;
    struct scimsync_op ops[3];
    static const char *ids[3] = {"u0", "u1", "u2"};
    static const struct fake_answer a[] = {
        {.status = 204, .delay = 5}, {.status = 204, .delay = 5}, {.status = 204, .delay = 5}};
    start(SCIM_PROFILE_GENERIC, a, N(a));
    inst.max_conn = 2;
    for (int k = 0; k < SCIM_BUDGETS; k++)
        inst.rate_cfg[k] = 0; /* unpaced: both start at once */
    memset(ops, 0, sizeof(ops));
    for (int i = 0; i < 3; i++) {
        ops[i].kind = SCIMSYNC_OP_DELETE_USER;
        ops[i].target_id = ids[i];
    }
    stop_after = 1;
    stop_how = SCIMSYNC_STOP_NOW;
    assert_int_equal(scim_apply(&inst, ops, 3), SCIMSYNC_ERR_STOPPED);
    assert_int_equal(fake_abandoned, 2);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ops[i].status, SCIMSYNC_ERR_STOPPED);
    /* a listing stops the same way */
    static const struct fake_answer b[] = {{.status = 200, .body = ONE_USER, .delay = 5}};
    start(SCIM_PROFILE_GENERIC, b, N(b));
    stop_after = 1;
    stop_how = SCIMSYNC_STOP_NOW;
    assert_int_equal(list_users(), SCIMSYNC_ERR_STOPPED);
    assert_int_equal(fake_abandoned, 1);
}

/* ---- scimsync check --------------------------------------------------- */

static char report[4096];

static void on_report(void *ctx, enum scimsync_check_status st, const char *what,
                      const char *detail, const char *hint)
{
    size_t len = strlen(report);
    (void)ctx;
    snprintf(report + len, sizeof(report) - len, "%s %s: %s%s%s\n",
             st == SCIMSYNC_CHECK_PASS   ? "PASS"
             : st == SCIMSYNC_CHECK_WARN ? "WARN"
                                         : "FAIL",
             what, detail, hint ? " | " : "", hint ? hint : "");
}

static void assert_reported(const char *text)
{
    if (!strstr(report, text))
        fail_msg("not reported: \"%s\"; the report:\n%s", text, report);
}

static int check(unsigned flags)
{
    report[0] = '\0';
    return scim_check(&inst, flags, on_report, NULL);
}

static void set_peer(void)
{
    snprintf(fake_ci.ip, sizeof fake_ci.ip, "127.0.0.1");
    fake_ci.port = 9;
    fake_ci.connected = 1;
}

static void test_check_pass(void **state)
{
    (void)state;
    static const struct fake_answer a[] = {
        {.status = 200, .body = "{" LIST ",\"totalResults\":5,\"Resources\":[{\"id\":\"u1\"}]}"},
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":5,\"itemsPerPage\":1,\"nextCursor\":\"c\","
                 "\"Resources\":[{\"id\":\"u1\"}]}"},
        {.status = 200,
         .body = "{\"patch\":{\"supported\":true},\"filter\":{\"supported\":true},"
                 "\"bulk\":{\"supported\":false}}"}};
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    set_peer();
    assert_int_equal(check(0), 0);
    assert_reported("PASS dns: the host of http://127.0.0.1:9/scim/v2 resolves to 127.0.0.1");
    assert_reported("PASS connect: 127.0.0.1 port 9");
    assert_reported("PASS tls: not used: plain http on the loopback interface");
    assert_reported("PASS token: accepted: GET /Users?count=1 returned 1 user(s)");
    assert_reported("PASS profile: profile identity-center; the server behaves like "
                    "identity-center: cursor paging");
    assert_reported("PASS ServiceProviderConfig: patch yes, filter yes, bulk no, sort ?");
    assert_int_equal(fake_nsent, 3);
    assert_string_equal(fake_sent[0].path, "/Users?count=1");
    assert_int_equal(ncounted, 3);
    /* quick (the pre-flight of a run): the token request only, nothing said */
    fake_script(a, 1);
    assert_int_equal(check(SCIMSYNC_CHECK_QUICK), 0);
    assert_string_equal(report, "");
    assert_int_equal(fake_nsent, 1);
}

static void test_check_profile_mismatch(void **state)
{
    (void)state;
    /* generic configured, the server pages by cursor; no SPC */
    static const struct fake_answer a[] = {
        {.status = 200, .body = "{" LIST ",\"Resources\":[]}"},
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":5,\"itemsPerPage\":1,\"nextCursor\":\"c\","
                 "\"Resources\":[{\"id\":\"u1\"}]}"},
        {.status = 404, .body = "{\"detail\":\"no\"}"}};
    start(SCIM_PROFILE_GENERIC, a, N(a));
    set_peer();
    inst.url.loopback = 0;
    assert_int_equal(check(0), 0);
    assert_reported("WARN tls: not used: plain http sends the token unencrypted");
    assert_reported(
        "PASS token: accepted: GET /Users?count=1 returned 0 user(s) (no totalResults)");
    assert_reported("WARN profile: profile generic; the server behaves like identity-center");
    assert_reported("WARN ServiceProviderConfig: not available (HTTP 404)");
}

static void test_check_failures(void **state)
{
    (void)state;
    static const struct fake_answer dns[] = {
        {.cc = CURLE_COULDNT_RESOLVE_HOST, .err = "Could not resolve host: nowhere"}};
    start(SCIM_PROFILE_IDENTITY_CENTER, dns, N(dns));
    assert_int_equal(check(0), SCIMSYNC_ERR_IO);
    assert_reported("FAIL dns: http://127.0.0.1:9/scim/v2: Could not resolve host: nowhere | check "
                    "the host name in url (t.ini:url)");

    static const struct fake_answer refused[] = {
        {.cc = CURLE_COULDNT_CONNECT, .err = "Failed to connect"}};
    start(SCIM_PROFILE_IDENTITY_CENTER, refused, N(refused));
    assert_int_equal(check(0), SCIMSYNC_ERR_IO);
    assert_reported(
        "FAIL connect: GET http://127.0.0.1:9/scim/v2/Users?count=1: Failed to connect");

    static const struct fake_answer unauth[] = {{.status = 401}};
    start(SCIM_PROFILE_IDENTITY_CENTER, unauth, N(unauth));
    set_peer();
    assert_int_equal(check(0), SCIMSYNC_ERR_AUTH);
    assert_reported(
        "FAIL token: HTTP 401 from http://127.0.0.1:9/scim/v2 | set token (t.ini:token)");
    /* the pre-flight says only what fails */
    fake_script(unauth, 1);
    set_peer();
    assert_int_equal(check(SCIMSYNC_CHECK_QUICK), SCIMSYNC_ERR_AUTH);
    assert_non_null(strstr(report, "FAIL token"));
    assert_null(strstr(report, "PASS"));

    static const struct fake_answer notfound[] = {{.status = 404}};
    start(SCIM_PROFILE_IDENTITY_CENTER, notfound, N(notfound));
    set_peer();
    assert_int_equal(check(0), SCIMSYNC_ERR_CONFIG);
    assert_reported("FAIL url: GET http://127.0.0.1:9/scim/v2/Users?count=1: HTTP 404");

    static const struct fake_answer busy[] = {{.status = 503}};
    start(SCIM_PROFILE_IDENTITY_CENTER, busy, N(busy));
    set_peer();
    assert_int_equal(check(0), SCIMSYNC_ERR_IO);
    assert_reported("FAIL token: GET /Users?count=1: HTTP 503");
    fake_script(busy, 1); /* left to the run's retries */
    set_peer();
    assert_int_equal(check(SCIMSYNC_CHECK_QUICK), 0);

    static const struct fake_answer notscim[] = {{.status = 200, .body = "<html>"}};
    start(SCIM_PROFILE_IDENTITY_CENTER, notscim, N(notscim));
    set_peer();
    assert_int_equal(check(0), SCIMSYNC_ERR_IO);
    assert_reported("FAIL url: GET /Users answered 200 without a SCIM list");

    static const struct fake_answer stalled[] = {
        {.cc = CURLE_OPERATION_TIMEDOUT, .err = "Operation timed out"}};
    start(SCIM_PROFILE_IDENTITY_CENTER, stalled, N(stalled));
    inst.url.https = 1;
    set_peer();
    assert_int_equal(check(0), SCIMSYNC_ERR_IO);
    assert_reported("FAIL http: no answer: Operation timed out");
    /* the same over plain http: still the http step, not "token: HTTP 0" */
    start(SCIM_PROFILE_IDENTITY_CENTER, stalled, N(stalled));
    set_peer();
    assert_int_equal(check(0), SCIMSYNC_ERR_IO);
    assert_reported("FAIL http: no answer: Operation timed out");
    assert_null(strstr(report, "HTTP 0"));

    static const struct fake_answer stopped[] = {{.cc = CURLE_ABORTED_BY_CALLBACK}};
    start(SCIM_PROFILE_IDENTITY_CENTER, stopped, N(stopped));
    assert_int_equal(check(0), SCIMSYNC_ERR_STOPPED);
}

static void test_check_tls(void **state)
{
    (void)state;
    /* verification fails: the handshake again without it, for the
     * certificate's details (no request: the token is not sent) */
    static const struct fake_answer bad[] = {
        {.cc = CURLE_PEER_FAILED_VERIFICATION, .err = "SSL certificate problem: self-signed"},
        {.cc = CURLE_OK}};
    start(SCIM_PROFILE_IDENTITY_CENTER, bad, N(bad));
    inst.url.base = (char *)"https://scim.example:8443/scim/v2";
    inst.url.https = 1;
    inst.url.loopback = 0;
    set_peer();
    fake_ci.verify = 18;
    snprintf(fake_ci.subject, sizeof fake_ci.subject, " CN=scim.example");
    snprintf(fake_ci.issuer, sizeof fake_ci.issuer, " CN=scim.example");
    snprintf(fake_ci.expire, sizeof fake_ci.expire, " Jan  1 00:00:00 2099 GMT");
    assert_int_equal(check(0), SCIMSYNC_ERR_IO);
    assert_int_equal(fake_nsent, 2);
    assert_true(fake_sent[1].flags & SCIM_GET_CONNECT_ONLY);
    assert_true(fake_sent[1].flags & SCIM_GET_NO_VERIFY);
    assert_reported(
        "FAIL tls: GET https://scim.example:8443/scim/v2/Users?count=1: SSL certificate "
        "problem: self-signed (verify result 18); subject  CN=scim.example");
    assert_reported("ca_file: in [target aws]");

    /* verified, but expiring within two weeks */
    static const struct fake_answer soon[] = {
        {.status = 200, .body = "{" LIST ",\"totalResults\":0,\"Resources\":[]}"},
        {.status = 200, .body = "{" LIST ",\"totalResults\":0,\"Resources\":[]}"},
        {.status = 500},
        {.status = 500},
        {.status = 500}};
    start(SCIM_PROFILE_IDENTITY_CENTER, soon, N(soon));
    inst.url.base = (char *)"https://scim.example:8443/scim/v2";
    inst.url.https = 1;
    set_peer();
    time_t t = time(NULL) + 3 * 86400;
    strftime(fake_ci.expire, sizeof fake_ci.expire, "%b %d %H:%M:%S %Y GMT", gmtime(&t));
    snprintf(fake_ci.subject, sizeof fake_ci.subject, "CN=scim.example");
    snprintf(fake_ci.issuer, sizeof fake_ci.issuer, "CN=ca");
    assert_int_equal(check(0), 0);
    assert_reported("WARN tls: subject CN=scim.example, issuer CN=ca, expires ");
    assert_reported("; verified, but expires soon");
    assert_reported("the server's paging could not be told apart");

    /* not verified at all */
    static const struct fake_answer off[] = {
        {.status = 200, .body = "{" LIST ",\"totalResults\":0,\"Resources\":[]}"}};
    start(SCIM_PROFILE_IDENTITY_CENTER, off, N(off));
    inst.url.base = (char *)"https://scim.example:8443/scim/v2";
    inst.url.https = 1;
    inst.verify_tls = 0;
    set_peer();
    assert_int_equal(check(SCIMSYNC_CHECK_QUICK), 0);
    assert_string_equal(report, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_retry_5xx, teardown),
        cmocka_unit_test_teardown(test_retry_after_429, teardown),
        cmocka_unit_test_teardown(test_retry_after_beyond_deadline, teardown),
        cmocka_unit_test_teardown(test_retry_after_past_what_is_left, teardown),
        cmocka_unit_test_teardown(test_retries_exhausted, teardown),
        cmocka_unit_test_teardown(test_deadline_reached, teardown),
        cmocka_unit_test_teardown(test_connection_failures, teardown),
        cmocka_unit_test_teardown(test_too_big, teardown),
        cmocka_unit_test_teardown(test_token_rejected, teardown),
        cmocka_unit_test_teardown(test_paging_cursor, teardown),
        cmocka_unit_test_teardown(test_read_ahead, teardown),
        cmocka_unit_test_teardown(test_paging_start_index, teardown),
        cmocka_unit_test_teardown(test_listing_error_body_through_runner, teardown),
        cmocka_unit_test_teardown(test_find, teardown),
        cmocka_unit_test_teardown(test_apply_concurrent_404, teardown),
        cmocka_unit_test_teardown(test_apply_429_budget, teardown),
        cmocka_unit_test_teardown(test_apply_adopt_by_external_id, teardown),
        cmocka_unit_test_teardown(test_apply_conflict_not_ours, teardown),
        cmocka_unit_test_teardown(test_apply_create_and_members, teardown),
        cmocka_unit_test_teardown(test_apply_every_field, teardown),
        cmocka_unit_test_teardown(test_stop_drain, teardown),
        cmocka_unit_test_teardown(test_stop_now, teardown),
        cmocka_unit_test_teardown(test_check_pass, teardown),
        cmocka_unit_test_teardown(test_check_profile_mismatch, teardown),
        cmocka_unit_test_teardown(test_check_failures, teardown),
        cmocka_unit_test_teardown(test_check_tls, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
