/* Key limits (plugin.h struct scimsync_key_limit): the host's check of
 * ranges and choices, its messages, a plugin built before key_limits, and
 * the tables of the in-tree plugins (preamble, defaults within limits). */
/* cmocka needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "host.h"
#include "key_limits.h"
#include "loader.h"

static const struct scimsync_config_key keys[] = {
    {"page_size", SCIMSYNC_KEY_INT, 0, "500", "entries per page"},
    {"rate", SCIMSYNC_KEY_DOUBLE, 0, "10", "requests a second"},
    {"floor", SCIMSYNC_KEY_INT, 0, "0", "at least 0"},
    {"profile", SCIMSYNC_KEY_STRING, 0, NULL, "a or b"},
    {"free", SCIMSYNC_KEY_STRING, 0, NULL, "anything"},
    {NULL, 0, 0, NULL, NULL},
};
static const char *const profiles[] = {"identity-center", "generic", NULL};
static const struct scimsync_key_limit limits[] = {
    SCIMSYNC_KEY_RANGE("page_size", 1, 1000),
    SCIMSYNC_KEY_RANGE("rate", 0, 0.5e4),
    SCIMSYNC_KEY_AT_LEAST("floor", 0),
    SCIMSYNC_KEY_CHOICES("profile", profiles),
    SCIMSYNC_KEY_LIMITS_END,
};
static const struct scimsync_plugin plugin = {
    SCIMSYNC_PLUGIN_V1(SCIMSYNC_PLUGIN_TARGET, "limited", "1.0", "test"),
    .keys = keys,
    .key_limits = limits,
};

static void test_ranges(void **state)
{
    const struct scimsync_key_limit *l = ss_key_limit_find(&plugin, "page_size");
    char why[128];
    (void)state;
    assert_non_null(l);
    assert_int_equal(ss_key_limit_test(l, SCIMSYNC_KEY_INT, "1", why, sizeof why), 0);
    assert_int_equal(ss_key_limit_test(l, SCIMSYNC_KEY_INT, "1000", why, sizeof why), 0);
    assert_int_equal(ss_key_limit_test(l, SCIMSYNC_KEY_INT, "0", why, sizeof why), 1);
    assert_string_equal(why, "must be between 1 and 1000");
    assert_int_equal(ss_key_limit_test(l, SCIMSYNC_KEY_INT, "1001", why, sizeof why), 1);
    /* not a number: the type check says so, not the limit */
    assert_int_equal(ss_key_limit_test(l, SCIMSYNC_KEY_INT, "many", why, sizeof why), 0);

    l = ss_key_limit_find(&plugin, "rate");
    assert_int_equal(ss_key_limit_test(l, SCIMSYNC_KEY_DOUBLE, "0.5", why, sizeof why), 0);
    assert_int_equal(ss_key_limit_test(l, SCIMSYNC_KEY_DOUBLE, "-0.1", why, sizeof why), 1);
    assert_string_equal(why, "must be between 0 and 5000");
    assert_int_equal(ss_key_limit_test(l, SCIMSYNC_KEY_DOUBLE, "1e9", why, sizeof why), 1);

    l = ss_key_limit_find(&plugin, "floor");
    assert_int_equal(ss_key_limit_test(l, SCIMSYNC_KEY_INT, "-1", why, sizeof why), 1);
    assert_string_equal(why, "must be at least 0");
    assert_int_equal(ss_key_limit_test(l, SCIMSYNC_KEY_INT, "99999999", why, sizeof why), 0);

    assert_null(ss_key_limit_find(&plugin, "free"));
    assert_int_equal(ss_key_limit_test(NULL, SCIMSYNC_KEY_STRING, "x", why, sizeof why), 0);
}

