/* The SCIM target's request budgets, with the clock passed in (no
 * sleeping): what a request costs, multi-token buckets that never split
 * a member PATCH, the AIMD controller, the pacer that ties them, the
 * rate figures, the profile defaults and the profile probe's readers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "scim_budget.h"
#include "scim_pace.h"
#include "scim_profile.h"

#define NEAR(a, b) ((a) > (b)-1e-6 && (a) < (b) + 1e-6)

static void test_request_cost(void **state)
{
    (void)state;
    struct scim_cost c;
    scim_request_cost("GET", 0, &c);
    assert_true(c.tokens[SCIM_BUDGET_ALL] == 1 && c.tokens[SCIM_BUDGET_READ] == 1 &&
                c.tokens[SCIM_BUDGET_WRITE] == 0 && c.tokens[SCIM_BUDGET_MEMBER] == 0);
    scim_request_cost("POST", 0, &c);
    assert_true(c.tokens[SCIM_BUDGET_ALL] == 1 && c.tokens[SCIM_BUDGET_READ] == 0 &&
                c.tokens[SCIM_BUDGET_WRITE] == 1 && c.tokens[SCIM_BUDGET_MEMBER] == 0);
    scim_request_cost("PATCH", 100, &c);
    assert_true(c.tokens[SCIM_BUDGET_ALL] == 1 && c.tokens[SCIM_BUDGET_WRITE] == 1 &&
                c.tokens[SCIM_BUDGET_MEMBER] == 100);
    scim_request_cost("DELETE", 0, &c);
    assert_true(c.tokens[SCIM_BUDGET_WRITE] == 1);
    /* a read never counts member values, whatever it was given */
    scim_request_cost("GET", 7, &c);
    assert_true(c.tokens[SCIM_BUDGET_MEMBER] == 0);
}

static void test_bucket_take_n(void **state)
{
    (void)state;
    struct scim_bucket b;
    double t = 10.0, w;

    scim_bucket_init(&b, 50.0, scim_pace_burst(50.0), t);
    /* 100 values at once from a bucket whose burst is a token or two:
     * taken whole, leaving a debt of almost two seconds */
    assert_true(scim_bucket_take_n(&b, 100, t) == 0);
    w = scim_bucket_take_n(&b, 1, t);
    assert_true(NEAR(w, (1.0 - (scim_pace_burst(50.0) - 100)) / 50.0));
    /* nothing was taken by the refused request */
    assert_true(NEAR(scim_bucket_take_n(&b, 1, t), w));
    t += w;
    assert_true(scim_bucket_take_n(&b, 1, t) == 0);
    /* a rate change keeps what was earned at the old rate */
    scim_bucket_init(&b, 10.0, 1.0, 0);
    assert_true(scim_bucket_take(&b, 0) == 0);
    scim_bucket_set_rate(&b, 20.0, 0.05); /* 0.5 token earned at 10/s */
    assert_true(NEAR(b.tokens, 0.5));
    assert_true(NEAR(scim_bucket_take(&b, 0.05), 0.5 / 20.0));
}

/* Member PATCHes of 100 values back to back for 20 simulated seconds at
 * member_op_rate 50: never more values than the rate allows (plus one
 * PATCH of debt), never a PATCH split. */
static void test_member_budget_paces_values(void **state)
{
    (void)state;
    struct scim_pacer p;
    double ceiling[SCIM_BUDGETS] = {0, 40, 25, 50};
    struct scim_cost c;
    double t = 0, values = 0;
    int patches = 0;

    scim_pacer_init(&p, ceiling, t);
    scim_request_cost("PATCH", 100, &c);
    while (t < 20.0) {
        double w = scim_pacer_take(&p, &c, t);
        if (w > 0) {
            t += w;
            continue;
        }
        values += 100;
        patches++;
    }
    /* 50 values/s for 20 s = 1000 values, plus the first PATCH on credit */
    assert_in_range(patches, 10, 11);
    assert_true(values <= 50.0 * 20.0 + 100.0);
    assert_true(p.b[SCIM_BUDGET_MEMBER].run_tokens == values);
    assert_int_equal(p.b[SCIM_BUDGET_WRITE].run_requests, patches);
    /* reads were never touched */
    assert_int_equal(p.b[SCIM_BUDGET_READ].run_requests, 0);
}

