/* The run record and its JSON document (docs/report.md). */
#include "report.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "log.h"
#include "op_kinds.h"
#include "stop.h"
#include "vec.h"

const char *const ss_run_phase_names[SS_RUN_PHASES] = {"source_read", "target_read", "plan",
                                                       "apply"};
const char *const ss_kind_names[SS_KIND_COUNT] = {"user", "group", "membership"};

static struct ss_report *g_cur;

const char *ss_action_name(enum ss_obj_kind k, enum ss_action a)
{
    static const char *const names[SS_ACT_COUNT] = {
        "created", "updated", "deactivated", "deleted", "failed", "not_attempted", "not_started"};
    if (k == SS_KIND_MEMBERSHIP) {
        if (a == SS_ACT_CREATED)
            return "added";
        if (a == SS_ACT_DELETED)
            return "removed";
        if (a == SS_ACT_UPDATED || a == SS_ACT_DEACTIVATED)
            return NULL;
    }
    if (k == SS_KIND_GROUP && a == SS_ACT_DEACTIVATED)
        return NULL;
    return names[a];
}

/* A random UUID (version 4): the id a run is found by in logs and reports. */
static void make_run_id(char *buf, size_t cap)
{
    unsigned char b[16];
    if (getrandom(b, sizeof b, GRND_NONBLOCK) != (ssize_t)sizeof b) {
        /* no entropy yet (early boot): time and pid still tell runs apart */
        struct timespec t;
        clock_gettime(CLOCK_REALTIME, &t);
        unsigned long long x = (unsigned long long)t.tv_nsec ^
                               ((unsigned long long)t.tv_sec << 20) ^
                               ((unsigned long long)getpid() << 40);
        for (size_t i = 0; i < sizeof b; i++) {
            x = x * 6364136223846793005ULL + 1442695040888963407ULL;
            b[i] = (unsigned char)(x >> 56);
        }
    }
    b[6] = (unsigned char)((b[6] & 0x0f) | 0x40);
    b[8] = (unsigned char)((b[8] & 0x3f) | 0x80);
    snprintf(buf, cap, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[0],
             b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12], b[13],
             b[14], b[15]);
}

void ss_report_begin(struct ss_report *r, const char *command, int dry_run,
                     const char *const *config_files, size_t nconfig_files)
{
    memset(r, 0, sizeof(*r));
    ss_arena_init(&r->arena, (size_t)64 << 20);
    make_run_id(r->run_id, sizeof r->run_id);
    r->command = command ? command : "sync";
    r->dry_run = dry_run;
    r->config_files = config_files;
    r->nconfig_files = nconfig_files;
    r->start = ss_clock_wall();
    r->mono_start = ss_clock_mono();
    g_cur = r;
}

void ss_report_finish(struct ss_report *r, int exit_code)
{
    for (int p = 0; p < SS_RUN_PHASES; p++) {
        if (r->phase_mono[p] > 0) /* a phase left by an early exit */
            ss_report_phase_end((enum ss_run_phase)p);
    }
    r->end = r->start + (ss_clock_mono() - r->mono_start);
    r->exit_code = exit_code;
    r->interrupted = exit_code == SS_EXIT_INTERRUPTED || ss_host_stop_requested();
    r->deadline_reached = !r->interrupted && ss_host_deadline_passed();
    if (g_cur == r)
        g_cur = NULL;
}

void ss_report_free(struct ss_report *r)
{
    if (g_cur == r)
        g_cur = NULL;
    free(r->sources);
    free(r->skips);
    free(r->failures);
    free(r->requests);
    free(r->plan_json);
    ss_arena_free(&r->arena);
    memset(r, 0, sizeof(*r));
}

struct ss_report *ss_report_current(void)
{
    return g_cur;
}

void ss_report_phase_begin(enum ss_run_phase p)
{
    if (!g_cur)
        return;
    g_cur->phase_ran[p] = 1;
    g_cur->phase_mono[p] = ss_clock_mono();
}

void ss_report_phase_end(enum ss_run_phase p)
{
    struct ss_report *r = g_cur;
    if (!r || r->phase_mono[p] <= 0)
        return;
    r->phase_seconds[p] += ss_clock_mono() - r->phase_mono[p];
    r->phase_mono[p] = 0;
}

static const char *keep(struct ss_report *r, const char *s)
{
    return s ? ss_arena_strdup(&r->arena, s) : NULL;
}

