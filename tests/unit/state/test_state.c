/* The state store's pure parts: encode / decode round trips and what a
 * damaged or foreign state does, ops recorded into the state (successes
 * and surprises), the snapshot built from it, the full-read decisions,
 * plugin values, the file backend's atomic write and the lease body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "model.h"
#include "state.h"
#include "state_lease.h"
#include "state_run.h"
#include "state_store.h"

#define TGT "scim https://scim.example/t1/scim/v2/"

/* A target snapshot: users u0..u(n-1) (u0 without externalId), groups
 * g0 (managed, members u1 u2 u3) and g1 (not managed). */
static void make_dir(struct ss_dir *d, int n)
{
    char buf[64];
    ss_dir_init(d);
    for (int i = 0; i < n; i++) {
        struct ss_user_rec *u = ss_dir_add_user(d);
        snprintf(buf, sizeof buf, "id-u%d", i);
        u->id = ss_arena_strdup(&d->arena, buf);
        snprintf(buf, sizeof buf, "ext-u%d", i);
        u->external_id = i ? ss_arena_strdup(&d->arena, buf) : NULL;
        snprintf(buf, sizeof buf, "user%d@example.com", i);
        u->field[SCIMSYNC_F_USER_NAME] = ss_arena_strdup(&d->arena, buf);
        u->field[SCIMSYNC_F_TITLE] = i % 2 ? "Engineer \"senior\"\n\\" : NULL;
        u->active = i % 3 != 0;
    }
    struct ss_group_rec *g = ss_dir_add_group(d);
    g->id = "id-g0";
    g->external_id = "ext-g0";
    g->display_name = "team ü";
    g = ss_dir_add_group(d);
    g->id = "id-g1";
    g->display_name = "by hand";
    d->members_known = calloc(2, 1);
    d->members_known[0] = 1;
    struct ss_pair pairs[] = {{0, 3}, {0, 1}, {0, 2}};
    assert_int_equal(ss_dir_set_members(d, pairs, 3), 0);
}

static void roundtrip(struct ss_state *in, struct ss_state *out)
{
    char *buf, why[256] = "";
    size_t len;
    assert_int_equal(ss_state_encode(in, &buf, &len), 0);
    ss_state_init(out);
    int r = ss_state_decode(out, buf, len, why, sizeof why);
    if (r != 0)
        fail_msg("decode: %s", why);
    free(buf);
}

static void test_roundtrip(void **unused)
{
    (void)unused;
    struct ss_dir d, back;
    struct ss_state st, st2;
    make_dir(&d, 6);
    ss_state_init(&st);
    assert_int_equal(ss_state_from_dir(&st, &d, 1000), 0);
    st.target = TGT;
    assert_int_equal(ss_state_kv_put(&st, "source entra", "deltaLink", "https://x/?a=1&b=\"2\""),
                     0);
    roundtrip(&st, &st2);
    assert_string_equal(st2.target, TGT);
    assert_int_equal(st2.full_at, 1000);
    assert_null(st2.full_why);
    assert_string_equal(ss_state_kv_get(&st2, "source entra", "deltaLink"),
                        "https://x/?a=1&b=\"2\"");
    ss_dir_init(&back);
    assert_int_equal(ss_state_to_dir(&st2, &back), 0);
    assert_int_equal(back.nusers, 6);
    assert_int_equal(back.ngroups, 2);
    for (size_t i = 0; i < 6; i++) {
        assert_string_equal(back.users[i].id, d.users[i].id);
        assert_true(ss_str_same(back.users[i].external_id, d.users[i].external_id));
        assert_true(
            ss_str_same(back.users[i].field[SCIMSYNC_F_TITLE], d.users[i].field[SCIMSYNC_F_TITLE]));
        assert_int_equal(back.users[i].active, d.users[i].active);
    }
    assert_string_equal(back.groups[0].display_name, "team ü");
    assert_true(back.members_known[0]);
    assert_false(back.members_known[1]);
    assert_int_equal(ss_dir_nmembers(&back, 0), 3);
    assert_int_equal(ss_dir_members(&back, 0)[0], 1);
    assert_int_equal(ss_dir_members(&back, 0)[2], 3);
    ss_dir_free(&back);
    ss_state_free(&st2);
    st.target = NULL;
    ss_state_free(&st);
    ss_dir_free(&d);
}

