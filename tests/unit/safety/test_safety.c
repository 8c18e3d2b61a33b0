/* Safety limits: one per kind of change, each with its count, percentage,
 * boundary, floor for small populations and force flag; the defaults let
 * a first sync and an ordinary day through and stop the three known
 * disasters (every group deleted, memberships emptied, a field blanked). */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "config.h"
#include "log.h"
#include "safety.h"

#define BIT(k) (1u << (k))

static struct ss_safety_policy defaults(void)
{
    struct ss_safety_policy p;
    ss_config_safety_defaults(&p);
    return p;
}

static struct ss_safety_policy off(void)
{
    struct ss_safety_policy p;
    ss_safety_policy_off(&p);
    return p;
}

/* A tenant: 300 owned users, 20 owned groups, 900 managed memberships. */
static struct ss_plan_counts tenant(void)
{
    struct ss_plan_counts c;
    memset(&c, 0, sizeof(c));
    c.owned_users = 300;
    c.owned_groups = 20;
    c.managed_members = 900;
    return c;
}

static unsigned check(const struct ss_plan_counts *c, const struct ss_safety_policy *p,
                      struct ss_safety_verdict *v)
{
    int r = ss_safety_check(c, p, v);
    assert_int_equal(r, v->refused ? 1 : 0);
    assert_int_equal(v->reason[0] != 0, v->refused != 0);
    return v->refused;
}

static void test_defaults_match_documentation(void **state)
{
    (void)state;
    struct ss_safety_policy p = defaults();
    assert_int_equal(p.user_removals.count, 50);
    assert_true(p.user_removals.percent == 10.0);
    assert_int_equal(p.group_deletes.count, 10);
    assert_true(p.group_deletes.percent == 20.0);
    assert_int_equal(p.member_removals.count, 500);
    assert_true(p.member_removals.percent == 20.0);
    assert_true(p.group_member_percent == 50.0);
    assert_int_equal(p.user_updates.count, -1);
    assert_true(p.user_updates.percent == 50.0);
    assert_int_equal(p.field_clears.count, 50);
    assert_true(p.field_clears.percent == 10.0);
    assert_int_equal(p.percent_floor, 2);
    assert_false(p.force_deletes);
    assert_false(p.force_updates);
}

static void test_first_sync_passes_defaults(void **state)
{
    (void)state;
    struct ss_safety_policy p = defaults();
    struct ss_safety_verdict v;
    /* Nothing owned yet: a first sync creates and adds only. */
    struct ss_plan_counts c = {.users_create = 5000, .groups_create = 400, .members_add = 20000};
    assert_int_equal(check(&c, &p, &v), 0);
    assert_int_equal(v.over, 0);
    struct ss_plan_counts zero = {0};
    assert_int_equal(check(&zero, &p, &v), 0);
}

static void test_ordinary_day_passes_defaults(void **state)
{
    (void)state;
    struct ss_safety_policy p = defaults();
    struct ss_safety_verdict v;
    struct ss_group_loss losses[] = {{"eng", 40, 2}, {"ops", 10, 3}, {"pair", 2, 1}};
    struct ss_plan_counts c = tenant();
    c.users_create = 4;
    c.users_deactivate = 3;
    c.groups_delete = 1;
    c.members_add = 20;
    c.members_remove = 6;
    c.group_losses = losses;
    c.ngroup_losses = 3;
    c.users_update = 25;
    c.fields_cleared[SCIMSYNC_F_TITLE] = 2;
    c.fields_cleared[SCIMSYNC_F_MANAGER] = 3;
    assert_int_equal(check(&c, &p, &v), 0);
    assert_int_equal(v.over, 0);

    /* A small tenant: one leaver of 5, one of 3 groups, a pair split. */
    struct ss_group_loss small[] = {{"team", 3, 2}};
    struct ss_plan_counts s = {.owned_users = 5, .owned_groups = 3, .managed_members = 8};
    s.users_deactivate = 1;
    s.groups_delete = 1;
    s.members_remove = 2;
    s.group_losses = small;
    s.ngroup_losses = 1;
    s.users_update = 2;
    s.fields_cleared[SCIMSYNC_F_DEPARTMENT] = 1;
    assert_int_equal(check(&s, &p, &v), 0);
}

