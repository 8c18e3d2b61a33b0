/* The string map behind DN -> id lookups and visited sets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include <cmocka.h>

#include "ldap_util.h"

static void test_put_get(void **state)
{
    (void)state;
    struct ssp_map m;
    const char *v = NULL;
    ssp_map_init(&m, 100000);
    assert_int_equal(ssp_map_get(&m, "x", &v), 0);
    assert_int_equal(ssp_map_put(&m, "cn=a", "id-a"), 0);
    assert_int_equal(ssp_map_put(&m, "cn=b", NULL), 0);
    assert_int_equal(ssp_map_get(&m, "cn=a", &v), 1);
    assert_string_equal(v, "id-a");
    assert_int_equal(ssp_map_get(&m, "cn=b", &v), 1);
    assert_null(v);
    assert_int_equal(ssp_map_put(&m, "cn=a", "id-a2"), 0);
    assert_int_equal(ssp_map_get(&m, "cn=a", &v), 1);
    assert_string_equal(v, "id-a2");
    assert_int_equal(m.count, 2);
    /* growth keeps every key */
    char key[32], val[32];
    for (int i = 0; i < 50000; i++) {
        snprintf(key, sizeof key, "k%d", i);
        snprintf(val, sizeof val, "v%d", i);
        assert_int_equal(ssp_map_put(&m, key, val), 0);
    }
    for (int i = 0; i < 50000; i += 997) {
        snprintf(key, sizeof key, "k%d", i);
        snprintf(val, sizeof val, "v%d", i);
        assert_int_equal(ssp_map_get(&m, key, &v), 1);
        assert_string_equal(v, val);
    }
    assert_int_equal(m.count, 50002);
    ssp_map_free(&m);
}

static void test_limit(void **state)
{
    (void)state;
    struct ssp_map m;
    ssp_map_init(&m, 2);
    assert_int_equal(ssp_map_put(&m, "a", NULL), 0);
    assert_int_equal(ssp_map_put(&m, "b", NULL), 0);
    assert_int_equal(ssp_map_put(&m, "c", NULL), -2);
    assert_int_equal(ssp_map_put(&m, "a", "replace is fine"), 0);
    ssp_map_free(&m);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_put_get),
        cmocka_unit_test(test_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
