/* The op kind table (core/engine/op_kinds.c): a row per kind of plugin.h,
 * names unique, counters inside their structs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "op_kinds.h"

static void test_every_kind_has_a_row(void **state)
{
    (void)state;
    for (int k = SCIMSYNC_OP_CREATE_USER; k <= SCIMSYNC_OP_REMOVE_MEMBERS; k++) {
        const struct ss_op_kind_desc *d = ss_op_kind((enum scimsync_op_kind)k);
        assert_non_null(d);
        assert_int_equal(d->kind, k);
        assert_true(d->planned + sizeof(size_t) <= sizeof(struct ss_plan_counts));
        assert_true(d->applied + sizeof(size_t) <= sizeof(struct ss_summary));
        assert_int_equal(d->per_member, d->object == SS_KIND_MEMBERSHIP);
        for (int j = SCIMSYNC_OP_CREATE_USER; j < k; j++) {
            const struct ss_op_kind_desc *e = ss_op_kind((enum scimsync_op_kind)j);
            assert_string_not_equal(d->verb, e->verb);
            assert_string_not_equal(d->json, e->json);
            assert_true(d->planned != e->planned);
            assert_true(d->applied != e->applied);
        }
    }
    assert_null(ss_op_kind((enum scimsync_op_kind)0));
    assert_null(ss_op_kind((enum scimsync_op_kind)(SCIMSYNC_OP_REMOVE_MEMBERS + 1)));
    assert_string_equal(ss_op_verb((enum scimsync_op_kind)0), "?");
    assert_string_equal(ss_op_json_name(SCIMSYNC_OP_ADD_MEMBERS), "add_members");
    assert_string_equal(ss_op_verb(SCIMSYNC_OP_REMOVE_MEMBERS), "remove members from group");
}

static void test_counters(void **state)
{
    struct ss_summary s;
    (void)state;
    memset(&s, 0, sizeof s);
    ss_op_count_add(&s, ss_op_kind(SCIMSYNC_OP_RENAME_GROUP)->applied, 1);
    ss_op_count_add(&s, ss_op_kind(SCIMSYNC_OP_ADD_MEMBERS)->applied, 7);
    assert_int_equal(s.groups_updated, 1);
    assert_int_equal(s.members_added, 7);
    assert_int_equal(s.users_created, 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_kind_has_a_row),
        cmocka_unit_test(test_counters),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
