/* Saved plan files: a plan rendered and parsed back prints the same, and
 * every kind of bad file (bad version, truncated, tampered, another
 * target, indexes out of range) is refused naming the file and the field. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ss/hash.h>

#include "diff.h"
#include "log.h"
#include "plan.h"
#include "plan_file.h"
#include "plan_print.h"

#define NAME "test.plan"
#define IDENTITY "scim https://scim.eu-west-1.amazonaws.com/t-1/scim/v2/"

struct world {
    struct ss_dir src, tgt;
    struct ss_engine_options opt;
    struct ss_endpoint_info target, source;
    struct ss_plan plan;
    char *text; /* the rendered file */
};

static struct ss_user_rec *user(struct ss_dir *d, const char *id, const char *ext,
                                const char *uname, const char *title)
{
    struct ss_user_rec *u = ss_dir_add_user(d);
    u->id = id;
    u->external_id = ext;
    u->field[SCIMSYNC_F_USER_NAME] = uname;
    u->field[SCIMSYNC_F_GIVEN_NAME] = "G";
    u->field[SCIMSYNC_F_FAMILY_NAME] = "F";
    u->field[SCIMSYNC_F_DISPLAY_NAME] = uname;
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

/* Source: a, b (title changed), d (new); groups eng (a, d), new-team (b).
 * Target: a, b, c (gone from the source); eng (a, b, c), old (deleted). */
static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    if (!w)
        return -1;
    ss_dir_init(&w->src);
    ss_dir_init(&w->tgt);
    user(&w->src, NULL, "e-a", "a@x", "Eng");
    user(&w->src, NULL, "e-b", "b@x", "Boss");
    user(&w->src, NULL, "e-d", "d@x", "Eng");
    group(&w->src, NULL, "g-eng", "eng");
    group(&w->src, NULL, "g-new", "new-team");
    user(&w->tgt, "t-a", "e-a", "a@x", "Eng");
    user(&w->tgt, "t-b", "e-b", "b@x", "Eng");
    user(&w->tgt, "t-c", "e-c", "c@x", "Eng");
    group(&w->tgt, "tg-eng", "g-eng", "eng");
    group(&w->tgt, "tg-old", "g-old", "old");
    struct ss_pair sp[] = {{0, 0}, {0, 2}, {1, 1}};
    struct ss_pair tp[] = {{0, 0}, {0, 1}, {0, 2}};
    assert_int_equal(ss_dir_set_members(&w->src, sp, 3), 0);
    assert_int_equal(ss_dir_set_members(&w->tgt, tp, 3), 0);
    w->tgt.members_known = calloc(w->tgt.ngroups, 1);
    memset(w->tgt.members_known, 1, w->tgt.ngroups);
    ss_safety_policy_off(&w->opt.safety);
    w->opt.on_missing = SS_ON_MISSING_DELETE;
    w->target = (struct ss_endpoint_info){"idc", "scim", "https://scim.example/t-1/scim/v2/"};
    w->source = (struct ss_endpoint_info){"hr", "csv", "/srv/users.csv"};
    w->opt.target_info = &w->target;
    w->opt.source_info = &w->source;
    w->opt.nsource_info = 1;
    w->opt.target_identity = IDENTITY;
    assert_int_equal(ss_plan_init(&w->plan, &w->src, &w->tgt), 0);
    struct ss_diff_policy pol = {.on_missing = w->opt.on_missing};
    assert_int_equal(ss_diff(&w->src, &w->tgt, &pol, &w->plan), 0);
    w->text = ss_plan_file_render(&w->plan, &w->opt);
    assert_non_null(w->text);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    ss_plan_free(&w->plan);
    ss_dir_free(&w->src);
    ss_dir_free(&w->tgt);
    free(w->text);
    free(w);
    return 0;
}

static char *print_text(const struct ss_plan *p)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    assert_int_equal(ss_plan_print_text(p, f), 0);
    fclose(f);
    return buf;
}