static void test_pacer_takes_all_or_nothing(void **state)
{
    (void)state;
    struct scim_pacer p;
    double ceiling[SCIM_BUDGETS] = {10, 40, 25, 100};
    struct scim_cost get, patch;
    double t = 5.0;

    scim_pacer_init(&p, ceiling, t);
    scim_request_cost("GET", 0, &get);
    scim_request_cost("PATCH", 50, &patch);
    assert_true(scim_pacer_take(&p, &get, t) == 0);
    /* the overall cap (10/s) has no token left: the PATCH waits and
     * takes nothing from the write or member budgets */
    double w = scim_pacer_take(&p, &patch, t);
    assert_true(w > 0 && NEAR(w, (1.0 - (scim_pace_burst(10) - 1.0)) / 10.0));
    assert_true(NEAR(p.b[SCIM_BUDGET_MEMBER].bucket.tokens, scim_pace_burst(100)));
    assert_int_equal(p.b[SCIM_BUDGET_WRITE].run_requests, 0);
    assert_true(scim_pacer_take(&p, &patch, t + w) == 0);
    assert_int_equal(p.b[SCIM_BUDGET_WRITE].run_requests, 1);
    assert_true(p.b[SCIM_BUDGET_MEMBER].run_tokens == 50);
    /* all budgets off: never a wait */
    double off[SCIM_BUDGETS] = {0, 0, 0, 0};
    scim_pacer_init(&p, off, t);
    for (int i = 0; i < 1000; i++)
        assert_true(scim_pacer_take(&p, &patch, t) == 0);
}

static void test_aimd(void **state)
{
    (void)state;
    struct scim_aimd a;

    scim_aimd_init(&a, 40, 1, 0);
    assert_true(a.rate == 40);
    /* a 429: halved */
    assert_int_equal(scim_aimd_throttled(&a, 0.5, 1.0), 1);
    assert_true(a.rate == 20 && a.knee == 40);
    /* more 429s of requests sent before that decrease: counted once */
    assert_int_equal(scim_aimd_throttled(&a, 0.9, 1.01), 0);
    assert_int_equal(scim_aimd_throttled(&a, 0.99, 1.2), 0);
    assert_true(a.rate == 20);
    /* a 429 of a request sent at the new rate: halved again */
    assert_int_equal(scim_aimd_throttled(&a, 1.1, 1.3), 1);
    assert_true(a.rate == 10 && a.knee == 20);
    /* successes within a second of the decrease: no growth */
    assert_int_equal(scim_aimd_success(&a, 1.5), 0);
    assert_true(a.rate == 10);
    /* then 5% of the ceiling (2/s) per successful second up to 3/4 of
     * the rate last throttled (15) */
    assert_int_equal(scim_aimd_success(&a, 2.5), 1);
    assert_true(NEAR(a.rate, 12));
    assert_int_equal(scim_aimd_success(&a, 3.0), 0); /* same second */
    for (double t = 3.5; a.rate < 15 - 1e-9; t += 1.0)
        assert_int_equal(scim_aimd_success(&a, t), 1);
    assert_true(NEAR(a.rate, 16));
    /* past it: ten times slower (0.2/s per second) */
    assert_int_equal(scim_aimd_success(&a, 100), 1);
    assert_true(NEAR(a.rate, 16.2));
    /* never above the ceiling */
    for (double t = 101; t < 400; t += 1.0)
        scim_aimd_success(&a, t);
    assert_true(a.rate == 40);
    /* never below the floor */
    scim_aimd_init(&a, 4, 1, 0);
    for (int i = 0; i < 10; i++)
        scim_aimd_throttled(&a, (double)i, (double)i + 0.5);
    assert_true(a.rate == 1);
    /* a ceiling below the floor is the floor */
    scim_aimd_init(&a, 0.5, 1, 0);
    scim_aimd_throttled(&a, 0, 1);
    assert_true(a.rate == 0.5);
}

