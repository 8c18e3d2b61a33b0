/* sync --user / --group on hand-built snapshots: which source entries are
 * picked, the narrowed snapshot (members limited to the selection, the
 * target-only groups / members it must leave), the plan restricted to the
 * selection, and the limits of a narrowed run. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "engine.h"
#include "plan.h"
#include "safety.h"
#include "select.h"

#define ALL_FIELDS ((1u << SCIMSYNC_F_COUNT) - 1u)

struct world {
    struct ss_dir src, tgt, out;
    struct ss_pair spairs[64], tpairs[64];
    size_t nsp, ntp;
    struct ss_pick pick;
    struct ss_diff_policy opt;
    struct ss_plan plan;
    int have_plan;
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    if (!w)
        return -1;
    ss_dir_init(&w->src);
    ss_dir_init(&w->tgt);
    ss_dir_init(&w->out);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    if (w->have_plan)
        ss_plan_free(&w->plan);
    ss_pick_free(&w->pick);
    ss_dir_free(&w->out);
    ss_dir_free(&w->src);
    ss_dir_free(&w->tgt);
    free(w);
    return 0;
}

static uint32_t user(struct ss_dir *d, const char *id, const char *ext, const char *uname)
{
    struct ss_user_rec *u = ss_dir_add_user(d);
    u->id = id;
    u->external_id = ext;
    u->field[SCIMSYNC_F_USER_NAME] = uname;
    u->field[SCIMSYNC_F_GIVEN_NAME] = "G";
    u->field[SCIMSYNC_F_FAMILY_NAME] = "F";
    u->field[SCIMSYNC_F_DISPLAY_NAME] = "G F";
    u->active = 1;
    u->managed = id ? 0 : ALL_FIELDS;
    u->where = "test";
    return (uint32_t)(d->nusers - 1);
}

static uint32_t group(struct ss_dir *d, const char *id, const char *ext, const char *name)
{
    struct ss_group_rec *g = ss_dir_add_group(d);
    g->id = id;
    g->external_id = ext;
    g->display_name = name;
    g->where = "test";
    return (uint32_t)(d->ngroups - 1);
}

static void smember(struct world *w, uint32_t g, uint32_t u)
{
    w->spairs[w->nsp++] = (struct ss_pair){g, u};
}

static void tmember(struct world *w, uint32_t g, uint32_t u)
{
    w->tpairs[w->ntp++] = (struct ss_pair){g, u};
}

static void seal(struct world *w)
{
    assert_int_equal(ss_dir_set_members(&w->src, w->spairs, w->nsp), 0);
    assert_int_equal(ss_dir_set_members(&w->tgt, w->tpairs, w->ntp), 0);
    w->tgt.members_known = calloc(w->tgt.ngroups ? w->tgt.ngroups : 1, 1);
    for (size_t g = 0; g < w->tgt.ngroups; g++)
        w->tgt.members_known[g] = w->tgt.groups[g].external_id != NULL;
}

/* The source: alice, bob, carol; team-a {alice, bob}, team-b {bob},
 * proj {alice} (flattened). */
static void directory(struct world *w)
{
    uint32_t a = user(&w->src, NULL, "e-alice", "alice@x");
    uint32_t b = user(&w->src, NULL, "e-bob", "bob@x");
    user(&w->src, NULL, "e-carol", "carol@x");
    w->src.users[a].field[SCIMSYNC_F_MANAGER] = "e-carol";
    uint32_t ta = group(&w->src, NULL, "g-a", "team-a");
    uint32_t tb = group(&w->src, NULL, "g-b", "team-b");
    uint32_t pr = group(&w->src, NULL, "g-p", "proj");
    smember(w, ta, a);
    smember(w, ta, b);
    smember(w, tb, b);
    smember(w, pr, a);
}

