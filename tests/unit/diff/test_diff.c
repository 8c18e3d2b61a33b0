/* Diff rules on hand-built snapshots: creates, changed-only updates,
 * deactivate once, delete, ignore, ownership, adoption, renames and
 * membership set differences. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "log.h"
#include "plan.h"
#include "scope.h"

struct world {
    struct ss_dir src, tgt;
    struct ss_pair spairs[64], tpairs[64];
    size_t nsp, ntp;
    struct ss_diff_policy opt;
    struct ss_plan plan;
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
    free(w);
    return 0;
}

#define ALL_FIELDS ((1u << SCIMSYNC_F_COUNT) - 1u)

static uint32_t src_user(struct world *w, const char *ext, const char *uname, const char *title)
{
    struct ss_user_rec *u = ss_dir_add_user(&w->src);
    u->external_id = ext;
    u->field[SCIMSYNC_F_USER_NAME] = uname;
    u->field[SCIMSYNC_F_GIVEN_NAME] = "G";
    u->field[SCIMSYNC_F_FAMILY_NAME] = "F";
    u->field[SCIMSYNC_F_DISPLAY_NAME] = "G F";
    u->field[SCIMSYNC_F_TITLE] = title;
    u->active = 1;
    u->managed = ALL_FIELDS;
    u->where = "test";
    return (uint32_t)(w->src.nusers - 1);
}

static uint32_t tgt_user(struct world *w, const char *id, const char *ext, const char *uname,
                         const char *title, int active)
{
    struct ss_user_rec *u = ss_dir_add_user(&w->tgt);
    u->id = id;
    u->external_id = ext;
    u->field[SCIMSYNC_F_USER_NAME] = uname;
    u->field[SCIMSYNC_F_GIVEN_NAME] = "G";
    u->field[SCIMSYNC_F_FAMILY_NAME] = "F";
    u->field[SCIMSYNC_F_DISPLAY_NAME] = "G F";
    u->field[SCIMSYNC_F_TITLE] = title;
    u->field[SCIMSYNC_F_LOCALE] = "en"; /* unmapped fields are never touched */
    u->active = active;
    return (uint32_t)(w->tgt.nusers - 1);
}

static uint32_t src_group(struct world *w, const char *ext, const char *name)
{
    struct ss_group_rec *g = ss_dir_add_group(&w->src);
    g->external_id = ext;
    g->display_name = name;
    return (uint32_t)(w->src.ngroups - 1);
}

static uint32_t tgt_group(struct world *w, const char *id, const char *ext, const char *name)
{
    struct ss_group_rec *g = ss_dir_add_group(&w->tgt);
    g->id = id;
    g->external_id = ext;
    g->display_name = name;
    return (uint32_t)(w->tgt.ngroups - 1);
}

static void diff(struct world *w)
{
    assert_int_equal(ss_dir_set_members(&w->src, w->spairs, w->nsp), 0);
    assert_int_equal(ss_dir_set_members(&w->tgt, w->tpairs, w->ntp), 0);
    w->tgt.members_known = calloc(w->tgt.ngroups + 1, 1);
    memset(w->tgt.members_known, 1, w->tgt.ngroups);
    /* src lists members as user indexes; remove all users from src field
     * locale so the LOCALE field is not managed. */
    for (size_t i = 0; i < w->src.nusers; i++)
        w->src.users[i].managed &= ~(1u << SCIMSYNC_F_LOCALE);
    assert_int_equal(ss_plan_init(&w->plan, &w->src, &w->tgt), 0);
    assert_int_equal(ss_diff(&w->src, &w->tgt, &w->opt, &w->plan), 0);
}

