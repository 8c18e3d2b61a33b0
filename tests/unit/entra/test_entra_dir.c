/* The directory model: merging list and delta items, the compact state
 * form, and scope (transitive users, synced and nesting-only groups). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "entra_logic.h"

static void merge_user(struct entra_dir *d, const char *json)
{
    json_object *o = json_tokener_parse(json);
    assert_non_null(o);
    assert_int_equal(entra_dir_merge_user(d, o), 0);
    json_object_put(o);
}

static void merge_group(struct entra_dir *d, const char *json, size_t *ignored)
{
    json_object *o = json_tokener_parse(json);
    assert_non_null(o);
    assert_int_equal(entra_dir_merge_group(d, o, ignored), 0);
    json_object_put(o);
}

static const char *attr(struct entra_dir *d, const char *id, const char *name)
{
    json_object *u, *v;
    if (!json_object_object_get_ex(d->users, id, &u) || !json_object_object_get_ex(u, name, &v))
        return NULL;
    return json_object_get_string(v);
}

static int has_member(struct entra_dir *d, const char *gid, const char *kind, const char *id)
{
    json_object *g, *set;
    return json_object_object_get_ex(d->groups, gid, &g) &&
           json_object_object_get_ex(g, kind, &set) && json_object_object_get_ex(set, id, NULL);
}

static void test_merge_user(void **st)
{
    (void)st;
    struct entra_dir d;
    assert_int_equal(entra_dir_init(&d), 0);
    merge_user(&d, "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u1\","
                   "\"displayName\":\"Zoë\",\"accountEnabled\":false,\"mail\":null,"
                   "\"businessPhones\":[\"+1 1\",\"+1 2\"],"
                   "\"employeeOrgData\":{\"costCenter\":\"CC1\",\"division\":null},"
                   "\"manager\":{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"m1\"}}");
    assert_string_equal(attr(&d, "u1", "displayName"), "Zoë");
    assert_string_equal(attr(&d, "u1", "accountEnabled"), "false");
    assert_null(attr(&d, "u1", "mail"));
    assert_null(attr(&d, "u1", "@odata.type"));
    assert_string_equal(attr(&d, "u1", "employeeOrgData.costCenter"), "CC1");
    assert_null(attr(&d, "u1", "employeeOrgData.division"));
    assert_string_equal(attr(&d, "u1", "manager"), "m1");
    assert_string_equal(attr(&d, "u1", "businessPhones"), "[ \"+1 1\", \"+1 2\" ]");
    /* a delta item: only what changed; null clears; absent stays */
    merge_user(&d, "{\"id\":\"u1\",\"accountEnabled\":true,\"employeeOrgData\":null,"
                   "\"manager@delta\":[{\"id\":\"m2\"}]}");
    assert_string_equal(attr(&d, "u1", "displayName"), "Zoë");
    assert_string_equal(attr(&d, "u1", "accountEnabled"), "true");
    assert_null(attr(&d, "u1", "employeeOrgData.costCenter"));
    assert_string_equal(attr(&d, "u1", "manager"), "m2");
    merge_user(&d, "{\"id\":\"u1\",\"manager@delta\":[{\"id\":\"m2\",\"@removed\":"
                   "{\"reason\":\"deleted\"}}]}");
    assert_null(attr(&d, "u1", "manager"));
    merge_user(&d, "{\"id\":\"u1\",\"@removed\":{\"reason\":\"changed\"}}");
    assert_false(json_object_object_get_ex(d.users, "u1", NULL));
    json_object *noid = json_tokener_parse("{\"displayName\":\"x\"}");
    assert_int_equal(entra_dir_merge_user(&d, noid), -1);
    json_object_put(noid);
    entra_dir_free(&d);
}

