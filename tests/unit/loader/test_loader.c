/* Loader: each bad plugin gives one line naming the file and the reason,
 * never a crash; a good plugin loads; names are found on the search path. */
/* cmocka needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "loader.h"

#define DIR SS_TEST_PLUGIN_DIR

static void expect_refused(const char *file, int kind, const char *reason)
{
    struct ss_plugin_handle h;
    char err[1024];
    char path[512];

    snprintf(path, sizeof(path), "%s/%s", DIR, file);
    assert_true(ss_loader_open(path, kind, &h, err, sizeof(err)) < 0);
    assert_null(h.dl);
    assert_null(h.desc);
    assert_non_null(strstr(err, path)); /* names the file */
    assert_null(strchr(err, '\n'));     /* one line */
    if (!strstr(err, reason))
        fail_msg("'%s' does not contain '%s'", err, reason);
}

static void test_abi_mismatch(void **state)
{
    (void)state;
    expect_refused("abi99.so", 0, "built for ABI 99.0, this scimsync speaks 1.2");
}

static void test_newer_minor(void **state)
{
    (void)state;
    expect_refused("minor99.so", 0, "built for ABI 1.99, this scimsync speaks 1.2");
}

static void test_small_descriptor(void **state)
{
    (void)state;
    expect_refused("small.so", 0, "descriptor is 16 bytes, ABI 1.0 needs at least");
}

/* A plugin built against ABI 1.0: its descriptor ends before the 1.1
 * members; it loads, and the host sees no check entry. */
static void test_abi_1_0_plugin(void **state)
{
    struct ss_plugin_handle h;
    char err[1024], path[512];
    (void)state;
    snprintf(path, sizeof(path), "%s/%s", DIR, "memory10.so");
    assert_int_equal(ss_loader_open(path, SCIMSYNC_PLUGIN_TARGET, &h, err, sizeof(err)), 0);
    assert_int_equal(h.desc->abi_minor, 0);
    assert_int_equal(h.desc->struct_size, offsetof(struct scimsync_plugin, check));
    assert_false(SCIMSYNC_HAS_MEMBER(h.desc, 1, check));
    ss_loader_close(&h);
    /* the same plugin built against 1.1 carries it */
    snprintf(path, sizeof(path), "%s/%s", DIR, "memory.so");
    assert_int_equal(ss_loader_open(path, SCIMSYNC_PLUGIN_TARGET, &h, err, sizeof(err)), 0);
    assert_true(SCIMSYNC_HAS_MEMBER(h.desc, 1, check));
    assert_true(SCIMSYNC_HAS_MEMBER(h.desc, 2, key_limits));
    assert_true(SCIMSYNC_HAS_MEMBER(h.desc, 2, extra_check));
    ss_loader_close(&h);
    /* built against the first 1.2 header: find_groups, but none of the
     * later 1.2 members */
    snprintf(path, sizeof(path), "%s/%s", DIR, "memory12a.so");
    assert_int_equal(ss_loader_open(path, SCIMSYNC_PLUGIN_TARGET, &h, err, sizeof(err)), 0);
    assert_true(SCIMSYNC_HAS_MEMBER(h.desc, 2, find_groups));
    assert_false(SCIMSYNC_HAS_MEMBER(h.desc, 2, key_limits));
    assert_false(SCIMSYNC_HAS_MEMBER(h.desc, 2, user_size));
    assert_false(SCIMSYNC_HAS_MEMBER(h.desc, 2, extra_check));
    ss_loader_close(&h);
}

/* A plugin built against ABI 1.1: its descriptor ends before the 1.2
 * members; it loads, has check, and the host sees no find_users. */