static void test_create_update_changed_only(void **state)
{
    struct world *w = *state;
    src_user(w, "1", "alice@x", "Engineer");
    src_user(w, "2", "bob@x", "Boss");
    src_user(w, "3", "carol@x", NULL);
    tgt_user(w, "t2", "2", "bob@x", "Intern", 1);
    tgt_user(w, "t3", "3", "carol@x", NULL, 0);
    diff(w);
    assert_int_equal(w->plan.nops[SS_WAVE_CREATE_USERS], 1);
    assert_int_equal(w->plan.ops[SS_WAVE_CREATE_USERS][0].user, 0);
    assert_int_equal(w->plan.nops[SS_WAVE_UPDATE_USERS], 2);
    assert_int_equal(w->plan.ops[SS_WAVE_UPDATE_USERS][0].changed, 1u << SCIMSYNC_F_TITLE);
    assert_int_equal(w->plan.ops[SS_WAVE_UPDATE_USERS][1].changed, SCIMSYNC_F_ACTIVE_BIT);
    assert_int_equal(w->plan.nops[SS_WAVE_REMOVE_USERS], 0);
}

static void test_missing_users(void **state)
{
    struct world *w = *state;
    tgt_user(w, "t1", "1", "gone-active@x", NULL, 1);
    tgt_user(w, "t2", "2", "gone-inactive@x", NULL, 0);
    tgt_user(w, "t3", NULL, "hand-made@x", NULL, 1);
    tgt_user(w, "t4", "", "empty-ext@x", NULL, 1);
    diff(w);
    /* deactivate: only the active one; unowned never. */
    assert_int_equal(w->plan.nops[SS_WAVE_REMOVE_USERS], 1);
    assert_int_equal(w->plan.ops[SS_WAVE_REMOVE_USERS][0].kind, SCIMSYNC_OP_DEACTIVATE_USER);
    assert_int_equal(w->plan.ops[SS_WAVE_REMOVE_USERS][0].user, 0);
    assert_int_equal(w->plan.owned_users, 2);
    ss_plan_free(&w->plan);

    w->opt.on_missing = SS_ON_MISSING_DELETE;
    assert_int_equal(ss_plan_init(&w->plan, &w->src, &w->tgt), 0);
    assert_int_equal(ss_diff(&w->src, &w->tgt, &w->opt, &w->plan), 0);
    assert_int_equal(w->plan.nops[SS_WAVE_REMOVE_USERS], 2);
    assert_int_equal(w->plan.ops[SS_WAVE_REMOVE_USERS][1].kind, SCIMSYNC_OP_DELETE_USER);
    ss_plan_free(&w->plan);

    w->opt.on_missing = SS_ON_MISSING_IGNORE;
    assert_int_equal(ss_plan_init(&w->plan, &w->src, &w->tgt), 0);
    assert_int_equal(ss_diff(&w->src, &w->tgt, &w->opt, &w->plan), 0);
    assert_int_equal(w->plan.nops[SS_WAVE_REMOVE_USERS], 0);
}

static void test_protected_and_blocked(void **state)
{
    struct world *w = *state;
    src_user(w, "1", "alice@x", NULL);
    tgt_user(w, "t1", NULL, "ALICE@x", NULL, 1); /* unowned, same name */
    tgt_user(w, "t2", "2", "skipped@x", NULL, 1);
    tgt_user(w, "t3", "3", "dup-a@x", NULL, 1);
    tgt_user(w, "t4", "3", "dup-b@x", NULL, 1);
    assert_int_equal(ss_strmap_put(&w->src.skipped_user_ext, "2", 0, NULL), 0);
    diff(w);
    assert_int_equal(w->plan.blocked, 1);
    assert_int_equal(w->plan.nops[SS_WAVE_CREATE_USERS], 0);
    assert_int_equal(w->plan.nops[SS_WAVE_REMOVE_USERS], 0); /* skipped + ambiguous kept */
    ss_plan_free(&w->plan);

    w->opt.adopt = 1;
    assert_int_equal(ss_plan_init(&w->plan, &w->src, &w->tgt), 0);
    assert_int_equal(ss_diff(&w->src, &w->tgt, &w->opt, &w->plan), 0);
    assert_int_equal(w->plan.nops[SS_WAVE_CREATE_USERS], 1);
    assert_int_equal(w->plan.ops[SS_WAVE_CREATE_USERS][0].adopt, 1);
    assert_int_equal(w->plan.ops[SS_WAVE_CREATE_USERS][0].tuser, 0);
}

