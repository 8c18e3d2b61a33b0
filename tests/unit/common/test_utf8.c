/* ss_utf8_check: the well-formed sequences of Unicode table 3-7 and the
 * offset of the first bad one. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include <ss/utf8.h>

static void test_valid(void **state)
{
    (void)state;
    static const char *const ok[] = {
        "",
        "plain ascii",
        "caf\xc3\xa9",
        "\xe2\x82\xac",     /* euro */
        "\xed\x9f\xbf",     /* U+D7FF */
        "\xee\x80\x80",     /* U+E000 */
        "\xf0\x90\x80\x80", /* U+10000 */
        "\xf4\x8f\xbf\xbf", /* U+10FFFF */
    };
    for (size_t i = 0; i < sizeof ok / sizeof ok[0]; i++) {
        assert_int_equal(ss_utf8_check(ok[i], strlen(ok[i]), NULL), 0);
        assert_true(ss_utf8_valid(ok[i], strlen(ok[i])));
    }
    assert_int_equal(ss_utf8_check("a\0b", 3, NULL), 0); /* NUL is the caller's call */
    assert_int_equal(ss_utf8_check(NULL, 0, NULL), 0);
}

static void test_invalid(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t bad;
    } cases[] = {
        {"\x80", 0},             /* lone continuation */
        {"ab\xc0\xaf", 2},       /* overlong '/' */
        {"\xc1\xbf", 0},         /* overlong */
        {"\xe0\x80\xaf", 0},     /* overlong 3-byte */
        {"\xf0\x80\x80\xaf", 0}, /* overlong 4-byte */
        {"x\xed\xa0\x80", 1},    /* surrogate U+D800 */
        {"\xf4\x90\x80\x80", 0}, /* past U+10FFFF */
        {"\xf5\x80\x80\x80", 0}, /* bad lead */
        {"\xff", 0},             /* bad lead */
        {"ok\xc3", 2},           /* truncated */
        {"\xe2\x82", 0},         /* truncated */
        {"\xe2\x28\xa1", 0},     /* bad continuation */
        {"\xf0\x90\x80\x28", 0}, /* bad last continuation */
        {"\xc3\xa9\xc3\x28", 2}, /* second sequence bad */
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        size_t bad = 999;
        assert_int_equal(ss_utf8_check(cases[i].s, strlen(cases[i].s), &bad), -1);
        assert_int_equal(bad, cases[i].bad);
        assert_false(ss_utf8_valid(cases[i].s, strlen(cases[i].s)));
    }
    /* a length that cuts a sequence */
    assert_int_equal(ss_utf8_check("\xc3\xa9", 1, NULL), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_valid),
        cmocka_unit_test(test_invalid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