static void expect_bad(const char *text, const char *needle)
{
    struct ss_state st;
    char why[256] = "";
    ss_state_init(&st);
    assert_true(ss_state_decode(&st, text, strlen(text), why, sizeof why) < 0);
    if (!strstr(why, needle))
        fail_msg("expected '%s' in '%s'", needle, why);
    ss_state_free(&st);
}

static void test_bad_input(void **unused)
{
    (void)unused;
    struct ss_dir d;
    struct ss_state st;
    char *buf;
    size_t len;
    make_dir(&d, 4);
    ss_state_init(&st);
    assert_int_equal(ss_state_from_dir(&st, &d, 5), 0);
    assert_int_equal(ss_state_encode(&st, &buf, &len), 0);
    /* Cut short anywhere before the end record: refused, never half-read. */
    for (size_t cut = 0; cut + 1 < len; cut += 37) {
        struct ss_state s2;
        char why[256];
        char *part = strndup(buf, cut);
        ss_state_init(&s2);
        assert_true(ss_state_decode(&s2, part, cut, why, sizeof why) < 0);
        ss_state_free(&s2);
        free(part);
    }
    free(buf);
    expect_bad("{\"format\":\"scimsync-state\",\"version\":3}\n", "version 3");
    expect_bad("{\"format\":\"other\"}\n", "not a scimsync state");
    expect_bad("[1,2]\n", "not a scimsync state");
    expect_bad("{\"format\":\"scimsync-state\",\"version\":1,\"user_fields\":[\"userName\"],"
               "\"users\":1,\"groups\":0}\n[\"u\",\"a\",null,true]\n",
               "line 2: a user record");
    expect_bad("{\"format\":\"scimsync-state\",\"version\":1,\"user_fields\":[\"userName\"],"
               "\"users\":1,\"groups\":1}\n[\"u\",\"a\",null,true,\"x\"]\n"
               "[\"g\",\"g\",null,\"n\",true,[0,0]]\n",
               "line 3: a member delta");
    expect_bad("{\"format\":\"scimsync-state\",\"version\":1,\"user_fields\":[\"userName\"],"
               "\"users\":2,\"groups\":0}\n[\"u\",\"a\",null,true,\"x\"]\n"
               "{\"end\":true,\"users\":1,\"groups\":0}\n",
               "counts do not match");
    expect_bad("{\"format\":\"scimsync-state\",\"version\":1,\"user_fields\":[\"shoeSize\"]}\n",
               "unknown user field");
    expect_bad("{\"format\":\"scimsync-state\",\"version\":1,\"user_fields\":[]}\nnot json\n",
               "line 2: not one JSON value");
    ss_state_free(&st);
    ss_dir_free(&d);
}

