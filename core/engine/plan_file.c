/* Saved plans: rendering a plan with what it was computed against, and
 * reading it back (docs/plan-file.md).  The rendered tree is checked by a
 * checksum over the compact text of its "plan" member, so an edit by hand
 * (or a cut copy) is named, not applied. */
#include "plan_file.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <json-c/json.h>
#include <ss/dynbuf.h>
#include <ss/hash.h>

#include "atomic_file.h"
#include "log.h"
#include "op_kinds.h"

#ifndef SCIMSYNC_VERSION
#define SCIMSYNC_VERSION "?"
#endif

/* The waves' names in the file: fixed, part of the format. */
static const char *const wave_names[SS_WAVE_COUNT] = {
    [SS_WAVE_CREATE_USERS] = "create_users",     [SS_WAVE_UPDATE_USERS] = "update_users",
    [SS_WAVE_CREATE_GROUPS] = "create_groups",   [SS_WAVE_RENAME_GROUPS] = "rename_groups",
    [SS_WAVE_ADD_MEMBERS] = "add_members",       [SS_WAVE_REMOVE_MEMBERS] = "remove_members",
    [SS_WAVE_REMOVE_USERS] = "remove_users",     [SS_WAVE_DELETE_GROUPS] = "delete_groups",
    [SS_WAVE_MANAGER_FIXUPS] = "manager_fixups",
};

#define OP_KIND_MAX SCIMSYNC_OP_REMOVE_MEMBERS

const char *ss_plan_file_wave_name(enum ss_wave w)
{
    /* a wave added to plan.h without a name here is written as "?" and refused when read */
    return (unsigned)w < SS_WAVE_COUNT && wave_names[w] ? wave_names[w] : "?";
}

/* Op kinds go by their JSON name of the one table (op_kinds.c). */
const char *ss_plan_file_op_name(enum scimsync_op_kind k)
{
    return ss_op_json_name(k);
}

/* ---- hashes -------------------------------------------------------- */

/* Chains one string into h: absent and "" differ from any value. */
static uint64_t chain(uint64_t h, const char *s)
{
    uint64_t v = s ? ss_hash_fnv1a(s, strlen(s)) : 0x9e3779b97f4a7c15ull;
    return ss_hash_mix64(h ^ v) + 0x100000001b3ull;
}

uint64_t ss_plan_file_user_hash(const char *id, const char *external_id,
                                const char *const field[SCIMSYNC_F_COUNT], int active)
{
    uint64_t h = chain(0x5ca1ab1e, id);
    h = chain(h, ss_str_empty(external_id) ? NULL : external_id);
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++)
        h = chain(h, ss_str_empty(field[f]) ? NULL : field[f]);
    return chain(h, active ? "1" : "0");
}

uint64_t ss_plan_file_group_hash(const char *id, const char *external_id, const char *display_name)
{
    uint64_t h = chain(0x9a0c0de, id);
    h = chain(h, ss_str_empty(external_id) ? NULL : external_id);
    return chain(h, ss_str_empty(display_name) ? NULL : display_name);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int ss_plan_file_members_hash(const char **ids, size_t n, uint64_t *out)
{
    uint64_t h = chain(0x3e3be5, NULL);
    if (n > 1)
        qsort(ids, n, sizeof(*ids), cmp_str);
    for (size_t i = 0; i < n; i++)
        h = chain(h, ids[i]);
    *out = h;
    return 0;
}

static void hex_hash(uint64_t h, char *out, size_t len)
{
    snprintf(out, len, "fnv1a64:%016" PRIx64, h);
}

void ss_plan_file_binding(const char *identity, char *out, size_t len)
{
    hex_hash(chain(0xb1d, identity ? identity : ""), out, len);
}

uint64_t ss_plan_file_source_fingerprint(const struct ss_dir *src)
{
    uint64_t h = chain(0x50c, NULL);
    for (size_t i = 0; i < src->nusers; i++) {
        const struct ss_user_rec *u = &src->users[i];
        h = chain(h, u->external_id);
        for (int f = 0; f < SCIMSYNC_F_COUNT; f++)
            h = chain(h, u->field[f]);
        h = chain(h, u->active ? "1" : "0");
    }
    for (uint32_t g = 0; g < src->ngroups; g++) {
        const uint32_t *m = ss_dir_members(src, g);
        h = chain(h, src->groups[g].external_id);
        h = chain(h, src->groups[g].display_name);
        for (size_t k = 0; k < ss_dir_nmembers(src, g); k++)
            h = chain(h, src->users[m[k]].external_id);
    }
    return h;
}

/* ---- rendering ----------------------------------------------------- */

struct jw {
    int failed;
};

static void put(struct jw *b, json_object *o, const char *key, json_object *v)
{
    if (!v || json_object_object_add(o, key, v) != 0) {
        json_object_put(v);
        b->failed = 1;
    }
}

static void put_str(struct jw *b, json_object *o, const char *key, const char *s)
{
    if (s)
        put(b, o, key, json_object_new_string(s));
}

static void put_int(struct jw *b, json_object *o, const char *key, int64_t v)
{
    put(b, o, key, json_object_new_int64(v));
}

static void push(struct jw *b, json_object *a, json_object *v)
{
    if (!a || !v || json_object_array_add(a, v) != 0) {
        json_object_put(v);
        b->failed = 1;
    }
}

static json_object *fields_json(struct jw *b, const char *const field[SCIMSYNC_F_COUNT])
{
    json_object *o = json_object_new_object();
    if (!o) {
        b->failed = 1;
        return NULL;
    }
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        if (!ss_str_empty(field[f]))
            put_str(b, o, ss_user_field_name(f), field[f]);
    }
    return o;
}

/* Field names of a mask (fields, then "active"). */
static json_object *mask_json(struct jw *b, uint32_t mask)
{
    json_object *a = json_object_new_array();
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        if ((mask >> f) & 1u)
            push(b, a, json_object_new_string(ss_user_field_name(f)));
    }
    if (mask & SCIMSYNC_F_ACTIVE_BIT)
        push(b, a, json_object_new_string("active"));
    if (!a)
        b->failed = 1;
    return a;
}

static json_object *endpoint_json(struct jw *b, const struct ss_endpoint_info *e)
{
    json_object *o = json_object_new_object();
    if (!o) {
        b->failed = 1;
        return NULL;
    }
    put_str(b, o, "section", e->section);
    put_str(b, o, "plugin", e->plugin);
    put_str(b, o, "location", e->location);
    return o;
}

/* Index maps from the full snapshots to the file's partial ones. */
struct subset {
    uint32_t *map; /* full index -> subset index or SS_NONE */
    uint32_t *list;
    size_t n;
};

static int subset_init(struct subset *s, size_t n)
{
    s->map = malloc((n ? n : 1) * sizeof(*s->map));
    s->list = malloc((n ? n : 1) * sizeof(*s->list));
    s->n = 0;
    if (!s->map || !s->list)
        return -1;
    for (size_t i = 0; i < n; i++)
        s->map[i] = SS_NONE;
    return 0;
}

static void subset_free(struct subset *s)
{
    free(s->map);
    free(s->list);
}