static void test_merge_group(void **st)
{
    (void)st;
    struct entra_dir d;
    size_t ignored = 0;
    assert_int_equal(entra_dir_init(&d), 0);
    /* an initial round may split one group's members over two items */
    merge_group(&d,
                "{\"id\":\"g1\",\"displayName\":\"aws-a\",\"members@delta\":["
                "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u1\"},"
                "{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"g2\"},"
                "{\"@odata.type\":\"#microsoft.graph.device\",\"id\":\"d1\"}]}",
                &ignored);
    merge_group(&d,
                "{\"id\":\"g1\",\"members@delta\":["
                "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u2\"}]}",
                &ignored);
    assert_int_equal(ignored, 1);
    assert_true(has_member(&d, "g1", "u", "u1"));
    assert_true(has_member(&d, "g1", "u", "u2"));
    assert_true(has_member(&d, "g1", "g", "g2"));
    assert_false(has_member(&d, "g1", "u", "d1"));
    merge_group(&d,
                "{\"id\":\"g1\",\"displayName\":\"aws-b\",\"members@delta\":["
                "{\"id\":\"u1\",\"@removed\":{\"reason\":\"deleted\"}}]}",
                NULL);
    assert_false(has_member(&d, "g1", "u", "u1"));
    assert_true(has_member(&d, "g1", "u", "u2"));
    json_object *g, *n;
    json_object_object_get_ex(d.groups, "g1", &g);
    assert_true(json_object_object_get_ex(g, "n", &n));
    assert_string_equal(json_object_get_string(n), "aws-b");
    /* list members */
    json_object *m =
        json_tokener_parse("{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u9\"}");
    assert_int_equal(entra_dir_add_member(&d, "g3", m), 1);
    json_object_put(m);
    assert_true(has_member(&d, "g3", "u", "u9"));
    merge_group(&d, "{\"id\":\"g1\",\"@removed\":{\"reason\":\"deleted\"}}", NULL);
    assert_false(json_object_object_get_ex(d.groups, "g1", NULL));
    entra_dir_free(&d);
}

static void test_save_load(void **st)
{
    (void)st;
    struct entra_dir d, e;
    char *sel = NULL, *ul = NULL, *gl = NULL;
    time_t at = 0;
    assert_int_equal(entra_dir_init(&d), 0);
    merge_user(&d, "{\"id\":\"u1\",\"displayName\":\"Zoë \\\"Z\\\"\",\"manager\":{\"id\":\"u2\"},"
                   "\"businessPhones\":[\"1\",\"2\"]}");
    merge_user(&d, "{\"id\":\"u2\",\"mail\":\"b@x\"}");
    merge_group(&d,
                "{\"id\":\"g1\",\"displayName\":\"aws\",\"members@delta\":["
                "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u1\"},"
                "{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"g2\"}]}",
                NULL);
    merge_group(&d, "{\"id\":\"g2\"}", NULL); /* no name */
    char *text = entra_dir_save(&d, "id,mail", 1234, "https://g/u?$deltatoken=1",
                                "https://g/g?$deltatoken=2");
    assert_non_null(text);
    /* attribute names once, not per user */
    assert_non_null(strstr(text, "\"ua\":["));
    assert_null(strstr(text, "\"mail\":\"b@x\""));
    assert_int_equal(entra_dir_load(&e, text, &sel, &at, &ul, &gl), 0);
    assert_string_equal(sel, "id,mail");
    assert_int_equal(at, 1234);
    assert_string_equal(ul, "https://g/u?$deltatoken=1");
    assert_string_equal(gl, "https://g/g?$deltatoken=2");
    assert_string_equal(attr(&e, "u1", "displayName"), "Zoë \"Z\"");
    assert_string_equal(attr(&e, "u1", "manager"), "u2");
    assert_null(attr(&e, "u1", "mail"));
    assert_string_equal(attr(&e, "u2", "mail"), "b@x");
    assert_true(has_member(&e, "g1", "u", "u1"));
    assert_true(has_member(&e, "g1", "g", "g2"));
    /* the same model saves to the same text */
    char *again = entra_dir_save(&e, "id,mail", 1234, ul, gl);
    assert_string_equal(again, text);
    free(again);
    free(text);
    free(sel);
    free(ul);
    free(gl);
    entra_dir_free(&e);
    entra_dir_free(&d);
    /* anything else is refused, never half loaded */
    const char *bad[] = {"",
                         "[]",
                         "{\"v\":2}",
                         "{\"v\":1,\"sel\":\"a\",\"ul\":\"u\",\"gl\":\"g\","
                         "\"full_at\":1,\"ua\":[\"a\"],\"u\":{\"x\":[1,2]},\"g\":{}}",
                         "{\"v\":1,\"sel\":\"a\",\"ul\":\"u\",\"gl\":\"g\",\"full_at\":1,"
                         "\"ua\":[],\"u\":{},\"g\":{\"g\":[null,[1],[]]}}",
                         NULL};
    for (int i = 0; bad[i]; i++) {
        e.users = e.groups = NULL;
        assert_int_equal(entra_dir_load(&e, bad[i], &sel, &at, &ul, &gl), -1);
        assert_null(e.users);
        assert_null(sel);
    }
}