static void test_record(void **unused)
{
    (void)unused;
    struct ss_dir d, back;
    struct ss_state st, st2;
    make_dir(&d, 4);
    ss_state_init(&st);
    assert_int_equal(ss_state_from_dir(&st, &d, 5), 0);

    struct scimsync_user nu = {.external_id = "ext-new", .active = 1};
    nu.field[SCIMSYNC_F_USER_NAME] = "new@example.com";
    struct scimsync_op op = {.kind = SCIMSYNC_OP_CREATE_USER, .user = &nu};
    strcpy(op.new_id, "id-new");
    assert_int_equal(ss_state_record(&st, &op), 0);

    const char *ids[] = {"id-new", "id-u1"};
    struct scimsync_op add = {
        .kind = SCIMSYNC_OP_ADD_MEMBERS, .target_id = "id-g0", .member_ids = ids, .nmembers = 1};
    assert_int_equal(ss_state_record(&st, &add), 0);
    struct scimsync_op rm = {.kind = SCIMSYNC_OP_REMOVE_MEMBERS,
                             .target_id = "id-g0",
                             .member_ids = ids + 1,
                             .nmembers = 1};
    assert_int_equal(ss_state_record(&st, &rm), 0);

    struct scimsync_user upd = {.active = 0};
    upd.field[SCIMSYNC_F_TITLE] = "Boss";
    struct scimsync_op up = {.kind = SCIMSYNC_OP_UPDATE_USER,
                             .target_id = "id-u2",
                             .user = &upd,
                             .changed = (1u << SCIMSYNC_F_TITLE) | SCIMSYNC_F_ACTIVE_BIT};
    assert_int_equal(ss_state_record(&st, &up), 0);
    struct scimsync_op del = {.kind = SCIMSYNC_OP_DELETE_USER, .target_id = "id-u3"};
    assert_int_equal(ss_state_record(&st, &del), 0);
    struct scimsync_group ng = {.external_id = "ext-g2", .display_name = "new group"};
    struct scimsync_op cg = {.kind = SCIMSYNC_OP_CREATE_GROUP, .group = &ng};
    strcpy(cg.new_id, "id-g2");
    assert_int_equal(ss_state_record(&st, &cg), 0);
    struct scimsync_op dg = {.kind = SCIMSYNC_OP_DELETE_GROUP, .target_id = "id-g1"};
    assert_int_equal(ss_state_record(&st, &dg), 0);
    /* A failure that is no surprise (rejected data) changes nothing. */
    struct scimsync_op bad = {.kind = SCIMSYNC_OP_UPDATE_USER,
                              .target_id = "id-u1",
                              .user = &upd,
                              .changed = 1u << SCIMSYNC_F_TITLE,
                              .status = SCIMSYNC_ERR_INVALID};
    assert_int_equal(ss_state_record(&st, &bad), 0);
    assert_null(st.full_why);

    roundtrip(&st, &st2);
    ss_dir_init(&back);
    assert_int_equal(ss_state_to_dir(&st2, &back), 0);
    assert_int_equal(back.nusers, 4); /* u0 u1 u2 new; u3 deleted */
    assert_string_equal(back.users[3].id, "id-new");
    assert_string_equal(back.users[3].external_id, "ext-new");
    assert_string_equal(back.users[2].field[SCIMSYNC_F_TITLE], "Boss");
    assert_int_equal(back.users[2].active, 0);
    assert_non_null(back.users[1].field[SCIMSYNC_F_TITLE]); /* the refused update left it */
    assert_int_equal(back.ngroups, 2);                      /* g0, g2 */
    assert_string_equal(back.groups[1].id, "id-g2");
    assert_true(back.members_known[1]);
    /* g0: u1 u2 u3 + new - u1, and u3 deleted: u2, new */
    assert_int_equal(ss_dir_nmembers(&back, 0), 2);
    assert_string_equal(back.users[ss_dir_members(&back, 0)[0]].id, "id-u2");
    assert_string_equal(back.users[ss_dir_members(&back, 0)[1]].id, "id-new");
    ss_dir_free(&back);
    ss_state_free(&st2);
    ss_state_free(&st);
    ss_dir_free(&d);
}

/* A version-1 state (before deactivation times): still read, every user
 * without a time. */
static const char v1_state[] =
    "{\"format\":\"scimsync-state\",\"version\":1,\"target\":\"" TGT "\",\"full_at\":7,"
    "\"full_reconcile_due\":null,\"user_fields\":[\"userName\",\"title\"],\"users\":2,"
    "\"groups\":1,\"plugins\":{}}\n"
    "[\"u\",\"id-a\",\"ext-a\",true,\"a@example.com\",null]\n"
    "[\"u\",\"id-b\",\"ext-b\",false,\"b@example.com\",\"Engineer\"]\n"
    "[\"g\",\"id-g\",\"ext-g\",\"team\",true,[0,1]]\n"
    "{\"end\":true,\"users\":2,\"groups\":1,\"memberships\":2}\n";