static uint32_t take(struct subset *s, uint32_t i)
{
    if (i == SS_NONE)
        return SS_NONE;
    if (s->map[i] == SS_NONE) {
        s->map[i] = (uint32_t)s->n;
        s->list[s->n++] = i;
    }
    return s->map[i];
}

struct render {
    const struct ss_plan *p;
    struct jw b;
    struct subset su, sg, tu, tg;
    unsigned char *tu_values;  /* per full target user: changed by the plan */
    unsigned char *tg_members; /* per full target group: members changed */
};

/* First pass: which records the operations reference. */
static void collect(struct render *r)
{
    const struct ss_plan *p = r->p;
    for (int w = 0; w < SS_WAVE_COUNT; w++) {
        for (size_t i = 0; i < p->nops[w]; i++) {
            const struct ss_plan_op *op = &p->ops[w][i];
            switch (op->kind) {
            case SCIMSYNC_OP_CREATE_USER:
            case SCIMSYNC_OP_UPDATE_USER:
                take(&r->su, op->user);
                take(&r->su, op->manager);
                if (op->tuser != SS_NONE) {
                    take(&r->tu, op->tuser);
                    r->tu_values[op->tuser] = 1;
                }
                break;
            case SCIMSYNC_OP_DEACTIVATE_USER:
            case SCIMSYNC_OP_DELETE_USER:
                take(&r->tu, op->user);
                r->tu_values[op->user] = 1;
                break;
            case SCIMSYNC_OP_CREATE_GROUP:
            case SCIMSYNC_OP_RENAME_GROUP:
                take(&r->sg, op->group);
                take(&r->tg, op->tgroup);
                break;
            case SCIMSYNC_OP_DELETE_GROUP:
                take(&r->tg, op->group);
                break;
            case SCIMSYNC_OP_ADD_MEMBERS:
            case SCIMSYNC_OP_REMOVE_MEMBERS:
                take(&r->sg, op->group);
                if (op->tgroup != SS_NONE) {
                    take(&r->tg, op->tgroup);
                    r->tg_members[op->tgroup] = 1;
                }
                for (size_t k = 0; k < op->nmembers; k++) {
                    uint32_t m = op->members[k];
                    if (m < p->src->nusers)
                        take(&r->su, m);
                    else
                        take(&r->tu, m - (uint32_t)p->src->nusers);
                }
                break;
            }
        }
    }
}

static json_object *source_users_json(struct render *r)
{
    const struct ss_plan *p = r->p;
    json_object *a = json_object_new_array();
    for (size_t i = 0; a && i < r->su.n; i++) {
        uint32_t s = r->su.list[i];
        const struct ss_user_rec *u = &p->src->users[s];
        json_object *o = json_object_new_object();
        if (!o) {
            r->b.failed = 1;
            break;
        }
        put_str(&r->b, o, "externalId", u->external_id);
        put(&r->b, o, "active", json_object_new_boolean(u->active));
        put(&r->b, o, "managed", mask_json(&r->b, u->managed));
        put(&r->b, o, "fields", fields_json(&r->b, u->field));
        put_str(&r->b, o, "targetId", p->user_tid[s]);
        put_str(&r->b, o, "managerTargetId", p->mgr_tid[s]);
        push(&r->b, a, o);
    }
    if (!a)
        r->b.failed = 1;
    return a;
}

static json_object *source_groups_json(struct render *r)
{
    const struct ss_plan *p = r->p;
    json_object *a = json_object_new_array();
    for (size_t i = 0; a && i < r->sg.n; i++) {
        uint32_t g = r->sg.list[i];
        json_object *o = json_object_new_object();
        if (!o) {
            r->b.failed = 1;
            break;
        }
        put_str(&r->b, o, "externalId", p->src->groups[g].external_id);
        put_str(&r->b, o, "displayName", p->src->groups[g].display_name);
        put_str(&r->b, o, "targetId", p->group_tid[g]);
        push(&r->b, a, o);
    }
    if (!a)
        r->b.failed = 1;
    return a;
}

static json_object *target_users_json(struct render *r)
{
    const struct ss_plan *p = r->p;
    char hash[32];
    json_object *a = json_object_new_array();
    for (size_t i = 0; a && i < r->tu.n; i++) {
        uint32_t t = r->tu.list[i];
        const struct ss_user_rec *u = &p->tgt->users[t];
        json_object *o = json_object_new_object();
        if (!o) {
            r->b.failed = 1;
            break;
        }
        put_str(&r->b, o, "id", u->id);
        put_str(&r->b, o, "externalId", u->external_id);
        put(&r->b, o, "active", json_object_new_boolean(u->active));
        put(&r->b, o, "fields", fields_json(&r->b, u->field));
        put_str(&r->b, o, "check", r->tu_values[t] ? "values" : "exists");
        hex_hash(ss_plan_file_user_hash(u->id, u->external_id, u->field, u->active), hash,
                 sizeof hash);
        put_str(&r->b, o, "hash", hash);
        push(&r->b, a, o);
    }
    if (!a)
        r->b.failed = 1;
    return a;
}

static json_object *target_groups_json(struct render *r)
{
    const struct ss_plan *p = r->p;
    char hash[32];
    json_object *a = json_object_new_array();
    for (size_t i = 0; a && i < r->tg.n; i++) {
        uint32_t g = r->tg.list[i];
        const struct ss_group_rec *gr = &p->tgt->groups[g];
        json_object *o = json_object_new_object();
        if (!o) {
            r->b.failed = 1;
            break;
        }
        put_str(&r->b, o, "id", gr->id);
        put_str(&r->b, o, "externalId", gr->external_id);
        put_str(&r->b, o, "displayName", gr->display_name);
        hex_hash(ss_plan_file_group_hash(gr->id, gr->external_id, gr->display_name), hash,
                 sizeof hash);
        put_str(&r->b, o, "hash", hash);
        if (r->tg_members[g] && p->tgt->members_known && p->tgt->members_known[g]) {
            size_t n = ss_dir_nmembers(p->tgt, g);
            const uint32_t *m = ss_dir_members(p->tgt, g);
            const char **ids = malloc((n ? n : 1) * sizeof(*ids));
            uint64_t mh = 0;
            if (!ids) {
                r->b.failed = 1;
                json_object_put(o);
                break;
            }
            for (size_t k = 0; k < n; k++)
                ids[k] = p->tgt->users[m[k]].id;
            ss_plan_file_members_hash(ids, n, &mh);
            free(ids);
            hex_hash(mh, hash, sizeof hash);
            put_int(&r->b, o, "members", (int64_t)n);
            put_str(&r->b, o, "membersHash", hash);
        }
        push(&r->b, a, o);
    }
    if (!a)
        r->b.failed = 1;
    return a;
}

