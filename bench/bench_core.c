/*
 * Core benchmark: mapping + resolution + diff + plan (+ apply against a
 * no-op target) of a synthetic directory, without any plugin I/O.
 *
 *   bench_core [USERS [GROUPS [MEMBERSHIPS]]]     (100000 10000 1000000)
 *
 * The source is an in-process plugin that synthesizes entries one at a time
 * (streamed like a real source).  The target is an in-process plugin that
 * lists the same directory with about 1% differences: missing users
 * (creates), changed titles (updates), extra owned users (deactivations),
 * missing / renamed / extra groups, missing and extra memberships.
 * Prints wall time per phase and the peak RSS (getrusage ru_maxrss).
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "apply.h"
#include "collect.h"
#include "diff.h"
#include "log.h"
#include "mapping.h"
#include "plan.h"
#include "plan_print.h"
#include "resolve.h"
#include "safety.h"
#include "target_read.h"

static size_t NU = 100000, NG = 10000, NM = 1000000;

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Deterministic directory shape shared by both sides. */
static size_t members_per_group(void)
{
    return NG ? NM / NG : 0;
}
static size_t member_of(size_t g, size_t k)
{
    return (g * 7919u + k * 104729u) % NU;
}
static int user_missing_in_target(size_t i)
{
    return i % 100 == 1;
}
static int user_title_changed(size_t i)
{
    return i % 100 == 2;
}
static int group_missing_in_target(size_t g)
{
    return g % 100 == 1;
}
static int group_renamed(size_t g)
{
    return g % 100 == 2;
}
static size_t extra_users(void)
{
    return NU / 100;
}
static size_t extra_groups(void)
{
    return NG / 100;
}

/* ---- synthetic source ---------------------------------------------- */

struct gen_src {
    size_t pos;
    char buf[12][96];
    const char *vals[12];
    struct scimsync_attr attrs[12];
    const char **members;
    char *member_buf;
    struct scimsync_entry e;
};

static int src_open(void *inst)
{
    ((struct gen_src *)inst)->pos = 0;
    return 0;
}

/* Attribute i of the entry: its value was formatted into s->buf[i]. */
static void set_attr(struct gen_src *s, size_t i, const char *name)
{
    s->vals[i] = s->buf[i];
    s->attrs[i] = (struct scimsync_attr){name, &s->vals[i], 1};
}

static int src_next(void *inst, const struct scimsync_entry **out)
{
    struct gen_src *s = inst;
    struct scimsync_entry *e = &s->e;
    memset(e, 0, sizeof(*e));
    e->attrs = s->attrs;
    if (s->pos < NU) {
        size_t i = s->pos++;
        static char id[32], where[32];
        snprintf(id, sizeof(id), "u%zu", i);
        snprintf(where, sizeof(where), "users:%zu", i + 2);
        e->kind = SCIMSYNC_ENTRY_USER;
        e->id = id;
        e->where = where;
        snprintf(s->buf[0], sizeof(s->buf[0]), "User.%zu@Example.COM", i);
        set_attr(s, 0, "mail");
        snprintf(s->buf[1], sizeof(s->buf[0]), "Given%zu", i);
        set_attr(s, 1, "givenName");
        snprintf(s->buf[2], sizeof(s->buf[0]), "Family%zu", i);
        set_attr(s, 2, "sn");
        snprintf(s->buf[3], sizeof(s->buf[0]), "Title %zu", i % 50);
        set_attr(s, 3, "title");
        snprintf(s->buf[4], sizeof(s->buf[0]), "Dept %zu", i % 100);
        set_attr(s, 4, "department");
        snprintf(s->buf[5], sizeof(s->buf[0]), "%06zu", i);
        set_attr(s, 5, "employeeNumber");
        snprintf(s->buf[6], sizeof(s->buf[0]), "u%zu", i / 10);
        set_attr(s, 6, "manager");
        e->nattrs = i ? 7 : 6; /* u0 has no manager */
        *out = e;
        return 1;
    }
    if (s->pos < NU + NG) {
        size_t g = s->pos++ - NU, mpg = members_per_group();
        static char id[32];
        snprintf(id, sizeof(id), "g%zu", g);
        e->kind = SCIMSYNC_ENTRY_GROUP;
        e->id = id;
        e->where = id;
        snprintf(s->buf[0], sizeof(s->buf[0]), "group-%zu", g);
        set_attr(s, 0, "cn");
        e->nattrs = 1;
        for (size_t k = 0; k < mpg; k++) {
            char *b = s->member_buf + k * 24;
            snprintf(b, 24, "u%zu", member_of(g, k));
            s->members[k] = b;
        }
        e->members = s->members;
        e->nmembers = mpg;
        *out = e;
        return 1;
    }
    return 0;
}

