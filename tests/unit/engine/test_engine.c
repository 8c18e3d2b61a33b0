/* End-to-end engine runs through in-process fake source and target
 * plugins: exit codes, idempotence, dependent ops, waves, managers. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "fakes.h"
#include "host.h"
#include "log.h"


#define U(id, uname, given, family)                                                                \
    fake_source_user(&w->src, id, "userName", uname, "givenName", given, "familyName", family,     \
                     "displayName", given " " family, NULL)


static void basic_directory(struct fake_world *w)
{
    U("1", "alice@x", "Alice", "Smith");
    U("2", "bob@x", "Bob", "Jones");
    U("3", "carol@x", "Carol", "King");
    fake_source_group(&w->src, "g1", "aws-admins", 0, "1", "2", NULL);
    fake_source_group(&w->src, "g2", "aws-devs", 0, "3", "g1", NULL);
}

static void test_first_sync_then_noop(void **state)
{
    struct fake_world *w = *state;
    basic_directory(w);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->run.sum.users_created, 3);
    assert_int_equal(w->run.sum.groups_created, 2);
    assert_int_equal(w->run.sum.members_added, 2 + 3);
    assert_int_equal(w->run.sum.failed, 0);
    assert_true(fake_target_is_member(&w->tgt, "aws-devs", "alice@x")); /* nested */
    assert_true(fake_target_is_member(&w->tgt, "aws-devs", "carol@x"));
    assert_false(fake_target_is_member(&w->tgt, "aws-admins", "carol@x"));
    assert_non_null(strstr(w->run.out, "+ user alice@x (Alice Smith)\n"));
    assert_non_null(strstr(w->run.out, "Summary: users 3 created"));
    /* Every apply call carries one kind of op: one wave. */
    for (size_t i = 0; i < w->tgt.calls_recorded; i++)
        assert_int_equal(w->tgt.kinds_per_call[i], 1);

    size_t calls = w->tgt.apply_calls;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->tgt.apply_calls, calls);
    assert_non_null(strstr(w->run.out, "No changes.\n"));
    /* A listing that repeats objects (page overlap) changes nothing. */
    w->tgt.list_twice = 1;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->tgt.apply_calls, calls);
    assert_int_equal(w->run.sum.skipped, 0);
    assert_non_null(strstr(w->run.out, "No changes.\n"));
}

static void test_update_only_changed(void **state)
{
    struct fake_world *w = *state;
    basic_directory(w);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    fake_source_reset(&w->src);
    U("1", "alice@x", "Alice", "Smith-Jones");
    U("2", "bob@x", "Bob", "Jones");
    U("3", "carol@x", "Carol", "King");
    fake_source_group(&w->src, "g1", "aws-admins", 0, "1", NULL);
    fake_source_group(&w->src, "g2", "aws-developers", 0, "3", "g1", NULL);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->run.sum.users_updated, 1);
    assert_int_equal(w->run.sum.groups_updated, 1);
    assert_int_equal(w->run.sum.members_removed, 2); /* bob from both */
    assert_non_null(strstr(w->run.out, "~ user alice@x: displayName \"Alice Smith\" -> \"Alice "
                                       "Smith-Jones\", familyName \"Smith\" -> \"Smith-Jones\"\n"));
    assert_non_null(strstr(w->run.out, "~ group aws-devs -> aws-developers\n"));
    assert_non_null(strstr(w->run.out, "- member aws-admins: bob@x\n"));
    assert_string_equal(fake_target_user_by_name(&w->tgt, "alice@x")->field[SCIMSYNC_F_FAMILY_NAME],
                        "Smith-Jones");
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_non_null(strstr(w->run.out, "No changes.\n"));
}

