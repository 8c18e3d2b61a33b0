/* apply FILE through the in-process fake target (with find_users /
 * find_groups by id added here): a current plan is applied exactly, a stale one (a value changed,
 * an object gone, members changed, a planned create made meanwhile) exits
 * 9 without a single apply call, a failed read exits 2, and the safety
 * limits are evaluated again. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "fakes.h"
#include "log.h"
#include "plan_apply.h"
#include "plan_file.h"

struct world {
    struct fake_source src;
    struct fake_target tgt;
    struct fake_run run;
    struct scimsync_plugin desc; /* the fake target plus lookup */
    struct ss_engine_target target;
    char path[256];
    int fail_lookup;
    size_t lookups;
};

static struct world *g_world; /* lookup has no context of its own */

static void to_user(const struct fake_tuser *f, struct scimsync_user *u)
{
    memset(u, 0, sizeof(*u));
    u->id = f->id;
    u->external_id = f->ext;
    for (int k = 0; k < SCIMSYNC_F_COUNT; k++)
        u->field[k] = f->field[k];
    u->active = f->active;
}

/* find_users / find_groups over the fake target's slots, by target id,
 * externalId or name (names ASCII case-insensitive, as SCIM compares). */
static const char *user_key(const struct fake_tuser *f, enum scimsync_find_by by)
{
    return by == SCIMSYNC_FIND_ID            ? f->id
           : by == SCIMSYNC_FIND_EXTERNAL_ID ? f->ext
           : by == SCIMSYNC_FIND_USER_NAME   ? f->field[SCIMSYNC_F_USER_NAME]
                                             : NULL;
}

static int fake_find_users(void *inst, enum scimsync_find_by by, const char *value,
                           scimsync_user_cb cb, void *ctx)
{
    struct fake_target *t = inst;
    g_world->lookups++;
    if (g_world->fail_lookup)
        return SCIMSYNC_ERR_IO;
    for (size_t s = 0; s < t->nusers; s++) {
        const struct fake_tuser *f = &t->users[s];
        const char *v = user_key(f, by);
        if (f->live && v && strcasecmp(v, value) == 0) {
            struct scimsync_user u;
            to_user(f, &u);
            int r = cb(ctx, &u);
            if (r)
                return r;
        }
    }
    return 0;
}

static int fake_find_groups(void *inst, enum scimsync_find_by by, const char *value,
                            scimsync_group_cb cb, void *ctx)
{
    struct fake_target *t = inst;
    g_world->lookups++;
    if (g_world->fail_lookup)
        return SCIMSYNC_ERR_IO;
    for (size_t s = 0; s < t->ngroups; s++) {
        const struct fake_tgroup *g = &t->groups[s];
        const char *v = by == SCIMSYNC_FIND_ID             ? g->id
                        : by == SCIMSYNC_FIND_EXTERNAL_ID  ? g->ext
                        : by == SCIMSYNC_FIND_DISPLAY_NAME ? g->name
                                                           : NULL;
        if (g->live && v && strcasecmp(v, value) == 0) {
            struct scimsync_group gr = {g->id, g->ext, g->name};
            int r = cb(ctx, &gr);
            if (r)
                return r;
        }
    }
    return 0;
}

