/* ASCII helpers: case-insensitive compare, case mapping, trim; UTF-8
 * bytes are never touched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <ss/ascii.h>

static void test_casecmp(void **state)
{
    (void)state;
    assert_int_equal(ss_ascii_casecmp("Alice", "aLICE"), 0);
    assert_true(ss_ascii_casecmp("a", "b") < 0);
    assert_true(ss_ascii_casecmp("B", "a") > 0);
    assert_true(ss_ascii_casecmp("ab", "a") > 0);
    assert_true(ss_ascii_casecmp("a", "ab") < 0);
    assert_int_equal(ss_ascii_casecmp("", ""), 0);
    assert_true(ss_ascii_casecmp("\xc3\x89", "\xc3\xa9") != 0); /* É is not é here */
    assert_int_equal(ss_ascii_ncasecmp("HeLLo world", "hello there", 5), 0);
    assert_true(ss_ascii_ncasecmp("hello", "help", 4) != 0);
    assert_int_equal(ss_ascii_ncasecmp("x", "y", 0), 0);
    assert_int_equal(ss_ascii_ncasecmp("ab", "AB", 10), 0);
}

static void test_case_mapping(void **state)
{
    (void)state;
    char s[] = "MiXed \xc3\x89t\xc3\xa9 [@`{]";
    ss_ascii_lower(s, strlen(s));
    assert_string_equal(s, "mixed \xc3\x89t\xc3\xa9 [@`{]");
    ss_ascii_upper(s, strlen(s));
    assert_string_equal(s, "MIXED \xc3\x89T\xc3\xa9 [@`{]");
    assert_int_equal(ss_ascii_tolower('Q'), 'q');
    assert_int_equal(ss_ascii_tolower('@'), '@');
    assert_int_equal(ss_ascii_tolower(0xc3), 0xc3);
}

static void test_trim(void **state)
{
    (void)state;
    char a[] = " \t\r\n\v\f h\xc3\xa9llo  \n";
    assert_int_equal(ss_ascii_trim(a, strlen(a)), strlen("h\xc3\xa9llo"));
    assert_string_equal(a, "h\xc3\xa9llo");
    char b[] = "   ";
    assert_int_equal(ss_ascii_trim(b, strlen(b)), 0);
    assert_string_equal(b, "");
    char c[] = "x";
    assert_int_equal(ss_ascii_trim(c, 1), 1);
    assert_true(ss_ascii_isspace(' ') && ss_ascii_isspace('\v') && !ss_ascii_isspace('x') &&
                !ss_ascii_isspace(0xa0));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_casecmp),
        cmocka_unit_test(test_case_mapping),
        cmocka_unit_test(test_trim),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
