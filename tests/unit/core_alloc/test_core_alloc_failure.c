/* Every allocation of core's pure parts failing in turn (the shared
 * tests/support/alloc_fail.h): templates, the state (built from a target
 * snapshot, ops recorded, plugin values, encoded and decoded) and the
 * configuration files.  Each run must end in a clean error and leave
 * nothing allocated (ASan checks the leak half). */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "alloc_fail.h"
#include "config.h"
#include "model.h"
#include "state.h"
#include "template.h"

static int template_scenario(void)
{
    static const char *const given[] = {"  Ada "}, *const sn[] = {"LOVELACE"};
    static const struct scimsync_attr attrs[] = {{"givenName", given, 1}, {"sn", sn, 1}};
    struct scimsync_entry e = {
        .kind = SCIMSYNC_ENTRY_USER, .id = "u1", .attrs = attrs, .nattrs = 2};
    struct ss_template t;
    char err[128], buf[64];
    int rc = 0;

    if (ss_template_parse("${givenName|trim|lower}.${sn|lower}@example.com (${missing})", &t, err,
                          sizeof err) < 0) {
        assert_string_equal(err, "out of memory");
        return -1;
    }
    if (ss_template_render(&t, &e, buf, sizeof buf) < 0)
        rc = -1;
    else
        assert_string_equal(buf, "ada.lovelace@example.com ()");
    ss_template_free(&t);
    return rc;
}

/* A snapshot of 40 users and 3 groups; 0 or -1 (no memory). */
static int make_dir(struct ss_dir *d)
{
    static char ids[40][16], exts[40][16], names[40][32];
    struct ss_pair pairs[60];
    size_t np = 0;
    ss_dir_init(d);
    for (int i = 0; i < 40; i++) {
        struct ss_user_rec *u = ss_dir_add_user(d);
        if (!u)
            return -1;
        snprintf(ids[i], sizeof ids[i], "id-u%d", i);
        snprintf(exts[i], sizeof exts[i], "ext-u%d", i);
        snprintf(names[i], sizeof names[i], "user%d@example.com", i);
        u->id = ids[i];
        u->external_id = exts[i];
        u->field[SCIMSYNC_F_USER_NAME] = names[i];
        u->field[SCIMSYNC_F_TITLE] = i % 2 ? "Engineer \"senior\"" : NULL;
        u->active = i % 3 != 0;
    }
    for (int g = 0; g < 3; g++) {
        struct ss_group_rec *r = ss_dir_add_group(d);
        if (!r)
            return -1;
        r->id = g == 0 ? "id-g0" : g == 1 ? "id-g1" : "id-g2";
        r->external_id = g == 2 ? NULL : r->id + 3;
        r->display_name = g == 0 ? "team" : g == 1 ? "ops" : "by hand";
    }
    if (!(d->members_known = calloc(3, 1)))
        return -1;
    d->members_known[0] = d->members_known[1] = 1;
    for (uint32_t i = 0; i < 30; i++)
        pairs[np++] = (struct ss_pair){i % 2, i};
    return ss_dir_set_members(d, pairs, np) < 0 ? -1 : 0;
}

static int state_scenario(void)
{
    struct ss_dir d;
    struct ss_state st, back;
    struct scimsync_user nu;
    struct scimsync_op op;
    char *buf = NULL, why[256];
    size_t len;
    int rc = -1;
    const char *members[] = {"id-u5", "id-u7"};

    ss_state_init(&st);
    ss_state_init(&back);
    if (make_dir(&d) < 0 || ss_state_from_dir(&st, &d, 1700000000) < 0)
        goto out;
    memset(&nu, 0, sizeof nu);
    nu.external_id = "ext-new";
    nu.field[SCIMSYNC_F_USER_NAME] = "new@example.com";
    nu.active = 1;
    memset(&op, 0, sizeof op);
    op.kind = SCIMSYNC_OP_CREATE_USER;
    op.user = &nu;
    snprintf(op.new_id, sizeof op.new_id, "id-new");
    if (ss_state_record(&st, &op) < 0)
        goto out;
    memset(&op, 0, sizeof op);
    op.kind = SCIMSYNC_OP_ADD_MEMBERS;
    op.target_id = "id-g1";
    op.member_ids = members;
    op.nmembers = 2;
    if (ss_state_record(&st, &op) < 0)
        goto out;
    if (ss_state_kv_put(&st, "source entra", "deltaLink", "https://x/?a=1") < 0 ||
        ss_state_kv_put(&st, "source entra", "deltaLink", "https://x/?a=2") < 0)
        goto out;
    if (ss_state_encode(&st, &buf, &len) < 0)
        goto out;
    if (ss_state_decode(&back, buf, len, why, sizeof why) < 0)
        goto out;
    assert_int_equal(back.nusers, 41);
    assert_string_equal(ss_state_kv_get(&back, "source entra", "deltaLink"), "https://x/?a=2");
    rc = 0;
out:
    free(buf);
    ss_state_free(&back);
    ss_state_free(&st);
    ss_dir_free(&d);
    return rc;
}

static char ini[256];

static int config_scenario(void)
{
    struct ss_config cfg;
    int rc = ss_config_load(&cfg, ini, 1, NULL, 0);
    if (rc == 0) {
        assert_non_null(ss_config_nth(&cfg, SS_SEC_SOURCE, 0));
        assert_non_null(ss_config_nth(&cfg, SS_SEC_TARGET, 0));
    }
    ss_config_free(&cfg);
    return rc < 0 ? -1 : 0;
}

static void test_template(void **state)
{
    (void)state;
    alloc_fail_each(template_scenario, 3);
}

static void test_state(void **state)
{
    (void)state;
    alloc_fail_each(state_scenario, 10);
}

static void test_config(void **state)
{
    FILE *f;
    (void)state;
    snprintf(ini, sizeof ini, "/tmp/ss_core_alloc.%ld.ini", (long)getpid());
    f = fopen(ini, "w");
    assert_non_null(f);
    fputs("[engine]\nmax_deletes = 5\n\n"
          "[source hr]\nplugin = csv\nusers_file = users.csv\n\n"
          "[mapping hr]\nuserName = ${mail|lower}\ndisplayName = ${givenName} ${sn}\n\n"
          "[target idc]\nplugin = scim\nurl = https://scim.example/v2\ntoken = env:TOKEN\n",
          f);
    fclose(f);
    /* each failing run logs its error: not on the test's output */
    fflush(stderr);
    int saved = dup(2), null = open("/dev/null", O_WRONLY);
    assert_true(saved >= 0 && null >= 0);
    dup2(null, 2);
    close(null);
    alloc_fail_each(config_scenario, 10);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    unlink(ini);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_template),
        cmocka_unit_test(test_state),
        cmocka_unit_test(test_config),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
