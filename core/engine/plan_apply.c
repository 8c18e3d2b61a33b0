/* apply FILE: re-read what the plan touches, refuse a stale plan, check
 * the limits again, apply exactly the planned operations. */
#include "plan_apply.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "apply.h"
#include "engine.h"
#include "log.h"
#include "plan_print.h"
#include "progress.h"
#include "report.h"
#include "safety.h"
#include "state_run.h"
#include "stop.h"
#include "strmap.h"
#include "warncap.h"

/* One target object the plan expects to find. */
struct want {
    const char *key;  /* id (or externalId / name for planned creates) */
    const char *name; /* for messages */
    uint32_t tgt;     /* its record in pf->tgt, or SS_NONE */
    int values;       /* compare values (users) / members (groups) */
    int found;
};

struct stale_check {
    struct ss_plan_file *pf;
    const struct ss_engine_target *t;
    const char *file;
    struct want *w;
    size_t n, cap;
    struct ss_strmap map; /* key -> index in w */
    struct ss_warncap cap_log;
    size_t stale;
    int failed; /* out of memory in a callback */
    /* planned creates: a match found is an object created meanwhile */
    int creates;
    const char *by;
    /* list_members: ids of the group being compared */
    const char ***mem;
    size_t *nmem, *capmem;
};

static int want_add(struct stale_check *c, const char *key, const char *name, uint32_t tgt,
                    int values)
{
    uint32_t at;
    int r = ss_strmap_put(&c->map, key, (uint32_t)c->n, &at);
    if (r < 0)
        return -1;
    if (r == 1) { /* already wanted: keep the stronger check */
        if (values) {
            c->w[at].values = 1;
            c->w[at].tgt = tgt;
        }
        return 0;
    }
    if (c->n == c->cap) {
        size_t nc = c->cap ? c->cap * 2 : 64;
        struct want *nw = realloc(c->w, nc * sizeof(*nw));
        if (!nw)
            return -1;
        c->w = nw;
        c->cap = nc;
    }
    c->w[c->n++] = (struct want){key, name ? name : key, tgt, values, 0};
    return 0;
}

/* Names are matched as the target matches them: ASCII case-insensitive. */
static void want_reset(struct stale_check *c, int icase)
{
    ss_strmap_free(&c->map);
    ss_strmap_init(&c->map, icase);
    c->n = 0;
}

static void stale(struct stale_check *c, const char *fmt, ...) SCIMSYNC_PRINTF(2, 3);

static void stale(struct stale_check *c, const char *fmt, ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->stale++;
    ss_warncap_log(&c->cap_log, "%s: stale: %s", c->file, msg);
}

static const char *show(const char *s)
{
    return ss_str_empty(s) ? "(none)" : s;
}

/* What differs between the planned record and the one read now. */
static void user_diff(struct stale_check *c, const struct want *w, const struct scimsync_user *u)
{
    const struct ss_user_rec *was = &c->pf->tgt.users[w->tgt];
    char what[768] = "";
    size_t len = 0, shown = 0, more = 0;
    for (int f = -2; f < SCIMSYNC_F_COUNT; f++) {
        const char *a, *b, *name;
        if (f == -2) {
            a = was->external_id, b = u->external_id, name = "externalId";
        } else if (f == -1) {
            a = was->active ? "true" : "false", b = u->active ? "true" : "false";
            name = "active";
        } else {
            a = was->field[f], b = u->field[f], name = ss_user_field_name(f);
        }
        if (ss_str_same(a, b))
            continue;
        if (shown++ >= 3) {
            more++;
            continue;
        }
        int n = snprintf(what + len, sizeof what - len, "%s%s \"%.80s\" -> \"%.80s\"",
                         len ? ", " : "", name, show(a), show(b));
        if (n > 0 && (size_t)n < sizeof what - len)
            len += (size_t)n;
    }
    if (more)
        snprintf(what + len, sizeof what - len, " and %zu more", more);
    stale(c, "user %s (id %s) changed since the plan: %s", w->name, w->key,
          *what ? what : "its values differ");
}