/* Parses text and expects an error containing want (and the file name). */
static void expect_error(const char *text, const char *want)
{
    struct ss_plan_file pf;
    char err[1024] = "";
    int rc = ss_plan_file_parse(&pf, NAME, text, strlen(text), err, sizeof err);
    ss_plan_file_free(&pf);
    if (rc == 0 || !strstr(err, want) || strncmp(err, NAME ": ", strlen(NAME ": ")) != 0)
        fail_msg("want an error with \"%s\", got %d: %s", want, rc, err);
}

/* Text with one substitution (which must occur). */
static char *replaced(const char *text, const char *from, const char *to)
{
    const char *at = strstr(text, from);
    assert_non_null(at);
    size_t n = strlen(text) - strlen(from) + strlen(to);
    char *out = malloc(n + 1);
    assert_non_null(out);
    memcpy(out, text, (size_t)(at - text));
    strcpy(out + (at - text), to);
    strcat(out, at + strlen(from));
    return out;
}

/* The document with the plan member edited by edit() and the checksum
 * recomputed as the writer computes it: the content checks must catch
 * what the checksum cannot (a hand-made file). */
static char *resealed(const char *text, void (*edit)(json_object *plan))
{
    json_object *root = json_tokener_parse(text), *plan;
    assert_non_null(root);
    assert_true(json_object_object_get_ex(root, "plan", &plan));
    edit(plan);
    const char *s = json_object_to_json_string_ext(plan, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE);
    char sum[32];
    snprintf(sum, sizeof sum, "fnv1a64:%016" PRIx64, ss_hash_mix64(ss_hash_fnv1a(s, strlen(s))));
    json_object_object_add(root, "checksum", json_object_new_string(sum));
    char *out = strdup(json_object_to_json_string_ext(root, JSON_C_TO_STRING_PRETTY));
    json_object_put(root);
    return out;
}

static void test_round_trip(void **state)
{
    struct world *w = *state;
    struct ss_plan_file pf;
    char err[1024] = "";
    struct ss_plan_counts a, b;

    assert_int_equal(ss_plan_file_parse(&pf, NAME, w->text, strlen(w->text), err, sizeof err), 0);
    ss_plan_count(&w->plan, &a);
    ss_plan_count(&pf.plan, &b);
    assert_int_equal(a.total_ops, b.total_ops);
    assert_true(a.total_ops >= 6);
    assert_int_equal(b.users_create, 1);
    assert_int_equal(b.users_update, 1);
    assert_int_equal(b.users_delete, 1);
    assert_int_equal(b.groups_create, 1);
    assert_int_equal(b.groups_delete, 1);
    assert_int_equal(b.owned_users, a.owned_users);
    assert_int_equal(b.managed_members, a.managed_members);
    assert_int_equal(b.ngroup_losses, a.ngroup_losses);
    /* the same plan, printed the same (no header without options) */
    char *t1 = print_text(&w->plan), *t2 = print_text(&pf.plan);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    /* what apply sends: the same target ids */
    assert_non_null(pf.binding);
    assert_string_equal(pf.target.section, "idc");
    assert_string_equal(pf.sources[0].location, "/srv/users.csv");
    assert_int_equal(pf.source_users, 3);
    assert_int_equal(pf.source_groups, 2);
    /* the updated user is checked by values, the deleted one too */
    for (size_t i = 0; i < pf.tgt.nusers; i++) {
        const struct ss_user_rec *u = &pf.tgt.users[i];
        if (strcmp(u->id, "t-b") == 0 || strcmp(u->id, "t-c") == 0)
            assert_int_equal(pf.tuser_check[i], SS_PF_CHECK_VALUES);
        assert_true(pf.tuser_hash[i] ==
                    ss_plan_file_user_hash(u->id, u->external_id, u->field, u->active));
    }
    /* eng loses c: its members were recorded (3 then) */
    int seen = 0;
    for (size_t i = 0; i < pf.tgt.ngroups; i++) {
        if (strcmp(pf.tgt.groups[i].id, "tg-eng") == 0) {
            assert_int_equal(pf.tgroup_nmembers[i], 3);
            seen = 1;
        }
    }
    assert_true(seen);
    assert_int_equal(ss_plan_file_check_target(&pf, NAME, IDENTITY, "here", err, sizeof err), 0);
    ss_plan_file_free(&pf);
}