static void test_pick_user_by_name(void **state)
{
    struct world *w = *state;
    struct scimsync_selection sel = {SCIMSYNC_ENTRY_USER, "ALICE@X", NULL};
    directory(w);
    seal(w);
    assert_int_equal(ss_select_pick(&w->src, &sel, &w->pick), 0);
    assert_int_equal(w->pick.nusers, 1);
    assert_int_equal(w->pick.users[0], 0);
    assert_int_equal(w->pick.ngroups, 2); /* team-a and proj, not team-b */
    assert_int_equal(w->pick.groups[0], 0);
    assert_int_equal(w->pick.groups[1], 2);
}

/* Renamed in the source since: found by the externalId the target gave. */
static void test_pick_user_by_external_id(void **state)
{
    struct world *w = *state;
    struct scimsync_selection sel = {SCIMSYNC_ENTRY_USER, "old-bob@x", "e-bob"};
    directory(w);
    seal(w);
    assert_int_equal(ss_select_pick(&w->src, &sel, &w->pick), 0);
    assert_int_equal(w->pick.nusers, 1);
    assert_int_equal(w->pick.users[0], 1);
    assert_int_equal(w->pick.ngroups, 2); /* team-a, team-b */
}

static void test_pick_nothing(void **state)
{
    struct world *w = *state;
    struct scimsync_selection sel = {SCIMSYNC_ENTRY_USER, "nobody@x", NULL};
    directory(w);
    seal(w);
    assert_int_equal(ss_select_pick(&w->src, &sel, &w->pick), 0);
    assert_int_equal(w->pick.nusers, 0);
    assert_int_equal(w->pick.ngroups, 0);
}

static void test_pick_group(void **state)
{
    struct world *w = *state;
    struct scimsync_selection sel = {SCIMSYNC_ENTRY_GROUP, "Team-A", NULL};
    directory(w);
    seal(w);
    assert_int_equal(ss_select_pick(&w->src, &sel, &w->pick), 0);
    assert_int_equal(w->pick.ngroups, 1);
    assert_int_equal(w->pick.groups[0], 0);
    assert_int_equal(w->pick.nusers, 2); /* alice, bob */
}

static size_t nops(const struct ss_plan *p, enum ss_wave wave)
{
    return p->nops[wave];
}

/* alice in the target: in team-b (she left it in the source), in old (an
 * owned group gone from the source), in a hand-made group (not ours);
 * proj is not in the target yet. */