static int on_user(void *ctx, const struct scimsync_user *u)
{
    struct stale_check *c = ctx;
    uint32_t i;
    const char *key = !c->creates                        ? u->id
                      : strcmp(c->by, "externalId") == 0 ? u->external_id
                                                         : u->field[SCIMSYNC_F_USER_NAME];
    if (!key || !ss_strmap_get(&c->map, key, &i) || c->w[i].found)
        return 0; /* not one we asked for (a case-insensitive name match is found again) */
    struct want *w = &c->w[i];
    w->found = 1;
    if (c->creates) {
        if (w->values && ss_str_empty(u->external_id))
            return 0; /* an adopting create may meet an object without externalId */
        stale(c, "user %s, planned to be created, exists in the target now (id %s, %s %s)", w->name,
              show(u->id), c->by, key);
        return 0;
    }
    if (!w->values || w->tgt == SS_NONE)
        return 0;
    uint64_t now = ss_plan_file_user_hash(u->id, u->external_id, u->field, u->active);
    if (now != c->pf->tuser_hash[w->tgt])
        user_diff(c, w, u);
    return 0;
}

static int on_group(void *ctx, const struct scimsync_group *g)
{
    struct stale_check *c = ctx;
    uint32_t i;
    const char *key = !c->creates                        ? g->id
                      : strcmp(c->by, "externalId") == 0 ? g->external_id
                                                         : g->display_name;
    if (!key || !ss_strmap_get(&c->map, key, &i) || c->w[i].found)
        return 0;
    struct want *w = &c->w[i];
    w->found = 1;
    if (c->creates) {
        if (w->values && ss_str_empty(g->external_id))
            return 0;
        stale(c, "group %s, planned to be created, exists in the target now (id %s, %s %s)",
              w->name, show(g->id), c->by, key);
        return 0;
    }
    if (w->tgt == SS_NONE)
        return 0;
    const struct ss_group_rec *was = &c->pf->tgt.groups[w->tgt];
    if (ss_plan_file_group_hash(g->id, g->external_id, g->display_name) ==
        c->pf->tgroup_hash[w->tgt])
        return 0;
    if (!ss_str_same(was->display_name, g->display_name))
        stale(c, "group %s (id %s) changed since the plan: displayName \"%.80s\" -> \"%.80s\"",
              w->name, w->key, show(was->display_name), show(g->display_name));
    else
        stale(c, "group %s (id %s) changed since the plan: externalId \"%.80s\" -> \"%.80s\"",
              w->name, w->key, show(was->external_id), show(g->external_id));
    return 0;
}

static int on_member(void *ctx, size_t index, const char *user_id)
{
    struct stale_check *c = ctx;
    if (!user_id)
        return 0;
    if (c->nmem[index] == c->capmem[index]) {
        size_t nc = c->capmem[index] ? c->capmem[index] * 2 : 16;
        const char **nm = realloc(c->mem[index], nc * sizeof(*nm));
        if (!nm) {
            c->failed = 1;
            return 1;
        }
        c->mem[index] = nm;
        c->capmem[index] = nc;
    }
    const char *copy = ss_arena_strdup(&c->pf->arena, user_id);
    if (!copy) {
        c->failed = 1;
        return 1;
    }
    c->mem[index][c->nmem[index]++] = copy;
    return 0;
}

/* One read per key (find_users / find_groups: by target id, externalId or
 * name); every key answered, or <0 (logged). */