void ss_report_source_read(const char *name, size_t entries, int complete)
{
    struct ss_report *r = g_cur;
    if (!r || SS_VEC_PUSH_ROOM(r->sources, r->nsources, r->sources_cap) < 0)
        return;
    r->sources[r->nsources].name = keep(r, name);
    r->sources[r->nsources].entries = entries;
    r->sources[r->nsources].complete = complete;
    r->nsources++;
}

void ss_report_skip(const char *source, const char *kind, const char *where, const char *id,
                    const char *reason)
{
    struct ss_report *r = g_cur;
    if (!r) /* the count itself comes from the collector */
        return;
    if (r->nskips >= SS_REPORT_LIST_MAX || SS_VEC_PUSH_ROOM(r->skips, r->nskips, r->skips_cap) < 0)
        return;
    r->skips[r->nskips++] = (struct ss_report_skip){keep(r, source), keep(r, kind), keep(r, where),
                                                    keep(r, id), keep(r, reason)};
}

void ss_report_request(const char *method, long status, double retry_in)
{
    struct ss_report *r = g_cur;
    size_t i;
    if (!r || !method)
        return;
    for (i = 0; i < r->nrequests; i++) {
        if (r->requests[i].status == status && !strcmp(r->requests[i].method, method))
            break;
    }
    if (i == r->nrequests) {
        if (SS_VEC_PUSH_ROOM(r->requests, r->nrequests, r->requests_cap) < 0)
            return;
        memset(&r->requests[i], 0, sizeof(r->requests[i]));
        snprintf(r->requests[i].method, sizeof r->requests[i].method, "%s", method);
        r->requests[i].status = status;
        r->nrequests++;
    }
    r->requests[i].count++;
    if (status == 429)
        r->throttled++;
    if (status == 0)
        r->no_answer++;
    if (retry_in >= 0)
        r->retries++;
}

/* The numbers behind one limit, from the plan's counts. */
static void limit_numbers(const struct ss_plan_counts *c, const struct ss_safety_policy *p,
                          enum ss_limit_kind k, struct ss_report_limit *out)
{
    const struct ss_limit *l = NULL;
    out->kind = k;
    out->max_count = -1;
    out->max_percent = -1;
    switch (k) {
    case SS_LIMIT_USER_REMOVALS:
        out->changes = c->users_deactivate + c->users_delete;
        out->population = c->owned_users;
        l = &p->user_removals;
        break;
    case SS_LIMIT_GROUP_DELETES:
        out->changes = c->groups_delete;
        out->population = c->owned_groups;
        l = &p->group_deletes;
        break;
    case SS_LIMIT_MEMBER_REMOVALS:
        out->changes = c->members_remove;
        out->population = c->managed_members;
        l = &p->member_removals;
        break;
    case SS_LIMIT_GROUP_MEMBERS:
        /* the group losing the largest share */
        for (size_t i = 0; i < c->ngroup_losses; i++) {
            const struct ss_group_loss *g = &c->group_losses[i];
            if (!out->population || (double)g->removed * (double)out->population >
                                        (double)out->changes * (double)g->members) {
                out->changes = g->removed;
                out->population = g->members;
            }
        }
        out->max_percent = p->group_member_percent;
        return;
    case SS_LIMIT_USER_UPDATES:
        out->changes = c->users_update;
        out->population = c->owned_users;
        l = &p->user_updates;
        break;
    case SS_LIMIT_FIELD_CLEARS:
        for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
            if (c->fields_cleared[f] > out->changes)
                out->changes = c->fields_cleared[f];
        }
        for (size_t x = 0; x < c->nextra; x++) {
            if (c->extras_cleared[x] > out->changes)
                out->changes = c->extras_cleared[x];
        }
        out->population = c->owned_users;
        l = &p->field_clears;
        break;
    case SS_LIMIT_KIND_COUNT:
        return;
    }
    out->max_count = l->count;
    out->max_percent = l->percent;
}

void ss_report_safety(const struct ss_plan_counts *c, const struct ss_safety_policy *p,
                      const struct ss_safety_verdict *v)
{
    struct ss_report *r = g_cur;
    if (!r)
        return;
    r->safety_checked = 1;
    r->safety_refused = v->refused != 0;
    snprintf(r->safety_message, sizeof r->safety_message, "%s", v->reason);
    r->nlimits = 0;
    for (int k = 0; k < SS_LIMIT_KIND_COUNT; k++) {
        if (!(v->over & (1u << k)))
            continue;
        struct ss_report_limit *l = &r->limits[r->nlimits++];
        memset(l, 0, sizeof(*l));
        limit_numbers(c, p, (enum ss_limit_kind)k, l);
        l->refused = (v->refused & (1u << k)) != 0;
    }
}