static void test_deactivation_times(void **unused)
{
    (void)unused;
    struct ss_state st, st2, st3;
    struct ss_dir back, full;
    char why[256] = "", *buf;
    size_t len;

    /* The older format loads: same users, no time known. */
    ss_state_init(&st);
    if (ss_state_decode(&st, v1_state, strlen(v1_state), why, sizeof why) != 0)
        fail_msg("a version-1 state must still load: %s", why);
    assert_int_equal(st.nusers, 2);
    assert_string_equal(st.target, TGT);
    assert_int_equal(st.users[1].active, 0);
    assert_int_equal(st.users[1].deactivated_at, 0);
    assert_string_equal(st.users[1].field[SCIMSYNC_F_TITLE], "Engineer");
    assert_int_equal(st.groups[0].nmem, 2);

    /* A deactivation is recorded at the run's clock; a second one keeps
     * the first time. */
    st.clock = 1000;
    struct scimsync_op de = {.kind = SCIMSYNC_OP_DEACTIVATE_USER, .target_id = "id-a"};
    assert_int_equal(ss_state_record(&st, &de), 0);
    assert_int_equal(st.users[0].active, 0);
    assert_int_equal(st.users[0].deactivated_at, 1000);
    st.clock = 2000;
    assert_int_equal(ss_state_record(&st, &de), 0);
    assert_int_equal(st.users[0].deactivated_at, 1000);
    /* A time left on an active user (a hand-edited state) is not the
     * deactivation's. */
    st.users[0].active = 1;
    st.users[0].deactivated_at = 10;
    st.clock = 1000;
    assert_int_equal(ss_state_record(&st, &de), 0);
    assert_int_equal(st.users[0].deactivated_at, 1000);
    st.clock = 2000;
    /* A time set for a user deactivated before the state knew when. */
    st.changed = 0;
    assert_int_equal(ss_state_set_deactivated(&st, "id-b", 1500, 1), 0);
    assert_true(st.changed);
    st.changed = 0;
    assert_int_equal(ss_state_set_deactivated(&st, "id-b", 1700, 1), 0); /* kept */
    assert_false(st.changed);
    assert_int_equal(ss_state_set_deactivated(&st, "id-none", 1700, 0), 0);

    /* Written as version 2 with "d" records, read back. */
    assert_int_equal(ss_state_encode(&st, &buf, &len), 0);
    assert_non_null(strstr(buf, "\"version\":2"));
    assert_non_null(strstr(buf, "[\"d\",\"id-a\",1000]"));
    assert_non_null(strstr(buf, "\"deactivated\":2"));
    ss_state_init(&st2);
    if (ss_state_decode(&st2, buf, len, why, sizeof why) != 0)
        fail_msg("decode: %s", why);
    free(buf);
    assert_int_equal(st2.users[0].deactivated_at, 1000);
    assert_int_equal(st2.users[1].deactivated_at, 1500);
    ss_dir_init(&back);
    assert_int_equal(ss_state_to_dir(&st2, &back), 0);
    assert_int_equal(back.users[0].deactivated_at, 1000);
    assert_int_equal(back.users[1].deactivated_at, 1500);

    /* Reactivated: the time goes (a later departure starts again). */
    struct scimsync_user on = {.active = 1};
    struct scimsync_op up = {.kind = SCIMSYNC_OP_UPDATE_USER,
                             .target_id = "id-a",
                             .user = &on,
                             .changed = SCIMSYNC_F_ACTIVE_BIT};
    assert_int_equal(ss_state_record(&st2, &up), 0);
    assert_int_equal(st2.users[0].deactivated_at, 0);
    assert_int_equal(ss_state_set_deactivated(&st2, "id-b", 0, 0), 0);
    assert_int_equal(st2.users[1].deactivated_at, 0);

    /* A full read keeps the state's time of a user still inactive, and
     * drops it for one that is active again. */
    ss_dir_init(&full);
    back.users[0].active = 1;
    assert_int_equal(ss_state_from_dir(&st, &back, 3000), 0);
    assert_int_equal(st.users[0].deactivated_at, 0);
    assert_int_equal(st.users[1].deactivated_at, 1500);
    assert_int_equal(st.clock, 2000);
    ss_dir_free(&full);
    ss_dir_free(&back);

    /* Damaged deactivation records are refused like any other. */
    ss_state_init(&st3);
    assert_int_equal(ss_state_encode(&st, &buf, &len), 0);
    ss_state_free(&st3);
    char *nod = strdup(buf), *p = strstr(nod, "[\"d\",\"id-b\"");
    assert_non_null(p);
    p[7] = 'x'; /* "id-b" -> "ix-b": no such user */
    expect_bad(nod, "names no user");
    free(nod);
    char *cnt = strdup(buf);
    p = strstr(cnt, "\"deactivated\":1");
    assert_non_null(p);
    p[strlen("\"deactivated\":")] = '5';
    expect_bad(cnt, "deactivation records does not match");
    free(cnt);
    free(buf);
    /* A "d" record in a version-1 state is not of that version. */
    char v1d[sizeof v1_state + 64];
    const char *end = strstr(v1_state, "{\"end\"");
    snprintf(v1d, sizeof v1d, "%.*s[\"d\",\"id-b\",5]\n%s", (int)(end - v1_state), v1_state, end);
    expect_bad(v1d, "version 2");

    ss_state_free(&st2);
    ss_state_free(&st);
}