static json_object *op_json(struct render *r, enum ss_wave w, const struct ss_plan_op *op)
{
    const struct ss_plan *p = r->p;
    int tgt_user = op->kind == SCIMSYNC_OP_DEACTIVATE_USER || op->kind == SCIMSYNC_OP_DELETE_USER;
    json_object *o = json_object_new_object();
    if (!o) {
        r->b.failed = 1;
        return NULL;
    }
    put_str(&r->b, o, "wave", ss_plan_file_wave_name(w));
    put_str(&r->b, o, "op", ss_plan_file_op_name(op->kind));
    if (op->user != SS_NONE)
        put_int(&r->b, o, "user", tgt_user ? r->tu.map[op->user] : r->su.map[op->user]);
    if (op->tuser != SS_NONE)
        put_int(&r->b, o, "targetUser", r->tu.map[op->tuser]);
    if (op->group != SS_NONE)
        put_int(&r->b, o, "group",
                op->kind == SCIMSYNC_OP_DELETE_GROUP ? r->tg.map[op->group] : r->sg.map[op->group]);
    if (op->tgroup != SS_NONE)
        put_int(&r->b, o, "targetGroup", r->tg.map[op->tgroup]);
    if (op->manager != SS_NONE)
        put_int(&r->b, o, "manager", r->su.map[op->manager]);
    if (op->kind == SCIMSYNC_OP_UPDATE_USER)
        put(&r->b, o, "changed", mask_json(&r->b, op->changed));
    if (op->level)
        put_int(&r->b, o, "level", op->level);
    if (op->adopt)
        put(&r->b, o, "adopt", json_object_new_boolean(1));
    if (op->fixup)
        put(&r->b, o, "fixup", json_object_new_boolean(1));
    if (op->kind == SCIMSYNC_OP_ADD_MEMBERS || op->kind == SCIMSYNC_OP_REMOVE_MEMBERS) {
        json_object *sm = json_object_new_array(), *tm = json_object_new_array();
        for (size_t k = 0; k < op->nmembers; k++) {
            uint32_t m = op->members[k];
            if (m < p->src->nusers)
                push(&r->b, sm, json_object_new_int64(r->su.map[m]));
            else
                push(&r->b, tm, json_object_new_int64(r->tu.map[m - p->src->nusers]));
        }
        put(&r->b, o, "sourceMembers", sm);
        put(&r->b, o, "targetMembers", tm);
    }
    return o;
}

static const char *on_missing_name(enum ss_on_missing m)
{
    switch (m) {
    case SS_ON_MISSING_DELETE:
        return "delete";
    case SS_ON_MISSING_IGNORE:
        return "ignore";
    default:
        return "deactivate";
    }
}

static json_object *body_json(struct render *r, const struct ss_engine_options *opt)
{
    const struct ss_plan *p = r->p;
    char stamp[32], binding[32], fp[32];
    time_t now = time(NULL);
    struct tm tm;
    json_object *o = json_object_new_object(), *x;

    if (!o) {
        r->b.failed = 1;
        return NULL;
    }
    gmtime_r(&now, &tm);
    strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
    put_str(&r->b, o, "created", stamp);
    put_str(&r->b, o, "madeBy", "scimsync " SCIMSYNC_VERSION);
    x = opt && opt->target_info ? endpoint_json(&r->b, opt->target_info) : json_object_new_object();
    ss_plan_file_binding(opt ? opt->target_identity : NULL, binding, sizeof binding);
    if (x)
        put_str(&r->b, x, "binding", binding);
    put(&r->b, o, "target", x);
    x = json_object_new_array();
    for (size_t i = 0; opt && i < opt->nsource_info; i++)
        push(&r->b, x, endpoint_json(&r->b, &opt->source_info[i]));
    put(&r->b, o, "sources", x);
    x = json_object_new_object();
    if (x) {
        size_t members = p->src->mem_off ? p->src->mem_off[p->src->ngroups] : 0;
        hex_hash(ss_plan_file_source_fingerprint(p->src), fp, sizeof fp);
        put_str(&r->b, x, "fingerprint", fp);
        put_int(&r->b, x, "users", (int64_t)p->src->nusers);
        put_int(&r->b, x, "groups", (int64_t)p->src->ngroups);
        put_int(&r->b, x, "memberships", (int64_t)members);
    }
    put(&r->b, o, "source", x);
    put_str(&r->b, o, "onMissing", on_missing_name(opt ? opt->on_missing : 0));
    x = json_object_new_object();
    if (x) {
        put_int(&r->b, x, "ownedUsers", (int64_t)p->owned_users);
        put_int(&r->b, x, "ownedGroups", (int64_t)p->owned_groups);
        put_int(&r->b, x, "managedMembers", (int64_t)p->managed_members);
    }
    put(&r->b, o, "populations", x);
    x = json_object_new_array();
    for (size_t i = 0; i < p->nlosses; i++) {
        json_object *l = json_object_new_object();
        if (l) {
            put_str(&r->b, l, "name", p->losses[i].name);
            put_int(&r->b, l, "members", (int64_t)p->losses[i].members);
            put_int(&r->b, l, "removed", (int64_t)p->losses[i].removed);
        }
        push(&r->b, x, l);
    }
    put(&r->b, o, "groupLosses", x);
    x = json_object_new_object();
    if (x) {
        put_int(&r->b, x, "sourceUsers", (int64_t)p->ignored_users);
        put_int(&r->b, x, "sourceGroups", (int64_t)p->ignored_groups);
        put_int(&r->b, x, "targetUsers", (int64_t)p->ignored_target_users);
        put_int(&r->b, x, "targetGroups", (int64_t)p->ignored_target_groups);
    }
    put(&r->b, o, "outOfScope", x);
    put(&r->b, o, "sourceUsers", source_users_json(r));
    put(&r->b, o, "sourceGroups", source_groups_json(r));
    put(&r->b, o, "targetUsers", target_users_json(r));
    put(&r->b, o, "targetGroups", target_groups_json(r));
    x = json_object_new_array();
    for (int w = 0; w < SS_WAVE_COUNT; w++) {
        for (size_t i = 0; i < p->nops[w]; i++)
            push(&r->b, x, op_json(r, (enum ss_wave)w, &p->ops[w][i]));
    }
    put(&r->b, o, "operations", x);
    return o;
}

/* The checksum member: over the compact text of the body. */
static int body_checksum(json_object *body, char *out, size_t len)
{
    const char *text = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
                                                                JSON_C_TO_STRING_NOSLASHESCAPE);
    if (!text)
        return -1;
    hex_hash(ss_hash_mix64(ss_hash_fnv1a(text, strlen(text))), out, len);
    return 0;
}

