/* One owner for "which target objects are ours / adoptable"
 * (core/engine/ownership.c): the predicates, and the diff touching only
 * groups whose members the target read would list under the same rule. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "log.h"
#include "ownership.h"
#include "plan.h"

static void test_owned(void **state)
{
    (void)state;
    assert_false(ss_owned(NULL));
    assert_false(ss_owned(""));
    assert_true(ss_owned("e1"));
}

static void test_adoptable(void **state)
{
    (void)state;
    assert_true(ss_adoptable(NULL, "Sales", "sales", 1)); /* ASCII case-insensitive */
    assert_true(ss_adoptable("", "alice@x", "alice@x", 1));
    assert_false(ss_adoptable(NULL, "Sales", "sales", 0)); /* adopt off */
    assert_false(ss_adoptable("e1", "Sales", "Sales", 1)); /* ours already */
    assert_false(ss_adoptable(NULL, "Sales", "Sales2", 1));
    assert_false(ss_adoptable(NULL, "", "", 1));
    assert_false(ss_adoptable(NULL, NULL, "Sales", 1));
}

static void add_group(struct ss_dir *d, const char *id, const char *ext, const char *name)
{
    struct ss_group_rec *g = ss_dir_add_group(d);
    assert_non_null(g);
    g->id = id;
    g->external_id = ext;
    g->display_name = name;
}

/* The target groups whose members are listed (as ss_target_read_members
 * picks them) are exactly ours plus, with adopt, the foreign groups a
 * source group takes over; every group op of the diff is on one of them. */
static void check_rule(int adopt, const unsigned char *want_managed)
{
    struct ss_dir src, tgt;
    struct ss_strmap names;
    struct ss_plan plan;
    struct ss_diff_policy pol = {.on_missing = SS_ON_MISSING_DELETE, .adopt = adopt};

    ss_dir_init(&src);
    ss_dir_init(&tgt);
    ss_strmap_init(&names, SS_ADOPT_ICASE);
    add_group(&src, NULL, "e1", "Eng");
    add_group(&src, NULL, "e2", "Sales");
    add_group(&tgt, "T0", "e1", "Eng");   /* ours, matched */
    add_group(&tgt, "T1", NULL, "sales"); /* foreign, adoptable by "Sales" */
    add_group(&tgt, "T2", NULL, "Other"); /* foreign, no source namesake */
    add_group(&tgt, "T3", "e9", "Gone");  /* ours, not in the source: deleted */
    assert_int_equal(ss_dir_set_members(&src, NULL, 0), 0);
    assert_int_equal(ss_dir_set_members(&tgt, NULL, 0), 0);
    for (uint32_t i = 0; i < src.ngroups; i++)
        assert_true(ss_strmap_put(&names, src.groups[i].display_name, i, NULL) >= 0);
    tgt.members_known = calloc(tgt.ngroups, 1);
    assert_non_null(tgt.members_known);
    for (uint32_t t = 0; t < tgt.ngroups; t++) {
        tgt.members_known[t] =
            (unsigned char)ss_group_members_managed(&tgt.groups[t], adopt, &src, &names);
        assert_int_equal(tgt.members_known[t], want_managed[t]);
    }

    assert_int_equal(ss_plan_init(&plan, &src, &tgt), 0);
    assert_int_equal(ss_diff(&src, &tgt, &pol, &plan), 0);
    size_t adopted = 0;
    for (int w = 0; w < SS_WAVE_COUNT; w++) {
        for (size_t i = 0; i < plan.nops[w]; i++) {
            const struct ss_plan_op *op = &plan.ops[w][i];
            if (op->tgroup != SS_NONE)
                assert_true(tgt.members_known[op->tgroup]);
            if (op->kind == SCIMSYNC_OP_DELETE_GROUP)
                assert_true(ss_owned(tgt.groups[op->group].external_id));
            adopted += op->kind == SCIMSYNC_OP_CREATE_GROUP && op->tgroup == 1;
        }
    }
    assert_int_equal(adopted, adopt ? 1 : 0);

    ss_plan_free(&plan);
    ss_strmap_free(&names);
    ss_dir_free(&src);
    ss_dir_free(&tgt);
}

static void test_members_listed_cover_the_diff(void **state)
{
    static const unsigned char no_adopt[] = {1, 0, 0, 1};
    static const unsigned char with_adopt[] = {1, 1, 0, 1};
    (void)state;
    check_rule(0, no_adopt);
    check_rule(1, with_adopt);
}

int main(void)
{
    ss_log_set_level(SCIMSYNC_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_owned),
        cmocka_unit_test(test_adoptable),
        cmocka_unit_test(test_members_listed_cover_the_diff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
