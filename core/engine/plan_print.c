#include "plan_print.h"

#include <json-c/json.h>
#include <string.h>

#include "log.h"
#include "op_kinds.h"
#include "staged_delete.h"
#include "strmap.h"

/* Target user ids -> userNames, to show managers by name.  On failure
 * (logged) the map is freed. */
static int build_id_names(const struct ss_plan *p, struct ss_strmap *m)
{
    ss_strmap_init(m, 0);
    for (uint32_t t = 0; t < p->tgt->nusers; t++) {
        if (ss_strmap_put(m, p->tgt->users[t].id, t, NULL) < 0) {
            ss_strmap_free(m);
            ss_error("out of memory (plan)");
            return -1;
        }
    }
    return 0;
}

static const char *manager_name(const struct ss_plan *p, const struct ss_strmap *ids,
                                const char *tid)
{
    uint32_t t;
    if (ss_str_empty(tid))
        return NULL;
    if (ss_strmap_get(ids, tid, &t) && p->tgt->users[t].field[SCIMSYNC_F_USER_NAME])
        return p->tgt->users[t].field[SCIMSYNC_F_USER_NAME];
    return tid;
}

/* Quoted, with quotes, backslashes and control characters escaped so one
 * change stays on one line whatever the data holds. */
static void put_quoted(FILE *out, const char *s)
{
    if (ss_str_empty(s)) {
        fputs("(none)", out);
        return;
    }
    fputc('"', out);
    for (const unsigned char *c = (const unsigned char *)s; *c; c++) {
        if (*c == '"' || *c == '\\')
            fprintf(out, "\\%c", *c);
        else if (*c < 0x20 || *c == 0x7f)
            fprintf(out, "\\x%02x", *c);
        else
            fputc(*c, out);
    }
    fputc('"', out);
}

static void put_plain(FILE *out, const char *s)
{
    if (ss_str_empty(s)) {
        fputs("(none)", out);
        return;
    }
    for (const unsigned char *c = (const unsigned char *)s; *c; c++)
        fputc(*c < 0x20 || *c == 0x7f ? '?' : *c, out);
}

static const char *user_name(const struct ss_user_rec *u)
{
    return u->field[SCIMSYNC_F_USER_NAME] ? u->field[SCIMSYNC_F_USER_NAME] : u->id;
}

static void print_update(const struct ss_plan *p, const struct ss_strmap *ids,
                         const struct ss_plan_op *op, FILE *out)
{
    const struct ss_user_rec *u = &p->src->users[op->user];
    const struct ss_user_rec *t = op->tuser != SS_NONE ? &p->tgt->users[op->tuser] : NULL;
    fputs("~ user ", out);
    put_plain(out, user_name(u));
    fputs(":", out);
    if (op->fixup) {
        fputs(" manager -> ", out);
        put_quoted(out, user_name(&p->src->users[op->manager]));
        fputs(" (after create)\n", out);
        return;
    }
    const char *sep = " ";
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        if (!((op->changed >> f) & 1u))
            continue;
        fprintf(out, "%s%s ", sep, ss_user_field_name(f));
        if (f == SCIMSYNC_F_MANAGER) {
            put_quoted(out, t ? manager_name(p, ids, t->field[f]) : NULL);
            fputs(" -> ", out);
            put_quoted(out, manager_name(p, ids, p->mgr_tid[op->user]));
        } else {
            put_quoted(out, t ? t->field[f] : NULL);
            fputs(" -> ", out);
            put_quoted(out, u->field[f]);
        }
        sep = ", ";
    }
    for (size_t k = 0; k < p->src->nx; k++) {
        if (!((op->xchanged >> k) & 1u))
            continue;
        fprintf(out, "%sextra.%s ", sep, p->src->xnames[k]);
        put_quoted(out, t ? ss_user_extra(t, k) : NULL);
        fputs(" -> ", out);
        put_quoted(out, ss_user_extra(u, k));
        sep = ", ";
    }
    if (op->changed & SCIMSYNC_F_ACTIVE_BIT)
        fprintf(out, "%sactive %s -> %s", sep, t && t->active ? "true" : "false",
                u->active ? "true" : "false");
    fputc('\n', out);
}