static void src_close(void *inst)
{
    (void)inst;
}

static const char *const bench_mapping[] = {
    "userName=${mail|lower}",
    "displayName=${givenName} ${sn}",
    "givenName=${givenName}",
    "familyName=${sn}",
    "email=${mail|trim|lower}",
    "title=${title}",
    "department=${department}",
    "employeeNumber=${employeeNumber}",
    "manager=${manager}",
    "group.displayName=${cn}",
    NULL,
};

static const struct scimsync_source_ops gen_source_ops = {src_open, src_next, src_close,
                                                          bench_mapping};
static const struct scimsync_plugin gen_source = {
    SCIMSYNC_PLUGIN_V1(SCIMSYNC_PLUGIN_SOURCE, "bench-source", NULL, NULL),
    .source = &gen_source_ops,
};

/* ---- synthetic target ------------------------------------------------ */

static void fmt_lower_mail(char *b, size_t n, size_t i)
{
    snprintf(b, n, "user.%zu@example.com", i);
}

static int tgt_list_users(void *inst, scimsync_user_cb cb, void *ctx)
{
    (void)inst;
    char id[32], ext[32], mail[64], given[32], fam[32], disp[64], title[32], dept[32], emp[32],
        mgr[32];
    for (size_t i = 0; i < NU + extra_users(); i++) {
        int extra = i >= NU;
        if (!extra && user_missing_in_target(i))
            continue;
        struct scimsync_user u = {0};
        snprintf(id, sizeof(id), "T%zu", i);
        snprintf(ext, sizeof(ext), extra ? "x%zu" : "u%zu", i);
        fmt_lower_mail(mail, sizeof(mail), i);
        snprintf(given, sizeof(given), "Given%zu", i);
        snprintf(fam, sizeof(fam), "Family%zu", i);
        snprintf(disp, sizeof(disp), "Given%zu Family%zu", i, i);
        snprintf(title, sizeof(title), user_title_changed(i) ? "Old %zu" : "Title %zu", i % 50);
        snprintf(dept, sizeof(dept), "Dept %zu", i % 100);
        snprintf(emp, sizeof(emp), "%06zu", i);
        u.id = id;
        u.external_id = ext;
        u.field[SCIMSYNC_F_USER_NAME] = mail;
        u.field[SCIMSYNC_F_EMAIL] = mail;
        u.field[SCIMSYNC_F_GIVEN_NAME] = given;
        u.field[SCIMSYNC_F_FAMILY_NAME] = fam;
        u.field[SCIMSYNC_F_DISPLAY_NAME] = disp;
        u.field[SCIMSYNC_F_TITLE] = title;
        u.field[SCIMSYNC_F_DEPARTMENT] = dept;
        u.field[SCIMSYNC_F_EMPLOYEE_NUMBER] = emp;
        if (i > 0 && !extra && !user_missing_in_target(i / 10)) {
            snprintf(mgr, sizeof(mgr), "T%zu", i / 10);
            u.field[SCIMSYNC_F_MANAGER] = mgr;
        }
        u.active = 1;
        int r = cb(ctx, &u);
        if (r)
            return r;
    }
    return 0;
}

