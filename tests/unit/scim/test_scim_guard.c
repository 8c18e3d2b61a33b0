/* The SCIM target's defences against a broken or hostile server, as pure
 * functions: the listing guard (loops, cycles, self-contradicting pages),
 * the SCIM Error classifier, strict list parsing, and the retry decision
 * under request_deadline. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "scim_guard.h"
#include "scim_pace.h"
#include "scim_parse.h"

static void test_idset(void **state)
{
    (void)state;
    struct scim_idset s = {0};
    char id[32];
    assert_false(scim_idset_has(&s, "a"));
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof(id), "user-%d", i);
        assert_int_equal(scim_idset_add(&s, id), 1);
    }
    assert_int_equal(s.len, 5000);
    assert_true(s.cap >= 10000); /* load stays under 1/2 */
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof(id), "user-%d", i);
        assert_true(scim_idset_has(&s, id));
        assert_int_equal(scim_idset_add(&s, id), 0);
    }
    assert_false(scim_idset_has(&s, "user-5000"));
    assert_false(scim_idset_has(&s, ""));
    scim_idset_free(&s);
    assert_false(scim_idset_has(&s, "user-1"));
}

/* A page as the guard sees it. */
static struct scim_page page(long total, long per_page, const char *next)
{
    struct scim_page p;
    memset(&p, 0, sizeof(p));
    p.total_results = total;
    p.items_per_page = per_page;
    p.start_index = -1;
    p.next_cursor = next;
    return p;
}

static void test_guard_cursor_cycle(void **state)
{
    (void)state;
    struct scim_guard g;
    char why[256];
    const char *p1[] = {"u1", "u2"}, *p2[] = {"u3", "u4"}, *p3[] = {"u5"};
    struct scim_page a = page(-1, 2, "A"), b = page(-1, 2, "B"), a2 = page(-1, 1, "A");

    /* A -> B -> A: the third page names a cursor already followed, even
     * though its ids are new */
    scim_guard_init(&g, NULL);
    assert_int_equal(scim_guard_page(&g, p1, 2, &a, 1, NULL, why, sizeof(why)), 0);
    assert_int_equal(scim_guard_page(&g, p2, 2, &b, 1, NULL, why, sizeof(why)), 0);
    assert_int_equal(scim_guard_page(&g, p3, 1, &a2, 1, NULL, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "cursor the listing has already followed"));
    scim_guard_free(&g);

    /* the same cursor twice in a row */
    scim_guard_init(&g, NULL);
    assert_int_equal(scim_guard_page(&g, p1, 2, &a, 1, NULL, why, sizeof(why)), 0);
    assert_int_equal(scim_guard_page(&g, p2, 2, &a, 1, NULL, why, sizeof(why)), -1);
    scim_guard_free(&g);

    /* startIndex paging ignores cursors */
    scim_guard_init(&g, NULL);
    assert_int_equal(scim_guard_page(&g, p1, 2, &a, 0, NULL, why, sizeof(why)), 0);
    assert_int_equal(scim_guard_page(&g, p2, 2, &a, 0, NULL, why, sizeof(why)), 0);
    scim_guard_free(&g);
}

static void test_guard_endless_new_cursors(void **state)
{
    (void)state;
    struct scim_guard g;
    char why[256], cur[16];
    const char *p1[] = {"u1", "u2"}, *p2[] = {"u2", "u1"};
    struct scim_page p;
    int rc = 0, n;

    /* a new cursor on every page, the same users each time */
    scim_guard_init(&g, NULL);
    p = page(-1, 2, "c0");
    assert_int_equal(scim_guard_page(&g, p1, 2, &p, 1, NULL, why, sizeof(why)), 0);
    p = page(-1, 2, "c1");
    assert_int_equal(scim_guard_page(&g, p2, 2, &p, 1, NULL, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "only resources already listed (2 of them)"));
    scim_guard_free(&g);

    /* a new cursor on every page, and nothing in them */
    scim_guard_init(&g, NULL);
    for (n = 0; n < 100 && rc == 0; n++) {
        snprintf(cur, sizeof(cur), "c%d", n);
        p = page(-1, -1, cur);
        rc = scim_guard_page(&g, NULL, 0, &p, 1, NULL, why, sizeof(why));
    }
    assert_int_equal(rc, -1);
    assert_int_equal(n, SCIM_GUARD_MAX_EMPTY_PAGES + 1);
    assert_non_null(strstr(why, "empty pages in a row"));
    scim_guard_free(&g);
}