static void print_members(const struct ss_plan *p, const struct ss_plan_op *op, FILE *out)
{
    char sign = op->kind == SCIMSYNC_OP_ADD_MEMBERS ? '+' : '-';
    const char *gname = p->src->groups[op->group].display_name;
    if (op->nmembers <= SS_PLAN_MEMBERS_INLINE) {
        for (size_t i = 0; i < op->nmembers; i++) {
            fprintf(out, "%c member ", sign);
            put_plain(out, gname);
            fputs(": ", out);
            put_plain(out, ss_plan_member_name(p, op->members[i]));
            fputc('\n', out);
        }
        return;
    }
    fprintf(out, "%c member ", sign);
    put_plain(out, gname);
    fprintf(out, ": %zu users: ", op->nmembers);
    for (size_t i = 0; i < SS_PLAN_MEMBERS_PREVIEW; i++) {
        put_plain(out, ss_plan_member_name(p, op->members[i]));
        fputs(", ", out);
    }
    fprintf(out, "... (%zu more)\n", op->nmembers - SS_PLAN_MEMBERS_PREVIEW);
}

static void print_op(const struct ss_plan *p, const struct ss_strmap *ids,
                     const struct ss_plan_op *op, FILE *out)
{
    switch (op->kind) {
    case SCIMSYNC_OP_CREATE_USER: {
        const struct ss_user_rec *u = &p->src->users[op->user];
        fputs("+ user ", out);
        put_plain(out, user_name(u));
        fputs(" (", out);
        put_plain(out, u->field[SCIMSYNC_F_DISPLAY_NAME]);
        fputs(")", out);
        if (!u->active)
            fputs(" (inactive)", out); /* created disabled: say so */
        fputs(op->tuser != SS_NONE ? " (adopt existing)\n" : "\n", out);
        break;
    }
    case SCIMSYNC_OP_UPDATE_USER:
        print_update(p, ids, op, out);
        break;
    case SCIMSYNC_OP_DEACTIVATE_USER:
    case SCIMSYNC_OP_DELETE_USER:
        fputs("- user ", out);
        put_plain(out, user_name(&p->tgt->users[op->user]));
        if (p->staged && op->kind == SCIMSYNC_OP_DELETE_USER)
            fputs(" (delete: delete_after has passed since its deactivation)\n", out);
        else
            fputs(op->kind == SCIMSYNC_OP_DELETE_USER ? " (delete)\n" : " (deactivate)\n", out);
        break;
    case SCIMSYNC_OP_CREATE_GROUP:
        fputs("+ group ", out);
        put_plain(out, p->src->groups[op->group].display_name);
        fputs(op->tgroup != SS_NONE ? " (adopt existing)\n" : "\n", out);
        break;
    case SCIMSYNC_OP_RENAME_GROUP:
        fputs("~ group ", out);
        put_plain(out, p->tgt->groups[op->tgroup].display_name);
        fputs(" -> ", out);
        put_plain(out, p->src->groups[op->group].display_name);
        fputc('\n', out);
        break;
    case SCIMSYNC_OP_DELETE_GROUP:
        fputs("- group ", out);
        put_plain(out, p->tgt->groups[op->group].display_name);
        fputc('\n', out);
        break;
    case SCIMSYNC_OP_ADD_MEMBERS:
    case SCIMSYNC_OP_REMOVE_MEMBERS:
        print_members(p, op, out);
        break;
    }
}

