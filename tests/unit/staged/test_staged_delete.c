/* Staged deletes (on_missing = deactivate-then-delete): the due-date
 * decision, the plan it makes (ops, pending list, safety counts), the
 * deactivation times it leaves in the state, the test clock and the
 * run-time check that a state store is configured. */
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
#include "plan.h"
#include "plan_print.h"
#include "safety.h"
#include "staged_delete.h"
#include "state.h"

#define DAY 86400L
#define NOW 1800000000LL /* 2027-01-15T08:00:00Z */

static void test_decide(void **unused)
{
    (void)unused;
    long long due = 0;
    /* Still active: deactivate now, the period starts now. */
    assert_int_equal(ss_staged_decide(1, 0, NOW, 7 * DAY, &due), SS_STAGED_DEACTIVATE);
    assert_true(due == NOW + 7 * DAY);
    /* A stale time on an active user does not count. */
    assert_int_equal(ss_staged_decide(1, NOW - 30 * DAY, NOW, 7 * DAY, &due), SS_STAGED_DEACTIVATE);
    assert_true(due == NOW + 7 * DAY);
    /* Inactive, within the period: wait. */
    assert_int_equal(ss_staged_decide(0, NOW - 6 * DAY, NOW, 7 * DAY, &due), SS_STAGED_WAIT);
    assert_true(due == NOW + DAY);
    /* One second before the due time: still waiting; at it: delete. */
    assert_int_equal(ss_staged_decide(0, NOW - 7 * DAY + 1, NOW, 7 * DAY, &due), SS_STAGED_WAIT);
    assert_int_equal(ss_staged_decide(0, NOW - 7 * DAY, NOW, 7 * DAY, &due), SS_STAGED_DELETE);
    assert_true(due == NOW);
    assert_int_equal(ss_staged_decide(0, NOW - 70 * DAY, NOW, 7 * DAY, &due), SS_STAGED_DELETE);
    /* Inactive with no known time (by hand, or before the state kept
     * times): never deleted at once; the period starts now. */
    assert_int_equal(ss_staged_decide(0, 0, NOW, 7 * DAY, &due), SS_STAGED_WAIT);
    assert_true(due == NOW + 7 * DAY);
    /* Seconds work the same (the tests' short periods). */
    assert_int_equal(ss_staged_decide(0, NOW - 2, NOW, 3, &due), SS_STAGED_WAIT);
    assert_int_equal(ss_staged_decide(0, NOW - 3, NOW, 3, &due), SS_STAGED_DELETE);
}