static void test_rendered_twice_the_same(void **state)
{
    struct world *w = *state;
    struct ss_plan_file pf;
    char err[1024];
    assert_int_equal(ss_plan_file_parse(&pf, NAME, w->text, strlen(w->text), err, sizeof err), 0);
    struct ss_engine_options opt = w->opt;
    char *again = ss_plan_file_render(&pf.plan, &opt);
    assert_non_null(again);
    struct ss_plan_file pf2;
    assert_int_equal(ss_plan_file_parse(&pf2, NAME, again, strlen(again), err, sizeof err), 0);
    char *t1 = print_text(&pf.plan), *t2 = print_text(&pf2.plan);
    assert_string_equal(t1, t2);
    free(t1);
    free(t2);
    free(again);
    ss_plan_file_free(&pf2);
    ss_plan_file_free(&pf);
}

static void test_wrong_target(void **state)
{
    struct world *w = *state;
    struct ss_plan_file pf;
    char err[1024];
    assert_int_equal(ss_plan_file_parse(&pf, NAME, w->text, strlen(w->text), err, sizeof err), 0);
    assert_int_equal(ss_plan_file_check_target(&pf, NAME, "scim https://other/t-2/scim/v2/",
                                               "[target prod]", err, sizeof err),
                     -1);
    assert_non_null(
        strstr(err, NAME ": plan.target.binding: the plan was made for another target"));
    assert_non_null(strstr(err, "https://scim.example/t-1/scim/v2/"));
    assert_non_null(strstr(err, "[target prod]"));
    ss_plan_file_free(&pf);
}

static void test_bad_version(void **state)
{
    struct world *w = *state;
    char *t = replaced(w->text, "\"version\": 1", "\"version\": 2");
    expect_error(t, NAME ": version: 2 is not supported (this scimsync reads version 1)");
    free(t);
    t = replaced(w->text, "\"version\": 1", "\"version\": \"1\"");
    expect_error(t, NAME ": version: missing or not an integer");
    free(t);
    t = replaced(w->text, "\"format\": \"scimsync-plan\"", "\"format\": \"terraform\"");
    expect_error(t, NAME ": format: \"terraform\" is not a scimsync plan");
    free(t);
}

static void test_truncated(void **state)
{
    struct world *w = *state;
    size_t n = strlen(w->text);
    for (size_t cut = 0; cut < n; cut += n / 17 + 1) {
        char *t = strndup(w->text, cut);
        struct ss_plan_file pf;
        char err[1024] = "";
        assert_int_equal(ss_plan_file_parse(&pf, NAME, t, cut, err, sizeof err), -1);
        assert_non_null(strstr(err, NAME ": "));
        ss_plan_file_free(&pf);
        free(t);
    }
    char *t = strndup(w->text, n / 2);
    expect_error(t, NAME ": (document): ends early");
    free(t);
    expect_error("{\"format\": 1} x", "(document): text after the JSON document");
    expect_error("[1, 2]", "(document): not a JSON object");
}

static void test_tampered(void **state)
{
    struct world *w = *state;
    char *t = replaced(w->text, "\"Boss\"", "\"Chief\"");
    expect_error(t, NAME ": checksum: does not match the content");
    free(t);
    t = replaced(w->text, "\"checksum\": \"fnv1a64:", "\"checksum\": \"md5:");
    expect_error(t, NAME ": checksum: must be \"fnv1a64:\" and 16 hex digits");
    free(t);
}

