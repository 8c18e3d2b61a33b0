/* Templates, transforms, UTF-8 safety, mapping build errors, required
 * fields. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ss/parse.h>

#include "log.h"
#include "mapping.h"
#include "template.h"

static const char *const v_given[] = {"  Alice "};
static const char *const v_sn[] = {"Smith", "Second"};
static const char *const v_mail[] = {" Alice.Smith@Example.COM "};
static const char *const v_utf[] = {"ÉCOLE Ünïcode ß"};
static const char *const v_active[] = {"No"};
static const char *const v_bad_utf[] = {"a\xc3"};

static const struct scimsync_attr attrs[] = {
    {"givenName", v_given, 1}, {"sn", v_sn, 2},          {"mail", v_mail, 1},
    {"uni", v_utf, 1},         {"enabled", v_active, 1}, {"broken", v_bad_utf, 1},
};

static const struct scimsync_entry entry = {
    .kind = SCIMSYNC_ENTRY_USER,
    .id = "id-1",
    .where = "users.csv:2",
    .attrs = attrs,
    .nattrs = sizeof(attrs) / sizeof(attrs[0]),
};

static void render(const char *tpl, const char *want)
{
    struct ss_template t;
    char err[128], buf[256];
    assert_int_equal(ss_template_parse(tpl, &t, err, sizeof(err)), 0);
    long n = ss_template_render(&t, &entry, buf, sizeof(buf));
    assert_true(n >= 0);
    assert_string_equal(buf, want);
    ss_template_free(&t);
}

static void test_templates(void **state)
{
    (void)state;
    render("${givenName} ${sn}", "Alice  Smith"); /* inner spaces kept, ends trimmed */
    render("${givenName|trim} ${sn}", "Alice Smith");
    render("${mail|trim|lower}", "alice.smith@example.com");
    render("${mail|upper}", "ALICE.SMITH@EXAMPLE.COM");
    render("literal text", "literal text");
    render("${missing}", "");
    render("x-${missing}-y", "x--y");
    render("${id}", "id-1");
    render("${SN}", "Smith"); /* attribute names are case-insensitive */
    render("cost $5 {x}", "cost $5 {x}");
}

static void test_utf8_transforms(void **state)
{
    (void)state;
    render("${uni|lower}", "École Ünïcode ß"); /* ASCII only: Ü kept */
    render("${uni|upper}", "ÉCOLE ÜNïCODE ß");
    char s[] = "  héllo\t";
    assert_int_equal(ss_ascii_trim(s, strlen(s)), strlen("héllo"));
    assert_string_equal(s, "héllo");
    assert_true(ss_utf8_valid("Ünï", strlen("Ünï")));
    assert_false(ss_utf8_valid("a\xc3", 2));
    assert_false(ss_utf8_valid("\xc0\xaf", 2));     /* overlong */
    assert_false(ss_utf8_valid("\xed\xa0\x80", 3)); /* surrogate */
}

static void test_template_errors(void **state)
{
    (void)state;
    struct ss_template t;
    char err[128];
    assert_true(ss_template_parse("${givenName", &t, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "unterminated"));
    assert_true(ss_template_parse("${}", &t, err, sizeof(err)) < 0);
    assert_true(ss_template_parse("${a|shout}", &t, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "unknown transform 'shout'"));
    assert_true(ss_template_parse("${a b}", &t, err, sizeof(err)) < 0);
}

static void test_render_too_long(void **state)
{
    (void)state;
    struct ss_template t;
    char err[128], buf[8];
    assert_int_equal(ss_template_parse("${mail}", &t, err, sizeof(err)), 0);
    assert_int_equal(ss_template_render(&t, &entry, buf, sizeof(buf)), -1);
    ss_template_free(&t);
}

static const struct ss_mapping_line overrides[] = {
    {"userName", "${mail|trim|lower}", "m.ini:3"},
    {"displayName", "${givenName|trim} ${sn}", "m.ini:4"},
    {"familyName", "${sn}", "m.ini:5"},
    {"active", "${enabled}", "m.ini:6"},
    {"title", "", "m.ini:7"},
};

