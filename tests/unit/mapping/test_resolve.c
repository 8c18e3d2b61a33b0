/* Source resolution: nested groups, cycles, helper groups, unknown and
 * ambiguous refs, duplicate ids / userNames / group names. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "collect.h"
#include "fakes.h"
#include "log.h"
#include "resolve.h"

struct world {
    struct fake_source fs;
    struct ss_mapping map;
    struct ss_dir dir;
    struct ss_collector col;
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    if (!w)
        return -1;
    fake_source_reset(&w->fs);
    if (ss_mapping_build(&w->map, "t", NULL, NULL, 0) < 0)
        return -1;
    ss_dir_init(&w->dir);
    ss_collector_init(&w->col, &w->dir);
    ss_collector_add_source(&w->col, "t");
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    fake_source_free(&w->fs);
    ss_mapping_free(&w->map);
    ss_collector_free(&w->col);
    ss_dir_free(&w->dir);
    free(w);
    return 0;
}

static void user(struct world *w, const char *id, const char *uname)
{
    fake_source_user(&w->fs, id, "userName", uname, "givenName", "G", "familyName", "F",
                     "displayName", "G F", NULL);
}

static void resolve(struct world *w)
{
    for (size_t i = 0; i < w->fs.n; i++)
        assert_int_equal(ss_collector_add(&w->col, 0, &w->map, &w->fs.entries[i]), 0);
    assert_int_equal(ss_resolve(&w->col), 0);
}

/* "a,b,c": userNames of the members of the group named name, in order. */
static void members(struct world *w, const char *name, char *out, size_t outlen)
{
    out[0] = '\0';
    for (uint32_t g = 0; g < w->dir.ngroups; g++) {
        if (strcmp(w->dir.groups[g].display_name, name) != 0)
            continue;
        const uint32_t *m = ss_dir_members(&w->dir, g);
        for (size_t i = 0; i < ss_dir_nmembers(&w->dir, g); i++) {
            if (i)
                strncat(out, ",", outlen - strlen(out) - 1);
            strncat(out, w->dir.users[m[i]].field[SCIMSYNC_F_USER_NAME], outlen - strlen(out) - 1);
        }
        return;
    }
    strncat(out, "<no group>", outlen - 1);
}

static void test_nested_and_helper(void **state)
{
    struct world *w = *state;
    char buf[256];
    user(w, "u1", "a");
    user(w, "u2", "b");
    user(w, "u3", "c");
    fake_source_group(&w->fs, "g1", "top", 0, "u1", "g2", NULL);
    fake_source_group(&w->fs, "g2", "mid", 0, "u2", "h", NULL);
    fake_source_group(&w->fs, "h", "helper", SCIMSYNC_ENTRY_HELPER, "u3", "u1", NULL);
    resolve(w);
    assert_int_equal(w->dir.ngroups, 2); /* helper not synced */
    members(w, "top", buf, sizeof(buf));
    assert_string_equal(buf, "a,b,c");
    members(w, "mid", buf, sizeof(buf));
    assert_string_equal(buf, "a,b,c");
    members(w, "helper", buf, sizeof(buf));
    assert_string_equal(buf, "<no group>");
    assert_int_equal(w->col.skipped, 0);
}

static void test_cycle(void **state)
{
    struct world *w = *state;
    char buf[256];
    user(w, "u1", "a");
    user(w, "u2", "b");
    fake_source_group(&w->fs, "ga", "A", 0, "u1", "gb", NULL);
    fake_source_group(&w->fs, "gb", "B", 0, "u2", "ga", "gb", NULL);
    resolve(w);
    members(w, "A", buf, sizeof(buf));
    assert_string_equal(buf, "a,b");
    members(w, "B", buf, sizeof(buf));
    assert_string_equal(buf, "a,b");
}