static void test_scope(void **st)
{
    (void)st;
    struct entra_dir d;
    json_object *synced, *helpers;
    assert_int_equal(entra_dir_init(&d), 0);
    /* aws-a > ops > aws-a (a cycle); aws-b > contractors > deep; other */
    merge_group(&d,
                "{\"id\":\"a\",\"displayName\":\"AWS-A\",\"members@delta\":["
                "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u1\"},"
                "{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"ops\"}]}",
                NULL);
    merge_group(&d,
                "{\"id\":\"ops\",\"displayName\":\"ops\",\"members@delta\":["
                "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u2\"},"
                "{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"a\"}]}",
                NULL);
    merge_group(&d,
                "{\"id\":\"b\",\"displayName\":\"aws-b\",\"members@delta\":["
                "{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"con\"}]}",
                NULL);
    merge_group(&d,
                "{\"id\":\"con\",\"displayName\":\"contractors\",\"members@delta\":["
                "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u3\"},"
                "{\"@odata.type\":\"#microsoft.graph.group\",\"id\":\"deep\"}]}",
                NULL);
    merge_group(&d,
                "{\"id\":\"other\",\"displayName\":\"marketing\",\"members@delta\":["
                "{\"@odata.type\":\"#microsoft.graph.user\",\"id\":\"u4\"}]}",
                NULL);
    json_object *users = entra_dir_transitive_users(&d, "a");
    assert_int_equal(json_object_object_length(users), 2);
    assert_true(json_object_object_get_ex(users, "u1", NULL));
    assert_true(json_object_object_get_ex(users, "u2", NULL));
    json_object_put(users);
    users = entra_dir_transitive_users(&d, "nope");
    assert_int_equal(json_object_object_length(users), 0);
    json_object_put(users);

    assert_int_equal(entra_dir_pick_groups(&d, "aws-*", &synced, &helpers), 0);
    assert_int_equal(json_object_object_length(synced), 2); /* case-insensitive */
    assert_true(json_object_object_get_ex(synced, "a", NULL));
    assert_true(json_object_object_get_ex(synced, "b", NULL));
    /* nesting only: ops, contractors and deep (not read yet) */
    assert_int_equal(json_object_object_length(helpers), 3);
    assert_true(json_object_object_get_ex(helpers, "ops", NULL));
    assert_true(json_object_object_get_ex(helpers, "con", NULL));
    assert_true(json_object_object_get_ex(helpers, "deep", NULL));
    json_object_put(synced);
    json_object_put(helpers);
    assert_int_equal(entra_dir_pick_groups(&d, NULL, &synced, &helpers), 0);
    assert_int_equal(json_object_object_length(synced), 5);
    assert_int_equal(json_object_object_length(helpers), 1); /* deep: no name */
    json_object_put(synced);
    json_object_put(helpers);
    entra_dir_free(&d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_merge_user),
        cmocka_unit_test(test_merge_group),
        cmocka_unit_test(test_save_load),
        cmocka_unit_test(test_scope),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
