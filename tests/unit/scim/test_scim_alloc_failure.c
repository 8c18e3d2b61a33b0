/* Every allocation of the SCIM target's listing, apply and check code
 * fails in turn (tests/support/alloc_fail.h), with canned answers from
 * the fake transport: each run must end in a clean, reported error and
 * leave nothing allocated (ASan checks the leak half).  json-c and libcurl
 * allocate inside their own libraries and are not affected. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_fail.h"
#include "fake_transport.h"

static void host_log(const struct scimsync_host *h, int level, const char *fmt, ...)
    SCIMSYNC_PRINTF(3, 4);

static void host_log(const struct scimsync_host *h, int level, const char *fmt, ...)
{
    (void)h, (void)level, (void)fmt;
}

static const char *host_where(const struct scimsync_host *h, const char *key)
{
    (void)h;
    return key;
}

static const struct scimsync_host host = {
    .struct_size = sizeof(struct scimsync_host),
    .instance_name = "aws",
    .log = host_log,
    .config_where = host_where,
};

static struct scim inst;

static void start(enum scim_profile profile, const struct fake_answer *a, size_t n)
{
    fake_instance(&inst, &host, profile, a, n);
    inst.retries = 2;
    inst.max_conn = 1;
    for (int k = 0; k < SCIM_BUDGETS; k++)
        inst.rate_cfg[k] = 0;
}

#define N(a) (sizeof(a) / sizeof(*(a)))
#define LIST "\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"]"

static size_t nseen;
static int on_user(void *ctx, const struct scimsync_user *u)
{
    (void)ctx, (void)u;
    nseen++;
    return 0;
}
static int on_group(void *ctx, const struct scimsync_group *g)
{
    (void)ctx, (void)g;
    nseen++;
    return 0;
}
static int on_member(void *ctx, size_t index, const char *id)
{
    (void)ctx, (void)index, (void)id;
    nseen++;
    return 0;
}

static int listings(void)
{
    static const struct fake_answer a[] = {
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":3,\"itemsPerPage\":2,\"nextCursor\":\"c1\","
                 "\"Resources\":[{\"id\":\"u1\",\"userName\":\"a\",\"externalId\":\"e1\","
                 "\"name\":{\"givenName\":\"A\",\"familyName\":\"B\"},\"active\":true},"
                 "{\"id\":\"u2\",\"userName\":\"b\"}]}"},
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":3,\"Resources\":[{\"id\":\"u3\",\"userName\":\"c\","
                 "\"emails\":[{\"value\":\"c@x\",\"primary\":true}]}]}"},
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":1,\"Resources\":[{\"id\":\"g1\",\"displayName\":"
                 "\"Eng\",\"externalId\":\"ge\"}]}"},
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":2,\"Resources\":[{\"id\":\"u1\"},{\"id\":\"u3\"}]}"}};
    const char *gids[] = {"g1"};
    int rc;

    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    nseen = 0;
    rc = scim_list_users(&inst, on_user, NULL);
    if (rc == 0)
        rc = scim_list_groups(&inst, on_group, NULL);
    if (rc == 0)
        rc = scim_list_members(&inst, gids, 1, on_member, NULL);
    scim_listed_reset(&inst);
    if (rc < 0)
        return -1;
    assert_int_equal(nseen, 6);
    return 0;
}

static int apply(void)
{
    static const struct fake_answer a[] = {
        {.status = 201, .body = "{\"id\":\"n1\"}"},
        {.status = 409, .body = "{\"status\":\"409\",\"detail\":\"Duplicate userName\"}"},
        {.status = 204},
        {.status = 204},
        {.status = 204},
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":1,\"Resources\":[{\"id\":\"h1\",\"userName\":"
                 "\"carol\"}]}"},
        {.status = 200, .body = "{\"id\":\"h1\"}"}};
    struct scimsync_user u, carol;
    struct scimsync_op ops[4];
    const char *members[150];
    char names[150][8];
    int rc;

    for (int i = 0; i < 150; i++) {
        snprintf(names[i], sizeof names[i], "m%d", i);
        members[i] = names[i];
    }
    memset(&u, 0, sizeof(u));
    u.external_id = "e-new";
    u.field[SCIMSYNC_F_USER_NAME] = "new";
    u.field[SCIMSYNC_F_DISPLAY_NAME] = "New User";
    u.active = 1;
    carol = u;
    carol.external_id = "e-carol";
    carol.field[SCIMSYNC_F_USER_NAME] = "carol";
    memset(ops, 0, sizeof(ops));
    ops[0].kind = SCIMSYNC_OP_CREATE_USER;
    ops[0].user = &u;
    ops[1].kind = SCIMSYNC_OP_CREATE_USER;
    ops[1].user = &carol;
    ops[1].adopt = 1;
    ops[2].kind = SCIMSYNC_OP_ADD_MEMBERS;
    ops[2].target_id = "g1";
    ops[2].member_ids = members;
    ops[2].nmembers = 150;
    ops[3].kind = SCIMSYNC_OP_DEACTIVATE_USER;
    ops[3].target_id = "u9";
    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    rc = scim_apply(&inst, ops, 4);
    scim_listed_reset(&inst);
    if (rc < 0)
        return -1;
    for (int i = 0; i < 4; i++) {
        if (ops[i].status != 0) {
            assert_true(ops[i].error[0] != '\0'); /* said why */
            return -1;
        }
    }
    assert_string_equal(ops[0].new_id, "n1");
    assert_string_equal(ops[1].new_id, "h1");
    return 0;
}

static char report[2048], full[2048];

static void on_report(void *ctx, enum scimsync_check_status st, const char *what,
                      const char *detail, const char *hint)
{
    size_t len = strlen(report);
    (void)ctx, (void)hint;
    snprintf(report + len, sizeof(report) - len, "%d %s: %s\n", (int)st, what, detail);
}

static int check(void)
{
    static const struct fake_answer a[] = {
        {.status = 200, .body = "{" LIST ",\"totalResults\":5,\"Resources\":[{\"id\":\"u1\"}]}"},
        {.status = 200,
         .body = "{" LIST ",\"totalResults\":5,\"itemsPerPage\":1,\"nextCursor\":\"c\","
                 "\"Resources\":[{\"id\":\"u1\"}]}"},
        {.status = 200, .body = "{\"patch\":{\"supported\":true}}"},
        /* when a paging request lost its answer to no memory, the next
         * ways of telling are asked */
        {.status = 200, .body = "{\"patch\":{\"supported\":true}}"},
        {.status = 200, .body = "{\"patch\":{\"supported\":true}}"}};
    int rc;

    start(SCIM_PROFILE_IDENTITY_CENTER, a, N(a));
    report[0] = '\0';
    rc = scim_check(&inst, 0, on_report, NULL);
    if (rc < 0)
        return -1;
    if (!full[0]) /* the run without a failure, before alloc_fail_each */
        snprintf(full, sizeof full, "%s", report);
    /* a check that lost a step to no memory says so (a step reported
     * otherwise than in the full run), or fails */
    return strcmp(report, full) ? -1 : 0;
}

static void test_listings(void **state)
{
    (void)state;
    alloc_fail_each(listings, 10);
}

static void test_apply(void **state)
{
    (void)state;
    alloc_fail_each(apply, 10);
}

static void test_check(void **state)
{
    (void)state;
    assert_int_equal(check(), 0);
    assert_non_null(strstr(full, "token: accepted"));
    alloc_fail_each(check, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listings),
        cmocka_unit_test(test_apply),
        cmocka_unit_test(test_check),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