char *ss_plan_file_render(const struct ss_plan *p, const struct ss_engine_options *opt)
{
    struct render r = {.p = p};
    json_object *root = NULL, *body = NULL;
    char sum[32];
    char *text = NULL;

    /* Format version 1 carries the schema fields only: a plan that sends
     * extra attributes (mapping lines extra.NAME) would lose them. */
    if (p->src->nx) {
        ss_error("the plan maps %zu extra attribute%s (extra.%s ...): a plan file cannot carry "
                 "them yet; use sync, not plan --out / apply",
                 p->src->nx, p->src->nx == 1 ? "" : "s", p->src->xnames[0]);
        return NULL;
    }

    if (subset_init(&r.su, p->src->nusers) < 0 || subset_init(&r.sg, p->src->ngroups) < 0 ||
        subset_init(&r.tu, p->tgt->nusers) < 0 || subset_init(&r.tg, p->tgt->ngroups) < 0)
        goto out;
    r.tu_values = calloc(p->tgt->nusers ? p->tgt->nusers : 1, 1);
    r.tg_members = calloc(p->tgt->ngroups ? p->tgt->ngroups : 1, 1);
    if (!r.tu_values || !r.tg_members)
        goto out;
    collect(&r);
    body = body_json(&r, opt);
    if (r.b.failed || !body || body_checksum(body, sum, sizeof sum) < 0)
        goto out;
    root = json_object_new_object();
    if (!root)
        goto out;
    put_str(&r.b, root, "format", SS_PLAN_FILE_FORMAT);
    put_int(&r.b, root, "version", SS_PLAN_FILE_VERSION);
    put_str(&r.b, root, "checksum", sum);
    put(&r.b, root, "plan", body);
    body = NULL;
    if (r.b.failed)
        goto out;
    const char *s = json_object_to_json_string_ext(
        root, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | JSON_C_TO_STRING_NOSLASHESCAPE);
    if (s) {
        size_t n = strlen(s);
        text = malloc(n + 2);
        if (text) {
            memcpy(text, s, n);
            memcpy(text + n, "\n", 2);
        }
    }
out:
    if (!text)
        ss_error("out of memory rendering the plan file");
    json_object_put(body);
    json_object_put(root);
    subset_free(&r.su);
    subset_free(&r.sg);
    subset_free(&r.tu);
    subset_free(&r.tg);
    free(r.tu_values);
    free(r.tg_members);
    return text;
}

int ss_plan_file_write(const struct ss_plan *p, const struct ss_engine_options *opt,
                       const char *path)
{
    char *text = ss_plan_file_render(p, opt);
    int rc;
    if (!text)
        return -1;
    rc = ss_write_file_atomic(path, text, "plan file");
    free(text);
    return rc;
}

/* ---- parsing ------------------------------------------------------- */

struct rd {
    struct ss_plan_file *pf;
    const char *name;
    char *err;
    size_t errlen;
};

static int bad(struct rd *d, const char *field, const char *fmt, ...) SS_PRINTF(3, 4);

static int bad(struct rd *d, const char *field, const char *fmt, ...)
{
    char why[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof why, fmt, ap);
    va_end(ap);
    snprintf(d->err, d->errlen, "%s: %s: %s", d->name, field, why);
    return -1;
}

static int nomem(struct rd *d)
{
    snprintf(d->err, d->errlen, "%s: out of memory", d->name);
    return -1;
}

/* "parent.key" / "parent[i]" paths for messages (a longer path is cut:
 * keys are short, data never makes a path). */
static void path_key(char *out, size_t len, const char *parent, const char *key)
{
    if (snprintf(out, len, "%s%s%s", parent, *parent ? "." : "", key) >= (int)len)
        out[len - 1] = '\0';
}

static void path_idx(char *out, size_t len, const char *parent, size_t i)
{
    if (snprintf(out, len, "%s[%zu]", parent, i) >= (int)len)
        out[len - 1] = '\0';
}

static json_object *member(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_is_type(o, json_type_object) || !json_object_object_get_ex(o, key, &v))
        return NULL;
    return v;
}

/* A string member into the arena (NULL when absent and !required). */
static int get_str(struct rd *d, struct ss_arena *a, json_object *o, const char *parent,
                   const char *key, int required, const char **out)
{
    char f[256];
    json_object *v = member(o, key);
    *out = NULL;
    path_key(f, sizeof f, parent, key);
    if (!v || json_object_is_type(v, json_type_null)) {
        if (required)
            return bad(d, f, "missing");
        return 0;
    }
    if (!json_object_is_type(v, json_type_string))
        return bad(d, f, "must be a string");
    const char *s = json_object_get_string(v);
    if ((size_t)json_object_get_string_len(v) != strlen(s))
        return bad(d, f, "contains a NUL character");
    *out = ss_arena_strdup(a, s);
    return *out ? 0 : nomem(d);
}

static int get_bool(struct rd *d, json_object *o, const char *parent, const char *key, int *out)
{
    char f[256];
    json_object *v = member(o, key);
    *out = 0;
    if (!v)
        return 0;
    path_key(f, sizeof f, parent, key);
    if (!json_object_is_type(v, json_type_boolean))
        return bad(d, f, "must be true or false");
    *out = json_object_get_boolean(v);
    return 0;
}

/* A non-negative integer member; absent gives dflt (or an error when
 * required), present must be <= max. */
static int get_uint(struct rd *d, json_object *o, const char *parent, const char *key, int required,
                    int64_t dflt, int64_t max, int64_t *out)
{
    char f[256];
    json_object *v = member(o, key);
    path_key(f, sizeof f, parent, key);
    *out = dflt;
    if (!v) {
        if (required)
            return bad(d, f, "missing");
        return 0;
    }
    if (!json_object_is_type(v, json_type_int))
        return bad(d, f, "must be an integer");
    errno = 0;
    int64_t n = json_object_get_int64(v);
    if (errno || n < 0 || n > max)
        return bad(d, f, "%" PRId64 " is out of range (0 to %" PRId64 ")", n, max);
    *out = n;
    return 0;
}

static int get_array(struct rd *d, json_object *o, const char *parent, const char *key,
                     json_object **out, size_t *n)
{
    char f[256];
    json_object *v = member(o, key);
    path_key(f, sizeof f, parent, key);
    if (!v)
        return bad(d, f, "missing");
    if (!json_object_is_type(v, json_type_array))
        return bad(d, f, "must be an array");
    *out = v;
    *n = json_object_array_length(v);
    return 0;
}

static int parse_hash(struct rd *d, const char *field, const char *s, uint64_t *out)
{
    char *end;
    if (!s || strncmp(s, "fnv1a64:", 8) != 0 || strlen(s) != 24)
        return bad(d, field, "must be \"fnv1a64:\" and 16 hex digits");
    errno = 0;
    *out = strtoull(s + 8, &end, 16);
    if (errno || *end || s[8] == '-' || s[8] == '+' || s[8] == ' ')
        return bad(d, field, "must be \"fnv1a64:\" and 16 hex digits");
    return 0;
}

/* {"userName": "...", ...} into field[]. */
static int parse_fields(struct rd *d, struct ss_arena *a, json_object *o, const char *parent,
                        const char *field[SCIMSYNC_F_COUNT])
{
    char f[256];
    json_object *v = member(o, "fields");
    path_key(f, sizeof f, parent, "fields");
    if (!v)
        return bad(d, f, "missing");
    if (!json_object_is_type(v, json_type_object))
        return bad(d, f, "must be an object");
    json_object_object_foreach(v, key, val)
    {
        (void)val;
        int k = ss_user_field_by_name(key);
        if (k < 0)
            return bad(d, f, "unknown field %.64s", key);
        if (get_str(d, a, v, f, key, 1, &field[k]) < 0)
            return -1;
        if (!*field[k])
            field[k] = NULL; /* "" is absent, as everywhere in the model */
    }
    return 0;
}