static void test_surprises(void **unused)
{
    (void)unused;
    struct ss_dir d;
    struct ss_state st;
    char why[600];
    make_dir(&d, 4);
    ss_state_init(&st);
    assert_int_equal(ss_state_from_dir(&st, &d, 5), 0);
    st.target = TGT;
    assert_int_equal(ss_state_need_full(&st, 1, TGT, 10, 3600, 0, why, sizeof why), 0);

    /* 404 on a user we own: surprise, and it leaves the snapshot. */
    struct scimsync_op nf = {
        .kind = SCIMSYNC_OP_DEACTIVATE_USER, .target_id = "id-u1", .status = SCIMSYNC_ERR_NOTFOUND};
    assert_int_equal(ss_state_record(&st, &nf), 1);
    assert_non_null(strstr(st.full_why, "404"));
    assert_int_equal(ss_state_need_full(&st, 1, TGT, 10, 3600, 0, why, sizeof why), 1);
    assert_non_null(strstr(why, "the last run asked for it"));
    struct ss_dir back;
    ss_dir_init(&back);
    assert_int_equal(ss_state_to_dir(&st, &back), 0);
    assert_int_equal(back.nusers, 3);
    ss_dir_free(&back);

    /* A create adopted after a 409: recorded, and a surprise. */
    struct ss_state s2;
    ss_state_init(&s2);
    struct scimsync_user nu = {.external_id = "e", .active = 1};
    struct scimsync_op cr = {
        .kind = SCIMSYNC_OP_CREATE_USER, .user = &nu, .result_flags = SCIMSYNC_OP_ADOPTED};
    strcpy(cr.new_id, "id-x");
    assert_int_equal(ss_state_record(&s2, &cr), 1);
    assert_int_equal(s2.nusers, 1);
    assert_non_null(strstr(s2.full_why, "409"));
    /* An unknown outcome (transport error after retries): surprise. */
    struct ss_state s3;
    ss_state_init(&s3);
    struct scimsync_op io = {
        .kind = SCIMSYNC_OP_ADD_MEMBERS, .target_id = "g", .status = SCIMSYNC_ERR_IO};
    assert_int_equal(ss_state_record(&s3, &io), 1);
    /* Stopped or refused credentials: not a surprise. */
    struct ss_state s4;
    ss_state_init(&s4);
    struct scimsync_op stp = {
        .kind = SCIMSYNC_OP_ADD_MEMBERS, .target_id = "g", .status = SCIMSYNC_ERR_STOPPED};
    assert_int_equal(ss_state_record(&s4, &stp), 0);
    stp.status = SCIMSYNC_ERR_AUTH;
    assert_int_equal(ss_state_record(&s4, &stp), 0);
    assert_null(s4.full_why);
    ss_state_free(&s2);
    ss_state_free(&s3);
    ss_state_free(&s4);
    st.target = NULL;
    ss_state_free(&st);
    ss_dir_free(&d);
}

