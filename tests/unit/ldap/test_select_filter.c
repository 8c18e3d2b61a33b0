/* The filters of `sync --user` with the LDAP source: values escaped, the
 * id clause only with an id, a member filter that matches nothing when
 * there is nobody to look for. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>

#include "ldap_util.h"

static void expect(char *got, const char *want)
{
    assert_non_null(got);
    assert_string_equal(got, want);
    free(got);
}

static void test_user_filter(void **state)
{
    (void)state;
    expect(lsrc_select_user_filter("uid", "alice", NULL, NULL), "(uid=alice)");
    expect(lsrc_select_user_filter("uid", "alice", "entryUUID", NULL), "(uid=alice)");
    expect(lsrc_select_user_filter("uid", "alice", "entryUUID", ""), "(uid=alice)");
    expect(lsrc_select_user_filter("uid", "alice", "entryUUID", "1b2c-3d"),
           "(|(uid=alice)(entryUUID=1b2c-3d))");
    /* data can never change the shape of the filter */
    expect(lsrc_select_user_filter("userPrincipalName", "*)(objectClass=*", NULL, NULL),
           "(userPrincipalName=\\2a\\29\\28objectClass=\\2a)");
    expect(lsrc_select_user_filter("uid", "a\\b", "entryUUID", "x)(y"),
           "(|(uid=a\\5cb)(entryUUID=x\\29\\28y))");
}

static void test_member_filter(void **state)
{
    const char *dns[] = {"uid=alice,ou=people,dc=x", "cn=a(b),ou=g,dc=x"};
    const char *uids[] = {"alice"};
    (void)state;
    expect(lsrc_select_member_filter(NULL, 0, NULL, 0), "(!(objectClass=*))");
    expect(lsrc_select_member_filter(dns, 1, NULL, 0),
           "(|(member=uid=alice,ou=people,dc=x)(uniqueMember=uid=alice,ou=people,dc=x))");
    expect(lsrc_select_member_filter(dns, 2, uids, 1),
           "(|(member=uid=alice,ou=people,dc=x)(uniqueMember=uid=alice,ou=people,dc=x)"
           "(member=cn=a\\28b\\29,ou=g,dc=x)(uniqueMember=cn=a\\28b\\29,ou=g,dc=x)"
           "(memberUid=alice))");
    expect(lsrc_select_member_filter(NULL, 0, uids, 1), "(|(memberUid=alice))");
}

static void test_eq_any(void **state)
{
    const char *dns[] = {"cn=g,dc=x", "cn=*,dc=x"};
    const char *uids[] = {"bob"};
    (void)state;
    expect(lsrc_select_eq_any("entryDN", NULL, 0, NULL, NULL, 0), "(!(objectClass=*))");
    expect(lsrc_select_eq_any("entryDN", dns, 2, "uid", uids, 1),
           "(|(entryDN=cn=g,dc=x)(entryDN=cn=\\2a,dc=x)(uid=bob))");
    expect(lsrc_select_eq_any("memberOf:1.2.840.113556.1.4.1941:", dns, 1, NULL, NULL, 0),
           "(|(memberOf:1.2.840.113556.1.4.1941:=cn=g,dc=x))");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_user_filter),
        cmocka_unit_test(test_member_filter),
        cmocka_unit_test(test_eq_any),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
