/* URL building, the nextLink origin check, backoff, ids (Retry-After:
 * tests/unit/google/test_paging.c, ssp_retry_after). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "entra_logic.h"

static void test_url_encodes_values(void **st)
{
    (void)st;
    const char *pairs[] = {"$select", "id,displayName",           "$filter", NULL,
                           "$search", "\"displayName:Zoë & co\"", NULL};
    char *u = entra_url("https://graph.microsoft.com/v1.0/", "/users", pairs);
    assert_non_null(u);
    /* the NULL-valued $filter is left out; names and values are encoded
     * (Graph reads %24select as $select) */
    assert_string_equal(u, "https://graph.microsoft.com/v1.0/users?%24select=id%2cdisplayName&"
                           "%24search=%22displayName%3aZo%c3%ab+%26+co%22");
    free(u);
    u = entra_url("http://127.0.0.1:8080/v1.0", "groups/abc/members", NULL);
    assert_string_equal(u, "http://127.0.0.1:8080/v1.0/groups/abc/members");
    free(u);
    assert_null(entra_url("not a url", "/users", NULL));
}

static void test_same_origin(void **st)
{
    (void)st;
    const char *b = "https://graph.microsoft.com/v1.0";
    assert_int_equal(entra_same_origin(b, "https://graph.microsoft.com/v1.0/users?$skiptoken=x"),
                     1);
    assert_int_equal(entra_same_origin(b, "https://GRAPH.microsoft.com:443/v1.0/users"), 1);
    assert_int_equal(entra_same_origin(b, "https://graph.microsoft.com.evil.example/v1.0"), 0);
    assert_int_equal(entra_same_origin(b, "http://graph.microsoft.com/v1.0/users"), 0);
    assert_int_equal(entra_same_origin(b, "https://graph.microsoft.com:8443/v1.0/users"), 0);
    assert_int_equal(entra_same_origin(b, "https://user@evil.example/@graph.microsoft.com"), 0);
    assert_int_equal(entra_same_origin(b, "no url"), 0);
    assert_int_equal(entra_same_origin("http://127.0.0.1:5000/v1.0",
                                       "http://127.0.0.1:5000/v1.0/users/delta?$deltatoken=a"),
                     1);
}

static void test_backoff(void **st)
{
    (void)st;
    assert_int_equal(entra_backoff(1), 1);
    assert_int_equal(entra_backoff(2), 2);
    assert_int_equal(entra_backoff(5), 16);
    assert_int_equal(entra_backoff(6), 30);
    assert_int_equal(entra_backoff(60), 30);
}

static void test_guid_and_advanced(void **st)
{
    (void)st;
    assert_int_equal(entra_is_guid("86ad701e-0191-549e-b474-271fd72854cd"), 1);
    assert_int_equal(entra_is_guid("86AD701E-0191-549E-B474-271FD72854CD"), 1);
    assert_int_equal(entra_is_guid("86ad701e-0191-549e-b474-271fd72854c"), 0);
    assert_int_equal(entra_is_guid("86ad701e-0191-549e-b474-271fd72854cdd"), 0);
    assert_int_equal(entra_is_guid("aws-admins"), 0);
    assert_int_equal(entra_is_guid(""), 0);
    assert_int_equal(entra_filter_is_advanced("accountEnabled eq true"), 0);
    assert_int_equal(entra_filter_is_advanced("startswith(displayName,'aws-')"), 0);
    assert_int_equal(entra_filter_is_advanced("endsWith(mail,'@example.com')"), 1);
    assert_int_equal(entra_filter_is_advanced("companyName ne null"), 1);
    assert_int_equal(entra_filter_is_advanced("NOT(accountEnabled eq true)"), 1);
    assert_int_equal(entra_filter_is_advanced(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_url_encodes_values),
        cmocka_unit_test(test_same_origin),
        cmocka_unit_test(test_backoff),
        cmocka_unit_test(test_guid_and_advanced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
