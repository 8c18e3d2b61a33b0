/* Safety limits: count, percent, force, empty population. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "log.h"
#include "safety.h"

static struct ss_engine_options opts(long max, double pct, int force)
{
    struct ss_engine_options o = {0};
    o.max_deletes = max;
    o.max_delete_percent = pct;
    o.force_deletes = force;
    return o;
}

static void test_count_limit(void **state)
{
    (void)state;
    struct ss_plan_counts c = {.users_deactivate = 3, .users_delete = 1, .groups_delete = 1};
    struct ss_safety_verdict v;
    struct ss_engine_options o = opts(5, -1, 0);
    assert_int_equal(ss_safety_check(&c, 100, 10, &o, &v), 0);
    assert_int_equal(v.removals, 5);
    assert_int_equal(v.population, 110);
    o = opts(4, -1, 0);
    assert_int_equal(ss_safety_check(&c, 100, 10, &o, &v), 1);
    assert_true(v.over_count);
    o = opts(4, -1, 1);
    assert_int_equal(ss_safety_check(&c, 100, 10, &o, &v), 0);
    o = opts(0, -1, 0);
    struct ss_plan_counts none = {.users_update = 7, .members_remove = 100};
    assert_int_equal(ss_safety_check(&none, 100, 10, &o, &v), 0);
}

static void test_percent_limit(void **state)
{
    (void)state;
    struct ss_plan_counts c = {.users_delete = 10};
    struct ss_safety_verdict v;
    struct ss_engine_options o = opts(-1, 10, 0);
    assert_int_equal(ss_safety_check(&c, 100, 0, &o, &v), 0); /* exactly 10% */
    c.users_delete = 11;
    assert_int_equal(ss_safety_check(&c, 100, 0, &o, &v), 1);
    assert_true(v.over_percent);
    assert_false(v.over_count);
    o = opts(-1, 10, 1);
    assert_int_equal(ss_safety_check(&c, 100, 0, &o, &v), 0);
}

static void test_no_limits_and_empty(void **state)
{
    (void)state;
    struct ss_plan_counts c = {.users_delete = 1000};
    struct ss_safety_verdict v;
    struct ss_engine_options o = opts(-1, -1, 0);
    assert_int_equal(ss_safety_check(&c, 1000, 0, &o, &v), 0);
    struct ss_plan_counts zero = {0};
    o = opts(0, 0, 0);
    assert_int_equal(ss_safety_check(&zero, 0, 0, &o, &v), 0);
    assert_true(v.percent == 0.0);
}

int main(void)
{
    ss_log_set_level(-1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_count_limit),
        cmocka_unit_test(test_percent_limit),
        cmocka_unit_test(test_no_limits_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