static void test_choices(void **state)
{
    const struct scimsync_key_limit *l = ss_key_limit_find(&plugin, "profile");
    char why[128];
    (void)state;
    assert_int_equal(ss_key_limit_test(l, SCIMSYNC_KEY_STRING, "generic", why, sizeof why), 0);
    /* ASCII case-insensitive, and empty is "unset" */
    assert_int_equal(ss_key_limit_test(l, SCIMSYNC_KEY_STRING, "Identity-Center", why, sizeof why),
                     0);
    assert_int_equal(ss_key_limit_test(l, SCIMSYNC_KEY_STRING, "", why, sizeof why), 0);
    assert_int_equal(ss_key_limit_test(l, SCIMSYNC_KEY_STRING, "okta", why, sizeof why), 1);
    assert_string_equal(why, "must be one of: identity-center, generic");
    /* a short buffer is cut, never overrun */
    char tiny[12];
    assert_int_equal(ss_key_limit_test(l, SCIMSYNC_KEY_STRING, "okta", tiny, sizeof tiny), 1);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

/* ss_key_limits_check_section with stderr captured into *log. */
static int check_capture(const struct ss_conf_section *s, const struct scimsync_plugin *d,
                         char **log)
{
    char path[] = "/tmp/ss-test-key-limits-XXXXXX";
    int fd = mkstemp(path), saved, rc;
    FILE *fp;
    long n;

    assert_true(fd >= 0);
    fflush(stderr);
    saved = dup(2);
    dup2(fd, 2);
    close(fd);
    rc = ss_key_limits_check_section(s, d);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fp = fopen(path, "r");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    rewind(fp);
    *log = calloc(1, (size_t)n + 1);
    assert_non_null(*log);
    assert_int_equal(fread(*log, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    unlink(path);
    return rc;
}

static void test_section_messages(void **state)
{
    struct ss_conf_kv kv[] = {
        {"page_size", "5000", "t.ini", 4, "t.ini:4"},
        {"profile", "okta", "t.ini", 5, "t.ini:5"},
        {"rate", "2", "t.ini", 6, "t.ini:6"},
        {"free", "whatever", "t.ini", 7, "t.ini:7"},
        {"floor", "env:FLOOR", "t.ini", 8, "t.ini:8"}, /* a reference: checked once read */
        {"page_size", "literal:12", "t.ini", 9, "t.ini:9"},
    };
    struct ss_conf_section s = {.kind = SS_SEC_TARGET,
                                .name = "idc",
                                .label = "[target idc]",
                                .file = "t.ini",
                                .line = 3,
                                .kv = kv,
                                .nkv = sizeof kv / sizeof kv[0]};
    char *log = NULL;
    (void)state;
    assert_int_equal(check_capture(&s, &plugin, &log), 2);
    if (!strstr(log, "t.ini:4: [target idc] page_size: '5000' is out of range: must be between 1 "
                     "and 1000") ||
        !strstr(log, "t.ini:5: [target idc] profile: 'okta' is not allowed: must be one of: "
                     "identity-center, generic"))
        fail_msg("unexpected messages:\n%s", log);
    free(log);

    /* a plugin built before key_limits: its struct_size ends at check */
    struct scimsync_plugin old = plugin;
    old.struct_size = offsetof(struct scimsync_plugin, key_limits);
    assert_null(ss_key_limit_find(&old, "page_size"));
    assert_int_equal(check_capture(&s, &old, &log), 0);
    free(log);
}

/* A value read through a reference is checked once resolved, when the
 * instance is built (the configuration check saw only "env:..."). */
static void test_resolved_reference(void **state)
{
    struct ss_conf_kv kv[] = {{"profile", "env:SS_TEST_KEY_LIMITS_PROFILE", "t.ini", 4, "t.ini:4"}};
    struct ss_conf_section s = {.kind = SS_SEC_TARGET,
                                .name = "idc",
                                .label = "[target idc]",
                                .file = "t.ini",
                                .line = 3,
                                .kv = kv,
                                .nkv = 1};
    struct ss_instance *in = NULL;
    (void)state;
    setenv("SS_TEST_KEY_LIMITS_PROFILE", "okta", 1);
    assert_true(ss_instance_new(&s, &plugin, 1, &in) < 0);
    assert_null(in);
    setenv("SS_TEST_KEY_LIMITS_PROFILE", "Generic", 1);
    assert_int_equal(ss_instance_new(&s, &plugin, 1, &in), 0);
    ss_instance_free(in);
    /* validate resolves nothing: the reference passes */
    setenv("SS_TEST_KEY_LIMITS_PROFILE", "okta", 1);
    assert_int_equal(ss_instance_new(&s, &plugin, 0, &in), 0);
    ss_instance_free(in);
    unsetenv("SS_TEST_KEY_LIMITS_PROFILE");
}

static void test_table_checks(void **state)
{
    char err[256];
    (void)state;
    assert_int_equal(ss_key_limits_check_table(&plugin, err, sizeof err), 0);

    static const struct scimsync_key_limit stray[] = {SCIMSYNC_KEY_RANGE("nope", 1, 2),
                                                      SCIMSYNC_KEY_LIMITS_END};
    struct scimsync_plugin p = plugin;
    p.key_limits = stray;
    assert_int_equal(ss_key_limits_check_table(&p, err, sizeof err), -1);
    assert_string_equal(err, "limited: limits for undeclared key 'nope'");

    static const struct scimsync_key_limit bad_default[] = {SCIMSYNC_KEY_RANGE("page_size", 1, 100),
                                                            SCIMSYNC_KEY_LIMITS_END};
    p.key_limits = bad_default;
    assert_int_equal(ss_key_limits_check_table(&p, err, sizeof err), -1);
    assert_string_equal(err, "limited: page_size: default '500' must be between 1 and 100");

    static const struct scimsync_key_limit wrong_type[] = {SCIMSYNC_KEY_CHOICES("rate", profiles),
                                                           SCIMSYNC_KEY_LIMITS_END};
    p.key_limits = wrong_type;
    assert_int_equal(ss_key_limits_check_table(&p, err, sizeof err), -1);
    assert_string_equal(err, "limited: rate: limits do not fit the key's type");
}

/* Every in-tree plugin: the V1 preamble (sizes of this header), and its
 * limits name its keys with defaults inside them. */
static void test_in_tree_plugins(void **state)
{
    static const char *const names[] = {"csv", "ldap", "scim", "google", "entra", "example"};
    size_t with_limits = 0;
    (void)state;
    for (size_t i = 0; i < sizeof names / sizeof names[0]; i++) {
        struct ss_plugin_handle h;
        char path[512], err[1024];
        snprintf(path, sizeof path, "%s/%s.so", SS_BUILD_PLUGIN_DIR, names[i]);
        if (access(path, F_OK) != 0)
            continue; /* not built in this configuration */
        if (ss_loader_open(path, 0, &h, err, sizeof err) != 0)
            fail_msg("%s", err);
        assert_int_equal(h.desc->abi_minor, SCIMSYNC_ABI_MINOR);
        assert_int_equal(h.desc->struct_size, sizeof(struct scimsync_plugin));
        assert_int_equal(h.desc->user_size, sizeof(struct scimsync_user));
        if (ss_key_limits_check_table(h.desc, err, sizeof err) != 0)
            fail_msg("%s", err);
        with_limits += h.desc->key_limits != NULL;
        ss_loader_close(&h);
    }
    assert_true(with_limits >= 2); /* at least csv and scim are always built */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ranges),           cmocka_unit_test(test_choices),
        cmocka_unit_test(test_section_messages), cmocka_unit_test(test_resolved_reference),
        cmocka_unit_test(test_table_checks),     cmocka_unit_test(test_in_tree_plugins),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
