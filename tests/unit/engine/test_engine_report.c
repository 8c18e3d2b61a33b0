/* The run report and metrics of whole engine runs through the fake
 * plugins: counts, failures naming their objects, the plan inside the
 * --json report, the report file, the EMF line after the report. */
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
#include <unistd.h>

#include "fakes.h"
#include "log.h"
#include "scope.h"

#define U(id, uname, given, family)                                                                \
    fake_source_user(&w->src, id, "userName", uname, "givenName", given, "familyName", family,     \
                     "displayName", given " " family, NULL)

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!o || !json_object_object_get_ex(o, key, &v))
        return NULL;
    return v;
}

static long long num(json_object *o, const char *k1, const char *k2)
{
    json_object *v = member(k2 ? member(o, k1) : o, k2 ? k2 : k1);
    assert_non_null(v);
    return json_object_get_int64(v);
}

/* The failure of operation op on the object named name (userName or
 * displayName), NULL when there is none. */
static json_object *failure(json_object *rep, const char *op, const char *name)
{
    json_object *a = member(rep, "failures");
    for (size_t i = 0; a && i < json_object_array_length(a); i++) {
        json_object *f = json_object_array_get_idx(a, i);
        const char *u = json_object_get_string(member(f, "userName"));
        const char *d = json_object_get_string(member(f, "displayName"));
        if (!strcmp(json_object_get_string(member(f, "operation")), op) &&
            ((u && !strcmp(u, name)) || (d && !strcmp(d, name))))
            return f;
    }
    return NULL;
}

static void test_report_of_partial_run(void **state)
{
    struct fake_world *w = *state;
    char dir[] = "/tmp/ss_engine_report.XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/run.json", dir);
    U("1", "alice@x", "Alice", "Smith");
    U("2", "bob@x", "Bob", "Jones");
    U("3", "carol@x", "Carol", "King");
    fake_source_group(&w->src, "g1", "aws-admins", 0, "1", "2", NULL);
    fake_source_group(&w->src, "g2", "aws-devs", 0, "3", NULL);
    w->tgt.fail_group = "aws-admins";
    w->tgt.fail_user = "carol@x";
    w->run.opt.print_report = 1;
    w->run.opt.report_with_plan = 1;
    w->run.opt.report_path = path;
    w->run.opt.command = "sync";
    w->run.opt.metrics_emf = 1;
    assert_int_equal(fake_run(&w->run), SS_EXIT_PARTIAL);

    /* stdout: the report, then the EMF line */
    json_tokener *tok = json_tokener_new();
    json_object *rep = json_tokener_parse_ex(tok, w->run.out, (int)w->run.outlen);
    assert_non_null(rep);
    const char *rest = w->run.out + json_tokener_get_parse_end(tok);
    json_tokener_free(tok);
    json_object *emf = json_tokener_parse(rest);
    assert_non_null(emf);
    assert_int_equal(num(emf, "RunFailed", NULL), 1);
    assert_int_equal(num(emf, "FailedOperations", NULL), 2);
    /* both member ops: aws-admins was not created, aws-devs' only user neither */
    assert_int_equal(num(emf, "NotAttemptedOperations", NULL), 2);
    json_object_put(emf);

    assert_int_equal(num(rep, "exit_code", NULL), SS_EXIT_PARTIAL);
    assert_int_equal(num(rep, "changes", "users") >= 0, 1);
    json_object *users = member(member(rep, "changes"), "users");
    json_object *groups = member(member(rep, "changes"), "groups");
    json_object *mships = member(member(rep, "changes"), "memberships");
    assert_int_equal(num(users, "created", NULL), 2);
    assert_int_equal(num(users, "failed", NULL), 1);
    assert_int_equal(num(groups, "created", NULL), 1);
    assert_int_equal(num(groups, "failed", NULL), 1);
    /* member values: alice and bob into aws-admins, carol into aws-devs */
    assert_int_equal(num(mships, "not_attempted", NULL), 3);
    assert_int_equal(num(mships, "added", NULL), 0); /* carol was not created */
    assert_int_equal(num(rep, "failures_total", NULL), 4);

    json_object *f = failure(rep, "create_user", "carol@x");
    assert_non_null(f);
    assert_string_equal(json_object_get_string(member(f, "externalId")), "3");
    assert_string_equal(json_object_get_string(member(f, "kind")), "user");
    assert_false(json_object_get_boolean(member(f, "not_attempted")));
    assert_non_null(json_object_get_string(member(f, "detail")));
    f = failure(rep, "create_group", "aws-admins");
    assert_non_null(f);
    assert_string_equal(json_object_get_string(member(f, "externalId")), "g1");
    f = failure(rep, "add_members", "aws-admins");
    assert_non_null(f);
    assert_true(json_object_get_boolean(member(f, "not_attempted")));
    assert_int_equal(num(f, "members", NULL), 2);
    assert_true(json_object_is_type(member(f, "http_status"), json_type_null));
    f = failure(rep, "add_members", "aws-devs");
    assert_non_null(f); /* its only member, carol, was not created */

    assert_int_equal(num(rep, "planned", "users_create"), 3);
    assert_int_equal(json_object_array_length(member(member(rep, "plan"), "ops")), 3 + 2 + 2);
    assert_int_equal(num(rep, "source", "entries_read"), 5);

    /* the file: the same report without the plan */
    FILE *fp = fopen(path, "r");
    assert_non_null(fp);
    char buf[65536];
    size_t n = fread(buf, 1, sizeof buf - 1, fp);
    fclose(fp);
    buf[n] = '\0';
    json_object *saved = json_tokener_parse(buf);
    assert_non_null(saved);
    assert_null(member(saved, "plan"));
    assert_string_equal(json_object_get_string(member(saved, "run_id")),
                        json_object_get_string(member(rep, "run_id")));
    assert_int_equal(num(saved, "failures_total", NULL), 4);
    json_object_put(saved);
    json_object_put(rep);
    unlink(path);
    rmdir(dir);
}

