/* The one boolean parser and the whole-string number parsers. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <ss/parse.h>

static void test_bool(void **state)
{
    (void)state;
    static const char *const yes[] = {"true", "TRUE", "True", "yes", "YES", "on", "On", "1"};
    static const char *const no[] = {"false", "FALSE", "no", "No", "off", "OFF", "0"};
    static const char *const bad[] = {"",   " true", "true ", "y",       "n",    "2",
                                      "-1", "01",    "truee", "enabled", "nope", "\xc3\xa9"};
    int b;
    for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++) {
        b = -7;
        assert_int_equal(ss_parse_bool(yes[i], &b), 0);
        assert_int_equal(b, 1);
    }
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        b = -7;
        assert_int_equal(ss_parse_bool(no[i], &b), 0);
        assert_int_equal(b, 0);
    }
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        b = -7;
        assert_int_equal(ss_parse_bool(bad[i], &b), -1);
        assert_int_equal(b, -7); /* untouched */
    }
    assert_int_equal(ss_parse_bool(NULL, &b), -1);
}

static void test_long(void **state)
{
    (void)state;
    long v = 5;
    assert_int_equal(ss_parse_long("42", &v), 0);
    assert_int_equal(v, 42);
    assert_int_equal(ss_parse_long("-7", &v), 0);
    assert_int_equal(v, -7);
    assert_int_equal(ss_parse_long("+3", &v), 0);
    assert_int_equal(v, 3);
    v = 5;
    assert_int_equal(ss_parse_long("", &v), -1);
    assert_int_equal(ss_parse_long(" 1", &v), -1);
    assert_int_equal(ss_parse_long("1 ", &v), -1);
    assert_int_equal(ss_parse_long("1x", &v), -1);
    assert_int_equal(ss_parse_long("99999999999999999999999", &v), -1);
    assert_int_equal(ss_parse_long(NULL, &v), -1);
    assert_int_equal(v, 5);
}

static void test_double(void **state)
{
    (void)state;
    double d = 5;
    assert_int_equal(ss_parse_double("2.5", &d), 0);
    assert_true(d == 2.5);
    assert_int_equal(ss_parse_double("-1e3", &d), 0);
    assert_true(d == -1000);
    d = 5;
    assert_int_equal(ss_parse_double("", &d), -1);
    assert_int_equal(ss_parse_double("\t1", &d), -1);
    assert_int_equal(ss_parse_double("1.0s", &d), -1);
    assert_int_equal(ss_parse_double("inf", &d), -1);
    assert_int_equal(ss_parse_double("nan", &d), -1);
    assert_int_equal(ss_parse_double("1e999", &d), -1);
    assert_int_equal(ss_parse_double(NULL, &d), -1);
    assert_true(d == 5);
}

static void test_duration(void **state)
{
    (void)state;
    long v = 5;
    assert_int_equal(ss_parse_duration("90", &v), 0);
    assert_int_equal(v, 90);
    assert_int_equal(ss_parse_duration("3s", &v), 0);
    assert_int_equal(v, 3);
    assert_int_equal(ss_parse_duration("15m", &v), 0);
    assert_int_equal(v, 900);
    assert_int_equal(ss_parse_duration("2h", &v), 0);
    assert_int_equal(v, 7200);
    assert_int_equal(ss_parse_duration("7d", &v), 0);
    assert_int_equal(v, 604800);
    assert_int_equal(ss_parse_duration("0", &v), 0);
    assert_int_equal(v, 0);
    v = 5;
    assert_int_equal(ss_parse_duration("", &v), -1);
    assert_int_equal(ss_parse_duration("d", &v), -1);
    assert_int_equal(ss_parse_duration("-1d", &v), -1);
    assert_int_equal(ss_parse_duration("+1d", &v), -1);
    assert_int_equal(ss_parse_duration(" 1d", &v), -1);
    assert_int_equal(ss_parse_duration("1d ", &v), -1);
    assert_int_equal(ss_parse_duration("1 d", &v), -1);
    assert_int_equal(ss_parse_duration("1D", &v), -1);
    assert_int_equal(ss_parse_duration("1w", &v), -1);
    assert_int_equal(ss_parse_duration("1dd", &v), -1);
    assert_int_equal(ss_parse_duration("1.5d", &v), -1);
    assert_int_equal(ss_parse_duration("99999999999999999999", &v), -1);
    assert_int_equal(ss_parse_duration("999999999999999999d", &v), -1);
    assert_int_equal(ss_parse_duration(NULL, &v), -1);
    assert_int_equal(v, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bool),
        cmocka_unit_test(test_long),
        cmocka_unit_test(test_double),
        cmocka_unit_test(test_duration),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