void ss_plan_print_counts(const struct ss_plan_counts *c, FILE *out)
{
    if (c->total_ops == 0) {
        fputs("No changes.\n", out);
        return;
    }
    fprintf(out,
            "Plan: users %zu to create, %zu to update, %zu to deactivate, %zu to delete; "
            "groups %zu to create, %zu to rename, %zu to delete; members %zu to add, %zu to "
            "remove; %zu manager fix-ups.\n",
            c->users_create, c->users_update, c->users_deactivate, c->users_delete,
            c->groups_create, c->groups_rename, c->groups_delete, c->members_add, c->members_remove,
            c->manager_fixups);
}

static void print_endpoint(const char *kind, const struct ss_endpoint_info *e, FILE *out)
{
    fprintf(out, "%s: [%s ", kind, kind[0] == 'T' ? "target" : "source");
    put_plain(out, e->section);
    fputs("] ", out);
    put_plain(out, e->plugin);
    if (e->location) {
        fputc(' ', out);
        put_plain(out, e->location);
    }
    fputc('\n', out);
}

/* What the plan is about: the target it would change, the sources it
 * read, and what the scope lists kept out. */
static void print_header(const struct ss_plan *p, FILE *out)
{
    const struct ss_engine_options *o = p->opt;

    if (!o)
        return;
    if (o->target_info)
        print_endpoint("Target", o->target_info, out);
    for (size_t i = 0; i < o->nsource_info; i++)
        print_endpoint("Source", &o->source_info[i], out);
    if (p->ignored_users || p->ignored_groups || p->ignored_target_users ||
        p->ignored_target_groups)
        fprintf(out,
                "Out of scope (ignore_users / ignore_groups / include_groups): %zu source "
                "users, %zu source groups not synced; %zu target users, %zu target groups left "
                "alone\n",
                p->ignored_users, p->ignored_groups, p->ignored_target_users,
                p->ignored_target_groups);
}

/* Staged deletes: the deactivated users waiting out delete_after. */
static void print_pending(const struct ss_plan *p, FILE *out)
{
    char at[40], due[40], period[32];
    if (!p->staged || p->npending == 0)
        return;
    ss_staged_format_period(p->delete_after, period, sizeof period);
    fprintf(out, "Pending deletions (on_missing = deactivate-then-delete, delete_after %s): %zu "
                 "users\n",
            period, p->npending);
    for (size_t i = 0; i < p->npending; i++) {
        const struct ss_pending_delete *e = &p->pending[i];
        ss_staged_format_time(e->due, 0, due, sizeof due);
        fputs("  user ", out);
        put_plain(out, user_name(&p->tgt->users[e->tuser]));
        if (e->deactivated_at > 0) {
            ss_staged_format_time(e->deactivated_at, 0, at, sizeof at);
            fprintf(out, ": deactivated %s, delete due %s\n", at, due);
        } else {
            fprintf(out, ": deactivated by this sync, delete due %s\n", due);
        }
    }
}

int ss_plan_print_text(const struct ss_plan *p, FILE *out)
{
    struct ss_strmap ids;
    struct ss_plan_counts c;
    if (build_id_names(p, &ids) < 0)
        return -1;
    print_header(p, out);
    for (int w = 0; w < SS_WAVE_COUNT; w++) {
        for (size_t i = 0; i < p->nops[w]; i++)
            print_op(p, &ids, &p->ops[w][i], out);
    }
    ss_strmap_free(&ids);
    print_pending(p, out);
    ss_plan_count(p, &c);
    ss_plan_print_counts(&c, out);
    return 0;
}

/* ---- JSON ---------------------------------------------------------- */

/* json-c add helpers: a failed allocation makes the whole print fail. */
struct jb {
    int failed;
};

static void jadd(struct jb *b, json_object *o, const char *key, json_object *v)
{
    if (!v || json_object_object_add(o, key, v) != 0) {
        json_object_put(v);
        b->failed = 1;
    }
}

/* A string member; NULL becomes JSON null. */
static void jadd_str(struct jb *b, json_object *o, const char *key, const char *s)
{
    if (!s) {
        if (json_object_object_add(o, key, NULL) != 0)
            b->failed = 1;
        return;
    }
    jadd(b, o, key, json_object_new_string(s));
}