/* A dry run: the report with the plan, dry_run set, no apply phase, no
 * EMF line (metrics are for syncs). */
static void test_report_of_plan(void **state)
{
    struct fake_world *w = *state;
    U("1", "alice@x", "Alice", "Smith");
    w->run.opt.dry_run = 1;
    w->run.opt.command = "plan";
    w->run.opt.print_report = 1;
    w->run.opt.metrics_emf = 1;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    json_object *rep = json_tokener_parse(w->run.out);
    assert_non_null(rep);
    assert_true(json_object_get_boolean(member(rep, "dry_run")));
    assert_string_equal(json_object_get_string(member(rep, "command")), "plan");
    assert_true(json_object_is_type(member(member(rep, "phase_seconds"), "apply"), json_type_null));
    assert_null(member(rep, "plan")); /* print_report without report_with_plan */
    assert_null(strchr(w->run.out, '\n') + 1 < w->run.out + w->run.outlen ? "two lines" : NULL);
    json_object_put(rep);
}

/* Entries the scope lists leave alone are counted apart from skips. */
static void test_report_out_of_scope(void **state)
{
    struct fake_world *w = *state;
    struct ss_scope scope;
    memset(&scope, 0, sizeof scope);
    assert_int_equal(ss_scope_parse_list("breakglass-*", &scope.ignore_users, &scope.nignore_users),
                     0);
    U("1", "alice@x", "Alice", "Smith");
    U("2", "breakglass-1", "Break", "Glass");
    fake_target_add_user(&w->tgt, "", "breakglass-2", "Break", "Glass", "Break Glass", 1);
    w->run.opt.scope = &scope;
    w->run.opt.print_report = 1;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    json_object *rep = json_tokener_parse(w->run.out);
    assert_non_null(rep);
    json_object *skipped = member(member(rep, "source"), "skipped");
    assert_int_equal(num(skipped, "out_of_scope_users", NULL), 1);
    assert_int_equal(num(skipped, "total", NULL), 0);
    assert_int_equal(num(rep, "target", "out_of_scope_users"), 1);
    assert_int_equal(num(member(member(rep, "changes"), "users"), "created", NULL), 1);
    json_object_put(rep);
    ss_scope_free(&scope);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_report_of_partial_run, fake_world_setup,
                                        fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_report_of_plan, fake_world_setup, fake_world_teardown),
        cmocka_unit_test_setup_teardown(test_report_out_of_scope, fake_world_setup,
                                        fake_world_teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