static int lookup(struct stale_check *c, enum scimsync_entry_kind kind, enum scimsync_find_by by)
{
    const struct scimsync_plugin *d = c->t->plugin;
    int r = 0;
    for (size_t i = 0; i < c->n && r == 0 && !c->failed; i++) {
        if (kind == SCIMSYNC_ENTRY_USER)
            r = d->find_users(c->t->inst, by, c->w[i].key, on_user, c);
        else
            r = d->find_groups(c->t->inst, by, c->w[i].key, on_group, c);
    }
    if (r < 0 || c->failed) {
        ss_error("target %s: reading the %s the plan touches failed%s; nothing applied", c->t->name,
                 kind == SCIMSYNC_ENTRY_USER ? "users" : "groups",
                 r == SCIMSYNC_ERR_CONFIG ? " (the plugin cannot look them up that way)" : "");
        return -1;
    }
    return 0;
}

static int check_users(struct stale_check *c)
{
    struct ss_plan_file *pf = c->pf;
    struct ss_plan *p = &pf->plan;
    want_reset(c, 0);
    for (uint32_t t = 0; t < pf->tgt.nusers; t++) {
        const struct ss_user_rec *u = &pf->tgt.users[t];
        if (want_add(c, u->id, show(u->field[SCIMSYNC_F_USER_NAME]), t,
                     pf->tuser_check[t] == SS_PF_CHECK_VALUES) < 0)
            goto nomem;
    }
    /* existing users the plan sends ids of (members, managers) */
    for (uint32_t s = 0; s < pf->src.nusers; s++) {
        const char *name = pf->src.users[s].field[SCIMSYNC_F_USER_NAME];
        if (p->user_tid[s] && want_add(c, p->user_tid[s], name, SS_NONE, 0) < 0)
            goto nomem;
        if (p->mgr_tid[s] && want_add(c, p->mgr_tid[s], p->mgr_tid[s], SS_NONE, 0) < 0)
            goto nomem;
    }
    if (lookup(c, SCIMSYNC_ENTRY_USER, SCIMSYNC_FIND_ID) < 0)
        return -1;
    for (size_t i = 0; i < c->n; i++) {
        if (!c->w[i].found)
            stale(c, "user %s (id %s) is no longer in the target", c->w[i].name, c->w[i].key);
    }
    return 0;
nomem:
    ss_error("out of memory");
    return -1;
}

static int check_groups(struct stale_check *c)
{
    struct ss_plan_file *pf = c->pf;
    struct ss_plan *p = &pf->plan;
    const char **ids = NULL;
    size_t nids = 0;
    uint32_t *which = NULL;
    int rc = -1;

    want_reset(c, 0);
    for (uint32_t g = 0; g < pf->tgt.ngroups; g++) {
        const struct ss_group_rec *gr = &pf->tgt.groups[g];
        if (want_add(c, gr->id, show(gr->display_name), g, pf->tgroup_nmembers[g] >= 0) < 0)
            goto nomem;
    }
    for (uint32_t g = 0; g < pf->src.ngroups; g++) {
        if (p->group_tid[g] &&
            want_add(c, p->group_tid[g], pf->src.groups[g].display_name, SS_NONE, 0) < 0)
            goto nomem;
    }
    if (lookup(c, SCIMSYNC_ENTRY_GROUP, SCIMSYNC_FIND_ID) < 0)
        return -1;
    ids = calloc(c->n ? c->n : 1, sizeof(*ids));
    which = calloc(c->n ? c->n : 1, sizeof(*which));
    if (!ids || !which)
        goto nomem;
    for (size_t i = 0; i < c->n; i++) {
        if (!c->w[i].found)
            stale(c, "group %s (id %s) is no longer in the target", c->w[i].name, c->w[i].key);
        else if (c->w[i].values && c->w[i].tgt != SS_NONE) {
            which[nids] = (uint32_t)i;
            ids[nids++] = c->w[i].key;
        }
    }
    if (nids) {
        c->mem = calloc(nids, sizeof(*c->mem));
        c->nmem = calloc(nids, sizeof(*c->nmem));
        c->capmem = calloc(nids, sizeof(*c->capmem));
        if (!c->mem || !c->nmem || !c->capmem)
            goto nomem;
        int r = c->t->plugin->target->list_members(c->t->inst, ids, nids, on_member, c);
        if (r < 0 || c->failed) {
            ss_error("target %s: reading the members of the groups the plan changes failed; "
                     "nothing applied",
                     c->t->name);
            goto out;
        }
        for (size_t k = 0; k < nids; k++) {
            const struct want *w = &c->w[which[k]];
            uint64_t h;
            ss_plan_file_members_hash(c->mem[k], c->nmem[k], &h);
            long was = pf->tgroup_nmembers[w->tgt];
            if (h != pf->tgroup_members_hash[w->tgt])
                stale(c,
                      "the members of group %s (id %s) changed since the plan (%ld then, %zu now)",
                      w->name, w->key, was, c->nmem[k]);
        }
    }
    rc = 0;
    goto out;
nomem:
    ss_error("out of memory");
out:
    if (c->mem) {
        for (size_t k = 0; k < nids; k++)
            free(c->mem[k]);
    }
    free(c->mem);
    free(c->nmem);
    free(c->capmem);
    c->mem = NULL;
    c->nmem = c->capmem = NULL;
    free(ids);
    free(which);
    return rc;
}