static void test_throttled_budget(void **state)
{
    (void)state;
    struct scim_pacer p;
    struct scim_cost get, post, patch;
    double idc[SCIM_BUDGETS] = {0, 40, 25, 100};
    double generic[SCIM_BUDGETS] = {50, 0, 0, 0};
    double none[SCIM_BUDGETS] = {0, 0, 0, 0};

    scim_request_cost("GET", 0, &get);
    scim_request_cost("POST", 0, &post);
    scim_request_cost("PATCH", 30, &patch);
    scim_pacer_init(&p, idc, 0);
    assert_int_equal(scim_pacer_throttled_budget(&p, &get), SCIM_BUDGET_READ);
    assert_int_equal(scim_pacer_throttled_budget(&p, &post), SCIM_BUDGET_WRITE);
    assert_int_equal(scim_pacer_throttled_budget(&p, &patch), SCIM_BUDGET_MEMBER);
    scim_pacer_init(&p, generic, 0);
    assert_int_equal(scim_pacer_throttled_budget(&p, &get), SCIM_BUDGET_ALL);
    assert_int_equal(scim_pacer_throttled_budget(&p, &patch), SCIM_BUDGET_ALL);
    scim_pacer_init(&p, none, 0);
    assert_int_equal(scim_pacer_throttled_budget(&p, &patch), -1);
    assert_int_equal(scim_pacer_answer(&p, &patch, 1, 0, 0, 1), -1);
}

static void test_pacer_answer_and_hold(void **state)
{
    (void)state;
    struct scim_pacer p;
    struct scim_cost post, get;
    double ceiling[SCIM_BUDGETS] = {0, 40, 25, 100};
    struct scim_rate_report rep;
    char text[512];

    scim_request_cost("POST", 0, &post);
    scim_request_cost("GET", 0, &get);
    scim_pacer_init(&p, ceiling, 0);
    assert_true(scim_pacer_take(&p, &post, 0) == 0);
    /* a 429 with Retry-After 2 s: writes halve and hold until t = 3 */
    assert_int_equal(scim_pacer_answer(&p, &post, 1, 0, 3.0, 1.0), SCIM_BUDGET_WRITE);
    assert_true(p.b[SCIM_BUDGET_WRITE].aimd.rate == 12.5);
    assert_true(NEAR(scim_pacer_take(&p, &post, 1.0), 2.0));
    /* reads are not held */
    assert_true(scim_pacer_take(&p, &get, 1.0) == 0);
    assert_true(scim_pacer_take(&p, &post, 3.0) == 0);
    /* successes grow it back: fast to 3/4 of 25, then slowly */
    for (double t = 3.5; t < 30; t += 0.5)
        scim_pacer_answer(&p, &post, 0, t, 0, t);
    assert_true(p.b[SCIM_BUDGET_WRITE].aimd.rate > 18.75 && p.b[SCIM_BUDGET_WRITE].aimd.rate < 25);
    for (double t = 30; t < 120; t += 0.5)
        scim_pacer_answer(&p, &post, 0, t, 0, t);
    assert_true(p.b[SCIM_BUDGET_WRITE].aimd.rate == 25);
    scim_pacer_report(&p, 1, &rep);
    assert_true(rep.b[SCIM_BUDGET_WRITE].start == 25 && rep.b[SCIM_BUDGET_WRITE].lowest == 12.5 &&
                rep.b[SCIM_BUDGET_WRITE].end == 25 && rep.b[SCIM_BUDGET_WRITE].throttled == 1 &&
                rep.b[SCIM_BUDGET_WRITE].requests == 2);
    assert_true(rep.b[SCIM_BUDGET_READ].requests == 1 && rep.b[SCIM_BUDGET_READ].lowest == 40);
    scim_rate_report_text(&rep, text, sizeof(text));
    assert_string_equal(text, "reads 40.0/s (start 40.0, lowest 40.0, ceiling 40.0; 1 requests, "
                              "0 throttled), writes 25.0/s (start 25.0, lowest 12.5, ceiling "
                              "25.0; 2 requests, 1 throttled)");
    assert_non_null(strstr(text, "writes 25.0/s (start 25.0, lowest 12.5, ceiling 25.0; 2 "
                                 "requests, 1 throttled)"));
    assert_null(strstr(text, "member values"));
    /* a new phase starts from the current rate */
    scim_pacer_begin(&p, 0);
    scim_pacer_report(&p, 0, &rep);
    assert_true(rep.b[SCIM_BUDGET_WRITE].requests == 0 && rep.b[SCIM_BUDGET_WRITE].lowest == 25);
    scim_rate_report_text(&rep, text, sizeof(text));
    assert_string_equal(text, "");
}