static void test_mapping_apply(void **state)
{
    (void)state;
    struct ss_mapping m;
    struct ss_arena a;
    struct ss_user_rec u = {0};
    char why[200];
    ss_arena_init(&a, 0);
    assert_int_equal(ss_mapping_build(&m, "t", NULL, overrides, 5), 0);
    assert_int_equal(ss_mapping_user(&m, &entry, &a, &u, why, sizeof(why)), 0);
    assert_string_equal(u.field[SCIMSYNC_F_USER_NAME], "alice.smith@example.com");
    assert_string_equal(u.field[SCIMSYNC_F_DISPLAY_NAME], "Alice Smith");
    assert_string_equal(u.field[SCIMSYNC_F_GIVEN_NAME], "Alice");
    assert_string_equal(u.field[SCIMSYNC_F_FAMILY_NAME], "Smith"); /* first value */
    assert_int_equal(u.active, 0);
    assert_false(u.managed & (1u << SCIMSYNC_F_TITLE)); /* removed by override */
    assert_true(u.managed & (1u << SCIMSYNC_F_EMAIL));
    ss_mapping_free(&m);
    ss_arena_free(&a);
}

static void test_mapping_skip_reasons(void **state)
{
    (void)state;
    struct ss_mapping m;
    struct ss_arena a;
    struct ss_user_rec u = {0};
    char why[200];
    ss_arena_init(&a, 0);
    /* Default identity mapping: this entry has no userName attribute. */
    assert_int_equal(ss_mapping_build(&m, "t", NULL, NULL, 0), 0);
    assert_int_equal(ss_mapping_user(&m, &entry, &a, &u, why, sizeof(why)), 1);
    assert_string_equal(why, "required field userName is empty");
    ss_mapping_free(&m);

    const struct ss_mapping_line bad_active[] = {{"userName", "${sn}", "m:1"},
                                                 {"familyName", "${sn}", "m:2"},
                                                 {"displayName", "${sn}", "m:3"},
                                                 {"active", "${sn}", "m:4"}};
    assert_int_equal(ss_mapping_build(&m, "t", NULL, bad_active, 4), 0);
    memset(&u, 0, sizeof(u));
    assert_int_equal(ss_mapping_user(&m, &entry, &a, &u, why, sizeof(why)), 1);
    assert_non_null(strstr(why, "active is \"Smith\""));
    ss_mapping_free(&m);

    const struct ss_mapping_line bad_utf[] = {{"userName", "${sn}", "m:1"},
                                              {"familyName", "${sn}", "m:2"},
                                              {"displayName", "${sn}", "m:3"},
                                              {"title", "${broken}", "m:4"}};
    assert_int_equal(ss_mapping_build(&m, "t", NULL, bad_utf, 4), 0);
    memset(&u, 0, sizeof(u));
    assert_int_equal(ss_mapping_user(&m, &entry, &a, &u, why, sizeof(why)), 1);
    assert_string_equal(why, "title is not valid UTF-8");
    ss_mapping_free(&m);
    ss_arena_free(&a);
}

static void test_mapping_build_errors(void **state)
{
    (void)state;
    struct ss_mapping m;
    const struct ss_mapping_line unknown[] = {{"surname", "${sn}", "m.ini:9"}};
    assert_true(ss_mapping_build(&m, "t", NULL, unknown, 1) < 0);
    const struct ss_mapping_line bad[] = {{"title", "${x|nope}", "m.ini:10"}};
    assert_true(ss_mapping_build(&m, "t", NULL, bad, 1) < 0);
    const struct ss_mapping_line unmapped[] = {{"userName", "", "m.ini:11"}};
    assert_true(ss_mapping_build(&m, "t", NULL, unmapped, 1) < 0);
    static const char *const plugin_defaults[] = {"userName=${uid}", "givenName = ${givenName}",
                                                  "familyName=${sn}", "displayName=${cn}", NULL};
    assert_int_equal(ss_mapping_build(&m, "t", plugin_defaults, NULL, 0), 0);
    assert_int_equal(m.managed, (1u << SCIMSYNC_F_USER_NAME) | (1u << SCIMSYNC_F_GIVEN_NAME) |
                                    (1u << SCIMSYNC_F_FAMILY_NAME) |
                                    (1u << SCIMSYNC_F_DISPLAY_NAME));
    ss_mapping_free(&m);
    static const char *const broken_defaults[] = {"userName ${uid}", NULL};
    assert_true(ss_mapping_build(&m, "t", broken_defaults, NULL, 0) < 0);
}