static void test_deactivate_once_and_delete(void **state)
{
    struct fake_world *w = *state;
    basic_directory(w);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    fake_source_reset(&w->src);
    U("1", "alice@x", "Alice", "Smith");
    U("2", "bob@x", "Bob", "Jones");
    fake_source_group(&w->src, "g1", "aws-admins", 0, "1", "2", NULL);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->run.sum.users_deactivated, 1);
    assert_int_equal(w->run.sum.groups_deleted, 1);
    assert_non_null(strstr(w->run.out, "- user carol@x (deactivate)\n"));
    assert_non_null(strstr(w->run.out, "- group aws-devs\n"));
    assert_int_equal(fake_target_user_by_name(&w->tgt, "carol@x")->active, 0);
    /* Second run: already inactive -> nothing. */
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_non_null(strstr(w->run.out, "No changes.\n"));
    /* on_missing = delete removes her. */
    w->run.opt.on_missing = SS_ON_MISSING_DELETE;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->run.sum.users_deleted, 1);
    assert_null(fake_target_user_by_name(&w->tgt, "carol@x"));
}

/* on_missing = deactivate-then-delete end to end, with a file state and
 * the test clock: deactivated first, deleted by the first run after
 * delete_after; without a state store the run refuses (exit 1). */
static void test_staged_deletes(void **state)
{
    struct fake_world *w = *state;
    char dir[] = "/tmp/ss_engine_staged.XXXXXX", url[160], path[128];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/state.json", dir);
    snprintf(url, sizeof url, "file:%s", path);
    basic_directory(w);
    w->run.opt.on_missing = SS_ON_MISSING_STAGED;
    w->run.opt.delete_after = 100;
    /* Without a state: refused before anything is read or sent. */
    assert_int_equal(fake_run(&w->run), SS_EXIT_USAGE);
    assert_int_equal(w->tgt.apply_calls, 0);

    w->run.opt.state = url;
    w->run.opt.target_identity = "fake target";
    w->run.opt.full_reconcile_interval = 86400;
    setenv("SCIMSYNC_TEST_NOW", "1000000", 1);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    fake_source_reset(&w->src);
    U("1", "alice@x", "Alice", "Smith");
    U("2", "bob@x", "Bob", "Jones");
    fake_source_group(&w->src, "g1", "aws-admins", 0, "1", "2", NULL);
    fake_source_group(&w->src, "g2", "aws-devs", 0, "g1", NULL);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->run.sum.users_deactivated, 1);
    assert_int_equal(w->run.sum.users_deleted, 0);
    assert_int_equal(fake_target_user_by_name(&w->tgt, "carol@x")->active, 0);
    assert_non_null(strstr(w->run.out, "user carol@x: deactivated by this sync, delete due "));
    /* 99 s later: still waiting, nothing sent. */
    setenv("SCIMSYNC_TEST_NOW", "1000099", 1);
    size_t calls = w->tgt.apply_calls;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_non_null(strstr(w->run.out, "No changes.\n"));
    assert_int_equal(w->tgt.apply_calls, calls);
    assert_non_null(fake_target_user_by_name(&w->tgt, "carol@x"));
    /* 100 s: deleted. */
    setenv("SCIMSYNC_TEST_NOW", "1000100", 1);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->run.sum.users_deleted, 1);
    assert_null(fake_target_user_by_name(&w->tgt, "carol@x"));
    unsetenv("SCIMSYNC_TEST_NOW");
    unlink(path);
    rmdir(dir);
}

static void test_source_failures_exit_2(void **state)
{
    struct fake_world *w = *state;
    basic_directory(w);
    fake_target_add_user(&w->tgt, "9", "old@x", "O", "Ld", "O Ld", 1);
    w->src.fail_open = 1;
    assert_int_equal(fake_run(&w->run), SS_EXIT_READ);
    w->src.fail_open = 0;
    w->src.fail_at = 2;
    assert_int_equal(fake_run(&w->run), SS_EXIT_READ);
    w->src.fail_at = -1;
    w->src.stop_at_end = 1;
    assert_int_equal(fake_run(&w->run), SS_EXIT_READ);
    w->src.stop_at_end = 0;
    w->tgt.fail_list_users = 1;
    assert_int_equal(fake_run(&w->run), SS_EXIT_READ);
    w->tgt.fail_list_users = 0;
    w->tgt.fail_list_members = 1;
    fake_target_add_group(&w->tgt, "g9", "owned");
    assert_int_equal(fake_run(&w->run), SS_EXIT_READ);
    assert_int_equal(w->tgt.apply_calls, 0);
    assert_int_equal(fake_target_user_by_name(&w->tgt, "old@x")->active, 1);
}