static json_object *jsize(size_t n)
{
    return json_object_new_int64((int64_t)n);
}

static json_object *user_attrs(struct jb *b, const struct ss_plan *p, const struct ss_strmap *ids,
                               const struct ss_plan_op *op)
{
    uint32_t s = op->user;
    const struct ss_user_rec *u = &p->src->users[s];
    json_object *o = json_object_new_object();
    if (!o) {
        b->failed = 1;
        return NULL;
    }
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        if (!((u->managed >> f) & 1u) || ss_str_empty(u->field[f]))
            continue;
        if (f == SCIMSYNC_F_MANAGER) {
            const char *m = op->manager != SS_NONE
                                ? user_name(&p->src->users[op->manager]) /* created first */
                                : manager_name(p, ids, p->mgr_tid[s]);
            if (m)
                jadd_str(b, o, "manager", m);
            continue;
        }
        jadd_str(b, o, ss_user_field_name(f), u->field[f]);
    }
    jadd(b, o, "active", json_object_new_boolean(u->active));
    return o;
}

static json_object *change(struct jb *b, const char *from, const char *to)
{
    json_object *o = json_object_new_object();
    if (!o) {
        b->failed = 1;
        return NULL;
    }
    jadd_str(b, o, "from", from);
    jadd_str(b, o, "to", to);
    return o;
}