/* The object an op is about, as the failure names it. */
static void op_object(const struct ss_plan *p, const struct ss_plan_op *op,
                      struct ss_report_failure *f)
{
    const struct ss_user_rec *u = NULL;
    const struct ss_group_rec *g = NULL;
    switch (op->kind) {
    case SCIMSYNC_OP_CREATE_USER:
    case SCIMSYNC_OP_UPDATE_USER:
        u = &p->src->users[op->user];
        f->target_id = p->user_tid ? p->user_tid[op->user] : NULL;
        break;
    case SCIMSYNC_OP_DEACTIVATE_USER:
    case SCIMSYNC_OP_DELETE_USER:
        u = &p->tgt->users[op->user];
        f->target_id = u->id;
        break;
    case SCIMSYNC_OP_DELETE_GROUP:
        g = &p->tgt->groups[op->group];
        f->target_id = g->id;
        break;
    default:
        g = &p->src->groups[op->group];
        f->target_id = p->group_tid ? p->group_tid[op->group] : NULL;
        break;
    }
    if (u) {
        f->kind = "user";
        f->user_name = u->field[SCIMSYNC_F_USER_NAME];
        f->display_name = u->field[SCIMSYNC_F_DISPLAY_NAME];
        f->external_id = u->external_id;
    } else {
        f->kind = "group";
        f->display_name = g->display_name;
        f->external_id = g->external_id;
    }
    if (f->external_id && !*f->external_id)
        f->external_id = NULL;
}

void ss_report_apply_results(const struct ss_plan *p)
{
    struct ss_report *r = g_cur;
    if (!r)
        return;
    for (int w = 0; w < SS_WAVE_COUNT; w++) {
        for (size_t i = 0; i < p->nops[w]; i++) {
            const struct ss_plan_op *op = &p->ops[w][i];
            const struct ss_op_kind_desc *d = ss_op_kind(op->kind);
            if (!d)
                continue;
            enum ss_obj_kind k = d->object;
            size_t n = d->per_member ? op->nmembers : 1;
            if (op->state == SS_OP_DONE) {
                r->counts[k][d->action] += d->per_member ? op->members_done : 1;
                if (p->staged && op->kind == SCIMSYNC_OP_DELETE_USER)
                    r->users_deleted_after_grace++; /* the only user deletes of that mode */
                continue;
            }
            if (op->state != SS_OP_FAILED && op->state != SS_OP_NOT_ATTEMPTED)
                continue;
            if (op->state == SS_OP_NOT_ATTEMPTED && op->not_started) {
                r->counts[k][SS_ACT_NOT_STARTED] += n;
                r->ops_not_started++;
                continue;
            }
            int na = op->state == SS_OP_NOT_ATTEMPTED;
            r->counts[k][na ? SS_ACT_NOT_ATTEMPTED : SS_ACT_FAILED] += n;
            r->failures_total++;
            if (na)
                r->ops_not_attempted++;
            else
                r->ops_failed++;
            if (r->nfailures >= SS_REPORT_LIST_MAX ||
                SS_VEC_PUSH_ROOM(r->failures, r->nfailures, r->failures_cap) < 0)
                continue;
            struct ss_report_failure *f = &r->failures[r->nfailures++];
            memset(f, 0, sizeof(*f));
            f->operation = d->json;
            op_object(p, op, f);
            f->user_name = keep(r, f->user_name);
            f->display_name = keep(r, f->display_name);
            f->external_id = keep(r, f->external_id);
            f->target_id = keep(r, f->target_id);
            f->detail = keep(r, op->error ? op->error : "");
            f->http_status = na ? 0 : op->http_status;
            f->not_attempted = na;
            f->members = k == SS_KIND_MEMBERSHIP ? op->nmembers : 0;
        }
    }
}

/* ------------------------------------------------------------------ */
/* JSON                                                                */

/* json-c builders: a failed allocation marks the whole document failed. */
struct jb {
    int failed;
};

static void put(struct jb *b, json_object *o, const char *key, json_object *v)
{
    if (!o || json_object_object_add(o, key, v) != 0) {
        json_object_put(v);
        b->failed = 1;
    }
}

static json_object *jstr(struct jb *b, const char *s)
{
    json_object *v;
    if (!s)
        return NULL; /* JSON null */
    v = json_object_new_string(s);
    if (!v)
        b->failed = 1;
    return v;
}