static void test_safety_limits(void **state)
{
    struct fake_world *w = *state;
    char ext[8], name[16];
    for (int i = 0; i < 10; i++) {
        snprintf(ext, sizeof(ext), "%d", i);
        snprintf(name, sizeof(name), "u%d@x", i);
        fake_target_add_user(&w->tgt, ext, name, "G", "F", "G F", 1);
    }
    fake_source_user(&w->src, "0", "userName", "u0@x", "givenName", "G", "familyName", "F",
                     "displayName", "G F", NULL);
    w->run.opt.safety.user_removals.count = 5;
    assert_int_equal(fake_run(&w->run), SS_EXIT_SAFETY);
    assert_int_equal(w->tgt.apply_calls, 0);
    w->run.opt.safety.user_removals.count = -1;
    w->run.opt.safety.user_removals.percent = 50;
    assert_int_equal(fake_run(&w->run), SS_EXIT_SAFETY);
    w->run.opt.dry_run = 1;
    w->run.opt.safety.user_removals.percent = 95;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->tgt.apply_calls, 0);
    w->run.opt.dry_run = 0;
    w->run.opt.safety.user_removals.percent = 50;
    w->run.opt.safety.force_deletes = 1;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->run.sum.users_deactivated, 9);
}

/* The per-kind limits at their defaults through diff, plan counts and
 * the engine: the three known disasters are refused with zero writes. */
static void per_kind_directory(struct fake_world *w, int groups, int members, int titles)
{
    char id[8], name[16];
    fake_source_reset(&w->src);
    for (int i = 1; i <= 12; i++) {
        snprintf(id, sizeof(id), "%d", i);
        snprintf(name, sizeof(name), "u%d@x", i);
        fake_source_user(&w->src, id, "userName", name, "givenName", "G", "familyName", "F",
                         "displayName", "G F", "title", titles ? "Engineer" : "", NULL);
    }
    if (!groups)
        return;
    fake_source_group(&w->src, "g1", "one", 0, "1", "2", "3", "4", NULL);
    fake_source_group(&w->src, "g2", "two", 0, "5", "6", "7", "8", NULL);
    if (members)
        fake_source_group(&w->src, "g3", "three", 0, "9", "10", "11", "12", NULL);
    else
        fake_source_group(&w->src, "g3", "three", 0, NULL);
}

static void test_safety_per_kind(void **state)
{
    struct fake_world *w = *state;
    ss_config_safety_defaults(&w->run.opt.safety);
    per_kind_directory(w, 1, 1, 1);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK); /* first sync: creates only */
    size_t calls = w->tgt.apply_calls;

    per_kind_directory(w, 0, 1, 1); /* every group gone */
    assert_int_equal(fake_run(&w->run), SS_EXIT_SAFETY);
    per_kind_directory(w, 1, 0, 1); /* one group emptied: 4 of 12 memberships */
    assert_int_equal(fake_run(&w->run), SS_EXIT_SAFETY);
    per_kind_directory(w, 1, 1, 0); /* title blanked on every user */
    assert_int_equal(fake_run(&w->run), SS_EXIT_SAFETY);
    w->run.opt.safety.force_deletes = 1; /* the wrong flag */
    assert_int_equal(fake_run(&w->run), SS_EXIT_SAFETY);
    assert_int_equal(w->tgt.apply_calls, calls);

    w->run.opt.safety.force_deletes = 0;
    w->run.opt.safety.force_updates = 1;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->run.sum.users_updated, 12);
    w->run.opt.safety.force_updates = 0;
    per_kind_directory(w, 1, 0, 0);
    w->run.opt.safety.force_deletes = 1;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->run.sum.members_removed, 4);
    per_kind_directory(w, 0, 0, 0);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->run.sum.groups_deleted, 3);
    assert_int_equal(fake_target_live_groups(&w->tgt), 0);
}