/* Issue case 1: an empty groups source, 5 of 5 groups among 300 users. */
static void test_every_group_deleted(void **state)
{
    (void)state;
    struct ss_safety_policy p = defaults();
    struct ss_safety_verdict v;
    struct ss_plan_counts c = tenant();
    c.owned_groups = 5;
    c.groups_delete = 5;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_GROUP_DELETES));
    assert_non_null(strstr(v.reason, "refused: the plan deletes 5 of 5 owned groups (100.0%), "
                                     "over max_group_delete_percent = 20; nothing applied"));
    assert_non_null(strstr(v.reason, "--force-deletes"));
    p.force_updates = 1; /* the wrong flag changes nothing */
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_GROUP_DELETES));
    p.force_deletes = 1;
    assert_int_equal(check(&c, &p, &v), 0);
    assert_int_equal(v.over, BIT(SS_LIMIT_GROUP_DELETES));
    assert_string_equal(v.reason, "");
}

/* Issue case 2: every membership removed (empty member lists, or
 * on_missing = ignore with an empty users file). */
static void test_every_membership_removed(void **state)
{
    (void)state;
    struct ss_safety_policy p = defaults();
    struct ss_safety_verdict v;
    struct ss_group_loss losses[] = {{"a", 12, 12}, {"b", 10, 10}, {"c", 8, 8}};
    struct ss_plan_counts c = tenant();
    c.managed_members = 30;
    c.members_remove = 30;
    c.group_losses = losses;
    c.ngroup_losses = 3;
    assert_int_equal(check(&c, &p, &v),
                     BIT(SS_LIMIT_MEMBER_REMOVALS) | BIT(SS_LIMIT_GROUP_MEMBERS));
    assert_non_null(strstr(v.reason, "removes 30 of 30 managed memberships (100.0%), over "
                                     "max_member_removal_percent = 20"));
    p.force_deletes = 1;
    assert_int_equal(check(&c, &p, &v), 0);
    assert_int_equal(v.over, BIT(SS_LIMIT_MEMBER_REMOVALS) | BIT(SS_LIMIT_GROUP_MEMBERS));
}

/* One group emptied: 5 of 30 memberships is under the total limit, the
 * per-group limit catches it. */
static void test_one_group_emptied(void **state)
{
    (void)state;
    struct ss_safety_policy p = defaults();
    struct ss_safety_verdict v;
    struct ss_group_loss losses[] = {{"big", 100, 3}, {"team-one", 5, 5}, {"half", 10, 6}};
    struct ss_plan_counts c = tenant();
    c.managed_members = 130;
    c.members_remove = 14;
    c.group_losses = losses;
    c.ngroup_losses = 3;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_GROUP_MEMBERS));
    /* The worst group is named: the largest share. */
    assert_non_null(strstr(v.reason, "removes 5 of the 5 members of group \"team-one\" (100.0%), "
                                     "over max_group_member_removal_percent = 50"));
    /* 5 of 10 is exactly 50%: within; 6 of 10 is over. */
    losses[1].removed = 0;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_GROUP_MEMBERS));
    assert_non_null(strstr(v.reason, "6 of the 10 members of group \"half\" (60.0%)"));
    losses[2].removed = 5;
    assert_int_equal(check(&c, &p, &v), 0);
    p.group_member_percent = -1;
    losses[1].removed = 5;
    assert_int_equal(check(&c, &p, &v), 0);
}

/* Issue case 3: `title = ${jobtitle}` blanks title on every user. */
static void test_field_cleared_everywhere(void **state)
{
    (void)state;
    struct ss_safety_policy p = defaults();
    struct ss_safety_verdict v;
    struct ss_plan_counts c = tenant();
    c.users_update = 300;
    c.fields_cleared[SCIMSYNC_F_TITLE] = 300;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_FIELD_CLEARS) | BIT(SS_LIMIT_USER_UPDATES));
    /* The field comes first: it names the cause. */
    assert_non_null(strstr(v.reason, "refused: the plan clears title on 300 of 300 owned users "
                                     "(100.0%), over max_field_clears = 50"));
    assert_non_null(strstr(v.reason, "--force-updates"));
    p.force_deletes = 1;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_FIELD_CLEARS) | BIT(SS_LIMIT_USER_UPDATES));
    p.force_updates = 1;
    assert_int_equal(check(&c, &p, &v), 0);
    assert_int_equal(v.over, BIT(SS_LIMIT_FIELD_CLEARS) | BIT(SS_LIMIT_USER_UPDATES));

    /* Stricter than updates: 40 of 300 users updated is fine, the same 40
     * losing their department is not. */
    p = defaults();
    c = tenant();
    c.users_update = 40;
    assert_int_equal(check(&c, &p, &v), 0);
    c.fields_cleared[SCIMSYNC_F_DEPARTMENT] = 40;
    c.fields_cleared[SCIMSYNC_F_TITLE] = 3;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_FIELD_CLEARS));
    assert_non_null(strstr(v.reason, "clears department on 40 of 300 owned users (13.3%)"));
    assert_null(strstr(v.reason, "title"));
}