static void edit_target_title(json_object *plan)
{
    json_object *users, *u, *fields;
    json_object_object_get_ex(plan, "targetUsers", &users);
    u = json_object_array_get_idx(users, 0);
    json_object_object_get_ex(u, "fields", &fields);
    json_object_object_add(fields, "title", json_object_new_string("Edited"));
}

static void edit_op_index(json_object *plan)
{
    json_object *ops, *op;
    json_object_object_get_ex(plan, "operations", &ops);
    op = json_object_array_get_idx(ops, 0);
    json_object_object_add(op, "user", json_object_new_int(99));
}

static void edit_op_wave(json_object *plan)
{
    json_object *ops, *op;
    json_object_object_get_ex(plan, "operations", &ops);
    op = json_object_array_get_idx(ops, 0);
    json_object_object_add(op, "wave", json_object_new_string("delete_groups"));
}

static void edit_field_name(json_object *plan)
{
    json_object *users, *u, *fields;
    json_object_object_get_ex(plan, "sourceUsers", &users);
    u = json_object_array_get_idx(users, 0);
    json_object_object_get_ex(u, "fields", &fields);
    json_object_object_add(fields, "password", json_object_new_string("x"));
}

static void edit_drop_binding(json_object *plan)
{
    json_object *target;
    json_object_object_get_ex(plan, "target", &target);
    json_object_object_del(target, "binding");
}

static void test_resealed_content_checks(void **state)
{
    struct world *w = *state;
    char *t = resealed(w->text, edit_target_title);
    expect_error(t, NAME ": plan.targetUsers[0].hash: does not match the user's values");
    free(t);
    t = resealed(w->text, edit_op_index);
    expect_error(t, NAME ": plan.operations[0].user: 99 is not an entry of plan.sourceUsers");
    free(t);
    t = resealed(w->text, edit_op_wave);
    expect_error(t, NAME ": plan.operations[0].op: create_user does not belong to the wave");
    free(t);
    t = resealed(w->text, edit_field_name);
    expect_error(t, NAME ": plan.sourceUsers[0].fields: unknown field password");
    free(t);
    t = resealed(w->text, edit_drop_binding);
    expect_error(t, NAME ": plan.target.binding: missing");
    free(t);
}

static void test_load_file(void **state)
{
    struct world *w = *state;
    char path[] = "/tmp/ss_plan_file_XXXXXX";
    int fd = mkstemp(path);
    struct ss_plan_file pf;
    char err[1024] = "";
    assert_true(fd >= 0);
    close(fd);
    assert_int_equal(ss_plan_file_write(&w->plan, &w->opt, path), 0);
    assert_int_equal(ss_plan_file_load(&pf, path, err, sizeof err), 0);
    ss_plan_file_free(&pf);
    unlink(path);
    assert_int_equal(ss_plan_file_load(&pf, path, err, sizeof err), -1);
    assert_non_null(strstr(err, path));
    assert_non_null(strstr(err, "cannot open"));
    ss_plan_file_free(&pf);
}

static void test_no_secret_in_file(void **state)
{
    struct world *w = *state;
    /* the endpoint info never holds credentials; the identity is hashed */
    assert_null(strstr(w->text, IDENTITY));
    assert_null(strstr(w->text, "scim.eu-west-1"));
    /* an identity carrying credentials is only ever hashed */
    struct ss_engine_options opt = w->opt;
    opt.target_identity = "scim https://admin:s3cr3t-bind-pw@scim.example/t-1/scim/v2/";
    char *text = ss_plan_file_render(&w->plan, &opt);
    assert_non_null(text);
    assert_null(strstr(text, "s3cr3t-bind-pw"));
    free(text);
}

int main(void)
{
    ss_log_set_level(SCIMSYNC_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_rendered_twice_the_same, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wrong_target, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_version, setup, teardown),
        cmocka_unit_test_setup_teardown(test_truncated, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tampered, setup, teardown),
        cmocka_unit_test_setup_teardown(test_resealed_content_checks, setup, teardown),
        cmocka_unit_test_setup_teardown(test_load_file, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_secret_in_file, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