struct world {
    struct ss_dir src, tgt;
    struct ss_diff_policy pol;
    long delete_after;
    struct ss_plan plan;
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    if (!w)
        return -1;
    ss_dir_init(&w->src);
    ss_dir_init(&w->tgt);
    w->pol.on_missing = SS_ON_MISSING_STAGED;
    w->delete_after = 7 * DAY;
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

static void src_user(struct world *w, const char *ext, const char *uname)
{
    struct ss_user_rec *u = ss_dir_add_user(&w->src);
    u->external_id = ext;
    u->field[SCIMSYNC_F_USER_NAME] = uname;
    u->active = 1;
    u->managed = 1u << SCIMSYNC_F_USER_NAME;
    u->where = "test";
}

static void tgt_user(struct world *w, const char *id, const char *ext, const char *uname,
                     int active, long long deactivated_at)
{
    struct ss_user_rec *u = ss_dir_add_user(&w->tgt);
    u->id = id;
    u->external_id = ext;
    u->field[SCIMSYNC_F_USER_NAME] = uname;
    u->active = active;
    u->deactivated_at = deactivated_at;
}

/* Target users: 0 alice (back in the source, deactivated 2 days ago),
 * 1 bob (left: active), 2 carol (deactivated 3 days ago), 3 dave
 * (deactivated 8 days ago), 4 erin (inactive, time unknown), 5 by hand
 * (no externalId).  One group "team" with every target user. */
static void build(struct world *w)
{
    src_user(w, "ext-alice", "alice@x");
    tgt_user(w, "t-alice", "ext-alice", "alice@x", 0, NOW - 2 * DAY);
    tgt_user(w, "t-bob", "ext-bob", "bob@x", 1, 0);
    tgt_user(w, "t-carol", "ext-carol", "carol@x", 0, NOW - 3 * DAY);
    tgt_user(w, "t-dave", "ext-dave", "dave@x", 0, NOW - 8 * DAY);
    tgt_user(w, "t-erin", "ext-erin", "erin@x", 0, 0);
    tgt_user(w, "t-hand", NULL, "hand@x", 0, NOW - 80 * DAY);
    struct ss_group_rec *g = ss_dir_add_group(&w->src);
    g->external_id = "ext-team";
    g->display_name = "team";
    g = ss_dir_add_group(&w->tgt);
    g->id = "t-team";
    g->external_id = "ext-team";
    g->display_name = "team";
    struct ss_pair sp[] = {{0, 0}};
    struct ss_pair tp[] = {{0, 0}, {0, 1}, {0, 2}, {0, 3}, {0, 4}, {0, 5}};
    assert_int_equal(ss_dir_set_members(&w->src, sp, 1), 0);
    assert_int_equal(ss_dir_set_members(&w->tgt, tp, 6), 0);
    w->tgt.members_known = calloc(1, 1);
    w->tgt.members_known[0] = 1;
}

static void diff(struct world *w)
{
    assert_int_equal(ss_plan_init(&w->plan, &w->src, &w->tgt), 0);
    w->plan.staged = 1;
    w->plan.now = NOW;
    w->plan.delete_after = w->delete_after;
    assert_int_equal(ss_diff(&w->src, &w->tgt, &w->pol, &w->plan), 0);
}

static const struct ss_pending_delete *pending(const struct ss_plan *p, const char *id)
{
    for (size_t i = 0; i < p->npending; i++) {
        if (!strcmp(p->tgt->users[p->pending[i].tuser].id, id))
            return &p->pending[i];
    }
    return NULL;
}

static void test_plan(void **state)
{
    struct world *w = *state;
    build(w);
    diff(w);
    const struct ss_plan *p = &w->plan;
    /* alice is back: reactivated (an update of active), same target user. */
    assert_int_equal(p->nops[SS_WAVE_UPDATE_USERS], 1);
    assert_int_equal(p->ops[SS_WAVE_UPDATE_USERS][0].changed, SCIMSYNC_F_ACTIVE_BIT);
    assert_int_equal(p->ops[SS_WAVE_UPDATE_USERS][0].tuser, 0);
    assert_int_equal(p->nops[SS_WAVE_CREATE_USERS], 0);
    assert_null(pending(p, "t-alice"));
    /* bob deactivated, dave deleted; carol and erin wait. */
    assert_int_equal(p->nops[SS_WAVE_REMOVE_USERS], 2);
    assert_int_equal(p->ops[SS_WAVE_REMOVE_USERS][0].kind, SCIMSYNC_OP_DEACTIVATE_USER);
    assert_int_equal(p->ops[SS_WAVE_REMOVE_USERS][0].user, 1);
    assert_int_equal(p->ops[SS_WAVE_REMOVE_USERS][1].kind, SCIMSYNC_OP_DELETE_USER);
    assert_int_equal(p->ops[SS_WAVE_REMOVE_USERS][1].user, 3);
    assert_int_equal(p->npending, 3);
    assert_true(pending(p, "t-bob")->deactivated_at == 0);
    assert_true(pending(p, "t-bob")->due == NOW + 7 * DAY);
    assert_true(pending(p, "t-carol")->deactivated_at == NOW - 3 * DAY);
    assert_true(pending(p, "t-carol")->due == NOW + 4 * DAY);
    assert_true(pending(p, "t-erin")->due == NOW + 7 * DAY);
    assert_null(pending(p, "t-dave"));
    assert_null(pending(p, "t-hand")); /* not ours: never */
    /* Members: the departed lose the group (bob, carol, erin), dave is
     * deleted without a removal first, alice stays. */
    assert_int_equal(p->nops[SS_WAVE_REMOVE_MEMBERS], 1);
    const struct ss_plan_op *rm = &p->ops[SS_WAVE_REMOVE_MEMBERS][0];
    assert_int_equal(rm->nmembers, 3);
    uint32_t nsu = (uint32_t)w->src.nusers;
    assert_int_equal(rm->members[0], nsu + 1);
    assert_int_equal(rm->members[1], nsu + 2);
    assert_int_equal(rm->members[2], nsu + 4);

    /* Counts and safety: deactivations and deletes are both removals. */
    struct ss_plan_counts c;
    ss_plan_count(p, &c);
    assert_int_equal(c.users_deactivate, 1);
    assert_int_equal(c.users_delete, 1);
    assert_int_equal(c.users_pending_delete, 3);
    struct ss_safety_policy pol;
    struct ss_safety_verdict v;
    ss_safety_policy_off(&pol);
    pol.user_removals.count = 1;
    assert_int_equal(ss_safety_check(&c, &pol, &v), 1);
    assert_true(v.refused & (1u << SS_LIMIT_USER_REMOVALS));
    pol.user_removals.count = 2;
    assert_int_equal(ss_safety_check(&c, &pol, &v), 0);
}

static void test_plan_print(void **state)
{
    struct world *w = *state;
    char *buf = NULL;
    size_t len = 0;
    build(w);
    diff(w);
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(ss_plan_print_text(&w->plan, f), 0);
    fclose(f);
    assert_non_null(strstr(buf, "- user bob@x (deactivate)\n"));
    assert_non_null(strstr(buf, "- user dave@x (delete: delete_after has passed"));
    assert_non_null(strstr(buf, "Pending deletions (on_missing = deactivate-then-delete, "
                                "delete_after 7d): 3 users\n"));
    assert_non_null(strstr(
        buf, "  user bob@x: deactivated by this sync, delete due 2027-01-22 08:00:00 UTC\n"));
    assert_non_null(strstr(buf, "  user carol@x: deactivated 2027-01-12 08:00:00 UTC, delete due "
                                "2027-01-19 08:00:00 UTC\n"));
    free(buf);
    buf = NULL;
    f = open_memstream(&buf, &len);
    assert_int_equal(ss_plan_print_json(&w->plan, f), 0);
    fclose(f);
    json_object *doc = json_tokener_parse(buf), *pd, *users, *counts, *v;
    assert_non_null(doc);
    assert_true(json_object_object_get_ex(doc, "pendingDeletes", &pd));
    assert_true(json_object_object_get_ex(pd, "deleteAfterSeconds", &v));
    assert_int_equal(json_object_get_int64(v), 7 * DAY);
    assert_true(json_object_object_get_ex(pd, "users", &users));
    assert_int_equal(json_object_array_length(users), 3);
    json_object *carol = NULL;
    for (size_t i = 0; i < 3; i++) {
        json_object *u = json_object_array_get_idx(users, i), *n;
        json_object_object_get_ex(u, "userName", &n);
        if (!strcmp(json_object_get_string(n), "carol@x"))
            carol = u;
    }
    assert_non_null(carol);
    assert_true(json_object_object_get_ex(carol, "targetId", &v));
    assert_string_equal(json_object_get_string(v), "t-carol");
    assert_true(json_object_object_get_ex(carol, "deactivatedAt", &v));
    assert_string_equal(json_object_get_string(v), "2027-01-12T08:00:00Z");
    assert_true(json_object_object_get_ex(carol, "deleteDue", &v));
    assert_string_equal(json_object_get_string(v), "2027-01-19T08:00:00Z");
    assert_true(json_object_object_get_ex(doc, "counts", &counts));
    assert_true(json_object_object_get_ex(counts, "usersPendingDelete", &v));
    assert_int_equal(json_object_get_int(v), 3);
    json_object_put(doc);
    free(buf);
}

/* Other modes: no pending list, no new members in the JSON. */
static void test_other_modes_unchanged(void **state)
{
    struct world *w = *state;
    char *buf = NULL;
    size_t len = 0;
    build(w);
    w->pol.on_missing = SS_ON_MISSING_DEACTIVATE;
    assert_int_equal(ss_plan_init(&w->plan, &w->src, &w->tgt), 0);
    assert_int_equal(ss_diff(&w->src, &w->tgt, &w->pol, &w->plan), 0);
    assert_int_equal(w->plan.npending, 0);
    FILE *f = open_memstream(&buf, &len);
    assert_int_equal(ss_plan_print_json(&w->plan, f), 0);
    fclose(f);
    assert_null(strstr(buf, "pendingDeletes"));
    assert_null(strstr(buf, "usersPendingDelete"));
    free(buf);
}

/* After apply: a pending user the state had no time for gets the run's
 * clock; a user who is back loses the time. */
static void test_note_state(void **unused)
{
    (void)unused;
    struct world w0, *w = &w0;
    struct ss_state st;
    memset(w, 0, sizeof(*w));
    ss_dir_init(&w->src);
    ss_dir_init(&w->tgt);
    w->pol.on_missing = SS_ON_MISSING_STAGED;
    w->delete_after = 7 * DAY;
    build(w);
    ss_state_init(&st);
    assert_int_equal(ss_state_from_dir(&st, &w->tgt, NOW), 0);
    for (size_t i = 0; i < st.nusers; i++)
        st.users[i].deactivated_at = w->tgt.users[i].deactivated_at;
    diff(w);
    st.changed = 0;
    assert_int_equal(ss_staged_note_state(&st, &w->plan, 1), 0);
    assert_true(st.changed);
    assert_true(st.users[0].deactivated_at == 0);             /* alice: back */
    assert_true(st.users[1].deactivated_at == 0);             /* bob: set by his op */
    assert_true(st.users[2].deactivated_at == NOW - 3 * DAY); /* carol: kept */
    assert_true(st.users[4].deactivated_at == NOW);           /* erin: starts now */
    /* A second time changes nothing: a no-op run does not rewrite the state. */
    st.changed = 0;
    assert_int_equal(ss_staged_note_state(&st, &w->plan, 1), 0);
    assert_false(st.changed);
    /* --group: the matched users may be stand-ins; their times stay. */
    st.users[0].active = 0;
    st.users[0].deactivated_at = NOW - DAY;
    assert_int_equal(ss_staged_note_state(&st, &w->plan, 0), 0);
    assert_true(st.users[0].deactivated_at == NOW - DAY);
    assert_int_equal(ss_state_deactivated_at(&st, "t-alice"), NOW - DAY);
    assert_int_equal(ss_state_deactivated_at(&st, "t-none"), 0);
    /* Not staged: nothing. */
    w->plan.staged = 0;
    st.users[4].deactivated_at = 0;
    assert_int_equal(ss_staged_note_state(&st, &w->plan, 1), 0);
    assert_true(st.users[4].deactivated_at == 0);
    ss_state_free(&st);
    ss_plan_free(&w->plan);
    ss_dir_free(&w->src);
    ss_dir_free(&w->tgt);
}

static void test_clock_and_options(void **unused)
{
    (void)unused;
    long long now = 0;
    unsetenv("SCIMSYNC_TEST_NOW");
    assert_int_equal(ss_staged_now(&now), 0);
    assert_true(now > 1700000000LL);
    setenv("SCIMSYNC_TEST_NOW", "1800000000", 1);
    assert_int_equal(ss_staged_now(&now), 0);
    assert_true(now == NOW);
    now = 5;
    setenv("SCIMSYNC_TEST_NOW", "tomorrow", 1);
    assert_true(ss_staged_now(&now) < 0);
    setenv("SCIMSYNC_TEST_NOW", "-4", 1);
    assert_true(ss_staged_now(&now) < 0);
    assert_true(now == 5);
    unsetenv("SCIMSYNC_TEST_NOW");

    struct ss_engine_options opt = {.on_missing = SS_ON_MISSING_STAGED, .delete_after = 60};
    assert_true(ss_staged_check_options(&opt) < 0); /* no state */
    opt.state = "file:/tmp/x.json";
    assert_int_equal(ss_staged_check_options(&opt), 0);
    opt.delete_after = 0;
    assert_true(ss_staged_check_options(&opt) < 0);
    struct ss_engine_options plain = {.on_missing = SS_ON_MISSING_DEACTIVATE};
    assert_int_equal(ss_staged_check_options(&plain), 0);

    char t[40];
    ss_staged_format_period(7 * DAY, t, sizeof t);
    assert_string_equal(t, "7d");
    ss_staged_format_period(36 * 3600, t, sizeof t);
    assert_string_equal(t, "36h");
    ss_staged_format_period(90 * 60, t, sizeof t);
    assert_string_equal(t, "90m");
    ss_staged_format_period(3, t, sizeof t);
    assert_string_equal(t, "3s");
    ss_staged_format_period(DAY + 1, t, sizeof t);
    assert_string_equal(t, "86401s");
    ss_staged_format_time(NOW, 1, t, sizeof t);
    assert_string_equal(t, "2027-01-15T08:00:00Z");
    ss_staged_format_time(NOW, 0, t, sizeof t);
    assert_string_equal(t, "2027-01-15 08:00:00 UTC");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decide),
        cmocka_unit_test_setup_teardown(test_plan, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plan_print, setup, teardown),
        cmocka_unit_test_setup_teardown(test_other_modes_unchanged, setup, teardown),
        cmocka_unit_test(test_note_state),
        cmocka_unit_test(test_clock_and_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
