/* AD range retrieval attribute descriptions. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ldap_util.h"

static void test_range(void **state)
{
    (void)state;
    long lo = -5, hi = -5;
    assert_int_equal(lsrc_parse_range("member", "member", &lo, &hi), 0);
    assert_int_equal(lsrc_parse_range("member;range=0-1499", "member", &lo, &hi), 1);
    assert_int_equal(lo, 0);
    assert_int_equal(hi, 1499);
    assert_int_equal(lsrc_parse_range("Member;Range=1500-*", "member", &lo, &hi), 1);
    assert_int_equal(lo, 1500);
    assert_int_equal(hi, -1);
    assert_int_equal(lsrc_parse_range("memberOf", "member", &lo, &hi), -1);
    assert_int_equal(lsrc_parse_range("member;binary", "member", &lo, &hi), -1);
    assert_int_equal(lsrc_parse_range("member;range=", "member", &lo, &hi), -1);
    assert_int_equal(lsrc_parse_range("member;range=5", "member", &lo, &hi), -1);
    assert_int_equal(lsrc_parse_range("member;range=5-", "member", &lo, &hi), -1);
    assert_int_equal(lsrc_parse_range("member;range=9-3", "member", &lo, &hi), -1);
    assert_int_equal(lsrc_parse_range("member;range=-1-3", "member", &lo, &hi), -1);
    assert_int_equal(lsrc_parse_range("member;range=0-3x", "member", &lo, &hi), -1);
    assert_int_equal(lsrc_parse_range("member;range=0-99999999999999999999", "member", &lo, &hi),
                     -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(test_range)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