static void test_abi_1_1_plugin(void **state)
{
    struct ss_plugin_handle h;
    char err[1024];
    (void)state;
    assert_int_equal(
        ss_loader_open(DIR "/memory11.so", SCIMSYNC_PLUGIN_TARGET, &h, err, sizeof(err)), 0);
    assert_int_equal(h.desc->abi_minor, 1);
    assert_int_equal(h.desc->struct_size, offsetof(struct scimsync_plugin, open_selection));
    assert_true(SCIMSYNC_HAS_MEMBER(h.desc, 1, check));
    assert_false(SCIMSYNC_HAS_MEMBER(h.desc, 2, find_users));
    assert_false(SCIMSYNC_HAS_MEMBER(h.desc, 2, open_selection));
    ss_loader_close(&h);
}

static void test_no_descriptor(void **state)
{
    (void)state;
    expect_refused("nodesc.so", 0, "no scimsync_plugin_descriptor symbol");
}

static void test_missing_dependency(void **state)
{
    (void)state;
    expect_refused("missingdep.so", 0, "libssgone.so: cannot open shared object file");
}

static void test_missing_file(void **state)
{
    (void)state;
    expect_refused("does-not-exist.so", 0, "cannot open shared object file");
}

static void test_wrong_kind(void **state)
{
    (void)state;
    expect_refused("memory.so", SCIMSYNC_PLUGIN_SOURCE,
                   "'memory' is a target plugin, a source plugin is needed here");
}

static void test_good_plugin(void **state)
{
    struct ss_plugin_handle h;
    char err[1024];
    (void)state;

    assert_int_equal(ss_loader_open(DIR "/memory.so", SCIMSYNC_PLUGIN_TARGET, &h, err, sizeof(err)),
                     0);
    assert_non_null(h.desc);
    assert_string_equal(h.desc->name, "memory");
    assert_int_equal(h.desc->kind, SCIMSYNC_PLUGIN_TARGET);
    assert_string_equal(h.path, DIR "/memory.so");
    ss_loader_close(&h);
    assert_null(h.dl);
}

static void test_search_path_and_find(void **state)
{
    struct ss_search_path sp;
    char err[1024];
    char *p;
    (void)state;

    setenv("SCIMSYNC_PLUGIN_PATH", "/nonexistent-a:" DIR, 1);
    assert_int_equal(ss_loader_search_path("/nonexistent-b", &sp), 0);
    assert_true(sp.n >= 3);
    assert_string_equal(sp.dirs[0], "/nonexistent-a");
    assert_string_equal(sp.dirs[1], DIR);
    assert_string_equal(sp.dirs[2], "/nonexistent-b");

    p = ss_loader_find(&sp, "memory", NULL, err, sizeof(err));
    assert_non_null(p);
    assert_string_equal(p, DIR "/memory.so");
    free(p);

    p = ss_loader_find(&sp, "nosuchplugin", NULL, err, sizeof(err));
    assert_null(p);
    assert_non_null(strstr(err, "no plugin nosuchplugin.so in the search path (/nonexistent-a:"));

    p = ss_loader_find(&sp, "../evil", NULL, err, sizeof(err));
    assert_null(p); /* a path, relative to nothing, that does not exist */

    p = ss_loader_find(&sp, "bad name!", NULL, err, sizeof(err));
    assert_null(p);
    assert_non_null(strstr(err, "neither a plugin name nor a path"));

    /* a path relative to the config file that names it */
    p = ss_loader_find(&sp, "./memory.so", DIR "/some.ini", err, sizeof(err));
    assert_non_null(p);
    assert_string_equal(p, DIR "/./memory.so");
    free(p);

    ss_loader_search_path_free(&sp);
    unsetenv("SCIMSYNC_PLUGIN_PATH");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_abi_mismatch),         cmocka_unit_test(test_newer_minor),
        cmocka_unit_test(test_small_descriptor),     cmocka_unit_test(test_no_descriptor),
        cmocka_unit_test(test_abi_1_0_plugin),       cmocka_unit_test(test_abi_1_1_plugin),
        cmocka_unit_test(test_missing_dependency),   cmocka_unit_test(test_missing_file),
        cmocka_unit_test(test_wrong_kind),           cmocka_unit_test(test_good_plugin),
        cmocka_unit_test(test_search_path_and_find),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