static json_object *jnum(struct jb *b, size_t n)
{
    json_object *v = json_object_new_int64((int64_t)n);
    if (!v)
        b->failed = 1;
    return v;
}

static json_object *jdbl(struct jb *b, double d)
{
    /* milliseconds, written as such (not 17 digits of binary noise) */
    char text[48];
    snprintf(text, sizeof text, "%.3f", d);
    json_object *v = json_object_new_double_s(strtod(text, NULL), text);
    if (!v)
        b->failed = 1;
    return v;
}

static json_object *jbool(struct jb *b, int x)
{
    json_object *v = json_object_new_boolean(x != 0);
    if (!v)
        b->failed = 1;
    return v;
}

static json_object *jobj(struct jb *b)
{
    json_object *v = json_object_new_object();
    if (!v)
        b->failed = 1;
    return v;
}

static json_object *jarr(struct jb *b)
{
    json_object *v = json_object_new_array();
    if (!v)
        b->failed = 1;
    return v;
}

static void push(struct jb *b, json_object *a, json_object *v)
{
    if (!a || !v || json_object_array_add(a, v) != 0) {
        json_object_put(v);
        b->failed = 1;
    }
}

static json_object *jtime(struct jb *b, double t)
{
    char buf[40];
    struct tm tm;
    time_t s = (time_t)t;
    int ms = (int)((t - (double)s) * 1000.0);
    gmtime_r(&s, &tm);
    size_t n = strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, sizeof buf - n, ".%03dZ", ms < 0 ? 0 : ms > 999 ? 999 : ms);
    return jstr(b, buf);
}

static const char *limit_name(enum ss_limit_kind k)
{
    static const char *const names[SS_LIMIT_KIND_COUNT] = {
        "user_removals",         "group_deletes", "member_removals",
        "group_member_removals", "user_updates",  "field_clears"};
    return k < SS_LIMIT_KIND_COUNT ? names[k] : "?";
}

static json_object *sources_json(struct jb *b, const struct ss_report *r)
{
    json_object *o = jobj(b), *list = jarr(b), *skipped = jobj(b), *skl = jarr(b);
    size_t read = 0;
    for (size_t i = 0; i < r->nsources; i++) {
        json_object *s = jobj(b);
        put(b, s, "name", jstr(b, r->sources[i].name));
        put(b, s, "entries_read", jnum(b, r->sources[i].entries));
        put(b, s, "complete", jbool(b, r->sources[i].complete));
        push(b, list, s);
        read += r->sources[i].entries;
    }
    put(b, o, "sources", list);
    put(b, o, "entries_read", jnum(b, read));
    put(b, o, "users_in_scope", jnum(b, r->users_in_scope));
    put(b, o, "groups_in_scope", jnum(b, r->groups_in_scope));
    put(b, skipped, "total", jnum(b, r->skipped_invalid + r->skipped_blocked));
    put(b, skipped, "invalid", jnum(b, r->skipped_invalid));
    put(b, skipped, "blocked_by_target", jnum(b, r->skipped_blocked));
    put(b, skipped, "out_of_scope_users", jnum(b, r->scope_users));
    put(b, skipped, "out_of_scope_groups", jnum(b, r->scope_groups));
    for (size_t i = 0; i < r->nskips; i++) {
        const struct ss_report_skip *k = &r->skips[i];
        json_object *s = jobj(b);
        put(b, s, "source", jstr(b, k->source));
        put(b, s, "kind", jstr(b, k->kind));
        put(b, s, "where", jstr(b, k->where));
        put(b, s, "id", jstr(b, k->id));
        put(b, s, "reason", jstr(b, k->reason));
        push(b, skl, s);
    }
    put(b, skipped, "entries", skl);
    put(b, skipped, "entries_truncated", jbool(b, r->skipped_invalid > r->nskips));
    put(b, o, "skipped", skipped);
    return o;
}

static json_object *changes_json(struct jb *b, const struct ss_report *r)
{
    json_object *o = jobj(b);
    static const char *const plural[SS_KIND_COUNT] = {"users", "groups", "memberships"};
    for (int k = 0; k < SS_KIND_COUNT; k++) {
        json_object *c = jobj(b);
        for (int a = 0; a < SS_ACT_COUNT; a++) {
            const char *name = ss_action_name((enum ss_obj_kind)k, (enum ss_action)a);
            if (name)
                put(b, c, name, jnum(b, r->counts[k][a]));
        }
        put(b, o, plural[k], c);
    }
    return o;
}

