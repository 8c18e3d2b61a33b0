/* Every allocation of the pure helpers fails in turn: each must report the
 * failure and leave nothing allocated (run under ASan / valgrind for the
 * leak half).  malloc & co are wrapped at link time (tests/support/alloc_fail.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc_fail.h"

#include "ldap_util.h"
#include "ssp_entry.h"

static int map_scenario(void)
{
    struct ssp_map m;
    char key[32];
    int rc = 0;
    ssp_map_init(&m, 1000);
    for (int i = 0; i < 300 && rc == 0; i++) {
        snprintf(key, sizeof key, "cn=user %d,dc=x", i);
        rc = ssp_map_put(&m, key, i % 2 ? "id" : NULL) == 0 ? 0 : -1;
    }
    if (rc == 0 && (!ssp_map_get(&m, "cn=user 299,dc=x", NULL) || m.count != 300))
        rc = -2;
    ssp_map_free(&m);
    return rc;
}

static int builder_scenario(void)
{
    struct ssp_entry_builder eb, eb2;
    const char *vals[] = {"a", "b", "c"};
    struct scimsync_entry *c = NULL;
    int rc = 0;
    ssp_eb_init(&eb, 1 << 20, 10000);
    ssp_eb_init(&eb2, 1 << 20, 10000);
    for (int round = 0; round < 2 && rc == 0; round++) {
        ssp_eb_reset(&eb);
        eb.entry.id = ssp_eb_strdup(&eb, "id");
        eb.entry.where = ssp_eb_strdup(&eb, "cn=x");
        if (!eb.entry.id || !eb.entry.where)
            rc = -1;
        for (int i = 0; i < 40 && rc == 0; i++)
            rc = ssp_eb_add_attr(&eb, "attr", vals, 3) == 0 ? 0 : -1;
        for (int i = 0; i < 600 && rc == 0; i++)
            rc = ssp_eb_add_member(&eb, "cn=member,dc=x") == 0 ? 0 : -1;
    }
    if (rc == 0) {
        ssp_eb_finish(&eb);
        c = ssp_entry_clone(&eb.entry);
        if (!c || ssp_eb_load(&eb2, c) < 0)
            rc = -1;
    }
    free(c);
    ssp_eb_free(&eb);
    ssp_eb_free(&eb2);
    return rc;
}

static int text_scenario(void)
{
    char *words[8];
    char *a = lsrc_filter_escape("x*(y)"), *b = lsrc_pattern_filter("cn", "aws-*(x)");
    char *c = lsrc_filter_and("(a=1)", "(b=2)"), *d = lsrc_base64((const unsigned char *)"abc", 3);
    int n = lsrc_split_words("one two three", words, 8);
    int rc = (a && b && c && d && n == 3) ? 0 : -1;
    for (int i = 0; i < n; i++)
        free(words[i]);
    free(a);
    free(b);
    free(c);
    free(d);
    return rc;
}

static void test_map(void **state)
{
    (void)state;
    alloc_fail_each(map_scenario, 4);
}

static void test_builder(void **state)
{
    (void)state;
    alloc_fail_each(builder_scenario, 4);
}

static void test_text(void **state)
{
    (void)state;
    alloc_fail_each(text_scenario, 4);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_map),
        cmocka_unit_test(test_builder),
        cmocka_unit_test(test_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