static json_object *op_json(struct jb *b, const struct ss_plan *p, const struct ss_strmap *ids,
                            const struct ss_plan_op *op)
{
    json_object *o = json_object_new_object();
    if (!o) {
        b->failed = 1;
        return NULL;
    }
    jadd_str(b, o, "op", ss_op_json_name(op->kind));
    switch (op->kind) {
    case SCIMSYNC_OP_CREATE_USER: {
        const struct ss_user_rec *u = &p->src->users[op->user];
        jadd_str(b, o, "userName", u->field[SCIMSYNC_F_USER_NAME]);
        jadd_str(b, o, "externalId", u->external_id);
        jadd(b, o, "adopt", json_object_new_boolean(op->tuser != SS_NONE));
        if (op->tuser != SS_NONE)
            jadd_str(b, o, "targetId", p->tgt->users[op->tuser].id);
        jadd(b, o, "attributes", user_attrs(b, p, ids, op));
        break;
    }
    case SCIMSYNC_OP_UPDATE_USER: {
        const struct ss_user_rec *u = &p->src->users[op->user];
        const struct ss_user_rec *t = op->tuser != SS_NONE ? &p->tgt->users[op->tuser] : NULL;
        jadd_str(b, o, "userName", u->field[SCIMSYNC_F_USER_NAME]);
        jadd_str(b, o, "externalId", u->external_id);
        if (t)
            jadd_str(b, o, "targetId", t->id);
        json_object *ch = json_object_new_object();
        if (!ch) {
            b->failed = 1;
            break;
        }
        if (op->fixup) {
            jadd(b, o, "afterCreate", json_object_new_boolean(1));
            jadd(b, ch, "manager", change(b, NULL, user_name(&p->src->users[op->manager])));
        }
        for (int f = 0; !op->fixup && f < SCIMSYNC_F_COUNT; f++) {
            if (!((op->changed >> f) & 1u))
                continue;
            if (f == SCIMSYNC_F_MANAGER)
                jadd(b, ch, "manager",
                     change(b, t ? manager_name(p, ids, t->field[f]) : NULL,
                            manager_name(p, ids, p->mgr_tid[op->user])));
            else
                jadd(b, ch, ss_user_field_name(f), change(b, t ? t->field[f] : NULL, u->field[f]));
        }
        for (size_t k = 0; !op->fixup && k < p->src->nx; k++) {
            char key[96]; /* "extra." and a name of at most 64 */
            if (!((op->xchanged >> k) & 1u))
                continue;
            snprintf(key, sizeof key, "extra.%s", p->src->xnames[k]);
            jadd(b, ch, key, change(b, t ? ss_user_extra(t, k) : NULL, ss_user_extra(u, k)));
        }
        if (!op->fixup && (op->changed & SCIMSYNC_F_ACTIVE_BIT)) {
            json_object *a = json_object_new_object();
            if (!a)
                b->failed = 1;
            else {
                jadd(b, a, "from", json_object_new_boolean(t && t->active));
                jadd(b, a, "to", json_object_new_boolean(u->active));
                jadd(b, ch, "active", a);
            }
        }
        jadd(b, o, "changes", ch);
        break;
    }
    case SCIMSYNC_OP_DEACTIVATE_USER:
    case SCIMSYNC_OP_DELETE_USER: {
        const struct ss_user_rec *t = &p->tgt->users[op->user];
        jadd_str(b, o, "userName", t->field[SCIMSYNC_F_USER_NAME]);
        jadd_str(b, o, "externalId", t->external_id);
        jadd_str(b, o, "targetId", t->id);
        break;
    }
    case SCIMSYNC_OP_CREATE_GROUP:
        jadd_str(b, o, "displayName", p->src->groups[op->group].display_name);
        jadd_str(b, o, "externalId", p->src->groups[op->group].external_id);
        jadd(b, o, "adopt", json_object_new_boolean(op->tgroup != SS_NONE));
        if (op->tgroup != SS_NONE)
            jadd_str(b, o, "targetId", p->tgt->groups[op->tgroup].id);
        break;
    case SCIMSYNC_OP_RENAME_GROUP:
        jadd_str(b, o, "from", p->tgt->groups[op->tgroup].display_name);
        jadd_str(b, o, "to", p->src->groups[op->group].display_name);
        jadd_str(b, o, "externalId", p->src->groups[op->group].external_id);
        jadd_str(b, o, "targetId", p->tgt->groups[op->tgroup].id);
        break;
    case SCIMSYNC_OP_DELETE_GROUP:
        jadd_str(b, o, "displayName", p->tgt->groups[op->group].display_name);
        jadd_str(b, o, "externalId", p->tgt->groups[op->group].external_id);
        jadd_str(b, o, "targetId", p->tgt->groups[op->group].id);
        break;
    case SCIMSYNC_OP_ADD_MEMBERS:
    case SCIMSYNC_OP_REMOVE_MEMBERS: {
        jadd_str(b, o, "group", p->src->groups[op->group].display_name);
        json_object *arr = json_object_new_array_ext((int)op->nmembers);
        if (!arr) {
            b->failed = 1;
            break;
        }
        for (size_t i = 0; i < op->nmembers; i++) {
            json_object *v = json_object_new_string(ss_plan_member_name(p, op->members[i]));
            if (!v || json_object_array_add(arr, v) != 0) {
                json_object_put(v);
                b->failed = 1;
                break;
            }
        }
        jadd(b, o, "members", arr);
        break;
    }
    }
    return o;
}

static json_object *counts_json(struct jb *b, const struct ss_plan_counts *c)
{
    json_object *o = json_object_new_object();
    if (!o) {
        b->failed = 1;
        return NULL;
    }
    jadd(b, o, "usersCreate", jsize(c->users_create));
    jadd(b, o, "usersUpdate", jsize(c->users_update));
    jadd(b, o, "usersDeactivate", jsize(c->users_deactivate));
    jadd(b, o, "usersDelete", jsize(c->users_delete));
    jadd(b, o, "groupsCreate", jsize(c->groups_create));
    jadd(b, o, "groupsRename", jsize(c->groups_rename));
    jadd(b, o, "groupsDelete", jsize(c->groups_delete));
    jadd(b, o, "membersAdd", jsize(c->members_add));
    jadd(b, o, "membersRemove", jsize(c->members_remove));
    jadd(b, o, "managerFixups", jsize(c->manager_fixups));
    jadd(b, o, "operations", jsize(c->total_ops));
    if (c->users_pending_delete)
        jadd(b, o, "usersPendingDelete", jsize(c->users_pending_delete));
    return o;
}