/* ["title", "active"] into a mask. */
static int parse_mask(struct rd *d, json_object *o, const char *parent, const char *key,
                      uint32_t *out)
{
    char f[256], fi[280];
    json_object *a;
    size_t n;
    *out = 0;
    if (get_array(d, o, parent, key, &a, &n) < 0)
        return -1;
    path_key(f, sizeof f, parent, key);
    for (size_t i = 0; i < n; i++) {
        json_object *v = json_object_array_get_idx(a, i);
        path_idx(fi, sizeof fi, f, i);
        if (!json_object_is_type(v, json_type_string))
            return bad(d, fi, "must be a field name");
        const char *s = json_object_get_string(v);
        int k = ss_user_field_by_name(s);
        if (k >= 0)
            *out |= 1u << k;
        else if (strcmp(s, "active") == 0)
            *out |= SCIMSYNC_F_ACTIVE_BIT;
        else
            return bad(d, fi, "unknown field %.64s", s);
    }
    return 0;
}

static int parse_endpoint(struct rd *d, json_object *o, const char *field,
                          struct ss_endpoint_info *e)
{
    struct ss_arena *a = &d->pf->arena;
    if (!json_object_is_type(o, json_type_object))
        return bad(d, field, "must be an object");
    if (get_str(d, a, o, field, "section", 0, &e->section) < 0 ||
        get_str(d, a, o, field, "plugin", 0, &e->plugin) < 0 ||
        get_str(d, a, o, field, "location", 0, &e->location) < 0)
        return -1;
    return 0;
}

static int parse_meta(struct rd *d, json_object *body)
{
    struct ss_plan_file *pf = d->pf;
    struct ss_arena *a = &pf->arena;
    json_object *x;
    size_t n;
    int64_t v;
    uint64_t h;

    if (get_str(d, a, body, "plan", "created", 0, &pf->created) < 0 ||
        get_str(d, a, body, "plan", "madeBy", 0, &pf->made_by) < 0 ||
        get_str(d, a, body, "plan", "onMissing", 0, &pf->on_missing) < 0)
        return -1;
    x = member(body, "target");
    if (!x)
        return bad(d, "plan.target", "missing");
    if (parse_endpoint(d, x, "plan.target", &pf->target) < 0 ||
        get_str(d, a, x, "plan.target", "binding", 1, &pf->binding) < 0 ||
        parse_hash(d, "plan.target.binding", pf->binding, &h) < 0)
        return -1;
    if (get_array(d, body, "plan", "sources", &x, &n) < 0)
        return -1;
    if (n > 1024)
        return bad(d, "plan.sources", "more than 1024 sources");
    pf->sources = ss_arena_alloc(a, (n ? n : 1) * sizeof(*pf->sources));
    if (!pf->sources)
        return nomem(d);
    memset(pf->sources, 0, (n ? n : 1) * sizeof(*pf->sources));
    for (size_t i = 0; i < n; i++) {
        char f[64];
        path_idx(f, sizeof f, "plan.sources", i);
        if (parse_endpoint(d, json_object_array_get_idx(x, i), f, &pf->sources[i]) < 0)
            return -1;
    }
    pf->nsources = n;
    x = member(body, "source");
    if (!x)
        return bad(d, "plan.source", "missing");
    if (get_str(d, a, x, "plan.source", "fingerprint", 1, &pf->fingerprint) < 0 ||
        parse_hash(d, "plan.source.fingerprint", pf->fingerprint, &h) < 0)
        return -1;
    if (get_uint(d, x, "plan.source", "users", 0, 0, INT64_MAX, &v) < 0)
        return -1;
    pf->source_users = (size_t)v;
    if (get_uint(d, x, "plan.source", "groups", 0, 0, INT64_MAX, &v) < 0)
        return -1;
    pf->source_groups = (size_t)v;
    if (get_uint(d, x, "plan.source", "memberships", 0, 0, INT64_MAX, &v) < 0)
        return -1;
    pf->source_members = (size_t)v;
    return 0;
}