static void test_groups_and_members(void **state)
{
    struct world *w = *state;
    uint32_t a = src_user(w, "1", "a@x", NULL);
    uint32_t b = src_user(w, "2", "b@x", NULL);
    uint32_t c = src_user(w, "3", "c@x", NULL);
    uint32_t ta = tgt_user(w, "ta", "1", "a@x", NULL, 1);
    uint32_t tb = tgt_user(w, "tb", "2", "b@x", NULL, 1);
    uint32_t tx = tgt_user(w, "tx", NULL, "hand@x", NULL, 1);
    uint32_t to = tgt_user(w, "to", "9", "orphan@x", NULL, 1);
    uint32_t g1 = src_group(w, "g1", "new-name");
    uint32_t g2 = src_group(w, "g2", "fresh");
    uint32_t tg1 = tgt_group(w, "T1", "g1", "old-name");
    tgt_group(w, "T9", "g9", "gone");
    tgt_group(w, "TX", NULL, "not-ours");
    w->spairs[w->nsp++] = (struct ss_pair){g1, a};
    w->spairs[w->nsp++] = (struct ss_pair){g1, c};
    w->spairs[w->nsp++] = (struct ss_pair){g2, b};
    w->tpairs[w->ntp++] = (struct ss_pair){tg1, ta};
    w->tpairs[w->ntp++] = (struct ss_pair){tg1, tb};
    w->tpairs[w->ntp++] = (struct ss_pair){tg1, tx};
    w->tpairs[w->ntp++] = (struct ss_pair){tg1, to};
    diff(w);
    assert_int_equal(w->plan.nops[SS_WAVE_RENAME_GROUPS], 1);
    assert_int_equal(w->plan.nops[SS_WAVE_CREATE_GROUPS], 1);
    assert_int_equal(w->plan.ops[SS_WAVE_CREATE_GROUPS][0].group, g2);
    assert_int_equal(w->plan.nops[SS_WAVE_DELETE_GROUPS], 1);
    assert_int_equal(w->plan.ops[SS_WAVE_DELETE_GROUPS][0].group, 1);
    /* adds: c to g1, b to g2 */
    assert_int_equal(w->plan.nops[SS_WAVE_ADD_MEMBERS], 2);
    assert_int_equal(w->plan.ops[SS_WAVE_ADD_MEMBERS][0].nmembers, 1);
    assert_int_equal(w->plan.ops[SS_WAVE_ADD_MEMBERS][0].members[0], c);
    /* removes from g1: b (ours) and the orphan; never hand@x */
    assert_int_equal(w->plan.nops[SS_WAVE_REMOVE_MEMBERS], 1);
    const struct ss_plan_op *rm = &w->plan.ops[SS_WAVE_REMOVE_MEMBERS][0];
    assert_int_equal(rm->nmembers, 2);
    assert_int_equal(rm->members[0], b);
    assert_int_equal(rm->members[1], w->src.nusers + to);
}

/* What the safety limits are measured with: populations, per-group losses
 * and per-field clears. */
