/* Secret references: env:, file:, unknown schemes and literals. */
/* cmocka needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "secrets.h"
#include "secrets_schemes.h"

static char g_dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/ss_secrets_test.XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    return 0;
}

static int teardown(void **state)
{
    char cmd[128];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static void put(const char *name, const char *data, size_t len, mode_t mode, char *path,
                size_t pathlen)
{
    FILE *fp;
    snprintf(path, pathlen, "%s/%s", g_dir, name);
    fp = fopen(path, "w");
    assert_non_null(fp);
    assert_int_equal(fwrite(data, 1, len, fp), len);
    fclose(fp);
    chmod(path, mode);
}

static void test_is_reference(void **state)
{
    (void)state;
    assert_true(ss_secret_is_reference("env:X"));
    assert_true(ss_secret_is_reference("file:/x"));
    assert_true(ss_secret_is_reference("aws-ssm:/p"));
    assert_true(ss_secret_is_reference("aws-secretsmanager:name#key"));
    assert_false(ss_secret_is_reference("hunter2"));
    assert_false(ss_secret_is_reference("ENV:X"));
    assert_false(ss_secret_is_reference(""));
    assert_false(ss_secret_is_reference(NULL));
}

static void test_env(void **state)
{
    char err[256];
    char *v = NULL;
    (void)state;

    setenv("SS_TEST_SECRET", "s3cret value", 1);
    assert_int_equal(ss_secret_resolve("env:SS_TEST_SECRET", &v, err, sizeof(err)), 0);
    assert_string_equal(v, "s3cret value");
    free(v);

    unsetenv("SS_TEST_UNSET");
    assert_true(ss_secret_resolve("env:SS_TEST_UNSET", &v, err, sizeof(err)) < 0);
    assert_null(v);
    assert_string_equal(err, "environment variable SS_TEST_UNSET is not set");

    setenv("SS_TEST_EMPTY", "", 1);
    assert_true(ss_secret_resolve("env:SS_TEST_EMPTY", &v, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "is empty"));
}

static void test_file(void **state)
{
    char err[256], path[128], ref[160];
    char *v = NULL;
    (void)state;

    put("one", "abc\n", 4, 0600, path, sizeof(path));
    snprintf(ref, sizeof(ref), "file:%s", path);
    assert_int_equal(ss_secret_resolve(ref, &v, err, sizeof(err)), 0);
    assert_string_equal(v, "abc");
    free(v);

    /* only ONE trailing newline goes (CRLF counts as one) */
    put("two", "abc\n\n", 5, 0600, path, sizeof(path));
    snprintf(ref, sizeof(ref), "file:%s", path);
    assert_int_equal(ss_secret_resolve(ref, &v, err, sizeof(err)), 0);
    assert_string_equal(v, "abc\n");
    free(v);
    put("crlf", "abc\r\n", 5, 0600, path, sizeof(path));
    snprintf(ref, sizeof(ref), "file:%s", path);
    assert_int_equal(ss_secret_resolve(ref, &v, err, sizeof(err)), 0);
    assert_string_equal(v, "abc");
    free(v);

    /* readable by others: still works (a warning is logged) */
    put("open", "xyz", 3, 0644, path, sizeof(path));
    snprintf(ref, sizeof(ref), "file:%s", path);
    assert_int_equal(ss_secret_resolve(ref, &v, err, sizeof(err)), 0);
    assert_string_equal(v, "xyz");
    free(v);
    v = NULL;

    put("empty", "\n", 1, 0600, path, sizeof(path));
    snprintf(ref, sizeof(ref), "file:%s", path);
    assert_true(ss_secret_resolve(ref, &v, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "empty"));

    put("nul", "a\0b", 3, 0600, path, sizeof(path));
    snprintf(ref, sizeof(ref), "file:%s", path);
    assert_true(ss_secret_resolve(ref, &v, err, sizeof(err)) < 0);

    snprintf(ref, sizeof(ref), "file:%s/missing", g_dir);
    assert_true(ss_secret_resolve(ref, &v, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "No such file"));
    assert_null(v);
}

/* Writable by group or others: refused, the message names the file and
 * the mode; the value never comes back. */
static void test_file_writable_refused(void **state)
{
    static const mode_t modes[] = {0602, 0666, 0620, 0660, 0622};
    char err[256], path[128], ref[160], want[32];
    char *v = NULL;
    (void)state;

    for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
        put("w", "topsecret", 9, modes[i], path, sizeof(path));
        snprintf(ref, sizeof(ref), "file:%s", path);
        err[0] = '\0';
        assert_true(ss_secret_resolve(ref, &v, err, sizeof(err)) < 0);
        assert_null(v);
        assert_non_null(strstr(err, path));
        snprintf(want, sizeof(want), "(mode %03o)", (unsigned)modes[i]);
        assert_non_null(strstr(err, want));
        assert_non_null(
            strstr(err, (modes[i] & 02) ? "writable by every user" : "writable by its group"));
        assert_null(strstr(err, "topsecret"));
    }
    /* read-only for group and others still works */
    put("ro", "topsecret", 9, 0644, path, sizeof(path));
    snprintf(ref, sizeof(ref), "file:%s", path);
    assert_int_equal(ss_secret_resolve(ref, &v, err, sizeof(err)), 0);
    assert_string_equal(v, "topsecret");
    free(v);
    put("ro2", "topsecret", 9, 0440, path, sizeof(path));
    snprintf(ref, sizeof(ref), "file:%s", path);
    assert_int_equal(ss_secret_resolve(ref, &v, err, sizeof(err)), 0);
    free(v);
}

static void test_file_too_large(void **state)
{
    char err[256], path[128], ref[160];
    char *big = malloc(SS_SECRET_MAX + 10);
    char *v = NULL;
    (void)state;

    memset(big, 'k', SS_SECRET_MAX + 10);
    put("big", big, SS_SECRET_MAX + 10, 0600, path, sizeof(path));
    free(big);
    snprintf(ref, sizeof(ref), "file:%s", path);
    assert_true(ss_secret_resolve(ref, &v, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "larger than"));
    assert_null(v);
}

static void test_literal_and_empty(void **state)
{
    char err[256];
    char *v = NULL;
    (void)state;

    assert_true(ss_secret_resolve("hunter2", &v, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "not a secret reference"));
    assert_null(strstr(err, "hunter2")); /* never echoed */
    assert_true(ss_secret_resolve("env:", &v, err, sizeof(err)) < 0);
    assert_non_null(strstr(err, "empty env: reference"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_is_reference),
        cmocka_unit_test(test_env),
        cmocka_unit_test_setup_teardown(test_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_writable_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_too_large, setup, teardown),
        cmocka_unit_test(test_literal_and_empty),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
