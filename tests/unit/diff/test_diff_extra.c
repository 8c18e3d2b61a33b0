/* Extra attributes through diff, plan counts and the field-clear limit:
 * only the extras the source's mapping sets are compared, a change is an
 * update with SCIMSYNC_F_EXTRA_BIT and its bit in xchanged, a cleared one
 * counts against max_field_clears under its own name. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdlib.h>
#include <string.h>

#include "diff.h"
#include "plan.h"
#include "safety.h"

static const char *const xnames[] = {"badge", "site"};

struct world {
    struct ss_dir src, tgt;
    struct ss_diff_policy pol;
    struct ss_plan plan;
    const char *sx[4][2], *tx[4][2];
};

static void user(struct ss_dir *d, struct ss_user_rec **out, const char *id, const char *ext,
                 const char *name)
{
    struct ss_user_rec *u = ss_dir_add_user(d);
    assert_non_null(u);
    u->id = id;
    u->external_id = ext;
    u->field[SCIMSYNC_F_USER_NAME] = name;
    u->field[SCIMSYNC_F_GIVEN_NAME] = "G";
    u->field[SCIMSYNC_F_FAMILY_NAME] = "F";
    u->field[SCIMSYNC_F_DISPLAY_NAME] = "G F";
    u->active = 1;
    *out = u;
}

static void test_extras_diff(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    struct ss_user_rec *u;
    (void)state;
    assert_non_null(w);
    ss_dir_init(&w->src);
    ss_dir_init(&w->tgt);
    w->src.xnames = w->tgt.xnames = xnames;
    w->src.nx = w->tgt.nx = 2;
    /* 1: badge changes; 2: site cleared; 3: same; 4: site differs but this
     * source's mapping does not set it (left alone) */
    static const char *const sv[4][2] = {
        {"B1", "Paris"}, {"B2", NULL}, {"B3", "Rome"}, {"B4", "Oslo"}};
    static const char *const tv[4][2] = {
        {"B0", "Paris"}, {"B2", "Lyon"}, {"B3", "Rome"}, {"B4", "Bergen"}};
    static const char *const ids[4] = {"1", "2", "3", "4"};
    static const char *const tids[4] = {"t1", "t2", "t3", "t4"};
    for (int i = 0; i < 4; i++) {
        user(&w->src, &u, NULL, ids[i], tids[i]);
        u->managed = (1u << SCIMSYNC_F_COUNT) - 1u;
        w->sx[i][0] = sv[i][0];
        w->sx[i][1] = sv[i][1];
        u->xval = w->sx[i];
        u->xmanaged = i == 3 ? 0x1u : 0x3u;
        user(&w->tgt, &u, tids[i], ids[i], tids[i]);
        w->tx[i][0] = tv[i][0];
        w->tx[i][1] = tv[i][1];
        u->xval = w->tx[i];
    }
    assert_int_equal(ss_dir_set_members(&w->src, NULL, 0), 0);
    assert_int_equal(ss_dir_set_members(&w->tgt, NULL, 0), 0);
    assert_int_equal(ss_plan_init(&w->plan, &w->src, &w->tgt), 0);
    assert_int_equal(ss_diff(&w->src, &w->tgt, &w->pol, &w->plan), 0);

    assert_int_equal(w->plan.nops[SS_WAVE_UPDATE_USERS], 2);
    const struct ss_plan_op *a = &w->plan.ops[SS_WAVE_UPDATE_USERS][0];
    const struct ss_plan_op *b = &w->plan.ops[SS_WAVE_UPDATE_USERS][1];
    assert_int_equal(a->user, 0);
    assert_int_equal(a->changed, SCIMSYNC_F_EXTRA_BIT);
    assert_int_equal(a->xchanged, 0x1u);
    assert_int_equal(b->user, 1);
    assert_int_equal(b->xchanged, 0x2u);

    struct ss_plan_counts c;
    ss_plan_count(&w->plan, &c);
    assert_int_equal(c.nextra, 2);
    assert_int_equal(c.extras_cleared[0], 0);
    assert_int_equal(c.extras_cleared[1], 1);
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++)
        assert_int_equal(c.fields_cleared[f], 0);

    /* max_field_clears = 0: clearing site on one user is refused, by name */
    struct ss_safety_policy p;
    struct ss_safety_verdict v;
    ss_safety_policy_off(&p);
    p.field_clears.count = 0;
    assert_int_equal(ss_safety_check(&c, &p, &v), 1);
    if (!strstr(v.reason, "clears extra.site on 1 of 4 owned users"))
        fail_msg("reason: %s", v.reason);

    ss_plan_free(&w->plan);
    ss_dir_free(&w->src);
    ss_dir_free(&w->tgt);
    free(w);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_extras_diff),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