static void test_counts_for_safety(void **state)
{
    struct world *w = *state;
    uint32_t a = src_user(w, "1", "a@x", NULL); /* title cleared */
    src_user(w, "2", "b@x", "");                /* title cleared (empty) */
    src_user(w, "3", "c@x", "Boss");            /* title changed, not cleared */
    uint32_t ta = tgt_user(w, "ta", "1", "a@x", "Engineer", 1);
    uint32_t tb = tgt_user(w, "tb", "2", "b@x", "Engineer", 1);
    uint32_t tc = tgt_user(w, "tc", "3", "c@x", "Engineer", 1);
    uint32_t tx = tgt_user(w, "tx", NULL, "hand@x", NULL, 1);
    uint32_t g1 = src_group(w, "g1", "team");
    uint32_t tg1 = tgt_group(w, "T1", "g1", "team");
    uint32_t tg9 = tgt_group(w, "T9", "g9", "gone");
    uint32_t tgx = tgt_group(w, "TX", NULL, "not-ours");
    w->spairs[w->nsp++] = (struct ss_pair){g1, a};
    w->tpairs[w->ntp++] = (struct ss_pair){tg1, ta};
    w->tpairs[w->ntp++] = (struct ss_pair){tg1, tb};
    w->tpairs[w->ntp++] = (struct ss_pair){tg1, tc};
    w->tpairs[w->ntp++] = (struct ss_pair){tg1, tx}; /* hand-added: not managed */
    w->tpairs[w->ntp++] = (struct ss_pair){tg9, ta}; /* a group being deleted */
    w->tpairs[w->ntp++] = (struct ss_pair){tgx, tb}; /* a group not ours */
    diff(w);
    struct ss_plan_counts c;
    ss_plan_count(&w->plan, &c);
    assert_int_equal(c.owned_users, 3);
    assert_int_equal(c.owned_groups, 2);
    assert_int_equal(c.managed_members, 3 + 1);
    assert_int_equal(c.users_update, 3);
    assert_int_equal(c.fields_cleared[SCIMSYNC_F_TITLE], 2);
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++)
        assert_true(f == SCIMSYNC_F_TITLE || c.fields_cleared[f] == 0);
    assert_int_equal(c.groups_delete, 1);
    assert_int_equal(c.members_remove, 2);
    assert_int_equal(c.ngroup_losses, 1);
    assert_string_equal(c.group_losses[0].name, "team");
    assert_int_equal(c.group_losses[0].members, 3);
    assert_int_equal(c.group_losses[0].removed, 2);
}

static void test_set_minus(void **state)
{
    (void)state;
    uint32_t a[] = {1, 3, 5, 7, 9}, b[] = {0, 3, 4, 9, 10}, out[5];
    assert_int_equal(ss_set_minus(a, 5, b, 5, out), 3);
    assert_int_equal(out[0], 1);
    assert_int_equal(out[1], 5);
    assert_int_equal(out[2], 7);
    assert_int_equal(ss_set_minus(a, 5, NULL, 0, out), 5);
    assert_int_equal(ss_set_minus(NULL, 0, b, 5, out), 0);
    uint32_t big[300];
    for (int i = 0; i < 300; i++)
        big[i] = (uint32_t)((i * 7919) % 300);
    assert_int_equal(ss_sort_u32(big, 300), 0);
    for (int i = 0; i < 300; i++)
        assert_int_equal(big[i], i);
}

/* ignore_users: a break-glass account is never created, changed,
 * deactivated or removed from a group, on either side. */