static void test_dependent_ops_not_attempted(void **state)
{
    struct fake_world *w = *state;
    basic_directory(w);
    fake_source_group(&w->src, "g3", "aws-ro", 0, "1", NULL);
    w->tgt.fail_group = "aws-admins";
    w->tgt.fail_user = "carol@x";
    assert_int_equal(fake_run(&w->run), SS_EXIT_PARTIAL);
    /* aws-admins create failed + its member op not attempted + carol. */
    assert_int_equal(w->run.sum.failed, 3);
    assert_int_equal(w->run.sum.groups_created, 2);
    assert_int_equal(w->run.sum.users_created, 2);
    assert_true(fake_target_is_member(&w->tgt, "aws-ro", "alice@x"));
    assert_true(fake_target_is_member(&w->tgt, "aws-devs", "alice@x"));
    assert_null(fake_target_user_by_name(&w->tgt, "carol@x"));
    /* Fixed target: the next run completes the work. */
    w->tgt.fail_group = NULL;
    w->tgt.fail_user = NULL;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_true(fake_target_is_member(&w->tgt, "aws-admins", "bob@x"));
    assert_true(fake_target_is_member(&w->tgt, "aws-devs", "carol@x"));
}

static void test_auth_failure_stops(void **state)
{
    struct fake_world *w = *state;
    basic_directory(w);
    w->tgt.auth_fail_kind = SCIMSYNC_OP_CREATE_GROUP;
    assert_int_equal(fake_run(&w->run), SS_EXIT_PARTIAL);
    assert_int_equal(w->run.sum.users_created, 3);
    assert_int_equal(w->run.sum.groups_created, 0);
    /* users wave + the group wave that failed, nothing after. */
    assert_int_equal(w->tgt.apply_calls, 2);
    assert_int_equal(w->run.sum.failed, 2 + 2);
}

static void test_manager_created_in_run(void **state)
{
    struct fake_world *w = *state;
    fake_source_user(&w->src, "3", "userName", "emp@x", "givenName", "E", "familyName", "Mp",
                     "displayName", "E Mp", "manager", "2", NULL);
    fake_source_user(&w->src, "2", "userName", "mid@x", "givenName", "M", "familyName", "Id",
                     "displayName", "M Id", "manager", "1", NULL);
    fake_source_user(&w->src, "1", "userName", "boss@x", "givenName", "Big", "familyName", "Boss",
                     "displayName", "Big Boss", NULL);
    fake_source_user(&w->src, "4", "userName", "a@x", "givenName", "A", "familyName", "A",
                     "displayName", "A A", "manager", "5", NULL);
    fake_source_user(&w->src, "5", "userName", "b@x", "givenName", "B", "familyName", "B",
                     "displayName", "B B", "manager", "4", NULL);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    /* Managers are created first (one apply call per level): no fix-up,
     * except to cut the a <-> b cycle. */
    assert_null(strstr(w->run.out, "emp@x: manager"));
    assert_null(strstr(w->run.out, "mid@x: manager"));
    assert_non_null(strstr(w->run.out, "(after create)\n"));
    assert_int_equal(w->run.sum.users_created, 5);
    assert_int_equal(w->run.sum.users_updated, 1);
    assert_int_equal(w->tgt.apply_calls, 3 + 1);
    struct fake_tuser *boss = fake_target_user_by_name(&w->tgt, "boss@x");
    struct fake_tuser *mid = fake_target_user_by_name(&w->tgt, "mid@x");
    struct fake_tuser *emp = fake_target_user_by_name(&w->tgt, "emp@x");
    struct fake_tuser *a = fake_target_user_by_name(&w->tgt, "a@x");
    struct fake_tuser *b = fake_target_user_by_name(&w->tgt, "b@x");
    assert_string_equal(emp->field[SCIMSYNC_F_MANAGER], mid->id);
    assert_string_equal(mid->field[SCIMSYNC_F_MANAGER], boss->id);
    assert_null(boss->field[SCIMSYNC_F_MANAGER]);
    assert_string_equal(a->field[SCIMSYNC_F_MANAGER], b->id);
    assert_string_equal(b->field[SCIMSYNC_F_MANAGER], a->id);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_non_null(strstr(w->run.out, "No changes.\n"));

    /* An existing user whose new manager is created in this run: fix-up. */
    fake_source_reset(&w->src);
    fake_source_user(&w->src, "1", "userName", "boss@x", "givenName", "Big", "familyName", "Boss",
                     "displayName", "Big Boss", "manager", "9", NULL);
    fake_source_user(&w->src, "9", "userName", "ceo@x", "givenName", "C", "familyName", "Eo",
                     "displayName", "C Eo", NULL);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_non_null(strstr(w->run.out, "~ user boss@x: manager -> \"ceo@x\" (after create)\n"));
    assert_string_equal(boss->field[SCIMSYNC_F_MANAGER],
                        fake_target_user_by_name(&w->tgt, "ceo@x")->id);
}

