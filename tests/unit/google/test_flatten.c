/* Directory API objects flattened into attributes, and the entry builder
 * that holds them. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "gw_util.h"

static const struct scimsync_attr *attr(const struct scimsync_entry *e, const char *name)
{
    for (size_t i = 0; i < e->nattrs; i++)
        if (strcmp(e->attrs[i].name, name) == 0)
            return &e->attrs[i];
    return NULL;
}

static void expect_values(const struct scimsync_entry *e, const char *name, size_t n, ...)
{
    const struct scimsync_attr *a = attr(e, name);
    va_list ap;
    if (!a)
        fail_msg("attribute %s is missing", name);
    assert_int_equal(a->nvalues, n);
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(a->values[i], va_arg(ap, const char *));
    va_end(ap);
}

static const char user_json[] =
    "{\"id\":\"1001\",\"primaryEmail\":\"zoe@example.com\","
    "\"name\":{\"givenName\":\"Zo\xc3\xab\",\"familyName\":\"\xc3\x85ngstr\xc3\xb6m\"},"
    "\"suspended\":false,\"isAdmin\":true,\"quota\":42,\"ratio\":0.5,\"thumb\":null,"
    "\"aliases\":[\"z@example.com\",\"zo@example.com\"],"
    "\"organizations\":[{\"title\":\"Volunteer\",\"department\":\"Club\"},"
    "  {\"title\":\"Engineer\",\"department\":\"Platform\",\"costCenter\":\"CC-1\","
    "   \"primary\":true,\"type\":\"work\"}],"
    "\"externalIds\":[{\"type\":\"account\",\"value\":\"A-9\"},"
    "  {\"type\":\"organization\",\"value\":\"E001\"},"
    "  {\"type\":\"custom\",\"customType\":\"badge\",\"value\":\"B-7\"}],"
    "\"phones\":[{\"type\":\"mobile\",\"value\":\"+1 555 0101\"},"
    "  {\"type\":\"work\",\"value\":\"+1 555 0100\",\"primary\":true}],"
    "\"relations\":[{\"type\":\"manager\",\"value\":\"boss@example.com\"}],"
    "\"customSchemas\":{\"HR\":{\"level\":\"L5\",\"tags\":[\"a\",\"b\"]}},"
    "\"deep\":{\"a\":{\"b\":{\"c\":{\"d\":{\"e\":{\"f\":{\"g\":\"too deep\"}}}}}}}}";

static void test_flatten_user(void **state)
{
    (void)state;
    struct ssp_entry_builder eb;
    json_object *u = json_tokener_parse(user_json);
    assert_non_null(u);
    ssp_eb_init(&eb, 1 << 20, 100);
    assert_int_equal(gw_flatten(&eb, u), 0);
    const struct scimsync_entry *e = ssp_eb_finish(&eb);
    assert_non_null(e);
    expect_values(e, "id", 1, "1001");
    expect_values(e, "name.givenName", 1, "Zo\xc3\xab");
    expect_values(e, "name.familyName", 1, "\xc3\x85ngstr\xc3\xb6m");
    expect_values(e, "suspended", 1, "false");
    expect_values(e, "isAdmin", 1, "true");
    expect_values(e, "quota", 1, "42");
    expect_values(e, "ratio", 1, "0.5");
    assert_null(attr(e, "thumb")); /* null: absent */
    expect_values(e, "aliases", 2, "z@example.com", "zo@example.com");
    /* the primary element first */
    expect_values(e, "organizations.title", 2, "Engineer", "Volunteer");
    expect_values(e, "organizations.department", 2, "Platform", "Club");
    expect_values(e, "organizations.costCenter", 1, "CC-1");
    expect_values(e, "organizations.work.title", 1, "Engineer");
    expect_values(e, "phones.value", 2, "+1 555 0100", "+1 555 0101");
    expect_values(e, "phones.mobile.value", 1, "+1 555 0101");
    /* by type, and by customType for "custom" */
    expect_values(e, "externalIds.organization.value", 1, "E001");
    expect_values(e, "externalIds.badge.value", 1, "B-7");
    expect_values(e, "externalIds.value", 3, "A-9", "E001", "B-7");
    expect_values(e, "relations.manager.value", 1, "boss@example.com");
    expect_values(e, "customSchemas.HR.level", 1, "L5");
    expect_values(e, "customSchemas.HR.tags", 2, "a", "b");
    assert_null(attr(e, "deep.a.b.c.d.e.f.g")); /* past the depth cap */
    json_object_put(u);
    ssp_eb_free(&eb);
}