/* A server whose write limit (10/s, one second's burst, a request let
 * through with a token left) is below the client's ceiling (40/s): 120
 * simulated seconds of writes as fast as the pacer allows, answers
 * 50 ms later.  A few 429s, then a rate near the real limit. */
static void test_adapts_to_unknown_lower_limit(void **state)
{
    (void)state;
    struct scim_pacer p;
    struct scim_bucket server;
    double ceiling[SCIM_BUDGETS] = {0, 40, 40, 100};
    struct scim_cost c;
    double t = 0, sent[64];
    int throttled[64], head = 0, tail = 0;
    long ok = 0, n429 = 0, ok_last_60 = 0;

    scim_pacer_init(&p, ceiling, t);
    scim_bucket_init(&server, 10, 10, t);
    scim_request_cost("POST", 0, &c);
    while (t < 120.0) {
        /* answers due */
        while (head != tail && sent[head % 64] + 0.05 <= t) {
            int th = throttled[head % 64];
            scim_pacer_answer(&p, &c, th, sent[head % 64], 0, sent[head % 64] + 0.05);
            head++;
        }
        double w = scim_pacer_take(&p, &c, t);
        if (w > 0) {
            t += w < 0.01 ? w : 0.01;
            continue;
        }
        int refused = scim_bucket_take(&server, t) > 0;
        n429 += refused;
        ok += !refused;
        if (!refused && t >= 60)
            ok_last_60++;
        sent[tail % 64] = t;
        throttled[tail % 64] = refused;
        tail++;
    }
    print_message("lower limit: %ld accepted, %ld throttled, %ld in the last 60 s, lowest %.1f, "
                  "end %.1f\n",
                  ok, n429, ok_last_60, p.b[SCIM_BUDGET_WRITE].run_lowest,
                  p.b[SCIM_BUDGET_WRITE].aimd.rate);
    /* a few 429s over two minutes, not a storm */
    assert_in_range(n429, 1, 20);
    /* and most of the real limit used once adapted: >= 7/s of 10 */
    assert_true(ok_last_60 >= 7 * 60);
    assert_true(p.b[SCIM_BUDGET_WRITE].run_lowest >= 5.0);
}

static void test_profile_rates(void **state)
{
    (void)state;
    double unset[SCIM_BUDGETS] = {-1, -1, -1, -1}, out[SCIM_BUDGETS];
    scim_profile_rates(SCIM_PROFILE_IDENTITY_CENTER, unset, out);
    assert_true(out[SCIM_BUDGET_ALL] == 0 && out[SCIM_BUDGET_READ] == 40 &&
                out[SCIM_BUDGET_WRITE] == 25 && out[SCIM_BUDGET_MEMBER] == 100);
    scim_profile_rates(SCIM_PROFILE_GENERIC, unset, out);
    assert_true(out[SCIM_BUDGET_ALL] == 50 && out[SCIM_BUDGET_READ] == 0 &&
                out[SCIM_BUDGET_WRITE] == 0 && out[SCIM_BUDGET_MEMBER] == 0);
    /* an old identity-center config with rate_limit = 20: the cap stays,
     * the budgets keep their defaults under it */
    double old[SCIM_BUDGETS] = {20, -1, -1, -1};
    scim_profile_rates(SCIM_PROFILE_IDENTITY_CENTER, old, out);
    assert_true(out[SCIM_BUDGET_ALL] == 20 && out[SCIM_BUDGET_READ] == 40 &&
                out[SCIM_BUDGET_WRITE] == 25);
    double raised[SCIM_BUDGETS] = {-1, 80, 50, 0};
    scim_profile_rates(SCIM_PROFILE_IDENTITY_CENTER, raised, out);
    assert_true(out[SCIM_BUDGET_READ] == 80 && out[SCIM_BUDGET_WRITE] == 50 &&
                out[SCIM_BUDGET_MEMBER] == 0);
}