static void test_manager_create_failed(void **state)
{
    struct fake_world *w = *state;
    fake_source_user(&w->src, "1", "userName", "boss@x", "givenName", "Big", "familyName", "Boss",
                     "displayName", "Big Boss", NULL);
    fake_source_user(&w->src, "2", "userName", "emp@x", "givenName", "E", "familyName", "Mp",
                     "displayName", "E Mp", "manager", "1", NULL);
    w->tgt.fail_user = "boss@x";
    assert_int_equal(fake_run(&w->run), SS_EXIT_PARTIAL);
    struct fake_tuser *emp = fake_target_user_by_name(&w->tgt, "emp@x");
    assert_non_null(emp);
    assert_null(emp->field[SCIMSYNC_F_MANAGER]);
    w->tgt.fail_user = NULL;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_string_equal(emp->field[SCIMSYNC_F_MANAGER],
                        fake_target_user_by_name(&w->tgt, "boss@x")->id);
}

static void test_adopt_and_ownership(void **state)
{
    struct fake_world *w = *state;
    size_t hand =
        fake_target_add_user(&w->tgt, NULL, "alice@x", "Alice", "Smith", "Alice Smith", 1);
    size_t other = fake_target_add_user(&w->tgt, NULL, "zed@x", "Z", "Ed", "Z Ed", 1);
    size_t g = fake_target_add_group(&w->tgt, NULL, "aws-admins");
    fake_target_add_member(&w->tgt, g, other);
    (void)hand;
    U("1", "alice@x", "Alice", "Smith");
    fake_source_group(&w->src, "g1", "aws-admins", 0, "1", NULL);
    /* Without adopt: both left alone, counted as skipped, nothing to do. */
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->run.sum.skipped, 2);
    assert_int_equal(w->tgt.apply_calls, 0);
    /* With adopt: taken over; the hand-added member zed stays. */
    w->run.opt.adopt = 1;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_non_null(strstr(w->run.out, "+ user alice@x (Alice Smith) (adopt existing)\n"));
    assert_string_equal(fake_target_user_by_name(&w->tgt, "alice@x")->ext, "1");
    assert_string_equal(fake_target_group_by_name(&w->tgt, "aws-admins")->ext, "g1");
    assert_true(fake_target_is_member(&w->tgt, "aws-admins", "alice@x"));
    assert_true(fake_target_is_member(&w->tgt, "aws-admins", "zed@x"));
    assert_int_equal(fake_target_live_users(&w->tgt), 2);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_non_null(strstr(w->run.out, "No changes.\n"));
    /* Unowned zed is never deactivated. */
    assert_int_equal(fake_target_user_by_name(&w->tgt, "zed@x")->active, 1);
}

