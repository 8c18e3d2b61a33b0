/* Extra attributes in the SCIM target: where each name goes, what each
 * profile accepts, the create and PATCH bodies (schemas listed), reading
 * them back; and the field table covering every schema field. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "scim_extra.h"
#include "scim_json.h"

#define CUSTOM "urn:example:params:scim:schemas:extension:acme:2.0:User"
#define ENT "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"

static void test_field_table(void **state)
{
    (void)state;
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++)
        assert_non_null(scim_user_attrs[f].attr); /* a field added to plugin.h needs a row */
}

static void test_resolve(void **state)
{
    struct scim_extra_path p;
    char why[300];
    (void)state;
    assert_int_equal(
        scim_extra_resolve("profileUrl", SCIM_PROFILE_GENERIC, NULL, &p, why, sizeof why), 0);
    assert_int_equal(p.place, SCIM_X_CORE);
    assert_int_equal(scim_extra_resolve("name.middleName", SCIM_PROFILE_IDENTITY_CENTER, NULL, &p,
                                        why, sizeof why),
                     0);
    assert_int_equal(p.place, SCIM_X_NAME);
    assert_string_equal(p.attr, "middleName");
    assert_int_equal(
        scim_extra_resolve("enterprise.site", SCIM_PROFILE_GENERIC, NULL, &p, why, sizeof why), 0);
    assert_int_equal(p.place, SCIM_X_ENTERPRISE);
    assert_int_equal(
        scim_extra_resolve("custom.badgeId", SCIM_PROFILE_GENERIC, CUSTOM, &p, why, sizeof why), 0);
    assert_int_equal(p.place, SCIM_X_CUSTOM);

    /* refused, with what is accepted */
    assert_int_equal(
        scim_extra_resolve("custom.badgeId", SCIM_PROFILE_GENERIC, NULL, &p, why, sizeof why), -1);
    assert_non_null(strstr(why, "custom.NAME needs the key custom_schema"));
    assert_int_equal(scim_extra_resolve("custom.badgeId", SCIM_PROFILE_IDENTITY_CENTER, CUSTOM, &p,
                                        why, sizeof why),
                     -1);
    assert_non_null(strstr(why, "Identity Center takes no custom schema"));
    assert_int_equal(scim_extra_resolve("enterprise.site", SCIM_PROFILE_IDENTITY_CENTER, NULL, &p,
                                        why, sizeof why),
                     -1);
    assert_int_equal(
        scim_extra_resolve("nickname2", SCIM_PROFILE_IDENTITY_CENTER, NULL, &p, why, sizeof why),
        -1);
    assert_int_equal(scim_extra_resolve("enterprise.costCenter", SCIM_PROFILE_GENERIC, NULL, &p,
                                        why, sizeof why),
                     -1);
    assert_string_equal(why, "enterprise.costCenter is the common field costCenter: map that "
                             "field instead");
    assert_int_equal(scim_extra_resolve("emails", SCIM_PROFILE_GENERIC, NULL, &p, why, sizeof why),
                     -1);
    assert_int_equal(
        scim_extra_resolve("name.givenName", SCIM_PROFILE_GENERIC, NULL, &p, why, sizeof why), -1);
    assert_int_equal(scim_extra_resolve("a.b", SCIM_PROFILE_GENERIC, NULL, &p, why, sizeof why),
                     -1);
}

static const struct scimsync_extra extras[] = {
    {"custom.badgeId", "B7", SCIMSYNC_EXTRA_CHANGED},
    {"enterprise.site", NULL, SCIMSYNC_EXTRA_CHANGED},
    {"profileUrl", "https://x/~a", 0},
    {"name.middleName", "Q", SCIMSYNC_EXTRA_CHANGED},
};

