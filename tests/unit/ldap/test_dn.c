/* DN canonicalization: the same entry however the server spells it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ldap_util.h"

static void same(const char *a, const char *b)
{
    char *ca = lsrc_dn_canonical(a), *cb = lsrc_dn_canonical(b);
    assert_non_null(ca);
    assert_non_null(cb);
    assert_string_equal(ca, cb);
    free(ca);
    free(cb);
}

static void test_canonical(void **state)
{
    (void)state;
    char *c = lsrc_dn_canonical("CN=User 1,OU=People,DC=corp,DC=example");
    assert_string_equal(c, "cn=user 1,ou=people,dc=corp,dc=example");
    free(c);
    same("CN=User 1,OU=People,DC=corp", "cn=user 1, ou=people, dc=CORP");
    same("cn=Smith\\, John,dc=x", "CN=smith\\2C john,DC=x");
    same("cn=Zoë Øster,dc=x", "CN=Zoë Øster,dc=x");
    /* the lowercase fast path and the libldap path agree */
    same("cn=a,dc=b", "cn=a, dc=b");
    same("uid=u00001,ou=people,dc=example,dc=test", "UID=u00001 , ou=People,dc=example, dc=test");
    same("cn=x y z,dc=b", "cn=x y z,dc=b ");
    same("cn=a+sn=b,dc=c", "CN=a + SN=b,DC=c");
    c = lsrc_dn_canonical("cn=a=b,dc=c");
    assert_non_null(c);
    free(c);
    assert_null(lsrc_dn_canonical("not a dn"));
    assert_null(lsrc_dn_canonical("cn=x,,dc=y"));
}

/* A '#' value with no hex digits is no DN: libldap reads "cn=# a" and
 * "cn=# b" as the same empty value and prints "cn=#", which it refuses to
 * read back.  Found by tests/fuzz/fuzz_ldap_text. */
static void test_empty_ber_value(void **state)
{
    (void)state;
    assert_null(lsrc_dn_canonical("cn=# a,dc=x"));
    assert_null(lsrc_dn_canonical("cn=# b,dc=x"));
    assert_null(lsrc_dn_canonical("cn=#,dc=x"));
    assert_null(lsrc_dn_canonical("1=# $# #*###"));
    char *c = lsrc_dn_canonical("CN=#41,DC=x"); /* a real BER value stays */
    assert_string_equal(c, "cn=#41,dc=x");
    free(c);
}

/* The lowercase shortcut must refuse what libldap refuses: an attribute
 * type that is neither a name nor an OID is no DN.  Found by
 * tests/fuzz/fuzz_ldap_text. */
static void test_bad_attribute_type(void **state)
{
    (void)state;
    assert_null(lsrc_dn_canonical("memberOf:1CN=840.113556.1.4.1941:"));
    assert_null(lsrc_dn_canonical("c n=x,dc=y"));
    assert_null(lsrc_dn_canonical("1cn=x"));
    assert_null(lsrc_dn_canonical("cn=x,dc_1=y"));
    same("CN=a-1,OU=x2,DC=y", "cn=a-1,ou=x2,dc=y");
    char *c = lsrc_dn_canonical("2.5.4.3=X,DC=y"); /* an OID as type: libldap's answer */
    assert_string_equal(c, "2.5.4.3=x,dc=y");
    free(c);
}

static void test_looks_like_dn(void **state)
{
    (void)state;
    assert_true(lsrc_looks_like_dn("CN=sync-all,OU=Groups,DC=corp"));
    assert_false(lsrc_looks_like_dn("sync-all"));
    assert_false(lsrc_looks_like_dn("aws-*"));
    assert_false(lsrc_looks_like_dn("=x"));
}

static void test_optional_uid(void **state)
{
    (void)state;
    const char *v = "cn=x,dc=y#'0101'B";
    assert_int_equal(lsrc_strip_optional_uid(v, strlen(v)), strlen("cn=x,dc=y"));
    v = "cn=x,dc=y#''B";
    assert_int_equal(lsrc_strip_optional_uid(v, strlen(v)), strlen("cn=x,dc=y"));
    v = "cn=x,dc=y";
    assert_int_equal(lsrc_strip_optional_uid(v, strlen(v)), strlen(v));
    v = "cn=B";
    assert_int_equal(lsrc_strip_optional_uid(v, strlen(v)), strlen(v));
    v = "cn=x'2'B";
    assert_int_equal(lsrc_strip_optional_uid(v, strlen(v)), strlen(v));
    v = "'01'B";
    assert_int_equal(lsrc_strip_optional_uid(v, strlen(v)), strlen(v));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_canonical),
        cmocka_unit_test(test_empty_ber_value),
        cmocka_unit_test(test_bad_attribute_type),
        cmocka_unit_test(test_looks_like_dn),
        cmocka_unit_test(test_optional_uid),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