#define LIST "\"schemas\":[\"urn:ietf:params:scim:api:messages:2.0:ListResponse\"]"

static void test_probe_readers(void **state)
{
    (void)state;
    char why[256];
    const char *ic = "{" LIST ",\"totalResults\":5,\"itemsPerPage\":1,\"Resources\":[{\"id\":"
                     "\"a\"}],\"nextCursor\":\"c1\"}";
    const char *ignored = "{" LIST ",\"totalResults\":5,\"startIndex\":1,\"itemsPerPage\":1,"
                          "\"Resources\":[{\"id\":\"a\"}]}";
    const char *one = "{" LIST ",\"totalResults\":1,\"Resources\":[{\"id\":\"a\"}]}";
    const char *empty = "{" LIST ",\"totalResults\":0,\"Resources\":[]}";

    assert_int_equal(scim_probe_users(200, ic, strlen(ic), why, sizeof(why)), SCIM_PROBE_CURSOR);
    assert_non_null(strstr(why, "nextCursor"));
    assert_int_equal(scim_probe_users(200, ignored, strlen(ignored), why, sizeof(why)),
                     SCIM_PROBE_INDEX);
    assert_non_null(strstr(why, "the cursor was ignored"));
    assert_int_equal(scim_probe_users(400, "{}", 2, why, sizeof(why)), SCIM_PROBE_INDEX);
    assert_int_equal(scim_probe_users(200, one, strlen(one), why, sizeof(why)), SCIM_PROBE_UNSURE);
    assert_int_equal(scim_probe_users(200, empty, strlen(empty), why, sizeof(why)),
                     SCIM_PROBE_UNSURE);
    assert_non_null(strstr(why, "too few"));
    assert_int_equal(scim_probe_users(200, "garbage", 7, why, sizeof(why)), SCIM_PROBE_UNSURE);
    assert_int_equal(scim_probe_users(404, NULL, 0, why, sizeof(why)), SCIM_PROBE_UNSURE);

    const char *spc_cursor = "{\"pagination\":{\"cursor\":true,\"index\":false}}";
    const char *spc_index = "{\"pagination\":{\"cursor\":false,\"index\":true}}";
    const char *spc_both = "{\"pagination\":{\"cursor\":true,\"index\":true}}";
    const char *spc_none = "{\"patch\":{\"supported\":true}}";
    assert_int_equal(scim_probe_spc(200, spc_cursor, strlen(spc_cursor), why, sizeof(why)),
                     SCIM_PROBE_CURSOR);
    assert_int_equal(scim_probe_spc(200, spc_index, strlen(spc_index), why, sizeof(why)),
                     SCIM_PROBE_INDEX);
    assert_int_equal(scim_probe_spc(200, spc_both, strlen(spc_both), why, sizeof(why)),
                     SCIM_PROBE_UNSURE);
    assert_int_equal(scim_probe_spc(200, spc_none, strlen(spc_none), why, sizeof(why)),
                     SCIM_PROBE_UNSURE);
    assert_int_equal(scim_probe_spc(404, NULL, 0, why, sizeof(why)), SCIM_PROBE_UNSURE);

    assert_int_equal(scim_probe_index(400, "{}", 2, why, sizeof(why)), SCIM_PROBE_CURSOR);
    assert_int_equal(scim_probe_index(200, empty, strlen(empty), why, sizeof(why)),
                     SCIM_PROBE_INDEX);
    assert_int_equal(scim_probe_index(200, "{}", 2, why, sizeof(why)), SCIM_PROBE_UNSURE);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_cost),
        cmocka_unit_test(test_bucket_take_n),
        cmocka_unit_test(test_member_budget_paces_values),
        cmocka_unit_test(test_pacer_takes_all_or_nothing),
        cmocka_unit_test(test_aimd),
        cmocka_unit_test(test_throttled_budget),
        cmocka_unit_test(test_pacer_answer_and_hold),
        cmocka_unit_test(test_adapts_to_unknown_lower_limit),
        cmocka_unit_test(test_profile_rates),
        cmocka_unit_test(test_probe_readers),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