static void test_decisions(void **unused)
{
    (void)unused;
    struct ss_state st;
    char why[600];
    ss_state_init(&st);
    st.target = TGT;
    st.full_at = 1000;
    assert_int_equal(ss_state_need_full(&st, 1, TGT, 1000 + 3599, 3600, 0, why, sizeof why), 0);
    assert_int_equal(ss_state_need_full(&st, 1, TGT, 1000 + 3600, 3600, 0, why, sizeof why), 1);
    assert_non_null(strstr(why, "3600 s ago"));
    assert_int_equal(ss_state_need_full(&st, 1, TGT, 1001, 0, 0, why, sizeof why), 1);
    assert_non_null(strstr(why, "is 0"));
    assert_int_equal(ss_state_need_full(&st, 1, TGT, 1001, 3600, 1, why, sizeof why), 1);
    assert_non_null(strstr(why, "--full"));
    assert_int_equal(ss_state_need_full(&st, 0, TGT, 1001, 3600, 0, why, sizeof why), 1);
    assert_non_null(strstr(why, "no state"));
    assert_int_equal(ss_state_need_full(&st, -1, TGT, 1001, 3600, 0, why, sizeof why), 1);
    assert_int_equal(
        ss_state_need_full(&st, 1, "scim https://other/", 1001, 3600, 0, why, sizeof why), 1);
    assert_non_null(strstr(why, "another target"));
    /* A full_at far in the future (clock trouble) is due, not trusted. */
    assert_int_equal(ss_state_need_full(&st, 1, TGT, 500, 3600, 0, why, sizeof why), 1);
    st.target = NULL;
    ss_state_free(&st);
}

static void test_kv(void **unused)
{
    (void)unused;
    struct ss_state st;
    ss_state_init(&st);
    assert_null(ss_state_kv_get(&st, "source a", "k"));
    assert_int_equal(ss_state_kv_put(&st, "source a", "k", "1"), 0);
    assert_int_equal(ss_state_kv_put(&st, "source b", "k", "2"), 0);
    assert_int_equal(ss_state_kv_put(&st, "source a", "k", "3"), 0);
    assert_string_equal(ss_state_kv_get(&st, "source a", "k"), "3");
    assert_string_equal(ss_state_kv_get(&st, "source b", "k"), "2");
    assert_int_equal(ss_state_kv_put(&st, "source a", "k", NULL), 0);
    assert_null(ss_state_kv_get(&st, "source a", "k"));
    struct ss_state back;
    roundtrip(&st, &back);
    assert_null(ss_state_kv_get(&back, "source a", "k"));
    assert_string_equal(ss_state_kv_get(&back, "source b", "k"), "2");
    ss_state_free(&back);
    ss_state_free(&st);
}

static void test_file_store(void **unused)
{
    (void)unused;
    char dir[] = "/tmp/ss-state-XXXXXX", url[128], err[512], *buf;
    size_t len;
    struct ss_state_store s;
    assert_non_null(mkdtemp(dir));
    snprintf(url, sizeof url, "file:%s/state.json", dir);
    assert_int_equal(ss_store_open(&s, url, 0, err, sizeof err), 0);
    assert_int_equal(ss_store_load(&s, &buf, &len, err, sizeof err), 0);
    assert_int_equal(ss_store_save(&s, "abc\n", 4, err, sizeof err), 0);
    assert_int_equal(ss_store_load(&s, &buf, &len, err, sizeof err), 1);
    assert_int_equal(len, 4);
    assert_memory_equal(buf, "abc\n", 4);
    free(buf);
    /* No temporary file left beside it. */
    char tmp[160];
    snprintf(tmp, sizeof tmp, "%s/state.json.tmp.%ld", dir, (long)getpid());
    assert_int_not_equal(access(tmp, F_OK), 0);
    ss_store_close(&s);
    snprintf(tmp, sizeof tmp, "%s/state.json", dir);
    unlink(tmp);
    rmdir(dir);

    assert_true(ss_store_open(&s, "file:relative.json", 0, err, sizeof err) < 0);
    ss_store_close(&s);
    assert_true(ss_store_open(&s, "s3://bucket", 0, err, sizeof err) < 0);
    ss_store_close(&s);
    assert_true(ss_store_open(&s, "s3://Bad_Bucket/k", 0, err, sizeof err) < 0);
    ss_store_close(&s);
    assert_int_equal(ss_store_open(&s, "s3://my-bucket/scimsync/state.json", 1, err, sizeof err),
                     0);
    assert_string_equal(s.bucket, "my-bucket");
    assert_string_equal(s.key, "scimsync/state.json");
    ss_store_close(&s);
}

