/* Plan output: text golden strings and JSON that parses. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "log.h"
#include "plan.h"
#include "plan_print.h"

struct world {
    struct ss_dir src, tgt;
    struct ss_diff_policy opt;
    struct ss_plan plan;
    char *out;
    size_t outlen;
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    if (!w)
        return -1;
    ss_dir_init(&w->src);
    ss_dir_init(&w->tgt);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    ss_plan_free(&w->plan);
    ss_dir_free(&w->src);
    ss_dir_free(&w->tgt);
    free(w->out);
    free(w);
    return 0;
}

static struct ss_user_rec *user(struct ss_dir *d, const char *id, const char *ext,
                                const char *uname, const char *display, const char *title)
{
    struct ss_user_rec *u = ss_dir_add_user(d);
    u->id = id;
    u->external_id = ext;
    u->field[SCIMSYNC_F_USER_NAME] = uname;
    u->field[SCIMSYNC_F_GIVEN_NAME] = "G";
    u->field[SCIMSYNC_F_FAMILY_NAME] = "F";
    u->field[SCIMSYNC_F_DISPLAY_NAME] = display;
    u->field[SCIMSYNC_F_TITLE] = title;
    u->active = 1;
    u->managed = (1u << SCIMSYNC_F_COUNT) - 1u;
    return u;
}

static void group(struct ss_dir *d, const char *id, const char *ext, const char *name)
{
    struct ss_group_rec *g = ss_dir_add_group(d);
    g->id = id;
    g->external_id = ext;
    g->display_name = name;
}

static void build(struct world *w, struct ss_pair *sp, size_t nsp, struct ss_pair *tp, size_t ntp)
{
    assert_int_equal(ss_dir_set_members(&w->src, sp, nsp), 0);
    assert_int_equal(ss_dir_set_members(&w->tgt, tp, ntp), 0);
    w->tgt.members_known = calloc(w->tgt.ngroups + 1, 1);
    memset(w->tgt.members_known, 1, w->tgt.ngroups);
    assert_int_equal(ss_plan_init(&w->plan, &w->src, &w->tgt), 0);
    assert_int_equal(ss_diff(&w->src, &w->tgt, &w->opt, &w->plan), 0);
}

static const char *print(struct world *w, int json)
{
    free(w->out);
    FILE *f = open_memstream(&w->out, &w->outlen);
    assert_non_null(f);
    assert_int_equal(json ? ss_plan_print_json(&w->plan, f) : ss_plan_print_text(&w->plan, f), 0);
    fclose(f);
    return w->out;
}

static void test_text_golden(void **state)
{
    struct world *w = *state;
    user(&w->src, NULL, "1", "alice@x", "Alice Smith", NULL);
    user(&w->src, NULL, "2", "bob@x", "Bob", "b \"quoted\"");
    user(&w->tgt, "t2", "2", "bob@x", "Bob", "a");
    user(&w->tgt, "t3", "3", "carol@x", "Carol", NULL);
    group(&w->src, NULL, "g1", "aws-admins");
    group(&w->src, NULL, "g2", "new");
    group(&w->tgt, "T2", "g2", "old");
    group(&w->tgt, "T3", "g3", "gone");
    struct ss_pair sp[] = {{0, 0}, {0, 1}, {1, 1}};
    struct ss_pair tp[] = {{0, 1}};
    build(w, sp, 3, tp, 1);
    assert_string_equal(print(w, 0),
                        "+ user alice@x (Alice Smith)\n"
                        "~ user bob@x: title \"a\" -> \"b \\\"quoted\\\"\"\n"
                        "+ group aws-admins\n"
                        "~ group old -> new\n"
                        "+ member aws-admins: alice@x\n"
                        "+ member aws-admins: bob@x\n"
                        "+ member new: bob@x\n"
                        "- member new: carol@x\n"
                        "- user carol@x (deactivate)\n"
                        "- group gone\n"
                        "Plan: users 1 to create, 1 to update, 1 to deactivate, 0 to delete; "
                        "groups 1 to create, 1 to rename, 1 to delete; members 3 to add, 1 to "
                        "remove; 0 manager fix-ups.\n");
}

static void test_large_member_list_summarized(void **state)
{
    struct world *w = *state;
    static char names[20][16];
    struct ss_pair sp[20];
    for (int i = 0; i < 20; i++) {
        snprintf(names[i], sizeof(names[i]), "u%02d@x", i);
        user(&w->src, NULL, names[i] + 1, names[i], "U", NULL);
        sp[i] = (struct ss_pair){0, (uint32_t)i};
    }
    group(&w->src, NULL, "g", "big");
    build(w, sp, 20, NULL, 0);
    const char *out = print(w, 0);
    assert_non_null(strstr(out, "+ member big: 20 users: u00@x, u01@x, u02@x, ... (17 more)\n"));
    assert_null(strstr(out, "+ member big: u05@x"));
}

static void test_no_changes(void **state)
{
    struct world *w = *state;
    build(w, NULL, 0, NULL, 0);
    assert_string_equal(print(w, 0), "No changes.\n");
}

static void test_json_parses(void **state)
{
    struct world *w = *state;
    user(&w->src, NULL, "1", "alice@x", "Alice \"A\" Smith\n", NULL);
    user(&w->src, NULL, "2", "bob@x", "Bob", "new");
    user(&w->tgt, "t2", "2", "bob@x", "Bob", NULL);
    group(&w->src, NULL, "g1", "admins");
    struct ss_pair sp[] = {{0, 0}, {0, 1}};
    build(w, sp, 2, NULL, 0);
    json_object *root = json_tokener_parse(print(w, 1));
    assert_non_null(root);
    json_object *ops, *op, *v, *ch, *title, *from;
    assert_true(json_object_object_get_ex(root, "ops", &ops));
    assert_int_equal(json_object_array_length(ops), 4);
    op = json_object_array_get_idx(ops, 0);
    assert_true(json_object_object_get_ex(op, "op", &v));
    assert_string_equal(json_object_get_string(v), "create_user");
    assert_true(json_object_object_get_ex(op, "attributes", &v));
    assert_true(json_object_object_get_ex(v, "displayName", &v));
    assert_string_equal(json_object_get_string(v), "Alice \"A\" Smith\n");
    op = json_object_array_get_idx(ops, 1);
    assert_true(json_object_object_get_ex(op, "changes", &ch));
    assert_true(json_object_object_get_ex(ch, "title", &title));
    assert_true(json_object_object_get_ex(title, "from", &from));
    assert_null(from); /* JSON null */
    op = json_object_array_get_idx(ops, 3);
    assert_true(json_object_object_get_ex(op, "members", &v));
    assert_int_equal(json_object_array_length(v), 2);
    json_object_put(root);
}

static void test_summary(void **state)
{
    (void)state;
    struct ss_summary s = {.users_created = 2, .failed = 1, .skipped = 3};
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    ss_summary_print(&s, 1, f);
    fclose(f);
    json_object *root = json_tokener_parse(buf);
    assert_non_null(root);
    json_object *sum, *v;
    assert_true(json_object_object_get_ex(root, "summary", &sum));
    assert_true(json_object_object_get_ex(sum, "skipped", &v));
    assert_int_equal(json_object_get_int(v), 3);
    json_object_put(root);
    free(buf);
}

int main(void)
{
    ss_log_set_level(-1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_text_golden, setup, teardown),
        cmocka_unit_test_setup_teardown(test_large_member_list_summarized, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_changes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_json_parses, setup, teardown),
        cmocka_unit_test(test_summary),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