static void test_user_removals(void **state)
{
    (void)state;
    struct ss_safety_policy p = off();
    struct ss_safety_verdict v;
    struct ss_plan_counts c = tenant();
    p.user_removals.count = 5;
    c.users_deactivate = 3;
    c.users_delete = 2;
    assert_int_equal(check(&c, &p, &v), 0); /* exactly the count */
    c.users_delete = 3;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_USER_REMOVALS));
    assert_non_null(strstr(v.reason, "deactivates or deletes 6 of 300 owned users (2.0%), over "
                                     "max_deletes = 5"));
    p.user_removals.count = -1;
    p.user_removals.percent = 2; /* 6 of 300 is exactly 2% */
    assert_int_equal(check(&c, &p, &v), 0);
    c.users_delete = 4;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_USER_REMOVALS));
    assert_non_null(strstr(v.reason, "over max_delete_percent = 2;"));
    p.force_deletes = 1;
    assert_int_equal(check(&c, &p, &v), 0);
    /* Groups, memberships and updates do not count against users. */
    p = off();
    p.user_removals.count = 0;
    c = tenant();
    c.groups_delete = 3;
    c.members_remove = 100;
    c.users_update = 300;
    assert_int_equal(check(&c, &p, &v), 0);
}

static void test_group_deletes(void **state)
{
    (void)state;
    struct ss_safety_policy p = off();
    struct ss_safety_verdict v;
    struct ss_plan_counts c = tenant();
    p.group_deletes.count = 4;
    c.groups_delete = 4;
    assert_int_equal(check(&c, &p, &v), 0);
    c.groups_delete = 5;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_GROUP_DELETES));
    assert_non_null(strstr(v.reason, "over max_group_deletes = 4;"));
    p.group_deletes.count = -1;
    p.group_deletes.percent = 25; /* 5 of 20 */
    assert_int_equal(check(&c, &p, &v), 0);
    c.groups_delete = 6;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_GROUP_DELETES));
    /* Counted against groups, not users + groups (305 objects). */
    c.owned_groups = 5;
    c.groups_delete = 5;
    p = defaults();
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_GROUP_DELETES));
}

static void test_member_removals(void **state)
{
    (void)state;
    struct ss_safety_policy p = off();
    struct ss_safety_verdict v;
    struct ss_plan_counts c = tenant();
    p.member_removals.count = 100;
    c.members_remove = 100;
    assert_int_equal(check(&c, &p, &v), 0);
    c.members_remove = 101;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_MEMBER_REMOVALS));
    assert_non_null(strstr(v.reason, "removes 101 of 900 managed memberships (11.2%), over "
                                     "max_member_removals = 100;"));
    p.member_removals.count = -1;
    p.member_removals.percent = 10; /* 90 of 900 */
    c.members_remove = 90;
    assert_int_equal(check(&c, &p, &v), 0);
    c.members_remove = 91;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_MEMBER_REMOVALS));
    p.force_deletes = 1;
    assert_int_equal(check(&c, &p, &v), 0);
}

static void test_user_updates(void **state)
{
    (void)state;
    struct ss_safety_policy p = off();
    struct ss_safety_verdict v;
    struct ss_plan_counts c = tenant();
    p.user_updates.count = 20;
    c.users_update = 20;
    assert_int_equal(check(&c, &p, &v), 0);
    c.users_update = 21;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_USER_UPDATES));
    assert_non_null(strstr(v.reason, "updates 21 of 300 owned users (7.0%), over "
                                     "max_user_updates = 20; nothing applied (check the mapping "
                                     "and the sources, or rerun with --force-updates)"));
    p.user_updates.count = -1;
    p.user_updates.percent = 50;
    c.users_update = 150;
    assert_int_equal(check(&c, &p, &v), 0);
    c.users_update = 151;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_USER_UPDATES));
    p.force_deletes = 1;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_USER_UPDATES));
    p.force_updates = 1;
    assert_int_equal(check(&c, &p, &v), 0);
}

static void test_field_clears(void **state)
{
    (void)state;
    struct ss_safety_policy p = off();
    struct ss_safety_verdict v;
    struct ss_plan_counts c = tenant();
    p.field_clears.count = 10;
    c.users_update = 40;
    c.fields_cleared[SCIMSYNC_F_PHONE] = 10;
    c.fields_cleared[SCIMSYNC_F_EMAIL] = 10;
    assert_int_equal(check(&c, &p, &v), 0); /* per field, not summed */
    c.fields_cleared[SCIMSYNC_F_EMAIL] = 11;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_FIELD_CLEARS));
    assert_non_null(strstr(v.reason, "clears email on 11 of 300 owned users (3.7%), over "
                                     "max_field_clears = 10;"));
    p.field_clears.count = -1;
    p.field_clears.percent = 5; /* 15 of 300 */
    c.fields_cleared[SCIMSYNC_F_EMAIL] = 15;
    assert_int_equal(check(&c, &p, &v), 0);
    c.fields_cleared[SCIMSYNC_F_EMAIL] = 16;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_FIELD_CLEARS));
    p.force_updates = 1;
    assert_int_equal(check(&c, &p, &v), 0);
}