static struct scimsync_user sample(void)
{
    struct scimsync_user u = {0};
    u.external_id = "e1";
    u.field[SCIMSYNC_F_USER_NAME] = "a@x";
    u.field[SCIMSYNC_F_GIVEN_NAME] = "A";
    u.field[SCIMSYNC_F_FAMILY_NAME] = "B";
    u.field[SCIMSYNC_F_DISPLAY_NAME] = "A B";
    u.active = 1;
    u.extra = extras;
    u.nextra = sizeof extras / sizeof extras[0];
    return u;
}

static void test_create_body(void **state)
{
    struct scimsync_user u = sample();
    json_object *b = scim_user_create_body(&u), *v, *o;
    (void)state;
    assert_non_null(b);
    assert_int_equal(scim_extras_to_create(b, &u, CUSTOM), 0);
    assert_true(json_object_object_get_ex(b, CUSTOM, &o));
    assert_true(json_object_object_get_ex(o, "badgeId", &v));
    assert_string_equal(json_object_get_string(v), "B7");
    assert_false(json_object_object_get_ex(b, ENT, &o)); /* no value: not sent */
    assert_true(json_object_object_get_ex(b, "profileUrl", &v));
    assert_true(json_object_object_get_ex(b, "name", &o));
    assert_true(json_object_object_get_ex(o, "middleName", &v));
    assert_true(json_object_object_get_ex(o, "givenName", &v)); /* the field stays */
    assert_true(json_object_object_get_ex(b, "schemas", &v));
    assert_int_equal(json_object_array_length(v), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(v, 1)), CUSTOM);
    json_object_put(b);
}

static void test_patch_body(void **state)
{
    struct scimsync_user u = sample();
    size_t nops;
    (void)state;
    json_object *b = scim_user_patch_body(&u, SCIMSYNC_F_EXTRA_BIT, 0, &nops);
    assert_non_null(b);
    assert_int_equal(nops, 0);
    assert_int_equal(scim_extras_to_patch(b, &u, 0, CUSTOM, &nops), 0);
    assert_int_equal(nops, 3); /* profileUrl did not change */
    const char *text = scim_json_text(b);
    assert_non_null(
        strstr(text, "{\"op\":\"replace\",\"path\":\"" CUSTOM ":badgeId\",\"value\":\"B7\"}"));
    assert_non_null(strstr(text, "{\"op\":\"remove\",\"path\":\"" ENT ":site\"}"));
    assert_non_null(strstr(text, "\"path\":\"name.middleName\""));
    json_object_put(b);

    /* adoption: every one with a value, none removed */
    b = scim_user_patch_body(&u, 0, 0, &nops);
    assert_int_equal(scim_extras_to_patch(b, &u, 1, CUSTOM, &nops), 0);
    assert_int_equal(nops, 3);
    assert_null(strstr(scim_json_text(b), "remove"));
    json_object_put(b);
}

static void test_parse(void **state)
{
    static const char *const names[] = {"custom.badgeId",  "enterprise.site", "profileUrl",
                                        "name.middleName", "custom.absent",   NULL};
    json_object *res = json_tokener_parse(
        "{\"id\":\"1\",\"userName\":\"a@x\",\"profileUrl\":\"u\",\"name\":{\"middleName\":\"Q\"},"
        "\"" ENT "\":{\"site\":\"Paris\",\"costCenter\":\"c\"},\"" CUSTOM "\":{\"badgeId\":7}}");
    struct scimsync_extra x[8];
    (void)state;
    assert_non_null(res);
    size_t n = scim_extras_parse(res, names, CUSTOM, x, 8);
    assert_int_equal(n, 3); /* badgeId is not a string: not read */
    assert_string_equal(x[0].name, "enterprise.site");
    assert_string_equal(x[0].value, "Paris");
    assert_string_equal(x[1].value, "u");
    assert_string_equal(x[2].value, "Q");
    assert_int_equal(scim_extras_parse(res, names, CUSTOM, x, 1), 1); /* capped */
    json_object_put(res);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_field_table), cmocka_unit_test(test_resolve),
        cmocka_unit_test(test_create_body), cmocka_unit_test(test_patch_body),
        cmocka_unit_test(test_parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