/* Planned creates: nothing with their externalId or name may exist now. */
static int check_creates(struct stale_check *c, enum scimsync_entry_kind kind)
{
    struct ss_plan_file *pf = c->pf;
    enum ss_wave w = kind == SCIMSYNC_ENTRY_USER ? SS_WAVE_CREATE_USERS : SS_WAVE_CREATE_GROUPS;
    const enum scimsync_find_by bys[] = {SCIMSYNC_FIND_EXTERNAL_ID,
                                         kind == SCIMSYNC_ENTRY_USER ? SCIMSYNC_FIND_USER_NAME
                                                                     : SCIMSYNC_FIND_DISPLAY_NAME};
    c->creates = 1;
    for (size_t b = 0; b < 2; b++) {
        want_reset(c, bys[b] != SCIMSYNC_FIND_EXTERNAL_ID);
        c->by = bys[b] == SCIMSYNC_FIND_EXTERNAL_ID ? "externalId"
                : kind == SCIMSYNC_ENTRY_USER       ? "userName"
                                                    : "displayName";
        for (size_t i = 0; i < pf->plan.nops[w]; i++) {
            const struct ss_plan_op *op = &pf->plan.ops[w][i];
            const char *name, *key;
            if (kind == SCIMSYNC_ENTRY_USER) {
                name = pf->src.users[op->user].field[SCIMSYNC_F_USER_NAME];
                key = b == 0 ? pf->src.users[op->user].external_id : name;
            } else {
                name = pf->src.groups[op->group].display_name;
                key = b == 0 ? pf->src.groups[op->group].external_id : name;
            }
            if (!ss_str_empty(key) && want_add(c, key, name, SS_NONE, op->adopt) < 0) {
                ss_error("out of memory");
                return -1;
            }
        }
        if (lookup(c, kind, bys[b]) < 0)
            return -1;
    }
    c->creates = 0;
    return 0;
}

int ss_plan_check_stale(struct ss_plan_file *pf, const struct ss_engine_target *t, const char *file)
{
    struct stale_check c = {
        .pf = pf,
        .t = t,
        .file = file,
        .cap_log = SS_WARNCAP_INIT("stale objects", SCIMSYNC_LOG_ERROR),
    };
    int rc = -1;
    c.cap_log.limit = 50;
    ss_strmap_init(&c.map, 0);
    if (check_users(&c) < 0 || check_groups(&c) < 0 || check_creates(&c, SCIMSYNC_ENTRY_USER) < 0 ||
        check_creates(&c, SCIMSYNC_ENTRY_GROUP) < 0)
        goto out;
    ss_warncap_total(&c.cap_log);
    rc = (int)(c.stale > 100000 ? 100000 : c.stale);
out:
    ss_strmap_free(&c.map);
    free(c.w);
    return rc;
}