static json_object *planned_json(struct jb *b, const struct ss_report *r)
{
    const struct ss_plan_counts *c = &r->plan;
    json_object *o;
    if (!r->planned)
        return NULL;
    o = jobj(b);
    put(b, o, "users_create", jnum(b, c->users_create));
    put(b, o, "users_update", jnum(b, c->users_update));
    put(b, o, "users_deactivate", jnum(b, c->users_deactivate));
    put(b, o, "users_delete", jnum(b, c->users_delete));
    put(b, o, "groups_create", jnum(b, c->groups_create));
    put(b, o, "groups_rename", jnum(b, c->groups_rename));
    put(b, o, "groups_delete", jnum(b, c->groups_delete));
    put(b, o, "members_add", jnum(b, c->members_add));
    put(b, o, "members_remove", jnum(b, c->members_remove));
    put(b, o, "manager_fixups", jnum(b, c->manager_fixups));
    put(b, o, "operations", jnum(b, c->total_ops));
    if (r->staged)
        put(b, o, "users_pending_delete", jnum(b, c->users_pending_delete));
    return o;
}

/* on_missing = deactivate-then-delete: null in the other modes. */
static json_object *staged_json(struct jb *b, const struct ss_report *r)
{
    json_object *o;
    if (!r->staged)
        return NULL;
    o = jobj(b);
    put(b, o, "users_pending_delete", jnum(b, r->planned ? r->plan.users_pending_delete : 0));
    put(b, o, "users_deleted_after_grace", jnum(b, r->users_deleted_after_grace));
    return o;
}

static json_object *failures_json(struct jb *b, const struct ss_report *r)
{
    json_object *a = jarr(b);
    for (size_t i = 0; i < r->nfailures; i++) {
        const struct ss_report_failure *f = &r->failures[i];
        json_object *o = jobj(b);
        put(b, o, "operation", jstr(b, f->operation));
        put(b, o, "kind", jstr(b, f->kind));
        put(b, o, "userName", jstr(b, f->user_name));
        put(b, o, "displayName", jstr(b, f->display_name));
        put(b, o, "externalId", jstr(b, f->external_id));
        put(b, o, "targetId", jstr(b, f->target_id));
        put(b, o, "not_attempted", jbool(b, f->not_attempted));
        put(b, o, "http_status", f->http_status ? jnum(b, (size_t)f->http_status) : NULL);
        if (f->members)
            put(b, o, "members", jnum(b, f->members));
        put(b, o, "detail", jstr(b, f->detail));
        push(b, a, o);
    }
    return a;
}

static json_object *requests_json(struct jb *b, const struct ss_report *r)
{
    json_object *o = jobj(b), *by = jobj(b);
    unsigned long total = 0;
    for (size_t i = 0; i < r->nrequests; i++) {
        const struct ss_report_requests *q = &r->requests[i];
        json_object *m = NULL;
        char code[24];
        if (!json_object_object_get_ex(by, q->method, &m)) {
            m = jobj(b);
            put(b, by, q->method, m);
        }
        if (q->status)
            snprintf(code, sizeof code, "%ld", q->status);
        else
            snprintf(code, sizeof code, "no_answer");
        put(b, m, code, jnum(b, q->count));
        total += q->count;
    }
    put(b, o, "total", jnum(b, total));
    put(b, o, "by_method_and_status", by);
    put(b, o, "throttled", jnum(b, r->throttled));
    put(b, o, "retries", jnum(b, r->retries));
    put(b, o, "no_answer", jnum(b, r->no_answer));
    return o;
}

static json_object *safety_json(struct jb *b, const struct ss_report *r)
{
    json_object *o = jobj(b), *a = jarr(b);
    put(b, o, "checked", jbool(b, r->safety_checked));
    put(b, o, "refused", jbool(b, r->safety_refused));
    put(b, o, "message", r->safety_message[0] ? jstr(b, r->safety_message) : NULL);
    for (size_t i = 0; i < r->nlimits; i++) {
        const struct ss_report_limit *l = &r->limits[i];
        json_object *x = jobj(b);
        put(b, x, "limit", jstr(b, limit_name(l->kind)));
        put(b, x, "refused", jbool(b, l->refused));
        put(b, x, "changes", jnum(b, l->changes));
        put(b, x, "population", jnum(b, l->population));
        put(b, x, "max_count", l->max_count >= 0 ? jnum(b, (size_t)l->max_count) : NULL);
        put(b, x, "max_percent", l->max_percent >= 0 ? jdbl(b, l->max_percent) : NULL);
        push(b, a, x);
    }
    put(b, o, "limits_exceeded", a);
    return o;
}