static void test_skipped_entry_protected(void **state)
{
    struct fake_world *w = *state;
    basic_directory(w);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    fake_source_reset(&w->src);
    U("1", "alice@x", "Alice", "Smith");
    U("2", "bob@x", "Bob", "Jones");
    /* carol lost her family name: skipped, but never deactivated. */
    fake_source_user(&w->src, "3", "userName", "carol@x", "givenName", "Carol", "displayName",
                     "Carol", NULL);
    fake_source_group(&w->src, "g1", "aws-admins", 0, "1", "2", NULL);
    fake_source_group(&w->src, "g2", "aws-devs", 0, "3", "g1", NULL);
    /* Applied (nothing to do) but not clean: exit 6. */
    assert_int_equal(fake_run(&w->run), SS_EXIT_SKIPPED);
    assert_int_equal(w->run.sum.skipped, 1);
    assert_int_equal(w->run.sum.invalid, 1);
    assert_non_null(strstr(w->run.out, "No changes.\n"));
    assert_int_equal(fake_target_user_by_name(&w->tgt, "carol@x")->active, 1);
    assert_true(fake_target_is_member(&w->tgt, "aws-devs", "carol@x"));
}

static void test_partial_group_keeps_members(void **state)
{
    struct fake_world *w = *state;
    basic_directory(w);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_true(fake_target_is_member(&w->tgt, "aws-devs", "alice@x"));
    /* aws-admins (nested in aws-devs) now collides with another group's
     * name: skipped, so aws-devs' list is incomplete and nothing is
     * removed from it, while carol leaving it would normally be. */
    fake_source_reset(&w->src);
    U("1", "alice@x", "Alice", "Smith");
    U("2", "bob@x", "Bob", "Jones");
    U("3", "carol@x", "Carol", "King");
    U("4", "dave@x", "Dave", "Lee");
    fake_source_group(&w->src, "g1", "aws-admins", 0, "1", "2", NULL);
    fake_source_group(&w->src, "g9", "aws-admins", 0, NULL);
    fake_source_group(&w->src, "g2", "aws-devs", 0, "4", "g1", NULL);
    assert_int_equal(fake_run(&w->run), SS_EXIT_SKIPPED);
    assert_int_equal(w->run.sum.skipped, 2);
    assert_int_equal(w->run.sum.members_removed, 0);
    assert_true(fake_target_is_member(&w->tgt, "aws-devs", "alice@x"));
    assert_true(fake_target_is_member(&w->tgt, "aws-devs", "carol@x"));
    assert_true(fake_target_is_member(&w->tgt, "aws-devs", "dave@x"));
    assert_true(fake_target_is_member(&w->tgt, "aws-admins", "bob@x"));
}

static void test_mapping_errors_exit_1(void **state)
{
    struct fake_world *w = *state;
    static const struct ss_mapping_line good[] = {{"title", "${title|upper}", "m.ini:2"}};
    static const struct ss_mapping_line bad[] = {{"title", "${title|shout}", "m.ini:3"}};
    static const struct ss_mapping_line unknown[] = {{"jobTitle", "${title}", "m.ini:4"}};
    basic_directory(w);
    w->run.src.mapping = good;
    w->run.src.nmapping = 1;
    assert_int_equal(ss_engine_check_mapping(&w->run.src), SS_EXIT_OK);
    w->run.src.mapping = bad;
    assert_int_equal(ss_engine_check_mapping(&w->run.src), SS_EXIT_USAGE);
    assert_int_equal(fake_run(&w->run), SS_EXIT_USAGE);
    w->run.src.mapping = unknown;
    assert_int_equal(ss_engine_check_mapping(&w->run.src), SS_EXIT_USAGE);
    assert_int_equal(w->tgt.apply_calls, 0);
}

static void test_json_plan(void **state)
{
    struct fake_world *w = *state;
    basic_directory(w);
    w->run.opt.dry_run = 1;
    w->run.opt.json = 1;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->tgt.apply_calls, 0);
    json_object *root = json_tokener_parse(w->run.out);
    assert_non_null(root);
    json_object *ops, *counts, *n;
    assert_true(json_object_object_get_ex(root, "ops", &ops));
    assert_int_equal(json_object_array_length(ops), 3 + 2 + 2);
    assert_true(json_object_object_get_ex(root, "counts", &counts));
    assert_true(json_object_object_get_ex(counts, "membersAdd", &n));
    assert_int_equal(json_object_get_int(n), 5);
    json_object_put(root);
}