static int tgt_list_groups(void *inst, scimsync_group_cb cb, void *ctx)
{
    (void)inst;
    char id[32], ext[32], name[48];
    for (size_t g = 0; g < NG + extra_groups(); g++) {
        int extra = g >= NG;
        if (!extra && group_missing_in_target(g))
            continue;
        snprintf(id, sizeof(id), "TG%zu", g);
        snprintf(ext, sizeof(ext), extra ? "xg%zu" : "g%zu", g);
        snprintf(name, sizeof(name), group_renamed(g) ? "old-group-%zu" : "group-%zu", g);
        struct scimsync_group sg = {id, ext, name};
        int r = cb(ctx, &sg);
        if (r)
            return r;
    }
    return 0;
}

static int tgt_list_members(void *inst, const char *const *ids, size_t n, scimsync_member_cb cb,
                            void *ctx)
{
    (void)inst;
    char uid[32];
    for (size_t k = 0; k < n; k++) {
        size_t g = strtoul(ids[k] + 2, NULL, 10);
        if (g >= NG)
            continue;
        for (size_t m = 0; m < members_per_group(); m++) {
            size_t u = member_of(g, m);
            if (m % 100 == 3 || user_missing_in_target(u))
                continue; /* missing membership: an add */
            snprintf(uid, sizeof(uid), "T%zu", u);
            int r = cb(ctx, k, uid);
            if (r)
                return r;
        }
        /* one extra member per group: a remove */
        snprintf(uid, sizeof(uid), "T%zu", NU + g % extra_users());
        int r = cb(ctx, k, uid);
        if (r)
            return r;
    }
    return 0;
}

static size_t applied_ops;

static int tgt_apply(void *inst, struct scimsync_op *ops, size_t n)
{
    (void)inst;
    for (size_t i = 0; i < n; i++) {
        ops[i].status = 0;
        if (ops[i].kind == SCIMSYNC_OP_CREATE_USER || ops[i].kind == SCIMSYNC_OP_CREATE_GROUP)
            snprintf(ops[i].new_id, sizeof(ops[i].new_id), "N%zu", applied_ops);
        applied_ops++;
    }
    return 0;
}

static const struct scimsync_target_ops gen_target_ops = {tgt_list_users, tgt_list_groups,
                                                          tgt_list_members, tgt_apply};
static const struct scimsync_plugin gen_target = {
    SCIMSYNC_PLUGIN_V1(SCIMSYNC_PLUGIN_TARGET, "bench-target", NULL, NULL),
    .target = &gen_target_ops,
};

/* ---- driver ---------------------------------------------------------- */

static int count_user(void *ctx, const struct scimsync_user *u)
{
    (void)u;
    ++*(size_t *)ctx;
    return 0;
}

static int count_member(void *ctx, size_t index, const char *user_id)
{
    (void)index;
    (void)user_id;
    ++*(size_t *)ctx;
    return 0;
}

/* What the synthetic target itself costs (formatting 1M ids), so the
 * engine's share of "read target state" can be told apart. */
static double generator_cost(void)
{
    size_t n = 0, ng = NG + extra_groups();
    char(*ids)[32] = calloc(ng, sizeof(*ids));
    const char **idp = calloc(ng, sizeof(*idp));
    double t = now();
    if (!ids || !idp)
        goto out;
    for (size_t g = 0; g < ng; g++) {
        snprintf(ids[g], sizeof(ids[g]), "TG%zu", g);
        idp[g] = ids[g];
    }
    tgt_list_users(NULL, count_user, &n);
    tgt_list_members(NULL, idp, ng, count_member, &n);
out:
    free(ids);
    free(idp);
    return now() - t;
}

static double t_last;

static void phase(const char *name)
{
    double t = now();
    printf("  %-28s %8.3f s\n", name, t - t_last);
    fflush(stdout);
    t_last = t;
}

