/* UTF-8 validation, base64, word lists. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ldap_util.h"

static int utf8(const char *s, size_t n)
{
    return lsrc_is_utf8((const unsigned char *)s, n);
}

static void test_utf8(void **state)
{
    (void)state;
    assert_true(utf8("plain", 5));
    assert_true(utf8("Zoë Øster-Müller", strlen("Zoë Øster-Müller")));
    assert_true(utf8("\xf0\x9f\x98\x80", 4)); /* U+1F600 */
    assert_false(utf8("a\0b", 3));
    assert_false(utf8("\xc3", 1));             /* truncated */
    assert_false(utf8("\xe2\x82", 2));         /* truncated */
    assert_false(utf8("\xc0\xaf", 2));         /* overlong */
    assert_false(utf8("\xed\xa0\x80", 3));     /* surrogate */
    assert_false(utf8("\xf4\x90\x80\x80", 4)); /* > U+10FFFF */
    assert_false(utf8("\x80", 1));
    assert_false(utf8("\xff", 1));
}

static void test_base64(void **state)
{
    (void)state;
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *out[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=", "Zm9vYmFy"};
    for (int i = 0; i < 7; i++) {
        char *b = lsrc_base64((const unsigned char *)in[i], strlen(in[i]));
        assert_string_equal(b, out[i]);
        free(b);
    }
}

static void test_split(void **state)
{
    (void)state;
    char *w[4];
    int n = lsrc_split_words("  ldaps://a  ldaps://b,ldap://c ", w, 4);
    assert_int_equal(n, 3);
    assert_string_equal(w[0], "ldaps://a");
    assert_string_equal(w[1], "ldaps://b");
    assert_string_equal(w[2], "ldap://c");
    for (int i = 0; i < n; i++)
        free(w[i]);
    assert_int_equal(lsrc_split_words("", w, 4), 0);
    assert_int_equal(lsrc_split_words("a b c d e", w, 4), -1);
}

static void test_uri_with_scheme(void **state)
{
    (void)state;
    static const char *const cases[][2] = {
        {"dc1.corp.example.com", "ldaps://dc1.corp.example.com"},
        {"corp.example.com:3269", "ldaps://corp.example.com:3269"},
        {"ldap://dc1", "ldap://dc1"},
        {"ldaps://dc1:636", "ldaps://dc1:636"},
        {"ldapi://%2Frun%2Fslapd", "ldapi://%2Frun%2Fslapd"},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        char *u = lsrc_uri_with_scheme(cases[i][0]);
        assert_non_null(u);
        assert_string_equal(u, cases[i][1]);
        free(u);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_base64),
        cmocka_unit_test(test_split),
        cmocka_unit_test(test_uri_with_scheme),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
