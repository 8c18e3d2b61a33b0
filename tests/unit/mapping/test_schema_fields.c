/* The schema field list (SCIMSYNC_USER_FIELDS in plugin.h) is the one
 * source: the enum, the names, the default mapping, and the
 * documentation all follow it. */
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
#include "model.h"

static void test_names_follow_the_list(void **state)
{
    (void)state;
    int f = 0;
#define CHECK_FIELD(id, name)                                                                      \
    assert_int_equal(SCIMSYNC_F_##id, f);                                                          \
    assert_string_equal(ss_user_field_name(f), name);                                              \
    assert_int_equal(ss_user_field_by_name(name), f);                                              \
    f++;
    SCIMSYNC_USER_FIELDS(CHECK_FIELD)
#undef CHECK_FIELD
    assert_int_equal(f, SCIMSYNC_F_COUNT);
    /* the enum values are ABI: the first and the last stay where they were */
    assert_int_equal(SCIMSYNC_F_USER_NAME, 0);
    assert_int_equal(SCIMSYNC_F_PHONE, 17);
    assert_null(ss_user_field_name(SCIMSYNC_F_COUNT));
}

static void test_default_mapping_is_identity(void **state)
{
    (void)state;
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        char want[128];
        snprintf(want, sizeof want, "%s=${%s}", ss_user_field_name(f), ss_user_field_name(f));
        assert_string_equal(ss_default_mapping[f], want);
    }
}

/* docs/configuration.md has a row "| `name` |" for every field. */
static void test_documented(void **state)
{
    FILE *fp = fopen(SS_DOCS_DIR "/configuration.md", "r");
    char *text;
    long n;
    (void)state;
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    rewind(fp);
    text = calloc(1, (size_t)n + 1);
    assert_non_null(text);
    assert_int_equal(fread(text, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        char row[96];
        snprintf(row, sizeof row, "\n| `%s` |", ss_user_field_name(f));
        if (!strstr(text, row))
            fail_msg("docs/configuration.md has no row for field %s", ss_user_field_name(f));
    }
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_names_follow_the_list),
        cmocka_unit_test(test_default_mapping_is_identity),
        cmocka_unit_test(test_documented),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
