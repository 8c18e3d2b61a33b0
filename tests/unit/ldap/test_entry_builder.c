/* Entry building in an arena, limits, and deferred-entry copies. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ssp_entry.h"

static void fill(struct ssp_entry_builder *eb)
{
    const char *mail[] = {"a@x", "b@x"};
    eb->entry.kind = SCIMSYNC_ENTRY_GROUP;
    eb->entry.id = ssp_eb_strdup(eb, "id-1");
    eb->entry.ref = ssp_eb_strdup(eb, "cn=g,dc=x");
    eb->entry.where = ssp_eb_strdup(eb, "CN=g,DC=x");
    assert_int_equal(ssp_eb_add_attr(eb, "mail", mail, 2), 0);
    assert_int_equal(ssp_eb_add_attr1(eb, "cn", "g"), 0);
    assert_int_equal(ssp_eb_add_attr(eb, "empty", NULL, 0), 0);
    assert_int_equal(ssp_eb_add_member(eb, "cn=u1,dc=x"), 0);
    assert_int_equal(ssp_eb_add_member(eb, "cn=u2,dc=x"), 0);
    ssp_eb_finish(eb);
}

static void check(const struct scimsync_entry *e)
{
    assert_int_equal(e->kind, SCIMSYNC_ENTRY_GROUP);
    assert_string_equal(e->id, "id-1");
    assert_string_equal(e->ref, "cn=g,dc=x");
    assert_string_equal(e->where, "CN=g,DC=x");
    assert_int_equal(e->nattrs, 3);
    assert_string_equal(e->attrs[0].name, "mail");
    assert_int_equal(e->attrs[0].nvalues, 2);
    assert_string_equal(e->attrs[0].values[1], "b@x");
    assert_int_equal(e->attrs[2].nvalues, 0);
    assert_int_equal(e->nmembers, 2);
    assert_string_equal(e->members[1], "cn=u2,dc=x");
}

static void test_build_reset(void **state)
{
    (void)state;
    struct ssp_entry_builder eb;
    ssp_eb_init(&eb, 1 << 20, 1000);
    for (int round = 0; round < 3; round++) {
        fill(&eb);
        check(&eb.entry);
        assert_string_equal(ssp_eb_get1(&eb, "CN"), "g");
        assert_null(ssp_eb_get1(&eb, "empty"));
        assert_null(ssp_eb_get1(&eb, "missing"));
        ssp_eb_reset(&eb);
        assert_int_equal(eb.nattrs, 0);
        assert_int_equal(eb.nmembers, 0);
    }
    ssp_eb_free(&eb);
}

static void test_limits(void **state)
{
    (void)state;
    struct ssp_entry_builder eb;
    ssp_eb_init(&eb, 256 * 1024, 3);
    for (int i = 0; i < 3; i++)
        assert_int_equal(ssp_eb_add_member(&eb, "cn=m"), 0);
    assert_int_equal(ssp_eb_add_member(&eb, "cn=m"), -2);
    /* the arena refuses to grow past its limit */
    char *big = malloc(100 * 1024);
    memset(big, 'x', 100 * 1024 - 1);
    big[100 * 1024 - 1] = '\0';
    assert_non_null(ssp_eb_strdup(&eb, big));
    assert_null(ssp_eb_strdup(&eb, big));
    free(big);
    ssp_eb_free(&eb);
}

static void test_clone_load(void **state)
{
    (void)state;
    struct ssp_entry_builder eb, eb2;
    ssp_eb_init(&eb, 1 << 20, 1000);
    ssp_eb_init(&eb2, 1 << 20, 1000);
    fill(&eb);
    struct scimsync_entry *c = ssp_entry_clone(&eb.entry);
    assert_non_null(c);
    ssp_eb_reset(&eb); /* the copy does not point into the arena */
    fill(&eb);
    ssp_eb_free(&eb);
    check(c);
    assert_int_equal(ssp_eb_load(&eb2, c), 0);
    free(c);
    assert_int_equal(ssp_eb_add_attr1(&eb2, "managerId", "m-1"), 0);
    ssp_eb_finish(&eb2);
    assert_int_equal(eb2.entry.nattrs, 4);
    assert_string_equal(ssp_eb_get1(&eb2, "managerId"), "m-1");
    assert_string_equal(eb2.entry.members[0], "cn=u1,dc=x");
    ssp_eb_free(&eb2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_build_reset),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_clone_load),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