static void test_unknown_and_ambiguous_refs(void **state)
{
    struct world *w = *state;
    char buf[256];
    user(w, "1", "a");
    user(w, "2", "b");
    fake_source_group(&w->fs, "1", "one", 0, "2", "nobody", "1", NULL);
    resolve(w);
    /* "1" names a user and a group: ignored; entries stay. */
    assert_int_equal(w->dir.nusers, 2);
    assert_int_equal(w->dir.ngroups, 1);
    members(w, "one", buf, sizeof(buf));
    assert_string_equal(buf, "b");
    assert_int_equal(w->col.skipped, 0);
}

static void test_duplicates_skip_all(void **state)
{
    struct world *w = *state;
    char buf[256];
    user(w, "1", "alice@x");
    user(w, "2", "ALICE@x"); /* same userName, other case */
    user(w, "3", "bob@x");
    user(w, "3", "bob2@x"); /* duplicate id */
    user(w, "4", "carol@x");
    fake_source_user(&w->fs, "5", "userName", "dave@x", NULL); /* missing fields */
    fake_source_group(&w->fs, "g1", "team", 0, "1", "4", "5", NULL);
    fake_source_group(&w->fs, "g2", "Team", 0, "4", NULL);
    fake_source_group(&w->fs, "g3", "other", 0, "4", "1", NULL);
    resolve(w);
    assert_int_equal(w->dir.nusers, 1);
    assert_string_equal(w->dir.users[0].field[SCIMSYNC_F_USER_NAME], "carol@x");
    assert_int_equal(w->dir.ngroups, 1);
    members(w, "other", buf, sizeof(buf));
    assert_string_equal(buf, "carol@x");
    assert_int_equal(w->col.skipped, 5 + 2);
    assert_true(ss_strmap_get(&w->dir.skipped_user_ext, "1", NULL));
    assert_true(ss_strmap_get(&w->dir.skipped_user_ext, "3", NULL));
    assert_true(ss_strmap_get(&w->dir.skipped_user_ext, "5", NULL));
    assert_true(ss_strmap_get(&w->dir.skipped_group_ext, "g1", NULL));
    assert_false(ss_strmap_get(&w->dir.skipped_user_ext, "4", NULL));
}

static void test_partial_member_lists(void **state)
{
    struct world *w = *state;
    user(w, "u1", "a");
    user(w, "u2", "b");
    fake_source_group(&w->fs, "gs", "dup", 0, "u2", NULL);
    fake_source_group(&w->fs, "gs2", "dup", 0, "u2", NULL); /* both skipped */
    fake_source_group(&w->fs, "top", "top", 0, "u1", "mid", NULL);
    fake_source_group(&w->fs, "mid", "mid", 0, "gs", NULL);
    fake_source_group(&w->fs, "ok", "ok", 0, "u1", NULL);
    fake_source_group(&w->fs, "h", NULL, SCIMSYNC_ENTRY_HELPER, "u2", NULL); /* no name */
    fake_source_group(&w->fs, "viahelper", "viahelper", 0, "h", NULL);
    resolve(w);
    assert_int_equal(w->col.skipped, 2);
    assert_int_equal(w->dir.ngroups, 4);
    for (uint32_t g = 0; g < w->dir.ngroups; g++) {
        const char *n = w->dir.groups[g].display_name;
        int want = strcmp(n, "top") == 0 || strcmp(n, "mid") == 0;
        assert_int_equal(w->dir.members_partial[g], want);
    }
    char buf[64];
    members(w, "viahelper", buf, sizeof(buf));
    assert_string_equal(buf, "b");
}

static void test_entry_without_id(void **state)
{
    struct world *w = *state;
    user(w, "1", "a");
    free((void *)w->fs.entries[0].id);
    w->fs.entries[0].id = NULL;
    resolve(w);
    assert_int_equal(w->dir.nusers, 0);
    assert_int_equal(w->col.skipped, 1);
}

int main(void)
{
    ss_log_set_level(-1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_nested_and_helper, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cycle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_and_ambiguous_refs, setup, teardown),
        cmocka_unit_test_setup_teardown(test_duplicates_skip_all, setup, teardown),
        cmocka_unit_test_setup_teardown(test_entry_without_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_member_lists, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