static void test_user_active(void **state)
{
    (void)state;
    static const struct {
        const char *json;
        int active;
    } v[] = {{"{}", 1},
             {"{\"suspended\":false,\"archived\":false}", 1},
             {"{\"suspended\":true}", 0},
             {"{\"archived\":true,\"suspended\":false}", 0},
             /* json-c calls a non-empty string true; only a boolean counts */
             {"{\"suspended\":\"false\"}", 1}};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        json_object *o = json_tokener_parse(v[i].json);
        assert_int_equal(gw_user_active(o), v[i].active);
        json_object_put(o);
    }
}

static void test_builder(void **state)
{
    (void)state;
    struct ssp_entry_builder eb;
    ssp_eb_init(&eb, 1 << 20, 2);
    for (int round = 0; round < 3; round++) {
        ssp_eb_reset(&eb);
        assert_int_equal(ssp_eb_add_value(&eb, "b", "1"), 0);
        assert_int_equal(ssp_eb_add_value(&eb, "a", "x"), 0);
        assert_int_equal(ssp_eb_add_value(&eb, "b", "2"), 0);
        assert_string_equal(ssp_eb_get1(&eb, "B"), "1");
        assert_null(ssp_eb_get1(&eb, "c"));
        assert_int_equal(ssp_eb_add_member(&eb, "m1"), 0);
        assert_int_equal(ssp_eb_add_member(&eb, "m2"), 0);
        assert_int_equal(ssp_eb_add_member(&eb, "m3"), -2); /* members_limit */
        const struct scimsync_entry *e = ssp_eb_finish(&eb);
        assert_int_equal(e->nattrs, 2);
        assert_string_equal(e->attrs[0].name, "b"); /* order of first appearance */
        expect_values(e, "b", 2, "1", "2");
        expect_values(e, "a", 1, "x");
        assert_int_equal(e->nmembers, 2);
        assert_string_equal(e->members[1], "m2");
    }
    ssp_eb_reset(&eb);
    const struct scimsync_entry *e = ssp_eb_finish(&eb);
    assert_int_equal(e->nattrs, 0);
    assert_int_equal(e->nmembers, 0);
    ssp_eb_free(&eb);

    /* the arena limit: a refusal, not a crash */
    char *big = malloc(70000);
    memset(big, 'x', 69999);
    big[69999] = '\0';
    ssp_eb_init(&eb, 65536, 10);
    assert_int_equal(ssp_eb_add_value(&eb, "n", "small"), 0);
    assert_int_equal(ssp_eb_add_value(&eb, "n", big), -1);
    ssp_eb_free(&eb);
    free(big);
}

static void test_many_values(void **state)
{
    (void)state;
    struct ssp_entry_builder eb;
    char v[16];
    ssp_eb_init(&eb, 0, 0);
    for (int i = 0; i < 5000; i++) {
        snprintf(v, sizeof v, "%d", i);
        assert_int_equal(ssp_eb_add_value(&eb, i % 2 ? "odd" : "even", v), 0);
    }
    const struct scimsync_entry *e = ssp_eb_finish(&eb);
    assert_int_equal(e->nattrs, 2);
    assert_int_equal(attr(e, "odd")->nvalues, 2500);
    assert_string_equal(attr(e, "odd")->values[2499], "4999");
    ssp_eb_free(&eb);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_flatten_user),
        cmocka_unit_test(test_user_active),
        cmocka_unit_test(test_builder),
        cmocka_unit_test(test_many_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