/* A percentage alone refuses only above percent_floor changes, or all of
 * a population of two or more. */
static void test_small_population_floor(void **state)
{
    (void)state;
    struct ss_safety_policy p = defaults();
    struct ss_safety_verdict v;
    struct ss_plan_counts c = {.owned_users = 3, .owned_groups = 3};
    c.groups_delete = 1; /* 33%: one change is under the floor */
    assert_int_equal(check(&c, &p, &v), 0);
    c.groups_delete = 2; /* 67%: still the floor */
    assert_int_equal(check(&c, &p, &v), 0);
    c.groups_delete = 3; /* all of them */
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_GROUP_DELETES));
    c.owned_groups = 2;
    c.groups_delete = 2; /* all of two */
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_GROUP_DELETES));
    c.owned_groups = 1;
    c.groups_delete = 1; /* the only one: no percentage can tell */
    assert_int_equal(check(&c, &p, &v), 0);
    c.owned_groups = 4;
    c.groups_delete = 3; /* 75%, above the floor */
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_GROUP_DELETES));

    c = (struct ss_plan_counts){.owned_users = 3, .users_deactivate = 2};
    assert_int_equal(check(&c, &p, &v), 0);
    c.users_deactivate = 3;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_USER_REMOVALS));

    /* The floor never lifts a count limit. */
    p.group_deletes.count = 0;
    c = (struct ss_plan_counts){.owned_groups = 50, .groups_delete = 1};
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_GROUP_DELETES));
    assert_non_null(strstr(v.reason, "max_group_deletes = 0"));

    /* percent_floor = 0: the percentage judges every change. */
    p = defaults();
    p.percent_floor = 0;
    c = (struct ss_plan_counts){.owned_groups = 3, .groups_delete = 1};
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_GROUP_DELETES));

    /* Per group: two of a group of three is a floor case, all three not. */
    p = defaults();
    struct ss_group_loss g[] = {{"trio", 3, 2}};
    c = (struct ss_plan_counts){.managed_members = 100, .members_remove = 2};
    c.group_losses = g;
    c.ngroup_losses = 1;
    assert_int_equal(check(&c, &p, &v), 0);
    g[0].removed = 3;
    c.members_remove = 3;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_GROUP_MEMBERS));
    g[0] = (struct ss_group_loss){"solo", 1, 1};
    c.members_remove = 1;
    assert_int_equal(check(&c, &p, &v), 0);
}

static void test_all_off_and_all_forced(void **state)
{
    (void)state;
    struct ss_safety_policy p = off();
    struct ss_safety_verdict v;
    struct ss_group_loss g[] = {{"x", 10, 10}};
    struct ss_plan_counts c = tenant();
    c.users_delete = 300;
    c.groups_delete = 20;
    c.members_remove = 900;
    c.group_losses = g;
    c.ngroup_losses = 1;
    c.users_update = 300;
    c.fields_cleared[SCIMSYNC_F_DISPLAY_NAME] = 300;
    assert_int_equal(check(&c, &p, &v), 0);
    assert_int_equal(v.over, 0);
    p = defaults();
    unsigned all = (1u << SS_LIMIT_KIND_COUNT) - 1;
    assert_int_equal(check(&c, &p, &v), all);
    p.force_deletes = 1;
    assert_int_equal(check(&c, &p, &v), BIT(SS_LIMIT_USER_UPDATES) | BIT(SS_LIMIT_FIELD_CLEARS));
    p.force_updates = 1;
    assert_int_equal(check(&c, &p, &v), 0);
    assert_int_equal(v.over, all);
}

int main(void)
{
    ss_log_set_level(-1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_match_documentation),
        cmocka_unit_test(test_first_sync_passes_defaults),
        cmocka_unit_test(test_ordinary_day_passes_defaults),
        cmocka_unit_test(test_every_group_deleted),
        cmocka_unit_test(test_every_membership_removed),
        cmocka_unit_test(test_one_group_emptied),
        cmocka_unit_test(test_field_cleared_everywhere),
        cmocka_unit_test(test_user_removals),
        cmocka_unit_test(test_group_deletes),
        cmocka_unit_test(test_member_removals),
        cmocka_unit_test(test_user_updates),
        cmocka_unit_test(test_field_clears),
        cmocka_unit_test(test_small_population_floor),
        cmocka_unit_test(test_all_off_and_all_forced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