int main(int argc, char **argv)
{
    if (argc > 1)
        NU = strtoul(argv[1], NULL, 10);
    if (argc > 2)
        NG = strtoul(argv[2], NULL, 10);
    if (argc > 3)
        NM = strtoul(argv[3], NULL, 10);
    if (NU < 100 || NG < 100 || NM < NG) {
        fprintf(stderr, "usage: bench_core [USERS>=100 [GROUPS>=100 [MEMBERSHIPS>=GROUPS]]]\n");
        return 1;
    }
    ss_log_set_level(SCIMSYNC_LOG_ERROR);
    int rc = 1;
    struct gen_src gs = {0};
    gs.members = calloc(members_per_group() + 1, sizeof(*gs.members));
    gs.member_buf = calloc(members_per_group() + 1, 24);
    struct ss_engine_source src = {.name = "bench", .plugin = &gen_source, .inst = &gs};
    struct ss_engine_target tgt = {.name = "bench", .plugin = &gen_target, .inst = NULL};
    struct ss_diff_policy pol = {.on_missing = SS_ON_MISSING_DEACTIVATE};
    struct ss_safety_policy safety;
    struct ss_mapping map;
    struct ss_dir sdir, tdir;
    struct ss_collector col;
    struct ss_plan plan;
    struct ss_summary sum = {0};
    FILE *devnull = fopen("/dev/null", "w");
    if (!gs.members || !gs.member_buf || !devnull)
        return 1;
    ss_dir_init(&sdir);
    ss_dir_init(&tdir);
    ss_collector_init(&col, &sdir);
    ss_safety_policy_off(&safety);

    printf("bench_core: %zu users, %zu groups, %zu memberships (%zu per group)\n", NU, NG,
           members_per_group() * NG, members_per_group());
    double t0 = now();
    t_last = t0;
    if (ss_mapping_build(&map, "bench", bench_mapping, NULL, 0) < 0 ||
        ss_collect_source(&col, &src, &map) < 0)
        goto out;
    phase("read + map source");
    if (ss_resolve(&col) < 0)
        goto out;
    ss_collector_free(&col);
    phase("resolve (refs, nesting)");
    if (ss_target_read(&tgt, &sdir, 0, &tdir) < 0)
        goto out;
    phase("read target state");
    if (ss_plan_init(&plan, &sdir, &tdir) < 0 || ss_diff(&sdir, &tdir, &pol, &plan) < 0)
        goto out;
    phase("diff + plan");
    struct ss_plan_counts c;
    struct ss_safety_verdict v;
    ss_plan_count(&plan, &c);
    (void)ss_safety_check(&c, &safety, &v);
    if (ss_plan_print_text(&plan, devnull) < 0)
        goto out;
    phase("plan text output");
    double core = now() - t0;
    if (ss_plan_print_json(&plan, devnull) < 0)
        goto out;
    phase("plan JSON output");
    if (ss_apply(&plan, &tgt, &sum) < 0)
        goto out;
    phase("apply waves (no-op target)");
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    printf("plan: users +%zu ~%zu -%zu, groups +%zu ~%zu -%zu, members +%zu -%zu, manager "
           "fix-ups %zu; %zu ops applied\n",
           c.users_create, c.users_update, c.users_deactivate + c.users_delete, c.groups_create,
           c.groups_rename, c.groups_delete, c.members_add, c.members_remove, c.manager_fixups,
           applied_ops);
    double total = now() - t0;
    printf("core (map + resolve + target state + diff + text plan): %.3f s\n", core);
    printf("total: %.3f s, peak RSS %ld MB\n", total, ru.ru_maxrss / 1024);
    printf("(the synthetic target's own formatting, included in \"read target state\": %.3f "
           "s)\n",
           generator_cost());
    ss_plan_free(&plan);
    rc = sum.failed ? 1 : 0;
out:
    ss_mapping_free(&map);
    ss_collector_free(&col);
    ss_dir_free(&sdir);
    ss_dir_free(&tdir);
    free(gs.members);
    free(gs.member_buf);
    fclose(devnull);
    return rc;
}