static void test_stop_requested(void **state)
{
    struct fake_world *w = *state;
    basic_directory(w);
    /* a signal while reading: interrupted (exit 5), nothing applied */
    w->tgt.stop_on_list = 1;
    assert_int_equal(fake_run(&w->run), SS_EXIT_INTERRUPTED);
    assert_int_equal(w->tgt.apply_calls, 0);
    assert_int_equal(w->run.sum.interrupted, 1);
    ss_host_clear_stop();
    w->tgt.stop_on_list = 0;
    w->tgt.stop_after_calls = 1; /* after the user creates */
    /* while applying: no new operation, and what did not start is not a
     * failure (it was exit 3 with 4 "not attempted" failures) */
    assert_int_equal(fake_run(&w->run), SS_EXIT_INTERRUPTED);
    ss_host_clear_stop();
    assert_int_equal(w->tgt.apply_calls, 1);
    assert_int_equal(w->run.sum.users_created, 3);
    assert_int_equal(w->run.sum.failed, 0);
    assert_int_equal(w->run.sum.not_started, 4); /* 2 group creates + 2 member ops */
    assert_int_equal(w->run.sum.interrupted, 1);
    assert_non_null(strstr(w->run.out, "Interrupted: 3 user / group operations done"));
    assert_non_null(strstr(w->run.out, "Not started: 2 create group, 2 add members to group.\n"));
    w->tgt.stop_after_calls = 0;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->run.sum.groups_created, 2);
}

static void test_two_sources(void **state)
{
    struct fake_world *w = *state;
    static struct fake_source hr;
    struct ss_engine_source srcs[2];
    fake_source_reset(&hr);
    U("1", "alice@x", "Alice", "Smith");
    fake_source_group(&w->src, "g1", "team", 0, "1", "2", NULL); /* "2" is not in this source */
    fake_source_user(&hr, "2", "userName", "bob@x", "givenName", "Bob", "familyName", "Jones",
                     "displayName", "Bob Jones", "manager", "1", NULL);
    fake_source_user(&hr, "1", "userName", "alice2@x", "givenName", "A", "familyName", "B",
                     "displayName", "A B", NULL); /* id collides across sources */
    srcs[0] = w->run.src;
    srcs[1] = w->run.src;
    srcs[1].name = "hr";
    srcs[1].inst = &hr;
    FILE *f = open_memstream(&w->run.out, &w->run.outlen);
    assert_non_null(f);
    w->run.opt.out = f;
    int rc = ss_engine_run(srcs, 2, &w->run.tgt, &w->run.opt, &w->run.sum);
    fclose(f);
    assert_int_equal(rc, SS_EXIT_SKIPPED); /* the rest applied, exit 6 */
    assert_int_equal(w->run.sum.skipped, 2); /* both entries with id "1" */
    assert_int_equal(w->run.sum.users_created, 1);
    assert_non_null(fake_target_user_by_name(&w->tgt, "bob@x"));
    assert_null(fake_target_user_by_name(&w->tgt, "alice@x"));
    assert_false(fake_target_is_member(&w->tgt, "team", "bob@x")); /* refs are per source */
    fake_source_free(&hr);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_first_sync_then_noop, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_update_only_changed, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_deactivate_once_and_delete, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_staged_deletes, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_source_failures_exit_2, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_safety_limits, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_safety_per_kind, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_dependent_ops_not_attempted, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_auth_failure_stops, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_manager_created_in_run, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_manager_create_failed, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_adopt_and_ownership, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_skipped_entry_protected, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_json_plan, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_mapping_errors_exit_1, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_partial_group_keeps_members, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_stop_requested, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_two_sources, fake_world_setup, fake_world_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
