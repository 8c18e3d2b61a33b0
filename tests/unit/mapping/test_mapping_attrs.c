/* The attributes a mapping names (what a source must read) and the check
 * of a read against them (a typo no entry carried). */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "mapping.h"
#include "mapping_attrs.h"

static const char *const defaults[] = {
    "userName=${loginName}",      "givenName=${givenName}",  "familyName = ${sn}",
    "displayName=${displayName}", "email=${mail}",           "title=${title}",
    "active=${active}",           "group.displayName=${cn}", NULL};

static void assert_names(char **got, const char *const *want)
{
    size_t n = 0;
    assert_non_null(got);
    for (; want[n]; n++) {
        assert_non_null(got[n]);
        assert_string_equal(got[n], want[n]);
    }
    assert_null(got[n]);
}

static void test_defaults_only(void **state)
{
    static const char *const users[] = {"loginName", "displayName", "givenName", "sn",
                                        "mail",      "title",       "active",    NULL};
    static const char *const groups[] = {"cn", NULL};
    char **u = ss_mapping_attrs(defaults, NULL, 0, SCIMSYNC_ENTRY_USER);
    char **g = ss_mapping_attrs(defaults, NULL, 0, SCIMSYNC_ENTRY_GROUP);
    (void)state;
    /* in field order (userName, displayName, givenName, familyName, ...) */
    assert_names(u, users);
    assert_names(g, groups);
    ss_mapping_attrs_free(u);
    ss_mapping_attrs_free(g);
}

static void test_lines_override_remove_and_add(void **state)
{
    static const struct ss_mapping_line lines[] = {
        {"title", "${jobTitle|upper} (${DEPARTMENT})", "m.ini:2"},
        {"email", "", "m.ini:3"},                            /* removed: mail is not read */
        {"nickName", "${givenName} ${initials}", "m.ini:4"}, /* givenName once */
        {"phone", "${x|nope}", "m.ini:5"},                   /* bad: left to the engine */
        {"costCenter", "${id}", "m.ini:6"},
        {"group.displayName", "${displayName|trim}", "m.ini:7"},
        {"title", "${jobtitle}", "m.ini:8"}, /* a later line wins */
        {"jobTitle", "${never}", "m.ini:9"}, /* unknown field */
    };
    static const char *const users[] = {"loginName", "displayName", "givenName", "sn", "jobtitle",
                                        "id",        "initials",    "active",    NULL};
    static const char *const groups[] = {"displayName", NULL};
    size_t n = sizeof(lines) / sizeof(lines[0]);
    char **u = ss_mapping_attrs(defaults, lines, n, SCIMSYNC_ENTRY_USER);
    char **g = ss_mapping_attrs(defaults, lines, n, SCIMSYNC_ENTRY_GROUP);
    (void)state;
    assert_names(u, users);
    assert_names(g, groups);
    ss_mapping_attrs_free(u);
    ss_mapping_attrs_free(g);
}

static void test_host_default_mapping(void **state)
{
    char **u = ss_mapping_attrs(NULL, NULL, 0, SCIMSYNC_ENTRY_USER);
    char **g = ss_mapping_attrs(NULL, NULL, 0, SCIMSYNC_ENTRY_GROUP);
    size_t n = 0;
    (void)state;
    while (u[n])
        n++;
    assert_int_equal(n, SCIMSYNC_F_COUNT + 1); /* every field and active */
    assert_string_equal(g[0], "displayName");
    assert_null(g[1]);
    ss_mapping_attrs_free(u);
    ss_mapping_attrs_free(g);
}

static struct scimsync_entry user(const struct scimsync_attr *a, size_t n)
{
    struct scimsync_entry e = {.kind = SCIMSYNC_ENTRY_USER, .id = "1", .attrs = a, .nattrs = n};
    return e;
}

static void test_usage_reports_what_no_entry_carried(void **state)
{
    static const struct ss_mapping_line lines[] = {
        {"title", "${jobtitle}", "m.ini:2"},
        {"nickName", "${Nick} ${id}", "m.ini:3"},
    };
    static const char *const v[] = {"x"};
    const struct scimsync_attr a1[] = {{"loginName", v, 1}, {"givenName", v, 1}, {"sn", v, 1}};
    const struct scimsync_attr a2[] = {{"DISPLAYNAME", v, 1}, {"nick", NULL, 0}};
    struct ss_mapping m;
    struct ss_attr_usage u;
    (void)state;

    assert_int_equal(ss_mapping_build(&m, "hr", defaults, lines, 2), 0);
    assert_int_equal(ss_attr_usage_init(&u, &m), 0);
    /* users: loginName displayName givenName sn mail title->jobtitle
     * nickName->Nick (id is the entry id) active; group: cn */
    assert_int_equal(u.n, 9);
    struct scimsync_entry e1 = user(a1, 3), e2 = user(a2, 2);
    ss_attr_usage_note(&u, &e1);
    ss_attr_usage_note(&u, &e2);
    assert_int_equal(u.nusers, 2);
    assert_int_equal(u.ngroups, 0);
    /* mail, jobtitle, active unseen (Nick matched "nick" without values);
     * cn not checked: no group was read.  Only jobtitle is a configured
     * line: one warning. */
    assert_int_equal(u.unseen, 4);
    assert_int_equal(ss_attr_usage_report(&u, &m, "hr", "[mapping hr]", lines, 2), 1);
    ss_attr_usage_free(&u);
    ss_mapping_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults_only),
        cmocka_unit_test(test_lines_override_remove_and_add),
        cmocka_unit_test(test_host_default_mapping),
        cmocka_unit_test(test_usage_reports_what_no_entry_carried),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
