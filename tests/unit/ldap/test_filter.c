/* RFC 4515 escaping and filters built from configuration values. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>

#include <cmocka.h>

#include "ldap_util.h"

static void expect_str(char *got, const char *want)
{
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_escape(void **state)
{
    (void)state;
    expect_str(lsrc_filter_escape("plain"), "plain");
    expect_str(lsrc_filter_escape("a*b(c)d\\e"), "a\\2ab\\28c\\29d\\5ce");
    expect_str(lsrc_filter_escape("x)(cn=*"), "x\\29\\28cn=\\2a");
    expect_str(lsrc_filter_escape("tab\there"), "tab\\09here");
    expect_str(lsrc_filter_escape("Zoë"), "Zoë"); /* UTF-8 passes through */
    expect_str(lsrc_filter_escape(""), "");
}

static void test_pattern(void **state)
{
    (void)state;
    expect_str(lsrc_pattern_filter("cn", "aws-*"), "(cn=aws-*)");
    expect_str(lsrc_pattern_filter("cn", "exact"), "(cn=exact)");
    expect_str(lsrc_pattern_filter("cn", "*"), "(cn=*)");
    expect_str(lsrc_pattern_filter("cn", "a**b"), "(cn=a*b)");
    expect_str(lsrc_pattern_filter("cn", "*mid*"), "(cn=*mid*)");
    /* metacharacters other than the wildcard are data, never syntax */
    expect_str(lsrc_pattern_filter("cn", "app-*)(cn=*"), "(cn=app-*\\29\\28cn=*)");
    expect_str(lsrc_pattern_filter("cn", "a(b)\\"), "(cn=a\\28b\\29\\5c)");
    assert_null(lsrc_pattern_filter("cn", ""));
    assert_null(lsrc_pattern_filter("c n", "x"));
    assert_null(lsrc_pattern_filter("cn)(x", "x"));
}

static void test_and(void **state)
{
    (void)state;
    expect_str(lsrc_filter_and("(a=1)", "(b=2)"), "(&(a=1)(b=2))");
    expect_str(lsrc_filter_and("(a=1)", NULL), "(a=1)");
    expect_str(lsrc_filter_and("", "(b=2)"), "(b=2)");
    expect_str(lsrc_filter_and(NULL, NULL), "(objectClass=*)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_escape),
        cmocka_unit_test(test_pattern),
        cmocka_unit_test(test_and),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