static void test_user_end_to_end(void **state)
{
    struct world *w = *state;
    struct scimsync_selection sel = {SCIMSYNC_ENTRY_USER, "alice@x", NULL};
    directory(w);
    uint32_t ta_ = user(&w->tgt, "T-alice", "e-alice", "alice@x");
    uint32_t ga = group(&w->tgt, "T-a", "g-a", "team-a");
    uint32_t gb = group(&w->tgt, "T-b", "g-b", "team-b");
    uint32_t go = group(&w->tgt, "T-o", "g-old", "old");
    uint32_t gh = group(&w->tgt, "T-h", NULL, "hand-made");
    (void)ga;
    tmember(w, gb, ta_);
    tmember(w, go, ta_);
    tmember(w, gh, ta_);
    seal(w);
    assert_int_equal(ss_select_pick(&w->src, &sel, &w->pick), 0);
    assert_int_equal(ss_select_build(&w->src, &w->pick, &sel, &w->tgt, &w->out), 0);

    /* alice; team-a and proj with alice only; team-b is not alice's in the
     * source and is not in the narrowed source as a picked group, but as
     * a group of hers in the target; likewise old.  hand-made: not ours. */
    assert_int_equal(w->out.nusers, 1);
    assert_string_equal(w->out.users[0].external_id, "e-alice");
    assert_false(w->out.users[0].managed & (1u << SCIMSYNC_F_MANAGER));
    assert_int_equal(w->out.ngroups, 4);
    assert_string_equal(w->out.groups[0].display_name, "team-a");
    assert_int_equal(ss_dir_nmembers(&w->out, 0), 1); /* bob is not this run's */
    assert_string_equal(w->out.groups[1].display_name, "proj");
    assert_string_equal(w->out.groups[2].display_name, "team-b");
    assert_int_equal(ss_dir_nmembers(&w->out, 2), 0);
    assert_string_equal(w->out.groups[3].display_name, "old");
    assert_int_equal(ss_dir_nmembers(&w->out, 3), 0);

    assert_int_equal(ss_plan_init(&w->plan, &w->out, &w->tgt), 0);
    w->have_plan = 1;
    assert_int_equal(ss_diff(&w->out, &w->tgt, &w->opt, &w->plan), 0);
    assert_int_equal(nops(&w->plan, SS_WAVE_CREATE_GROUPS), 1); /* proj, before restricting */
    size_t dropped = ss_select_restrict(&w->plan, &sel);
    assert_int_equal(dropped, 2); /* proj's create and the add to it */
    assert_int_equal(nops(&w->plan, SS_WAVE_CREATE_USERS), 0);
    assert_int_equal(nops(&w->plan, SS_WAVE_UPDATE_USERS), 0);
    assert_int_equal(nops(&w->plan, SS_WAVE_CREATE_GROUPS), 0);
    assert_int_equal(nops(&w->plan, SS_WAVE_DELETE_GROUPS), 0);
    assert_int_equal(nops(&w->plan, SS_WAVE_REMOVE_USERS), 0);
    assert_int_equal(nops(&w->plan, SS_WAVE_ADD_MEMBERS), 1); /* team-a */
    assert_int_equal(w->plan.ops[SS_WAVE_ADD_MEMBERS][0].tgroup, 0);
    assert_int_equal(nops(&w->plan, SS_WAVE_REMOVE_MEMBERS), 2); /* team-b, old */
    for (size_t i = 0; i < 2; i++) {
        const struct ss_plan_op *op = &w->plan.ops[SS_WAVE_REMOVE_MEMBERS][i];
        assert_true(op->tgroup == gb || op->tgroup == go);
        assert_int_equal(op->nmembers, 1);
    }
}

/* alice left the source: on_missing for her alone, no group deleted. */
static void test_user_gone(void **state)
{
    struct world *w = *state;
    struct scimsync_selection sel = {SCIMSYNC_ENTRY_USER, "alice@x", NULL};
    uint32_t b = user(&w->src, NULL, "e-bob", "bob@x");
    uint32_t sg = group(&w->src, NULL, "g-a", "team-a");
    smember(w, sg, b);
    uint32_t ta_ = user(&w->tgt, "T-alice", "e-alice", "alice@x");
    uint32_t ga = group(&w->tgt, "T-a", "g-a", "team-a");
    uint32_t go = group(&w->tgt, "T-o", "g-old", "old");
    tmember(w, ga, ta_);
    tmember(w, go, ta_);
    seal(w);
    assert_int_equal(ss_select_pick(&w->src, &sel, &w->pick), 0);
    assert_int_equal(w->pick.nusers, 0);
    assert_int_equal(ss_select_build(&w->src, &w->pick, &sel, &w->tgt, &w->out), 0);
    assert_int_equal(ss_plan_init(&w->plan, &w->out, &w->tgt), 0);
    w->have_plan = 1;
    w->opt.on_missing = SS_ON_MISSING_DEACTIVATE;
    assert_int_equal(ss_diff(&w->out, &w->tgt, &w->opt, &w->plan), 0);
    ss_select_restrict(&w->plan, &sel);
    assert_int_equal(nops(&w->plan, SS_WAVE_REMOVE_USERS), 1);
    assert_int_equal(w->plan.ops[SS_WAVE_REMOVE_USERS][0].kind, SCIMSYNC_OP_DEACTIVATE_USER);
    assert_int_equal(nops(&w->plan, SS_WAVE_REMOVE_MEMBERS), 2);
    assert_int_equal(nops(&w->plan, SS_WAVE_DELETE_GROUPS), 0);
}

/* --group team-a: dave (owned) is in the target group but no longer in the
 * source group; he leaves it and is not deactivated; bob joins. */