static void test_guard_same_page_and_overlap(void **state)
{
    (void)state;
    struct scim_guard g;
    struct scim_idset listed = {0};
    char why[256];
    const char *p1[] = {"u1", "u2"}, *p2[] = {"u2", "u3"};
    unsigned char fresh[2];
    struct scim_page p = page(-1, 2, NULL);

    /* startIndex ignored: the first page again */
    scim_guard_init(&g, &listed);
    assert_int_equal(scim_guard_page(&g, p1, 2, &p, 0, fresh, why, sizeof(why)), 0);
    assert_true(fresh[0] && fresh[1]);
    assert_int_equal(scim_guard_page(&g, p1, 2, &p, 0, NULL, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "page 2 is the same as the page before it"));
    scim_guard_free(&g);
    /* the caller's set keeps what was listed */
    assert_true(scim_idset_has(&listed, "u1"));

    /* an overlap (objects moved between pages): the new ones count */
    scim_guard_init(&g, &listed);
    assert_false(scim_idset_has(&listed, "u1")); /* a new listing starts empty */
    assert_int_equal(scim_guard_page(&g, p1, 2, &p, 0, fresh, why, sizeof(why)), 0);
    assert_int_equal(scim_guard_page(&g, p2, 2, &p, 0, fresh, why, sizeof(why)), 0);
    assert_false(fresh[0]);
    assert_true(fresh[1]);
    assert_int_equal(g.received, 3);
    scim_guard_free(&g);
    scim_idset_free(&listed);
}

static void test_guard_contradictions(void **state)
{
    (void)state;
    struct scim_guard g;
    char why[256];
    const char *p1[] = {"u1", "u2"};
    struct scim_page p;

    /* itemsPerPage > 0 on an empty page */
    scim_guard_init(&g, NULL);
    p = page(300, 2, "c1");
    assert_int_equal(scim_guard_page(&g, p1, 2, &p, 1, NULL, why, sizeof(why)), 0);
    p = page(300, 100, "c2");
    assert_int_equal(scim_guard_page(&g, NULL, 0, &p, 1, NULL, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "itemsPerPage = 100 but carries no resources"));
    scim_guard_free(&g);
    /* a last empty page echoing the requested count ends the listing */
    scim_guard_init(&g, NULL);
    p = page(-1, 2, "c1");
    assert_int_equal(scim_guard_page(&g, p1, 2, &p, 1, NULL, why, sizeof(why)), 0);
    p = page(-1, 100, NULL);
    assert_int_equal(scim_guard_page(&g, NULL, 0, &p, 1, NULL, why, sizeof(why)), 0);
    assert_int_equal(scim_guard_end(&g, &p, why, sizeof(why)), 0);
    scim_guard_free(&g);

    /* totalResults below the page's own count */
    scim_guard_init(&g, NULL);
    p = page(1, 2, "c1");
    assert_int_equal(scim_guard_page(&g, p1, 2, &p, 1, NULL, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "holds 2 resources but says totalResults = 1"));
    scim_guard_free(&g);

    /* a true total (300 > the page), then made-up pages far beyond it */
    {
        char idbuf[100][16];
        const char *ids[100];
        int rc = 0, pages = 0;
        scim_guard_init(&g, NULL);
        for (int k = 0; k < 20 && rc == 0; k++, pages++) {
            for (int i = 0; i < 100; i++) {
                snprintf(idbuf[i], sizeof(idbuf[i]), "x%d", k * 100 + i);
                ids[i] = idbuf[i];
            }
            char cur[16];
            snprintf(cur, sizeof(cur), "n%d", k);
            p = page(300, 100, cur);
            rc = scim_guard_page(&g, ids, 100, &p, 1, NULL, why, sizeof(why));
        }
        assert_int_equal(rc, -1);
        assert_int_equal(pages, 5); /* 500 > 300 + 30 + 100 */
        assert_non_null(strstr(why, "far more than totalResults = 300"));
        scim_guard_free(&g);
    }

    /* a per-page totalResults (the page's own count) is never a total */
    {
        char idbuf[100][16];
        const char *ids[100];
        scim_guard_init(&g, NULL);
        for (int k = 0; k < 20; k++) {
            for (int i = 0; i < 100; i++) {
                snprintf(idbuf[i], sizeof(idbuf[i]), "y%d", k * 100 + i);
                ids[i] = idbuf[i];
            }
            char cur[16];
            snprintf(cur, sizeof(cur), "m%d", k);
            p = page(100, 100, cur);
            assert_int_equal(scim_guard_page(&g, ids, 100, &p, 1, NULL, why, sizeof(why)), 0);
        }
        scim_guard_free(&g);
    }

    /* totalResults says 300, the listing ended after 2 */
    scim_guard_init(&g, NULL);
    p = page(300, 2, NULL);
    assert_int_equal(scim_guard_page(&g, p1, 2, &p, 1, NULL, why, sizeof(why)), 0);
    assert_int_equal(scim_guard_end(&g, &p, why, sizeof(why)), -1);
    assert_non_null(strstr(why, "ended after 2 resources"));
    assert_non_null(strstr(why, "totalResults = 300"));
    /* a total the listing reached, or none at all, is fine */
    p = page(2, 2, NULL);
    assert_int_equal(scim_guard_end(&g, &p, why, sizeof(why)), 0);
    p = page(-1, 2, NULL);
    assert_int_equal(scim_guard_end(&g, &p, why, sizeof(why)), 0);
    scim_guard_free(&g);
}