static int parse_source_users(struct rd *d, json_object *body)
{
    struct ss_plan_file *pf = d->pf;
    json_object *arr;
    size_t n;
    if (get_array(d, body, "plan", "sourceUsers", &arr, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char f[64];
        json_object *o = json_object_array_get_idx(arr, i);
        struct ss_user_rec *u;
        path_idx(f, sizeof f, "plan.sourceUsers", i);
        if (!json_object_is_type(o, json_type_object))
            return bad(d, f, "must be an object");
        if (!(u = ss_dir_add_user(&pf->src)))
            return nomem(d);
        if (get_str(d, &pf->src.arena, o, f, "externalId", 1, &u->external_id) < 0 ||
            get_bool(d, o, f, "active", &u->active) < 0 ||
            parse_mask(d, o, f, "managed", &u->managed) < 0 ||
            parse_fields(d, &pf->src.arena, o, f, u->field) < 0)
            return -1;
        if (ss_str_empty(u->field[SCIMSYNC_F_USER_NAME])) {
            char ff[96];
            path_key(ff, sizeof ff, f, "fields.userName");
            return bad(d, ff, "missing");
        }
        u->where = u->external_id;
    }
    return 0;
}

static int parse_source_groups(struct rd *d, json_object *body)
{
    struct ss_plan_file *pf = d->pf;
    json_object *arr;
    size_t n;
    if (get_array(d, body, "plan", "sourceGroups", &arr, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char f[64];
        json_object *o = json_object_array_get_idx(arr, i);
        struct ss_group_rec *g;
        path_idx(f, sizeof f, "plan.sourceGroups", i);
        if (!json_object_is_type(o, json_type_object))
            return bad(d, f, "must be an object");
        if (!(g = ss_dir_add_group(&pf->src)))
            return nomem(d);
        if (get_str(d, &pf->src.arena, o, f, "externalId", 1, &g->external_id) < 0 ||
            get_str(d, &pf->src.arena, o, f, "displayName", 1, &g->display_name) < 0)
            return -1;
        g->where = g->external_id;
    }
    return 0;
}

static int parse_target_users(struct rd *d, json_object *body)
{
    struct ss_plan_file *pf = d->pf;
    json_object *arr;
    size_t n;
    if (get_array(d, body, "plan", "targetUsers", &arr, &n) < 0)
        return -1;
    pf->tuser_check = calloc(n ? n : 1, 1);
    pf->tuser_hash = calloc(n ? n : 1, sizeof(*pf->tuser_hash));
    if (!pf->tuser_check || !pf->tuser_hash)
        return nomem(d);
    for (size_t i = 0; i < n; i++) {
        char f[64], ff[96];
        const char *check, *hash;
        json_object *o = json_object_array_get_idx(arr, i);
        struct ss_user_rec *u;
        path_idx(f, sizeof f, "plan.targetUsers", i);
        if (!json_object_is_type(o, json_type_object))
            return bad(d, f, "must be an object");
        if (!(u = ss_dir_add_user(&pf->tgt)))
            return nomem(d);
        if (get_str(d, &pf->tgt.arena, o, f, "id", 1, &u->id) < 0 ||
            get_str(d, &pf->tgt.arena, o, f, "externalId", 0, &u->external_id) < 0 ||
            get_bool(d, o, f, "active", &u->active) < 0 ||
            parse_fields(d, &pf->tgt.arena, o, f, u->field) < 0 ||
            get_str(d, &pf->tgt.arena, o, f, "check", 1, &check) < 0 ||
            get_str(d, &pf->tgt.arena, o, f, "hash", 1, &hash) < 0)
            return -1;
        if (!*u->id)
            return bad(d, f, "id: empty");
        path_key(ff, sizeof ff, f, "check");
        if (strcmp(check, "values") == 0)
            pf->tuser_check[i] = SS_PF_CHECK_VALUES;
        else if (strcmp(check, "exists") == 0)
            pf->tuser_check[i] = SS_PF_CHECK_EXISTS;
        else
            return bad(d, ff, "must be \"values\" or \"exists\"");
        path_key(ff, sizeof ff, f, "hash");
        if (parse_hash(d, ff, hash, &pf->tuser_hash[i]) < 0)
            return -1;
        if (pf->tuser_hash[i] != ss_plan_file_user_hash(u->id, u->external_id, u->field, u->active))
            return bad(d, ff, "does not match the user's values (the file was changed)");
    }
    return 0;
}

static int parse_target_groups(struct rd *d, json_object *body)
{
    struct ss_plan_file *pf = d->pf;
    json_object *arr;
    size_t n;
    if (get_array(d, body, "plan", "targetGroups", &arr, &n) < 0)
        return -1;
    pf->tgroup_hash = calloc(n ? n : 1, sizeof(*pf->tgroup_hash));
    pf->tgroup_nmembers = calloc(n ? n : 1, sizeof(*pf->tgroup_nmembers));
    pf->tgroup_members_hash = calloc(n ? n : 1, sizeof(*pf->tgroup_members_hash));
    if (!pf->tgroup_hash || !pf->tgroup_nmembers || !pf->tgroup_members_hash)
        return nomem(d);
    for (size_t i = 0; i < n; i++) {
        char f[64], ff[96];
        const char *hash, *mhash;
        int64_t nm;
        json_object *o = json_object_array_get_idx(arr, i);
        struct ss_group_rec *g;
        path_idx(f, sizeof f, "plan.targetGroups", i);
        if (!json_object_is_type(o, json_type_object))
            return bad(d, f, "must be an object");
        if (!(g = ss_dir_add_group(&pf->tgt)))
            return nomem(d);
        if (get_str(d, &pf->tgt.arena, o, f, "id", 1, &g->id) < 0 ||
            get_str(d, &pf->tgt.arena, o, f, "externalId", 0, &g->external_id) < 0 ||
            get_str(d, &pf->tgt.arena, o, f, "displayName", 0, &g->display_name) < 0 ||
            get_str(d, &pf->tgt.arena, o, f, "hash", 1, &hash) < 0 ||
            get_str(d, &pf->tgt.arena, o, f, "membersHash", 0, &mhash) < 0 ||
            get_uint(d, o, f, "members", 0, -1, INT32_MAX, &nm) < 0)
            return -1;
        if (!*g->id)
            return bad(d, f, "id: empty");
        path_key(ff, sizeof ff, f, "hash");
        if (parse_hash(d, ff, hash, &pf->tgroup_hash[i]) < 0)
            return -1;
        if (pf->tgroup_hash[i] != ss_plan_file_group_hash(g->id, g->external_id, g->display_name))
            return bad(d, ff, "does not match the group's values (the file was changed)");
        pf->tgroup_nmembers[i] = (long)nm;
        if ((nm >= 0) != (mhash != NULL))
            return bad(d, f, "members and membersHash go together");
        if (mhash) {
            path_key(ff, sizeof ff, f, "membersHash");
            if (parse_hash(d, ff, mhash, &pf->tgroup_members_hash[i]) < 0)
                return -1;
        }
    }
    return 0;
}

/* An index member that must name an element of a table of n. */
static int get_index(struct rd *d, json_object *o, const char *parent, const char *key,
                     int required, size_t n, const char *table, uint32_t *out)
{
    int64_t v;
    char f[128];
    *out = SS_NONE;
    if (get_uint(d, o, parent, key, required, -1, INT32_MAX, &v) < 0)
        return -1;
    if (v < 0)
        return 0;
    if ((size_t)v >= n) {
        path_key(f, sizeof f, parent, key);
        return bad(d, f, "%" PRId64 " is not an entry of %s (%zu entries)", v, table, n);
    }
    *out = (uint32_t)v;
    return 0;
}

/* The wave each op kind belongs to (fixups: their own wave). */
static int kind_fits_wave(enum scimsync_op_kind k, enum ss_wave w, int fixup)
{
    switch (k) {
    case SCIMSYNC_OP_CREATE_USER:
        return w == SS_WAVE_CREATE_USERS;
    case SCIMSYNC_OP_UPDATE_USER:
        return fixup ? w == SS_WAVE_MANAGER_FIXUPS : w == SS_WAVE_UPDATE_USERS;
    case SCIMSYNC_OP_DEACTIVATE_USER:
    case SCIMSYNC_OP_DELETE_USER:
        return w == SS_WAVE_REMOVE_USERS;
    case SCIMSYNC_OP_CREATE_GROUP:
        return w == SS_WAVE_CREATE_GROUPS;
    case SCIMSYNC_OP_RENAME_GROUP:
        return w == SS_WAVE_RENAME_GROUPS;
    case SCIMSYNC_OP_DELETE_GROUP:
        return w == SS_WAVE_DELETE_GROUPS;
    case SCIMSYNC_OP_ADD_MEMBERS:
        return w == SS_WAVE_ADD_MEMBERS;
    case SCIMSYNC_OP_REMOVE_MEMBERS:
        return w == SS_WAVE_REMOVE_MEMBERS;
    }
    return 0;
}

static int parse_members(struct rd *d, json_object *o, const char *f, struct ss_plan_op *op)
{
    struct ss_plan_file *pf = d->pf;
    json_object *sm, *tm;
    size_t ns, nt;
    char ff[128], fi[160];
    if (get_array(d, o, f, "sourceMembers", &sm, &ns) < 0 ||
        get_array(d, o, f, "targetMembers", &tm, &nt) < 0)
        return -1;
    if (ns + nt == 0)
        return bad(d, f, "a members operation without members");
    op->members = ss_arena_alloc(&pf->plan.arena, (ns + nt) * sizeof(*op->members));
    if (!op->members)
        return nomem(d);
    for (size_t k = 0; k < ns + nt; k++) {
        int src = k < ns;
        json_object *v = json_object_array_get_idx(src ? sm : tm, src ? k : k - ns);
        size_t lim = src ? pf->src.nusers : pf->tgt.nusers;
        path_key(ff, sizeof ff, f, src ? "sourceMembers" : "targetMembers");
        path_idx(fi, sizeof fi, ff, src ? k : k - ns);
        errno = 0;
        int64_t r = json_object_is_type(v, json_type_int) ? json_object_get_int64(v) : -1;
        if (errno || r < 0 || (uint64_t)r >= lim)
            return bad(d, fi, "not an entry of %s (%zu entries)",
                       src ? "plan.sourceUsers" : "plan.targetUsers", lim);
        uint32_t ref = src ? (uint32_t)r : (uint32_t)(pf->src.nusers + (size_t)r);
        if (k > 0 && ref <= op->members[k - 1])
            return bad(d, fi, "members must be sorted and unique");
        op->members[k] = ref;
    }
    op->nmembers = ns + nt;
    return 0;
}

static int parse_ops(struct rd *d, json_object *body)
{
    struct ss_plan_file *pf = d->pf;
    struct ss_plan *p = &pf->plan;
    json_object *arr;
    size_t n;
    int last_wave = 0;
    if (get_array(d, body, "plan", "operations", &arr, &n) < 0)
        return -1;
    for (size_t i = 0; i < n; i++) {
        char f[64], ff[96];
        const char *wname, *kname;
        json_object *o = json_object_array_get_idx(arr, i);
        int w = -1, k = -1, fixup, adopt;
        int64_t level;
        path_idx(f, sizeof f, "plan.operations", i);
        if (!json_object_is_type(o, json_type_object))
            return bad(d, f, "must be an object");
        if (get_str(d, &p->arena, o, f, "wave", 1, &wname) < 0 ||
            get_str(d, &p->arena, o, f, "op", 1, &kname) < 0 ||
            get_bool(d, o, f, "fixup", &fixup) < 0 || get_bool(d, o, f, "adopt", &adopt) < 0 ||
            get_uint(d, o, f, "level", 0, 0, SS_CREATE_LEVELS_MAX + 1, &level) < 0)
            return -1;
        for (int x = 0; x < SS_WAVE_COUNT; x++)
            w = wave_names[x] && strcmp(wave_names[x], wname) == 0 ? x : w;
        for (int x = SCIMSYNC_OP_CREATE_USER; x <= OP_KIND_MAX; x++)
            k = ss_op_kind((enum scimsync_op_kind)x) &&
                        strcmp(ss_op_json_name((enum scimsync_op_kind)x), kname) == 0
                    ? x
                    : k;
        path_key(ff, sizeof ff, f, "wave");
        if (w < 0)
            return bad(d, ff, "unknown wave %.64s", wname);
        if (w < last_wave)
            return bad(d, ff, "operations must come in wave order");
        last_wave = w;
        path_key(ff, sizeof ff, f, "op");
        if (k < 0)
            return bad(d, ff, "unknown operation %.64s", kname);
        if (!kind_fits_wave((enum scimsync_op_kind)k, (enum ss_wave)w, fixup))
            return bad(d, ff, "%s does not belong to the wave %s", kname, wname);
        struct ss_plan_op *op = ss_plan_add(p, (enum ss_wave)w, (enum scimsync_op_kind)k);
        if (!op)
            return nomem(d);
        op->fixup = fixup;
        op->adopt = adopt;
        op->level = (uint32_t)level;
        const size_t su = pf->src.nusers, sg = pf->src.ngroups;
        const size_t tu = pf->tgt.nusers, tg = pf->tgt.ngroups;
        int rc = 0;
        switch (op->kind) {
        case SCIMSYNC_OP_CREATE_USER:
        case SCIMSYNC_OP_UPDATE_USER:
            rc = get_index(d, o, f, "user", 1, su, "plan.sourceUsers", &op->user);
            if (!rc)
                rc = get_index(d, o, f, "manager", fixup, su, "plan.sourceUsers", &op->manager);
            if (!rc) /* updates: the matched user; creates: one to adopt, if any */
                rc = get_index(d, o, f, "targetUser", op->kind == SCIMSYNC_OP_UPDATE_USER && !fixup,
                               tu, "plan.targetUsers", &op->tuser);
            if (!rc && op->kind == SCIMSYNC_OP_UPDATE_USER)
                rc = parse_mask(d, o, f, "changed", &op->changed);
            break;
        case SCIMSYNC_OP_DEACTIVATE_USER:
        case SCIMSYNC_OP_DELETE_USER:
            rc = get_index(d, o, f, "user", 1, tu, "plan.targetUsers", &op->user);
            break;
        case SCIMSYNC_OP_CREATE_GROUP:
        case SCIMSYNC_OP_RENAME_GROUP:
            rc = get_index(d, o, f, "group", 1, sg, "plan.sourceGroups", &op->group);
            if (!rc)
                rc = get_index(d, o, f, "targetGroup", op->kind == SCIMSYNC_OP_RENAME_GROUP, tg,
                               "plan.targetGroups", &op->tgroup);
            break;
        case SCIMSYNC_OP_DELETE_GROUP:
            rc = get_index(d, o, f, "group", 1, tg, "plan.targetGroups", &op->group);
            break;
        case SCIMSYNC_OP_ADD_MEMBERS:
        case SCIMSYNC_OP_REMOVE_MEMBERS:
            rc = get_index(d, o, f, "group", 1, sg, "plan.sourceGroups", &op->group);
            if (!rc)
                rc = get_index(d, o, f, "targetGroup", 0, tg, "plan.targetGroups", &op->tgroup);
            if (!rc)
                rc = parse_members(d, o, f, op);
            break;
        }
        if (rc < 0)
            return -1;
    }
    return 0;
}

/* targetId / managerTargetId of the source records, once the plan exists. */
static int parse_target_ids(struct rd *d, json_object *body)
{
    struct ss_plan_file *pf = d->pf;
    json_object *users = member(body, "sourceUsers"), *groups = member(body, "sourceGroups");
    for (size_t i = 0; i < pf->src.nusers; i++) {
        char f[64];
        json_object *o = json_object_array_get_idx(users, i);
        path_idx(f, sizeof f, "plan.sourceUsers", i);
        if (get_str(d, &pf->plan.arena, o, f, "targetId", 0, &pf->plan.user_tid[i]) < 0 ||
            get_str(d, &pf->plan.arena, o, f, "managerTargetId", 0, &pf->plan.mgr_tid[i]) < 0)
            return -1;
    }
    for (size_t i = 0; i < pf->src.ngroups; i++) {
        char f[64];
        path_idx(f, sizeof f, "plan.sourceGroups", i);
        if (get_str(d, &pf->plan.arena, json_object_array_get_idx(groups, i), f, "targetId", 0,
                    &pf->plan.group_tid[i]) < 0)
            return -1;
    }
    return 0;
}

static int parse_counts(struct rd *d, json_object *body)
{
    struct ss_plan *p = &d->pf->plan;
    json_object *x = member(body, "populations"), *arr;
    size_t n;
    int64_t v;
    if (!x)
        return bad(d, "plan.populations", "missing");
    if (get_uint(d, x, "plan.populations", "ownedUsers", 1, 0, INT64_MAX, &v) < 0)
        return -1;
    p->owned_users = (size_t)v;
    if (get_uint(d, x, "plan.populations", "ownedGroups", 1, 0, INT64_MAX, &v) < 0)
        return -1;
    p->owned_groups = (size_t)v;
    if (get_uint(d, x, "plan.populations", "managedMembers", 1, 0, INT64_MAX, &v) < 0)
        return -1;
    p->managed_members = (size_t)v;
    x = member(body, "outOfScope");
    if (x) {
        if (get_uint(d, x, "plan.outOfScope", "sourceUsers", 0, 0, INT64_MAX, &v) < 0)
            return -1;
        p->ignored_users = (size_t)v;
        if (get_uint(d, x, "plan.outOfScope", "sourceGroups", 0, 0, INT64_MAX, &v) < 0)
            return -1;
        p->ignored_groups = (size_t)v;
        if (get_uint(d, x, "plan.outOfScope", "targetUsers", 0, 0, INT64_MAX, &v) < 0)
            return -1;
        p->ignored_target_users = (size_t)v;
        if (get_uint(d, x, "plan.outOfScope", "targetGroups", 0, 0, INT64_MAX, &v) < 0)
            return -1;
        p->ignored_target_groups = (size_t)v;
    }
    if (get_array(d, body, "plan", "groupLosses", &arr, &n) < 0)
        return -1;
    p->losses = calloc(n ? n : 1, sizeof(*p->losses));
    if (!p->losses)
        return nomem(d);
    p->losses_cap = n ? n : 1;
    for (size_t i = 0; i < n; i++) {
        char f[64];
        int64_t m, r;
        json_object *o = json_object_array_get_idx(arr, i);
        path_idx(f, sizeof f, "plan.groupLosses", i);
        if (!json_object_is_type(o, json_type_object))
            return bad(d, f, "must be an object");
        if (get_str(d, &p->arena, o, f, "name", 1, &p->losses[i].name) < 0 ||
            get_uint(d, o, f, "members", 1, 0, INT64_MAX, &m) < 0 ||
            get_uint(d, o, f, "removed", 1, 0, INT64_MAX, &r) < 0)
            return -1;
        if (r > m)
            return bad(d, f, "removes more members than the group has");
        p->losses[i].members = (size_t)m;
        p->losses[i].removed = (size_t)r;
        p->nlosses++;
    }
    return 0;
}

static int parse_doc(struct rd *d, json_object *root)
{
    struct ss_plan_file *pf = d->pf;
    json_object *body, *v;
    const char *fmt, *sum;
    char want[32];
    uint64_t h;
    int64_t version;

    if (!json_object_is_type(root, json_type_object))
        return bad(d, "(document)", "not a JSON object");
    if (get_str(d, &pf->arena, root, "", "format", 1, &fmt) < 0)
        return -1;
    if (strcmp(fmt, SS_PLAN_FILE_FORMAT) != 0)
        return bad(d, "format", "\"%.64s\" is not a scimsync plan (\"%s\")", fmt,
                   SS_PLAN_FILE_FORMAT);
    v = member(root, "version");
    if (!v || !json_object_is_type(v, json_type_int))
        return bad(d, "version", "missing or not an integer");
    version = json_object_get_int64(v);
    if (version != SS_PLAN_FILE_VERSION)
        return bad(d, "version", "%" PRId64 " is not supported (this scimsync reads version %d)",
                   version, SS_PLAN_FILE_VERSION);
    pf->version = (long)version;
    if (get_str(d, &pf->arena, root, "", "checksum", 1, &sum) < 0 ||
        parse_hash(d, "checksum", sum, &h) < 0)
        return -1;
    body = member(root, "plan");
    if (!body || !json_object_is_type(body, json_type_object))
        return bad(d, "plan", "missing or not an object");
    if (body_checksum(body, want, sizeof want) < 0)
        return nomem(d);
    if (strcmp(want, sum) != 0)
        return bad(d, "checksum",
                   "does not match the content (the file was changed after plan wrote it)");
    if (parse_meta(d, body) < 0 || parse_source_users(d, body) < 0 ||
        parse_source_groups(d, body) < 0 || parse_target_users(d, body) < 0 ||
        parse_target_groups(d, body) < 0)
        return -1;
    if (ss_plan_init(&pf->plan, &pf->src, &pf->tgt) < 0)
        return nomem(d);
    pf->have_plan = 1;
    if (parse_target_ids(d, body) < 0 || parse_counts(d, body) < 0 || parse_ops(d, body) < 0)
        return -1;
    return 0;
}

static void pf_init(struct ss_plan_file *pf)
{
    memset(pf, 0, sizeof(*pf));
    ss_dir_init(&pf->src);
    ss_dir_init(&pf->tgt);
    ss_arena_init(&pf->arena, 0);
}

int ss_plan_file_parse(struct ss_plan_file *pf, const char *name, const char *text, size_t len,
                       char *err, size_t errlen)
{
    struct rd d = {.pf = pf, .name = name, .err = err, .errlen = errlen};
    struct json_tokener *tok;
    json_object *root = NULL;
    int rc = -1;

    pf_init(pf);
    if (len > SS_PLAN_FILE_MAX || len > (size_t)INT32_MAX)
        return bad(&d, "(document)", "larger than %u bytes", SS_PLAN_FILE_MAX);
    tok = json_tokener_new();
    if (!tok)
        return nomem(&d);
    root = json_tokener_parse_ex(tok, text, (int)len);
    enum json_tokener_error je = json_tokener_get_error(tok);
    size_t end = json_tokener_get_parse_end(tok);
    if (!root || je != json_tokener_success) {
        if (je == json_tokener_continue)
            bad(&d, "(document)", "ends early after %zu bytes (a truncated file?)", len);
        else
            bad(&d, "(document)", "not valid JSON at byte %zu: %s", end,
                json_tokener_error_desc(je));
        goto out;
    }
    for (; end < len; end++) {
        if (text[end] != ' ' && text[end] != '\n' && text[end] != '\t' && text[end] != '\r') {
            bad(&d, "(document)", "text after the JSON document at byte %zu", end);
            goto out;
        }
    }
    rc = parse_doc(&d, root);
out:
    json_object_put(root);
    json_tokener_free(tok);
    return rc;
}

int ss_plan_file_load(struct ss_plan_file *pf, const char *path, char *err, size_t errlen)
{
    struct ss_dynbuf b;
    int fd, rc;

    pf_init(pf);
    fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    ss_dynbuf_init(&b, SS_PLAN_FILE_MAX);
    rc = ss_dynbuf_read_fd_err(&b, fd, path, err, errlen);
    close(fd);
    if (rc == 0) {
        ss_plan_file_free(pf);
        rc = ss_plan_file_parse(pf, path, ss_dynbuf_str(&b), ss_dynbuf_len(&b), err, errlen);
    } else {
        rc = -1;
    }
    ss_dynbuf_free(&b);
    return rc;
}

int ss_plan_file_check_target(const struct ss_plan_file *pf, const char *name, const char *identity,
                              const char *here, char *err, size_t errlen)
{
    char binding[32];
    ss_plan_file_binding(identity, binding, sizeof binding);
    if (pf->binding && strcmp(binding, pf->binding) == 0)
        return 0;
    snprintf(err, errlen,
             "%s: plan.target.binding: the plan was made for another target ([target %s], "
             "plugin %s, %s); this configuration's target is %s",
             name, pf->target.section ? pf->target.section : "?",
             pf->target.plugin ? pf->target.plugin : "?",
             pf->target.location ? pf->target.location : "?", here ? here : "?");
    return -1;
}

void ss_plan_file_free(struct ss_plan_file *pf)
{
    if (pf->have_plan)
        ss_plan_free(&pf->plan);
    ss_dir_free(&pf->src);
    ss_dir_free(&pf->tgt);
    free(pf->tuser_check);
    free(pf->tuser_hash);
    free(pf->tgroup_hash);
    free(pf->tgroup_nmembers);
    free(pf->tgroup_members_hash);
    ss_arena_free(&pf->arena);
    memset(pf, 0, sizeof(*pf));
}