static void test_lease_parse(void **unused)
{
    (void)unused;
    char holder[300];
    long long exp;
    const char *b = "{\"host\":\"web1\",\"pid\":42,\"command\":\"sync\",\"started\":"
                    "\"2026-11-30T07:00:00Z\",\"expires\":1796000000}";
    assert_int_equal(ss_lease_parse(b, strlen(b), holder, sizeof holder, &exp), 0);
    assert_int_equal(exp, 1796000000LL);
    assert_non_null(strstr(holder, "host web1, pid 42, sync started 2026-11-30T07:00:00Z"));
    assert_true(ss_lease_parse("junk", 4, holder, sizeof holder, &exp) < 0);
    assert_non_null(strstr(holder, "unknown holder"));
}

/* Plugin values through the run (host state_get / state_put): none
 * without a run, seen at once by the run that put them, saved only when
 * the run succeeded. */
static void test_run_plugin_values(void **unused)
{
    (void)unused;
    char dir[] = "/tmp/ss-state-run-XXXXXX", url[128], path[128];
    struct ss_engine_options opt;
    struct ss_state_run *sr;
    assert_non_null(mkdtemp(dir));
    snprintf(url, sizeof url, "file:%s/state.json", dir);
    snprintf(path, sizeof path, "%s/state.json", dir);
    memset(&opt, 0, sizeof opt);
    opt.state = url;
    opt.full_reconcile_interval = 3600;
    opt.target_identity = TGT;

    assert_null(ss_state_run_kv_get("source e", "k"));
    assert_true(ss_state_run_kv_put("source e", "k", "v") < 0); /* no store */

    /* A failed run: the value is seen during the run, never saved. */
    assert_int_equal(ss_state_run_open(&sr, &opt), SS_EXIT_OK);
    assert_non_null(sr);
    assert_int_equal(ss_state_run_kv_put("source e", "k", "v1"), 0);
    assert_string_equal(ss_state_run_kv_get("source e", "k"), "v1");
    assert_int_equal(ss_state_run_finish(sr, 0), 0);
    ss_state_run_close(sr);
    assert_int_not_equal(access(path, F_OK), 0);

    /* A successful one: saved, and read by the next run. */
    assert_int_equal(ss_state_run_open(&sr, &opt), SS_EXIT_OK);
    assert_int_equal(ss_state_run_kv_put("source e", "k", "v2"), 0);
    assert_int_equal(ss_state_run_finish(sr, 1), 0);
    ss_state_run_close(sr);
    assert_int_equal(access(path, F_OK), 0);
    assert_int_equal(ss_state_run_open(&sr, &opt), SS_EXIT_OK);
    assert_string_equal(ss_state_run_kv_get("source e", "k"), "v2");
    assert_null(ss_state_run_kv_get("source other", "k"));
    /* Deleting: NULL put, then gone once saved. */
    assert_int_equal(ss_state_run_kv_put("source e", "k", NULL), 0);
    assert_null(ss_state_run_kv_get("source e", "k"));
    assert_int_equal(ss_state_run_finish(sr, 1), 0);
    ss_state_run_close(sr);
    assert_int_equal(ss_state_run_open(&sr, &opt), SS_EXIT_OK);
    assert_null(ss_state_run_kv_get("source e", "k"));
    ss_state_run_close(sr);
    assert_null(ss_state_run_kv_get("source e", "k")); /* closed: no run */

    /* A bad URL is a configuration error. */
    opt.state = "ftp://x";
    assert_int_equal(ss_state_run_open(&sr, &opt), SS_EXIT_USAGE);
    assert_null(sr);
    unlink(path);
    rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip),
        cmocka_unit_test(test_bad_input),
        cmocka_unit_test(test_record),
        cmocka_unit_test(test_surprises),
        cmocka_unit_test(test_deactivation_times),
        cmocka_unit_test(test_decisions),
        cmocka_unit_test(test_kv),
        cmocka_unit_test(test_file_store),
        cmocka_unit_test(test_lease_parse),
        cmocka_unit_test(test_run_plugin_values),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