#define U(id, uname, title)                                                                        \
    fake_source_user(&w->src, id, "userName", uname, "givenName", "G", "familyName", "F",          \
                     "displayName", "G F", "title", title, NULL)

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    if (!w)
        return -1;
    fake_source_reset(&w->src);
    fake_run_init(&w->run, &w->src, &w->tgt);
    ss_log_set_level(SCIMSYNC_LOG_ERROR);
    w->desc = fake_target_plugin;
    w->desc.find_users = fake_find_users;
    w->desc.find_groups = fake_find_groups;
    w->run.tgt.plugin = &w->desc;
    w->target = w->run.tgt;
    snprintf(w->path, sizeof w->path, "/tmp/ss_plan_apply_%ld.plan", (long)getpid());
    g_world = w;
    /* synced once: a, b, c in eng; old */
    U("1", "a@x", "Eng");
    U("2", "b@x", "Eng");
    U("3", "c@x", "Eng");
    fake_source_group(&w->src, "g1", "eng", 0, "1", "2", "3", NULL);
    fake_source_group(&w->src, "g2", "old", 0, "1", NULL);
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    /* the next source: b's title, c gone, d new, old gone, new-team */
    fake_source_reset(&w->src);
    U("1", "a@x", "Eng");
    U("2", "b@x", "Boss");
    U("4", "d@x", "Eng");
    fake_source_group(&w->src, "g1", "eng", 0, "1", "2", "4", NULL);
    fake_source_group(&w->src, "g3", "new-team", 0, "2", NULL);
    w->run.opt.on_missing = SS_ON_MISSING_DELETE;
    w->run.opt.dry_run = 1;
    w->run.opt.plan_out = w->path;
    w->run.opt.target_identity = "fake";
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    w->run.opt.dry_run = 0;
    w->run.opt.plan_out = NULL;
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    unlink(w->path);
    fake_source_free(&w->src);
    fake_target_free(&w->tgt);
    fake_run_free(&w->run);
    free(w);
    return 0;
}

/* apply FILE as the CLI runs it, output to a memory stream. */
static int apply(struct world *w)
{
    struct ss_plan_file pf;
    char err[1024];
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    assert_int_equal(ss_plan_file_load(&pf, w->path, err, sizeof err), 0);
    assert_int_equal(ss_plan_file_check_target(&pf, w->path, "fake", "here", err, sizeof err), 0);
    w->run.opt.out = f;
    int rc = ss_engine_apply_plan(&pf, w->path, &w->target, &w->run.opt, &w->run.sum);
    fclose(f);
    w->run.opt.out = NULL;
    free(out);
    ss_plan_file_free(&pf);
    return rc;
}

static void test_current_plan_applied(void **state)
{
    struct world *w = *state;
    size_t calls = w->tgt.apply_calls;
    assert_int_equal(apply(w), SS_EXIT_OK);
    assert_true(w->tgt.apply_calls > calls);
    assert_string_equal(fake_target_user_by_name(&w->tgt, "b@x")->field[SCIMSYNC_F_TITLE], "Boss");
    assert_null(fake_target_user_by_name(&w->tgt, "c@x"));
    assert_non_null(fake_target_user_by_name(&w->tgt, "d@x"));
    assert_null(fake_target_group_by_name(&w->tgt, "old"));
    assert_true(fake_target_is_member(&w->tgt, "new-team", "b@x"));
    assert_true(fake_target_is_member(&w->tgt, "eng", "d@x"));
    assert_false(fake_target_is_member(&w->tgt, "eng", "c@x"));
    assert_int_equal(w->run.sum.users_created, 1);
    assert_int_equal(w->run.sum.users_deleted, 1);
    /* the same plan again: its creates are done (stale), nothing written */
    calls = w->tgt.apply_calls;
    assert_int_equal(apply(w), SS_EXIT_STALE);
    assert_int_equal(w->tgt.apply_calls, calls);
}

static void expect_stale(struct world *w)
{
    size_t calls = w->tgt.apply_calls;
    assert_int_equal(apply(w), SS_EXIT_STALE);
    assert_int_equal(w->tgt.apply_calls, calls);
}

static void test_value_changed(void **state)
{
    struct world *w = *state;
    struct fake_tuser *b = fake_target_user_by_name(&w->tgt, "b@x");
    free(b->field[SCIMSYNC_F_TITLE]);
    b->field[SCIMSYNC_F_TITLE] = strdup("Manager");
    expect_stale(w);
}

static void test_active_changed(void **state)
{
    struct world *w = *state;
    fake_target_user_by_name(&w->tgt, "c@x")->active = 0;
    expect_stale(w);
}

static void test_user_gone(void **state)
{
    struct world *w = *state;
    fake_target_user_by_name(&w->tgt, "c@x")->live = 0;
    expect_stale(w);
}