static void test_group_end_to_end(void **state)
{
    struct world *w = *state;
    struct scimsync_selection sel = {SCIMSYNC_ENTRY_GROUP, "team-a", NULL};
    directory(w);
    uint32_t td = user(&w->tgt, "T-dave", "e-dave", "dave@x");
    uint32_t ta_ = user(&w->tgt, "T-alice", "e-alice", "alice@x");
    uint32_t tb = user(&w->tgt, "T-bob", "e-bob", "bob@x");
    uint32_t th = user(&w->tgt, "T-hand", NULL, "hand@x");
    uint32_t ga = group(&w->tgt, "T-a", "g-a", "team-a");
    (void)tb;
    tmember(w, ga, td);
    tmember(w, ga, ta_);
    tmember(w, ga, th);
    seal(w);
    assert_int_equal(ss_select_pick(&w->src, &sel, &w->pick), 0);
    assert_int_equal(ss_select_build(&w->src, &w->pick, &sel, &w->tgt, &w->out), 0);
    /* alice, bob and dave (from the target, managing nothing); not hand */
    assert_int_equal(w->out.nusers, 3);
    assert_string_equal(w->out.users[2].external_id, "e-dave");
    assert_int_equal(w->out.users[2].managed, 0);
    assert_null(w->out.users[2].id);
    assert_int_equal(ss_plan_init(&w->plan, &w->out, &w->tgt), 0);
    w->have_plan = 1;
    assert_int_equal(ss_diff(&w->out, &w->tgt, &w->opt, &w->plan), 0);
    ss_select_restrict(&w->plan, &sel);
    assert_int_equal(nops(&w->plan, SS_WAVE_UPDATE_USERS), 0); /* dave unchanged */
    assert_int_equal(nops(&w->plan, SS_WAVE_REMOVE_USERS), 0);
    assert_int_equal(nops(&w->plan, SS_WAVE_ADD_MEMBERS), 1);    /* bob */
    assert_int_equal(nops(&w->plan, SS_WAVE_REMOVE_MEMBERS), 1); /* dave, not hand */
    assert_int_equal(w->plan.ops[SS_WAVE_REMOVE_MEMBERS][0].nmembers, 1);
}

/* A group of the user's whose source entry was skipped (bad data) is
 * protected: not turned into a group the user leaves. */
static void test_skipped_group_protected(void **state)
{
    struct world *w = *state;
    struct scimsync_selection sel = {SCIMSYNC_ENTRY_USER, "alice@x", NULL};
    user(&w->src, NULL, "e-alice", "alice@x");
    assert_int_equal(ss_strmap_put(&w->src.skipped_group_ext, "g-bad", 0, NULL), 0);
    uint32_t ta_ = user(&w->tgt, "T-alice", "e-alice", "alice@x");
    uint32_t gx = group(&w->tgt, "T-x", "g-bad", "broken");
    tmember(w, gx, ta_);
    seal(w);
    assert_int_equal(ss_select_pick(&w->src, &sel, &w->pick), 0);
    assert_int_equal(ss_select_build(&w->src, &w->pick, &sel, &w->tgt, &w->out), 0);
    assert_int_equal(w->out.ngroups, 0);
    assert_true(ss_strmap_get(&w->out.skipped_group_ext, "g-bad", NULL)); /* moved along */
    assert_int_equal(ss_plan_init(&w->plan, &w->out, &w->tgt), 0);
    w->have_plan = 1;
    assert_int_equal(ss_diff(&w->out, &w->tgt, &w->opt, &w->plan), 0);
    ss_select_restrict(&w->plan, &sel);
    assert_int_equal(nops(&w->plan, SS_WAVE_REMOVE_MEMBERS), 0);
    assert_int_equal(nops(&w->plan, SS_WAVE_DELETE_GROUPS), 0);
}

