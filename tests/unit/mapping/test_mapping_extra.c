/* Extra attributes in the mapping: extra.NAME lines (names, removal, the
 * cap), one sorted index of names for all sources, rendering into the
 * record's xval with its managed bits. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mapping.h"

static const char *const v_badge[] = {"B-7"};
static const char *const v_site[] = {"Paris"};
static const char *const v_bad_utf[] = {"a\xc3"};
static const char *const v_name[] = {"alice"};

static const struct scimsync_attr attrs[] = {
    {"badge", v_badge, 1},      {"site", v_site, 1},      {"broken", v_bad_utf, 1},
    {"userName", v_name, 1},    {"givenName", v_name, 1}, {"familyName", v_name, 1},
    {"displayName", v_name, 1},
};
static const struct scimsync_entry entry = {
    .kind = SCIMSYNC_ENTRY_USER,
    .id = "id-1",
    .where = "users.csv:2",
    .attrs = attrs,
    .nattrs = sizeof(attrs) / sizeof(attrs[0]),
};

static void test_extra_lines(void **state)
{
    struct ss_mapping m;
    (void)state;
    const struct ss_mapping_line lines[] = {
        {"extra.custom.badgeId", "${badge}", "m:1"},
        {"extra.enterprise.site", "${site}", "m:2"},
        {"extra.profileUrl", "x", "m:3"},
        {"extra.profileUrl", "", "m:4"},               /* removed again */
        {"extra.custom.badgeId", "B:${badge}", "m:5"}, /* replaced */
    };
    assert_int_equal(ss_mapping_build(&m, "t", NULL, lines, 5), 0);
    assert_int_equal(m.nextra, 2);
    assert_string_equal(m.extra[0].name, "custom.badgeId");
    assert_string_equal(m.extra[0].where, "m:5");
    assert_string_equal(m.extra[1].name, "enterprise.site");
    ss_mapping_free(&m);
}

static void test_extra_name_errors(void **state)
{
    struct ss_mapping m;
    char why[160];
    (void)state;
    assert_int_equal(ss_mapping_extra_name_ok("a.b-c_d9", why, sizeof why), 0);
    assert_int_equal(ss_mapping_extra_name_ok("", why, sizeof why), -1);
    assert_int_equal(ss_mapping_extra_name_ok("a b", why, sizeof why), -1);
    assert_string_equal(why, "' ' in an extra attribute name (letters, digits, '.', '_', '-')");
    assert_int_equal(ss_mapping_extra_name_ok(".x", why, sizeof why), -1);
    assert_int_equal(ss_mapping_extra_name_ok("x.", why, sizeof why), -1);
    char longname[SS_MAP_EXTRA_NAME_MAX + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = '\0';
    assert_int_equal(ss_mapping_extra_name_ok(longname, why, sizeof why), -1);

    const struct ss_mapping_line bad[] = {{"extra.a:b", "${badge}", "m:1"}};
    assert_true(ss_mapping_build(&m, "t", NULL, bad, 1) < 0);
    const struct ss_mapping_line bad_tpl[] = {{"extra.a", "${badge", "m:1"}};
    assert_true(ss_mapping_build(&m, "t", NULL, bad_tpl, 1) < 0);

    /* more than SS_MAX_EXTRA in one mapping */
    struct ss_mapping_line many[SS_MAX_EXTRA + 1];
    char names[SS_MAX_EXTRA + 1][16];
    for (int i = 0; i <= SS_MAX_EXTRA; i++) {
        snprintf(names[i], sizeof names[i], "extra.x%d", i);
        many[i] = (struct ss_mapping_line){names[i], "${badge}", "m:9"};
    }
    assert_int_equal(ss_mapping_build(&m, "t", NULL, many, SS_MAX_EXTRA), 0);
    ss_mapping_free(&m);
    assert_true(ss_mapping_build(&m, "t", NULL, many, SS_MAX_EXTRA + 1) < 0);
}

static void test_bind_and_render(void **state)
{
    struct ss_mapping m[2];
    const char *names[SS_MAX_EXTRA];
    struct ss_arena a;
    struct ss_user_rec u = {0};
    char why[200];
    (void)state;
    const struct ss_mapping_line l1[] = {{"extra.site", "${site}", "a:1"},
                                         {"extra.badge", "${badge}", "a:2"}};
    const struct ss_mapping_line l2[] = {{"extra.zone", "z", "b:1"}, {"extra.site", "S", "b:2"}};
    assert_int_equal(ss_mapping_build(&m[0], "a", NULL, l1, 2), 0);
    assert_int_equal(ss_mapping_build(&m[1], "b", NULL, l2, 2), 0);
    assert_int_equal(ss_mapping_bind_extras(m, 2, names), 3);
    assert_string_equal(names[0], "badge");
    assert_string_equal(names[1], "site");
    assert_string_equal(names[2], "zone");
    assert_int_equal(m[0].extra[0].x, 1); /* site */
    assert_int_equal(m[0].extra[1].x, 0); /* badge */
    assert_int_equal(m[1].extra[0].x, 2); /* zone */

    ss_arena_init(&a, 0);
    assert_int_equal(ss_mapping_user(&m[0], &entry, &a, &u, why, sizeof why), 0);
    assert_non_null(u.xval);
    assert_string_equal(u.xval[0], "B-7");
    assert_string_equal(u.xval[1], "Paris");
    assert_null(u.xval[2]);
    assert_int_equal(u.xmanaged, 0x3u); /* zone is not this source's */

    /* an extra attribute that is not UTF-8 skips the entry, naming it */
    const struct ss_mapping_line l3[] = {{"extra.site", "${broken}", "c:1"}};
    struct ss_mapping m3;
    assert_int_equal(ss_mapping_build(&m3, "c", NULL, l3, 1), 0);
    assert_int_equal(ss_mapping_bind_extras(&m3, 1, names), 1);
    memset(&u, 0, sizeof u);
    assert_int_equal(ss_mapping_user(&m3, &entry, &a, &u, why, sizeof why), 1);
    assert_string_equal(why, "extra.site is not valid UTF-8");
    ss_mapping_free(&m3);
    ss_mapping_free(&m[0]);
    ss_mapping_free(&m[1]);
    ss_arena_free(&a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extra_lines),
        cmocka_unit_test(test_extra_name_errors),
        cmocka_unit_test(test_bind_and_render),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