static json_object *endpoint_json(struct jb *b, const struct ss_endpoint_info *e)
{
    json_object *o = json_object_new_object();
    if (!o) {
        b->failed = 1;
        return NULL;
    }
    jadd_str(b, o, "name", e->section);
    jadd_str(b, o, "plugin", e->plugin);
    jadd_str(b, o, "location", e->location);
    return o;
}

/* Staged deletes: {"deleteAfterSeconds", "users": [...]}; NULL in the
 * other modes. */
static json_object *pending_json(struct jb *b, const struct ss_plan *p)
{
    char t[40];
    json_object *o, *a;
    if (!p->staged)
        return NULL;
    o = json_object_new_object();
    a = json_object_new_array();
    if (!o || !a) {
        json_object_put(o);
        json_object_put(a);
        b->failed = 1;
        return NULL;
    }
    jadd(b, o, "deleteAfterSeconds", json_object_new_int64(p->delete_after));
    for (size_t i = 0; i < p->npending; i++) {
        const struct ss_pending_delete *e = &p->pending[i];
        const struct ss_user_rec *u = &p->tgt->users[e->tuser];
        json_object *x = json_object_new_object();
        if (!x || json_object_array_add(a, x) != 0) {
            json_object_put(x);
            b->failed = 1;
            break;
        }
        jadd_str(b, x, "userName", u->field[SCIMSYNC_F_USER_NAME]);
        jadd_str(b, x, "externalId", u->external_id);
        jadd_str(b, x, "targetId", u->id);
        if (e->deactivated_at > 0) {
            ss_staged_format_time(e->deactivated_at, 1, t, sizeof t);
            jadd_str(b, x, "deactivatedAt", t);
        } else {
            jadd_str(b, x, "deactivatedAt", NULL); /* by this run */
        }
        ss_staged_format_time(e->due, 1, t, sizeof t);
        jadd_str(b, x, "deleteDue", t);
    }
    jadd(b, o, "users", a);
    return o;
}

/* The members after "counts"; NULL when the plan has no context (tests). */
static json_object *context_json(struct jb *b, const struct ss_plan *p)
{
    const struct ss_engine_options *opt = p->opt;
    json_object *o, *srcs, *scope;

    if (!opt)
        return NULL;
    o = json_object_new_object();
    if (!o) {
        b->failed = 1;
        return NULL;
    }
    if (opt->target_info)
        jadd(b, o, "target", endpoint_json(b, opt->target_info));
    srcs = json_object_new_array();
    for (size_t i = 0; srcs && i < opt->nsource_info; i++) {
        json_object *e = endpoint_json(b, &opt->source_info[i]);
        if (!e || json_object_array_add(srcs, e) != 0) {
            json_object_put(e);
            b->failed = 1;
        }
    }
    jadd(b, o, "sources", srcs);
    scope = json_object_new_object();
    if (scope) {
        jadd(b, scope, "sourceUsers", jsize(p->ignored_users));
        jadd(b, scope, "sourceGroups", jsize(p->ignored_groups));
        jadd(b, scope, "targetUsers", jsize(p->ignored_target_users));
        jadd(b, scope, "targetGroups", jsize(p->ignored_target_groups));
    }
    jadd(b, o, "outOfScope", scope);
    jadd(b, o, "dryRun", json_object_new_boolean(opt->dry_run));
    return o;
}

/* Streams the document one operation at a time: a plan of 100,000 creates
 * must not hold a JSON tree of every operation in memory at once. */
static int put_json(json_object *o, FILE *out)
{
    const char *text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                             JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!text)
        return -1;
    fputs(text, out);
    return 0;
}