static void test_body_error(void **state)
{
    (void)state;
    struct scim_error e;
    const char *bodies[] = {
        ("{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"status\":\"400\","
         "\"detail\":\"no\"}"),
        /* Identity Center's stray `schema` alone */
        "{\"schema\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],\"detail\":\"no\"}",
        /* no schema, but an error status */
        "{\"status\":503,\"detail\":\"no\"}",
    };
    for (size_t i = 0; i < sizeof(bodies) / sizeof(*bodies); i++) {
        json_object *o = scim_parse_body(bodies[i], strlen(bodies[i]));
        assert_int_equal(scim_body_error(o, &e), 1);
        assert_string_equal(e.detail, "no");
        json_object_put(o);
    }
    const char *fine[] = {
        "{\"id\":\"u1\",\"userName\":\"a\"}",
        "{\"id\":\"u1\",\"status\":\"active\"}",
        ("{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"],"
         "\"totalResults\":0}"),
    };
    for (size_t i = 0; i < sizeof(fine) / sizeof(*fine); i++) {
        json_object *o = scim_parse_body(fine[i], strlen(fine[i]));
        assert_int_equal(scim_body_error(o, &e), 0);
        json_object_put(o);
    }
    assert_int_equal(scim_body_error(NULL, &e), 0);
    const char *bare = "{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"]}";
    json_object *o = scim_parse_body(bare, strlen(bare));
    assert_int_equal(scim_body_error(o, &e), 1);
    assert_int_equal(e.status, 0);
    assert_string_equal(e.detail, "a SCIM error without details");
    json_object_put(o);
}

static int list_ok(const char *body, char *why, size_t cap)
{
    struct scim_page p;
    json_object *o = scim_parse_body(body, strlen(body));
    int rc = scim_parse_list(o, &p, why, cap);
    json_object_put(o);
    return rc;
}

#define LIST "\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"]"

