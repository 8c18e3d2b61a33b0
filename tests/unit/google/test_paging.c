/* Paging and error handling decisions: list URLs, list pages, the
 * classification of answers (what is retried), Retry-After, backoff, name
 * patterns and the string map. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "gw_util.h"
#include "ssp_http.h"

static void test_url(void **state)
{
    (void)state;
    const struct gw_param p[] = {{"customer", "my_customer"},
                                 {"query", "email:aws-* name:'A B'"},
                                 {"domain", NULL},
                                 {"pageToken", "Q1/+=&x"}};
    char *u = gw_url("http://127.0.0.1:8080/", "/admin/directory/v1/users", p, 4);
    assert_string_equal(u, "http://127.0.0.1:8080/admin/directory/v1/users?customer=my_customer"
                           "&query=email%3Aaws-%2A%20name%3A%27A%20B%27&pageToken=Q1%2F%2B%3D%26x");
    free(u);
    u = gw_url("https://admin.googleapis.com", "/x", NULL, 0);
    assert_string_equal(u, "https://admin.googleapis.com/x");
    free(u);
    /* many long parameters: the buffer grows */
    char longv[3000];
    memset(longv, 'a', sizeof longv - 1);
    longv[sizeof longv - 1] = '\0';
    const struct gw_param lp[] = {{"a", longv}, {"b", longv}, {"c", "/"}};
    u = gw_url("http://h", "/p", lp, 3);
    assert_int_equal(strlen(u), strlen("http://h/p?a=") + 2999 + strlen("&b=") + 2999 +
                                    strlen("&c=%2F"));
    assert_string_equal(u + strlen(u) - 6, "&c=%2F");
    free(u);
}

static int parse(const char *body, json_object **root, json_object **items, const char **next,
                 char *err, size_t n)
{
    return gw_page_parse(body, strlen(body), "users", root, items, next, err, n);
}

static void test_page_parse(void **state)
{
    (void)state;
    json_object *root, *items;
    const char *next;
    char err[256];
    assert_int_equal(parse("{\"users\":[{\"id\":\"1\"},{\"id\":\"2\"}],\"nextPageToken\":\"T2\"}",
                           &root, &items, &next, err, sizeof err),
                     0);
    assert_int_equal(json_object_array_length(items), 2);
    assert_string_equal(next, "T2");
    json_object_put(root);

    /* the last page: no token; an empty page: no items key at all */
    assert_int_equal(parse("{\"kind\":\"admin#directory#users\"}\n", &root, &items, &next, err,
                           sizeof err),
                     0);
    assert_null(items);
    assert_null(next);
    json_object_put(root);
    assert_int_equal(parse("{\"users\":[],\"nextPageToken\":\"\"}", &root, &items, &next, err,
                           sizeof err),
                     0);
    assert_null(next); /* an empty token ends the list */
    json_object_put(root);

    static const struct {
        const char *body, *err;
    } bad[] = {{"{\"users\":{}}", "\"users\" is not an array"},
               {"{\"users\":[],\"nextPageToken\":5}", "nextPageToken is not a string"},
               {"[]", "the answer is not a JSON object"},
               {"{\"users\":[]} {}", "the answer has data after its JSON object"},
               {"{\"users\":[{\"id\":", "the answer is not JSON (cut short)"},
               {"<html>", "the answer is not JSON"}};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        root = (json_object *)1;
        assert_int_equal(parse(bad[i].body, &root, &items, &next, err, sizeof err), -1);
        assert_null(root);
        assert_true(strncmp(err, bad[i].err, strlen(bad[i].err)) == 0);
    }
}

/* The paging loop as the reader runs it, over canned pages. */
static unsigned long read_all(const char *const *pages, size_t npages, size_t *items_seen,
                              char *err, size_t errlen)
{
    struct gw_cursor c = {0};
    size_t i = 0;
    int ret = 0;
    *items_seen = 0;
    while (gw_cursor_more(&c)) {
        json_object *root, *items;
        const char *next;
        if (i >= npages)
            fail_msg("a page past the last one was asked for");
        assert_int_equal(gw_page_parse(pages[i], strlen(pages[i]), "members", &root, &items,
                                       &next, err, errlen),
                         0);
        i++;
        *items_seen += items ? json_object_array_length(items) : 0;
        ret = gw_cursor_advance(&c, next, err, errlen);
        json_object_put(root); /* the cursor copied the token */
        if (ret < 0)
            break;
    }
    unsigned long n = ret < 0 ? 0 : c.pages;
    gw_cursor_reset(&c);
    return n;
}

static void test_cursor(void **state)
{
    (void)state;
    char err[128];
    size_t seen;
    const char *three[] = {"{\"members\":[{},{}],\"nextPageToken\":\"a\"}",
                           "{\"members\":[{}],\"nextPageToken\":\"b\"}",
                           "{\"members\":[{},{}]}"};
    assert_int_equal(read_all(three, 3, &seen, err, sizeof err), 3);
    assert_int_equal(seen, 5);
    /* one page, no token; an empty list answered without the items key */
    const char *one[] = {"{\"kind\":\"admin#directory#members\"}"};
    assert_int_equal(read_all(one, 1, &seen, err, sizeof err), 1);
    assert_int_equal(seen, 0);
    /* empty pages in the middle are followed */
    const char *gaps[] = {"{\"nextPageToken\":\"a\"}", "{\"nextPageToken\":\"b\"}",
                          "{\"members\":[{}],\"nextPageToken\":\"\"}"};
    assert_int_equal(read_all(gaps, 3, &seen, err, sizeof err), 3);
    assert_int_equal(seen, 1);
    /* a server handing out the same token again would loop forever */
    const char *stuck[] = {"{\"members\":[{}],\"nextPageToken\":\"a\"}",
                           "{\"members\":[{}],\"nextPageToken\":\"a\"}"};
    assert_int_equal(read_all(stuck, 2, &seen, err, sizeof err), 0);
    assert_string_equal(err, "the server returned the same nextPageToken twice");
}