int ss_plan_print_json(const struct ss_plan *p, FILE *out)
{
    struct jb b = {0};
    struct ss_strmap ids;
    struct ss_plan_counts c;
    const char *sep = "\n  ";
    int rc = -1;

    if (build_id_names(p, &ids) < 0)
        return -1;
    fputs("{\"ops\": [", out);
    for (int w = 0; w < SS_WAVE_COUNT; w++) {
        for (size_t i = 0; i < p->nops[w]; i++) {
            json_object *o = op_json(&b, p, &ids, &p->ops[w][i]);
            fputs(sep, out);
            int bad = b.failed || !o || put_json(o, out) < 0;
            json_object_put(o);
            if (bad)
                goto out;
            sep = ",\n  ";
        }
    }
    ss_plan_count(p, &c);
    json_object *counts = counts_json(&b, &c);
    fputs("\n],\n\"counts\": ", out);
    int bad = b.failed || !counts || put_json(counts, out) < 0;
    json_object_put(counts);
    if (bad)
        goto out;
    json_object *pend = pending_json(&b, p);
    if (pend) {
        fputs(",\n\"pendingDeletes\": ", out);
        bad = b.failed || put_json(pend, out) < 0;
        json_object_put(pend);
        if (bad)
            goto out;
    }
    json_object *ctx = context_json(&b, p);
    if (ctx) {
        /* The context members follow the counts: {"ops", "counts",
         * "target", "sources", "outOfScope", "dryRun"}. */
        json_object_object_foreach(ctx, key, val)
        {
            json_object *k = json_object_new_string(key);
            fputs(",\n", out);
            bad = !k || put_json(k, out) < 0;
            json_object_put(k);
            fputs(": ", out);
            if (bad || put_json(val, out) < 0)
                bad = 1;
            if (bad)
                break;
        }
        json_object_put(ctx);
    }
    if (bad || b.failed)
        goto out;
    fputs("}\n", out);
    rc = 0;
out:
    if (rc < 0)
        ss_error("out of memory printing the plan as JSON");
    ss_strmap_free(&ids);
    return rc;
}

void ss_summary_print(const struct ss_summary *s, int json, FILE *out)
{
    if (json) {
        struct jb b = {0};
        json_object *root = json_object_new_object(), *o = json_object_new_object();
        if (!root || !o) {
            json_object_put(o);
            b.failed = 1;
        } else {
            jadd(&b, o, "usersCreated", jsize(s->users_created));
            jadd(&b, o, "usersUpdated", jsize(s->users_updated));
            jadd(&b, o, "usersDeactivated", jsize(s->users_deactivated));
            jadd(&b, o, "usersDeleted", jsize(s->users_deleted));
            jadd(&b, o, "groupsCreated", jsize(s->groups_created));
            jadd(&b, o, "groupsUpdated", jsize(s->groups_updated));
            jadd(&b, o, "groupsDeleted", jsize(s->groups_deleted));
            jadd(&b, o, "membersAdded", jsize(s->members_added));
            jadd(&b, o, "membersRemoved", jsize(s->members_removed));
            jadd(&b, o, "failed", jsize(s->failed));
            jadd(&b, o, "skipped", jsize(s->skipped));
            jadd(&b, root, "summary", o);
        }
        const char *text =
            b.failed ? NULL : json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN);
        if (text)
            fprintf(out, "%s\n", text);
        else
            ss_error("out of memory printing the summary");
        json_object_put(root);
        return;
    }
    fprintf(out,
            "Summary: users %zu created, %zu updated, %zu deactivated, %zu deleted; groups %zu "
            "created, %zu updated, %zu deleted; members %zu added, %zu removed; %zu failed, %zu "
            "skipped.\n",
            s->users_created, s->users_updated, s->users_deactivated, s->users_deleted,
            s->groups_created, s->groups_updated, s->groups_deleted, s->members_added,
            s->members_removed, s->failed, s->skipped);
}