static void test_parse_list(void **state)
{
    (void)state;
    char why[256];
    assert_int_equal(
        list_ok("{" LIST ",\"totalResults\":1,\"Resources\":[{\"id\":\"1\"}]}", why, sizeof(why)),
        0);
    assert_int_equal(list_ok("{" LIST ",\"totalResults\":0}", why, sizeof(why)), 0);
    assert_int_equal(list_ok("{" LIST ",\"Resources\":[]}", why, sizeof(why)), 0);
    /* the 2xx + Error body a list must not read as an empty page */
    assert_int_equal(list_ok("{\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:Error\"],"
                             "\"status\":\"400\",\"detail\":\"bad cursor\"}",
                             why, sizeof(why)),
                     -1);
    assert_non_null(strstr(why, "SCIM error (status 400: bad cursor)"));
    assert_int_equal(
        list_ok("{\"totalResults\":1,\"Resources\":[{\"id\":\"1\"}]}", why, sizeof(why)), -1);
    assert_non_null(strstr(why, "not a ListResponse"));
    assert_int_equal(list_ok("{" LIST ",\"totalResults\":300}", why, sizeof(why)), -1);
    assert_non_null(strstr(why, "no Resources but totalResults = 300"));
    assert_int_equal(list_ok("{" LIST "}", why, sizeof(why)), -1);
    assert_int_equal(list_ok("{" LIST ",\"Resources\":{}}", why, sizeof(why)), -1);
    assert_int_equal(list_ok("", why, sizeof(why)), -1);
}

static void test_retry_plan(void **state)
{
    (void)state;
    double w;
    /* an ordinary backoff well inside the deadline */
    assert_int_equal(scim_retry_plan(0, 6, 0.5, -1, 120, &w), SCIM_RETRY);
    assert_true(w == 0.5);
    /* retries exhausted */
    assert_int_equal(scim_retry_plan(6, 6, 0.5, -1, 120, &w), SCIM_RETRY_EXHAUSTED);
    /* Retry-After: 999999 against 120 s: fail at once, no waiting */
    assert_int_equal(scim_retry_plan(0, 6, 999999.1, 999999, 120, &w), SCIM_RETRY_AFTER_TOO_LONG);
    assert_true(w == 0);
    /* a Retry-After that fits is honoured exactly, even when the jittered
     * backoff would not fit */
    assert_int_equal(scim_retry_plan(0, 6, 110, 100, 110, &w), SCIM_RETRY);
    assert_true(w >= 100 && w <= 110 - SCIM_MIN_ATTEMPT_S);
    /* a Retry-After leaving no time for the attempt itself */
    assert_int_equal(scim_retry_plan(0, 6, 10, 9.5, 10, &w), SCIM_RETRY_AFTER_TOO_LONG);
    /* our own backoff is cut to the deadline */
    assert_int_equal(scim_retry_plan(2, 6, 30, -1, 5, &w), SCIM_RETRY);
    assert_true(w == 5 - SCIM_MIN_ATTEMPT_S);
    /* nothing left */
    assert_int_equal(scim_retry_plan(2, 6, 0.5, -1, 0.5, &w), SCIM_RETRY_DEADLINE);
    assert_int_equal(scim_retry_plan(2, 6, 0.5, -1, -3, &w), SCIM_RETRY_DEADLINE);
}

static void test_retry_after_uncapped(void **state)
{
    (void)state;
    /* with the cap out of the way, the deadline sees the real request */
    assert_true(scim_retry_after("999999", 0, 1e12) == 999999);
    time_t now = 1700000000;
    double d = scim_retry_after("Thu, 01 Jan 2099 00:00:00 GMT", now, 1e12);
    assert_true(d > 2.3e9);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_idset),
        cmocka_unit_test(test_guard_cursor_cycle),
        cmocka_unit_test(test_guard_endless_new_cursors),
        cmocka_unit_test(test_guard_same_page_and_overlap),
        cmocka_unit_test(test_guard_contradictions),
        cmocka_unit_test(test_body_error),
        cmocka_unit_test(test_parse_list),
        cmocka_unit_test(test_retry_plan),
        cmocka_unit_test(test_retry_after_uncapped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