#define GERR(code, reason)                                                                      \
    "{\"error\":{\"code\":" #code ",\"message\":\"msg " reason "\",\"errors\":[{\"message\":"   \
    "\"m\",\"domain\":\"usageLimits\",\"reason\":\"" reason "\"}],\"status\":\"X\"}}"

static void test_classify(void **state)
{
    (void)state;
    char reason[64], msg[128];
    static const struct {
        long status;
        const char *body;
        enum gw_verdict v;
        const char *reason;
    } v[] = {{200, "{}", GW_OK, ""},
             {429, GERR(429, "rateLimitExceeded"), GW_RETRY, "rateLimitExceeded"},
             {429, "", GW_RETRY, ""},
             {500, "<html>", GW_RETRY, ""},
             {503, GERR(503, "backendError"), GW_RETRY, "backendError"},
             {403, GERR(403, "rateLimitExceeded"), GW_RETRY, "rateLimitExceeded"},
             {403, GERR(403, "userRateLimitExceeded"), GW_RETRY, "userRateLimitExceeded"},
             {403, GERR(403, "forbidden"), GW_AUTH, "forbidden"},
             {403, "", GW_AUTH, ""},
             {401, GERR(401, "authError"), GW_AUTH, "authError"},
             {404, GERR(404, "notFound"), GW_NOTFOUND, "notFound"},
             {400, GERR(400, "invalid"), GW_INVALID, "invalid"},
             {400, "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT\"}",
              GW_INVALID, "invalid_grant"},
             {400, "{\"error\":{\"code\":400,\"message\":\"m\",\"status\":\"INVALID_ARGUMENT\"}}",
              GW_INVALID, "INVALID_ARGUMENT"}};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        assert_int_equal(gw_classify(v[i].status, v[i].body, reason, sizeof reason, msg,
                                     sizeof msg),
                         v[i].v);
        assert_string_equal(reason, v[i].reason);
    }
    gw_classify(403, GERR(403, "forbidden"), reason, sizeof reason, msg, sizeof msg);
    assert_string_equal(msg, "msg forbidden");
    gw_classify(400, "{\"error\":\"invalid_grant\",\"error_description\":\"Invalid JWT\"}",
                reason, sizeof reason, msg, sizeof msg);
    assert_string_equal(msg, "Invalid JWT");
    assert_int_equal(gw_classify(502, NULL, NULL, 0, NULL, 0), GW_RETRY);
}

static void test_retry_after(void **state)
{
    (void)state;
    time_t now = 1700000000;
    char date[64];
    struct tm tm;
    time_t later = now + 10;
    gmtime_r(&later, &tm);
    strftime(date, sizeof date, "%a, %d %b %Y %H:%M:%S GMT", &tm);
    assert_true(ssp_retry_after("5", now) == 5.0);
    assert_true(ssp_retry_after(" 2 ", now) == 2.0);
    assert_true(ssp_retry_after("0", now) == 0.0);
    assert_true(ssp_retry_after(date, now) == 10.0);
    assert_true(ssp_retry_after(date, now + 20) == 0.0); /* a date in the past: now */
    assert_true(ssp_retry_after(NULL, now) == -1.0);
    assert_true(ssp_retry_after("", now) == -1.0);
    assert_true(ssp_retry_after("-1", now) == -1.0);
    assert_true(ssp_retry_after("5s", now) == -1.0);
    assert_true(ssp_retry_after("soon", now) == -1.0);
}

static void test_backoff(void **state)
{
    (void)state;
    assert_true(gw_backoff(1, 1.0) == 0.5);
    assert_true(gw_backoff(2, 1.0) == 1.0);
    assert_true(gw_backoff(3, 1.0) == 2.0);
    assert_true(gw_backoff(3, 0.0) == 1.0);
    assert_true(gw_backoff(40, 1.0) == 30.0);
    assert_true(gw_backoff(1000000, 2.0) == 30.0);
}

static void test_wildcard(void **state)
{
    (void)state;
    assert_true(gw_wildcard("aws-*", "AWS-Admins"));
    assert_true(gw_wildcard("aws-*", "aws-"));
    assert_false(gw_wildcard("aws-*", "AWS Engineering"));
    assert_true(gw_wildcard("*@example.com", "aws-eng@Example.COM"));
    assert_true(gw_wildcard("a?c", "abc"));
    assert_false(gw_wildcard("a?c", "ac"));
    assert_true(gw_wildcard("*", ""));
    assert_true(gw_wildcard("", ""));
    assert_false(gw_wildcard("", "x"));
    assert_true(gw_wildcard("*a*b*c", "xxaxxbxxc"));
    assert_false(gw_wildcard("*a*b*c", "xxaxxbxx"));
    assert_true(gw_wildcard("Zo\xc3\xab*", "Zo\xc3\xab team"));
    /* a pattern that backtracks a lot still ends quickly */
    char s[4001];
    memset(s, 'a', 4000);
    s[4000] = '\0';
    assert_false(gw_wildcard("*a*a*a*a*a*a*a*b", s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url),         cmocka_unit_test(test_page_parse),
        cmocka_unit_test(test_cursor),
        cmocka_unit_test(test_classify),    cmocka_unit_test(test_retry_after),
        cmocka_unit_test(test_backoff),     cmocka_unit_test(test_wildcard),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