char *ss_report_render(const struct ss_report *r, int pretty, int with_plan)
{
    struct jb b = {0};
    json_object *root = jobj(&b), *files = jarr(&b), *phases = jobj(&b), *target = jobj(&b);
    char *text = NULL;

    put(&b, root, "report_version", jnum(&b, SS_REPORT_VERSION));
    put(&b, root, "run_id", jstr(&b, r->run_id));
    put(&b, root, "scimsync_version", jstr(&b, SCIMSYNC_VERSION));
    put(&b, root, "command", jstr(&b, r->command));
    put(&b, root, "dry_run", jbool(&b, r->dry_run));
    if (r->select_user || r->select_group) {
        json_object *sel = jobj(&b);
        put(&b, sel, r->select_user ? "user" : "group",
            jstr(&b, r->select_user ? r->select_user : r->select_group));
        put(&b, root, "selection", sel);
    } else {
        put(&b, root, "selection", NULL);
    }
    for (size_t i = 0; i < r->nconfig_files; i++)
        push(&b, files, jstr(&b, r->config_files[i]));
    put(&b, root, "config_files", files);
    put(&b, root, "start_time", jtime(&b, r->start));
    put(&b, root, "end_time", jtime(&b, r->end));
    put(&b, root, "duration_seconds", jdbl(&b, r->end - r->start));
    for (int p = 0; p < SS_RUN_PHASES; p++)
        put(&b, phases, ss_run_phase_names[p],
            r->phase_ran[p] ? jdbl(&b, r->phase_seconds[p]) : NULL);
    put(&b, root, "phase_seconds", phases);
    put(&b, root, "source", sources_json(&b, r));
    put(&b, target, "users", jnum(&b, r->target_users));
    put(&b, target, "groups", jnum(&b, r->target_groups));
    put(&b, target, "memberships", jnum(&b, r->target_memberships));
    put(&b, target, "out_of_scope_users", jnum(&b, r->scope_target_users));
    put(&b, target, "out_of_scope_groups", jnum(&b, r->scope_target_groups));
    put(&b, root, "target", target);
    put(&b, root, "planned", planned_json(&b, r));
    put(&b, root, "safety", safety_json(&b, r));
    put(&b, root, "changes", changes_json(&b, r));
    put(&b, root, "staged_deletes", staged_json(&b, r));
    put(&b, root, "failures_total", jnum(&b, r->failures_total));
    put(&b, root, "not_started_total", jnum(&b, r->ops_not_started));
    put(&b, root, "failures", failures_json(&b, r));
    put(&b, root, "failures_truncated", jbool(&b, r->failures_total > r->nfailures));
    put(&b, root, "requests", requests_json(&b, r));
    put(&b, root, "exit_code", jnum(&b, (size_t)r->exit_code));
    put(&b, root, "interrupted", jbool(&b, r->interrupted));
    put(&b, root, "max_run_time_reached", jbool(&b, r->deadline_reached));
    if (!b.failed) {
        const char *t = json_object_to_json_string_ext(
            root,
            (pretty ? JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED : JSON_C_TO_STRING_PLAIN) |
                JSON_C_TO_STRING_NOSLASHESCAPE);
        size_t n = t ? strlen(t) : 0;
        while (n > 0 && (t[n - 1] == '\n' || t[n - 1] == ' '))
            n--;
        if (n >= 2 && t[n - 1] == '}') {
            /* the plan document (streamed by plan_print.c) goes last, as is */
            size_t extra = with_plan && r->plan_json ? strlen(r->plan_json) + 16 : 0;
            text = malloc(n + extra + 2);
            if (text) {
                size_t body = n - 1; /* without the closing brace and what precedes it */
                while (body > 0 && (t[body - 1] == '\n' || t[body - 1] == ' '))
                    body--;
                memcpy(text, t, body);
                text[body] = '\0';
                if (extra) {
                    size_t pl = strlen(r->plan_json);
                    while (pl > 0 && r->plan_json[pl - 1] == '\n')
                        pl--;
                    strcat(text, pretty ? ",\n  \"plan\": " : ",\"plan\":");
                    strncat(text, r->plan_json, pl);
                    strcat(text, pretty ? "\n}" : "}");
                } else {
                    strcat(text, "}");
                }
            }
        }
    }
    json_object_put(root);
    if (!text)
        ss_error("out of memory rendering the run report");
    return text;
}