static void test_member_gone(void **state)
{
    struct world *w = *state;
    /* a, a member of eng whose members the plan changes, is gone */
    fake_target_user_by_name(&w->tgt, "a@x")->live = 0;
    expect_stale(w);
}

static void test_group_renamed(void **state)
{
    struct world *w = *state;
    struct fake_tgroup *g = fake_target_group_by_name(&w->tgt, "old");
    free(g->name);
    g->name = strdup("older");
    expect_stale(w);
}

static void test_members_changed(void **state)
{
    struct world *w = *state;
    struct fake_tgroup *g = fake_target_group_by_name(&w->tgt, "eng");
    size_t a = (size_t)(fake_target_user_by_name(&w->tgt, "a@x") - w->tgt.users);
    g->member[a] = 0;
    expect_stale(w);
}

static void test_created_meanwhile(void **state)
{
    struct world *w = *state;
    fake_target_add_user(&w->tgt, NULL, "D@x", "G", "F", "G F", 1); /* by name, any case */
    expect_stale(w);
}

static void test_group_created_meanwhile(void **state)
{
    struct world *w = *state;
    fake_target_add_group(&w->tgt, "g3", "someone-elses-name");
    expect_stale(w);
}

static void test_read_fails(void **state)
{
    struct world *w = *state;
    size_t calls = w->tgt.apply_calls;
    w->fail_lookup = 1;
    assert_int_equal(apply(w), SS_EXIT_READ);
    assert_int_equal(w->tgt.apply_calls, calls);
}

static void test_limits_again(void **state)
{
    struct world *w = *state;
    size_t calls = w->tgt.apply_calls;
    w->run.opt.safety.user_removals.count = 0; /* max_deletes = 0 */
    assert_int_equal(apply(w), SS_EXIT_SAFETY);
    assert_int_equal(w->tgt.apply_calls, calls);
    w->run.opt.safety.force_deletes = 1;
    assert_int_equal(apply(w), SS_EXIT_OK);
    assert_true(w->tgt.apply_calls > calls);
}

static void test_refused_sync_saves_its_plan(void **state)
{
    struct world *w = *state;
    char dir[] = "/tmp/ss_refused_XXXXXX";
    assert_non_null(mkdtemp(dir));
    w->run.opt.refused_plan_dir = dir;
    w->run.opt.safety.user_removals.count = 0;
    size_t calls = w->tgt.apply_calls;
    assert_int_equal(fake_run(&w->run), SS_EXIT_SAFETY);
    assert_int_equal(fake_run(&w->run), SS_EXIT_SAFETY); /* refused again: the same file */
    assert_int_equal(w->tgt.apply_calls, calls);
    /* one plan-HASH.json in the folder: the refused plan, applicable */
    char cmd[256], name[128] = "";
    snprintf(cmd, sizeof cmd, "ls %s", dir);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    assert_non_null(fgets(name, sizeof name, p));
    char more[128];
    assert_null(fgets(more, sizeof more, p)); /* and only one */
    pclose(p);
    name[strcspn(name, "\n")] = '\0';
    assert_int_equal(strncmp(name, "plan-", 5), 0);
    unlink(w->path); /* setup's plan file: the path now names the refused one */
    snprintf(w->path, sizeof w->path, "%s/%s", dir, name);
    w->run.opt.safety.force_deletes = 1;
    assert_int_equal(apply(w), SS_EXIT_OK);
    assert_null(fake_target_user_by_name(&w->tgt, "c@x"));
    unlink(w->path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_current_plan_applied, setup, teardown),
        cmocka_unit_test_setup_teardown(test_value_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_active_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_member_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_renamed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_members_changed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_created_meanwhile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_created_meanwhile, setup, teardown),
        cmocka_unit_test_setup_teardown(test_read_fails, setup, teardown),
        cmocka_unit_test_setup_teardown(test_limits_again, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refused_sync_saves_its_plan, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