/* The waves each mode keeps, on a plan filled by hand. */
static void test_restrict_waves(void **state)
{
    struct world *w = *state;
    struct scimsync_selection user_sel = {SCIMSYNC_ENTRY_USER, "u", NULL};
    struct scimsync_selection group_sel = {SCIMSYNC_ENTRY_GROUP, "g", NULL};
    group(&w->src, NULL, "g1", "g1");
    seal(w);
    for (int mode = 0; mode < 2; mode++) {
        struct ss_plan p;
        assert_int_equal(ss_plan_init(&p, &w->src, &w->tgt), 0);
        for (int wave = 0; wave < SS_WAVE_COUNT; wave++) {
            struct ss_plan_op *op = ss_plan_add(&p, wave, SCIMSYNC_OP_UPDATE_USER);
            assert_non_null(op);
            op->group = 0;
            op->tgroup = 0; /* an existing group */
        }
        struct ss_plan_op *op = ss_plan_add(&p, SS_WAVE_ADD_MEMBERS, SCIMSYNC_OP_ADD_MEMBERS);
        op->group = 0; /* to a group created in this run */
        size_t dropped = ss_select_restrict(&p, mode == 0 ? &user_sel : &group_sel);
        if (mode == 0) {
            assert_int_equal(dropped, 5);
            assert_int_equal(p.nops[SS_WAVE_CREATE_USERS], 1);
            assert_int_equal(p.nops[SS_WAVE_UPDATE_USERS], 1);
            assert_int_equal(p.nops[SS_WAVE_REMOVE_USERS], 1);
            assert_int_equal(p.nops[SS_WAVE_ADD_MEMBERS], 1);
            assert_int_equal(p.nops[SS_WAVE_REMOVE_MEMBERS], 1);
            assert_int_equal(p.nops[SS_WAVE_CREATE_GROUPS], 0);
            assert_int_equal(p.nops[SS_WAVE_RENAME_GROUPS], 0);
        } else {
            assert_int_equal(dropped, 3);
            assert_int_equal(p.nops[SS_WAVE_CREATE_GROUPS], 1);
            assert_int_equal(p.nops[SS_WAVE_RENAME_GROUPS], 1);
            assert_int_equal(p.nops[SS_WAVE_ADD_MEMBERS], 2);
            assert_int_equal(p.nops[SS_WAVE_REMOVE_USERS], 0);
        }
        assert_int_equal(p.nops[SS_WAVE_DELETE_GROUPS], 0);
        assert_int_equal(p.nops[SS_WAVE_MANAGER_FIXUPS], 0);
        ss_plan_free(&p);
    }
}

static void test_safety(void **state)
{
    struct ss_safety_policy p;
    (void)state;
    ss_safety_policy_off(&p);
    p.user_removals = (struct ss_limit){5, 10};
    p.member_removals = (struct ss_limit){100, 20};
    p.group_member_percent = 50;
    ss_select_safety(&p);
    assert_int_equal(p.user_removals.count, 5);
    assert_true(p.user_removals.percent < 0);
    assert_int_equal(p.member_removals.count, 100);
    assert_true(p.member_removals.percent < 0);
    assert_true(p.group_member_percent < 0);

    /* a departing user leaving all 3 of her groups passes; a count limit
     * still refuses */
    struct ss_plan_counts c = {0};
    struct ss_safety_verdict v;
    c.members_remove = 3;
    c.managed_members = 3;
    assert_int_equal(ss_safety_check(&c, &p, &v), 0);
    p.member_removals.count = 2;
    assert_int_equal(ss_safety_check(&c, &p, &v), 1);
}

static void test_describe(void **state)
{
    char buf[64];
    struct scimsync_selection sel = {SCIMSYNC_ENTRY_GROUP, "admins", NULL};
    (void)state;
    ss_select_describe(&sel, buf, sizeof buf);
    assert_string_equal(buf, "--group admins");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_pick_user_by_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pick_user_by_external_id, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pick_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_pick_group, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_end_to_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_user_gone, setup, teardown),
        cmocka_unit_test_setup_teardown(test_group_end_to_end, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skipped_group_protected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_restrict_waves, setup, teardown),
        cmocka_unit_test(test_safety),
        cmocka_unit_test(test_describe),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