static void test_ignore_users(void **state)
{
    struct world *w = *state;
    struct ss_scope sc = {0};
    assert_int_equal(
        ss_scope_parse_list("breakglass-*, Emergency*", &sc.ignore_users, &sc.nignore_users), 0);
    w->opt.scope = &sc;
    w->opt.on_missing = SS_ON_MISSING_DELETE;
    uint32_t a = src_user(w, "1", "alice@x", "Engineer");
    src_user(w, "2", "BreakGlass-1@x", "Root");                 /* source side, not in target */
    uint32_t c = src_user(w, "3", "breakglass-2@x", "Changed"); /* source + target */
    uint32_t ta = tgt_user(w, "ta", "1", "alice@x", "Engineer", 1);
    uint32_t t3 = tgt_user(w, "t3", "3", "breakglass-2@x", "Old", 1);
    tgt_user(w, "t4", "4", "breakglass-3@x", NULL, 1); /* owned, gone from source */
    uint32_t t5 = tgt_user(w, "t5", "5", "ops@x", NULL, 1);
    w->tgt.users[t5].field[SCIMSYNC_F_DISPLAY_NAME] = "emergency admin"; /* by displayName */
    uint32_t g = src_group(w, "g1", "staff");
    uint32_t tg = tgt_group(w, "T1", "g1", "staff");
    w->spairs[w->nsp++] = (struct ss_pair){g, a};
    w->spairs[w->nsp++] = (struct ss_pair){g, c}; /* would be kept / added */
    w->tpairs[w->ntp++] = (struct ss_pair){tg, ta};
    w->tpairs[w->ntp++] = (struct ss_pair){tg, t3};
    diff(w);
    assert_int_equal(w->plan.nops[SS_WAVE_CREATE_USERS], 0);
    assert_int_equal(w->plan.nops[SS_WAVE_UPDATE_USERS], 0);
    assert_int_equal(w->plan.nops[SS_WAVE_REMOVE_USERS], 0);
    assert_int_equal(w->plan.nops[SS_WAVE_ADD_MEMBERS], 0);
    assert_int_equal(w->plan.nops[SS_WAVE_REMOVE_MEMBERS], 0);
    assert_int_equal(w->plan.ignored_users, 2);
    assert_int_equal(w->plan.ignored_target_users, 3);
    assert_int_equal(w->plan.owned_users, 1); /* the ignored are no part of the limits */

    /* without the list the same data changes all of them */
    ss_plan_free(&w->plan);
    w->opt.scope = NULL;
    assert_int_equal(ss_plan_init(&w->plan, &w->src, &w->tgt), 0);
    assert_int_equal(ss_diff(&w->src, &w->tgt, &w->opt, &w->plan), 0);
    assert_int_equal(w->plan.nops[SS_WAVE_CREATE_USERS], 1);
    assert_int_equal(w->plan.nops[SS_WAVE_UPDATE_USERS], 1);
    assert_int_equal(w->plan.nops[SS_WAVE_REMOVE_USERS], 2);
    ss_scope_free(&sc);
}

/* ignore_groups and include_groups: groups out of scope are neither
 * created, renamed, deleted nor given other members. */
static void test_ignore_and_include_groups(void **state)
{
    struct world *w = *state;
    struct ss_scope sc = {0};
    uint32_t a = src_user(w, "1", "a@x", NULL);
    uint32_t ta = tgt_user(w, "ta", "1", "a@x", NULL, 1);
    uint32_t g1 = src_group(w, "g1", "aws-dev");
    src_group(w, "g2", "aws-admins");                  /* ignored: not created */
    src_group(w, "g3", "marketing");                   /* not included: not created */
    tgt_group(w, "T4", "g4", "aws-admins-old");        /* ignored orphan: not deleted */
    uint32_t t5 = tgt_group(w, "T5", "g5", "finance"); /* not included orphan */
    tgt_group(w, "T6", "g6", "aws-gone");              /* in scope, orphan: deleted */
    w->spairs[w->nsp++] = (struct ss_pair){g1, a};
    w->tpairs[w->ntp++] = (struct ss_pair){t5, ta}; /* finance keeps its member */
    assert_int_equal(ss_scope_parse_list("aws-admins*", &sc.ignore_groups, &sc.nignore_groups), 0);
    assert_int_equal(ss_scope_parse_list("AWS-*", &sc.include_groups, &sc.ninclude_groups), 0);
    w->opt.scope = &sc;
    diff(w);
    assert_int_equal(w->plan.nops[SS_WAVE_CREATE_GROUPS], 1);
    assert_int_equal(w->plan.ops[SS_WAVE_CREATE_GROUPS][0].group, g1);
    assert_int_equal(w->plan.nops[SS_WAVE_DELETE_GROUPS], 1);
    assert_string_equal(w->tgt.groups[w->plan.ops[SS_WAVE_DELETE_GROUPS][0].group].id, "T6");
    assert_int_equal(w->plan.nops[SS_WAVE_REMOVE_MEMBERS], 0);
    assert_int_equal(w->plan.nops[SS_WAVE_RENAME_GROUPS], 0);
    assert_int_equal(w->plan.ignored_groups, 2);
    assert_int_equal(w->plan.ignored_target_groups, 2);
    assert_int_equal(w->plan.owned_groups, 1);
    ss_scope_free(&sc);
}