/* Builds with stderr captured (errors on) into buf. */
static int build_capture(struct ss_mapping *m, const struct ss_mapping_line *lines, size_t n,
                         char *buf, size_t len)
{
    FILE *tmp = tmpfile();
    int saved, rc;
    size_t got;

    assert_non_null(tmp);
    fflush(stderr);
    saved = dup(2);
    dup2(fileno(tmp), 2);
    ss_log_set_level(SCIMSYNC_LOG_ERROR);
    rc = ss_mapping_build(m, "t", NULL, lines, n);
    ss_log_set_level(-1);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    rewind(tmp);
    got = fread(buf, 1, len - 1, tmp);
    buf[got] = '\0';
    fclose(tmp);
    return rc;
}

/* validate reported one bad mapping line per run: every line is now
 * reported, with a suggestion, and no knock-on "missing" error. */
static void test_mapping_reports_every_bad_line(void **state)
{
    (void)state;
    struct ss_mapping m;
    char log[4096];
    const struct ss_mapping_line lines[] = {
        {"titel", "${title}", "m.ini:2"},     {"displayName", "${cn|lwoer}", "m.ini:3"},
        {"email", "${mail", "m.ini:4"},       {"givenName", "", "m.ini:5"},
        {"Department", "${dept}", "m.ini:6"},
    };
    assert_true(build_capture(&m, lines, 5, log, sizeof log) < 0);
    assert_non_null(strstr(log, "m.ini:2: unknown mapping field 'titel' (did you mean 'title'?)"));
    assert_non_null(strstr(log, "m.ini:3: displayName: bad template \"${cn|lwoer}\": unknown "
                                "transform 'lwoer' (did you mean 'lower'?)"));
    assert_non_null(strstr(log, "m.ini:4: email: bad template"));
    assert_non_null(
        strstr(log, "m.ini:5: required field givenName cannot be left without a template"));
    assert_non_null(strstr(log, "m.ini:6: unknown mapping field 'Department' (did you mean "
                                "'department'?)"));
    assert_null(strstr(log, "required field displayName"));
}

/* ss_parse_bool's 1 / 0, or -1 when it refuses s. */
static int parse_bool(const char *s)
{
    int b;
    return ss_parse_bool(s, &b) < 0 ? -1 : b;
}

static void test_parse_bool(void **state)
{
    (void)state;
    assert_int_equal(parse_bool("TRUE"), 1);
    assert_int_equal(parse_bool("yes"), 1);
    assert_int_equal(parse_bool("1"), 1);
    assert_int_equal(parse_bool("False"), 0);
    assert_int_equal(parse_bool("0"), 0);
    assert_int_equal(parse_bool("maybe"), -1);
}

int main(void)
{
    ss_log_set_level(-1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_templates),
        cmocka_unit_test(test_utf8_transforms),
        cmocka_unit_test(test_template_errors),
        cmocka_unit_test(test_render_too_long),
        cmocka_unit_test(test_mapping_apply),
        cmocka_unit_test(test_mapping_skip_reasons),
        cmocka_unit_test(test_mapping_build_errors),
        cmocka_unit_test(test_parse_bool),
        cmocka_unit_test(test_mapping_reports_every_bad_line),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