int ss_engine_apply_plan(struct ss_plan_file *pf, const char *file,
                         const struct ss_engine_target *t, const struct ss_engine_options *opt,
                         struct ss_summary *sum)
{
    FILE *out = opt->out ? opt->out : stdout;
    struct ss_report rep;
    struct ss_state_run *state = NULL;
    struct ss_plan_counts counts;
    struct ss_safety_verdict verdict;
    int rc = SS_EXIT_READ;

    memset(sum, 0, sizeof(*sum));
    ss_report_begin(&rep, "apply", 0, opt->config_files, opt->nconfig_files);
    ss_host_set_deadline(opt->max_run_time);
    ss_host_set_phase(SS_PHASE_READ);
    pf->plan.opt = opt;

    rc = ss_state_run_open(&state, opt);
    if (rc != SS_EXIT_OK)
        goto out;
    rc = SS_EXIT_READ;
    ss_report_phase_begin(SS_RUN_TARGET_READ);
    int n = ss_plan_check_stale(pf, t, file);
    ss_report_phase_end(SS_RUN_TARGET_READ);
    if (n < 0 && ss_host_interrupted()) {
        ss_warn("interrupted while reading the target; nothing applied (exit code 5)");
        rc = SS_EXIT_INTERRUPTED;
        goto out;
    }
    if (n < 0)
        goto out;
    if (ss_host_run_should_stop()) {
        rc = ss_host_interrupted() ? SS_EXIT_INTERRUPTED : SS_EXIT_READ;
        ss_error("stopped while reading the target; nothing applied");
        goto out;
    }
    if (n > 0) {
        ss_error("%s: the plan is stale: %d target %s changed since it was made; nothing "
                 "applied (exit code 9). Make a new plan.",
                 file, n, n == 1 ? "object" : "objects");
        rc = SS_EXIT_STALE;
        goto out;
    }
    ss_info("%s: every target object the plan touches is as the plan expected", file);

    ss_report_phase_begin(SS_RUN_PLAN);
    ss_plan_count(&pf->plan, &counts);
    rep.planned = 1;
    rep.plan = counts;
    rep.plan.group_losses = NULL;
    rep.plan.ngroup_losses = 0;
    ss_report_phase_end(SS_RUN_PLAN);
    if (!opt->print_report) {
        if (ss_plan_print_text(&pf->plan, out) < 0)
            goto out;
        fflush(out);
    }
    int refused = ss_safety_check(&counts, &opt->safety, &verdict) != 0;
    ss_report_safety(&counts, &opt->safety, &verdict);
    if (refused) {
        ss_state_run_finish(state, 0);
        rc = SS_EXIT_SAFETY;
        goto out;
    }
    int r = ss_engine_apply_phase(&pf->plan, counts.total_ops, t, state, opt, sum, out);
    fflush(out);
    rc = r != 0 ? SS_EXIT_PARTIAL : SS_EXIT_OK;
    /* staged deletes: a deactivation's time is recorded with its op (the
     * journal); the plan file carries no pending list to note */
    if (sum->interrupted) {
        ss_warn("run interrupted: %zu operations not started (exit code 5); the rest of the plan "
                "is not applied: make a new plan",
                sum->not_started);
        rc = SS_EXIT_INTERRUPTED;
    }
    if (ss_state_run_finish(state, rc == SS_EXIT_OK) < 0 && rc == SS_EXIT_OK)
        rc = SS_EXIT_PARTIAL;
out:
    ss_state_run_close(state);
    ss_host_set_deadline(0);
    ss_host_set_phase(SS_PHASE_READ);
    ss_report_finish(&rep, rc);
    ss_engine_run_outputs(&rep, opt, out);
    ss_report_free(&rep);
    return rc;
}