/* A source group renamed into an ignored name on the target keeps the
 * target as it is; a source user whose name an unowned ignored target user
 * holds is not created over it. */
static void test_scope_both_sides(void **state)
{
    struct world *w = *state;
    struct ss_scope sc = {0};
    assert_int_equal(ss_scope_parse_list("root*", &sc.ignore_users, &sc.nignore_users), 0);
    assert_int_equal(ss_scope_parse_list("legacy", &sc.ignore_groups, &sc.nignore_groups), 0);
    w->opt.scope = &sc;
    w->opt.adopt = 1;
    uint32_t su = src_user(w, "1", "admin@x", NULL);
    w->src.users[su].field[SCIMSYNC_F_DISPLAY_NAME] = "Admin";
    uint32_t tu = tgt_user(w, "t1", NULL, "admin@x", NULL, 1);
    w->tgt.users[tu].field[SCIMSYNC_F_DISPLAY_NAME] = "root account"; /* ignored on the target */
    src_group(w, "g1", "modern");
    tgt_group(w, "T1", "g1", "legacy");
    diff(w);
    assert_int_equal(w->plan.nops[SS_WAVE_CREATE_USERS], 0);
    assert_int_equal(w->plan.nops[SS_WAVE_RENAME_GROUPS], 0);
    assert_int_equal(w->plan.nops[SS_WAVE_CREATE_GROUPS], 0);
    assert_int_equal(w->plan.nops[SS_WAVE_DELETE_GROUPS], 0);
    assert_int_equal(w->plan.blocked, 2);
    ss_scope_free(&sc);
}

static void test_scope_lists(void **state)
{
    struct ss_scope sc = {0};
    (void)state;
    assert_int_equal(
        ss_scope_parse_list(" a*, ,Break Glass ,x?y,", &sc.ignore_users, &sc.nignore_users), 0);
    assert_int_equal(sc.nignore_users, 3);
    assert_string_equal(sc.ignore_users[1], "break glass");
    assert_true(ss_scope_user_ignored(&sc, "ALPHA", NULL));
    assert_true(ss_scope_user_ignored(&sc, "zed", "Break Glass"));
    assert_true(ss_scope_user_ignored(&sc, "XzY", NULL));
    assert_false(ss_scope_user_ignored(&sc, "xy", "break glasses"));
    assert_false(ss_scope_user_ignored(&sc, NULL, NULL));
    assert_false(ss_scope_user_ignored(NULL, "alpha", NULL));
    /* include_groups empty: every group is in scope */
    assert_false(ss_scope_group_out(&sc, "anything"));
    assert_int_equal(ss_scope_parse_list("eng-[0-9]", &sc.include_groups, &sc.ninclude_groups), 0);
    assert_false(ss_scope_group_out(&sc, "ENG-1"));
    assert_true(ss_scope_group_out(&sc, "eng-x"));
    ss_scope_free(&sc);
}

int main(void)
{
    ss_log_set_level(-1);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_create_update_changed_only, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_protected_and_blocked, setup, teardown),
        cmocka_unit_test_setup_teardown(test_groups_and_members, setup, teardown),
        cmocka_unit_test_setup_teardown(test_counts_for_safety, setup, teardown),
        cmocka_unit_test(test_set_minus),
        cmocka_unit_test_setup_teardown(test_ignore_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_ignore_and_include_groups, setup, teardown),
        cmocka_unit_test_setup_teardown(test_scope_both_sides, setup, teardown),
        cmocka_unit_test(test_scope_lists),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
