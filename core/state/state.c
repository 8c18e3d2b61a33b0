#include "state.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log.h"
#include "vec.h"

void ss_state_init(struct ss_state *st)
{
    memset(st, 0, sizeof(*st));
    ss_arena_init(&st->arena, 0);
    ss_strmap_init(&st->uid, 0);
    ss_strmap_init(&st->gid, 0);
}

void ss_state_free(struct ss_state *st)
{
    for (size_t i = 0; i < st->ngroups; i++)
        free(st->groups[i].mem);
    free(st->users);
    free(st->groups);
    free(st->kv);
    ss_strmap_free(&st->uid);
    ss_strmap_free(&st->gid);
    ss_arena_free(&st->arena);
    memset(st, 0, sizeof(*st));
}

static const char *dup_or_null(struct ss_state *st, const char *s, int *fail)
{
    if (ss_str_empty(s))
        return NULL;
    const char *d = ss_arena_strdup(&st->arena, s);
    if (!d)
        *fail = 1;
    return d;
}

static struct ss_state_user *add_user(struct ss_state *st, const char *id)
{
    if (SS_VEC_PUSH_ROOM(st->users, st->nusers, st->users_cap) < 0)
        return NULL;
    struct ss_state_user *u = &st->users[st->nusers];
    memset(u, 0, sizeof(*u));
    u->id = ss_arena_strdup(&st->arena, id);
    if (!u->id)
        return NULL;
    uint32_t *ref = ss_strmap_ref(&st->uid, u->id);
    if (ref) {
        *ref = (uint32_t)st->nusers; /* a stale record of the same id is superseded */
    } else if (ss_strmap_put(&st->uid, u->id, (uint32_t)st->nusers, NULL) < 0) {
        return NULL;
    }
    st->nusers++;
    return u;
}

static struct ss_state_group *add_group(struct ss_state *st, const char *id)
{
    if (SS_VEC_PUSH_ROOM(st->groups, st->ngroups, st->groups_cap) < 0)
        return NULL;
    struct ss_state_group *g = &st->groups[st->ngroups];
    memset(g, 0, sizeof(*g));
    g->id = ss_arena_strdup(&st->arena, id);
    if (!g->id)
        return NULL;
    uint32_t *ref = ss_strmap_ref(&st->gid, g->id);
    if (ref)
        *ref = (uint32_t)st->ngroups;
    else if (ss_strmap_put(&st->gid, g->id, (uint32_t)st->ngroups, NULL) < 0)
        return NULL;
    st->ngroups++;
    return g;
}

static struct ss_state_user *find_user(const struct ss_state *st, const char *id, uint32_t *pos)
{
    uint32_t p;
    if (!id || !ss_strmap_get(&st->uid, id, &p) || st->users[p].gone)
        return NULL;
    if (pos)
        *pos = p;
    return &st->users[p];
}

static struct ss_state_group *find_group(const struct ss_state *st, const char *id)
{
    uint32_t p;
    if (!id || !ss_strmap_get(&st->gid, id, &p) || st->groups[p].gone)
        return NULL;
    return &st->groups[p];
}

/* ------------------------------------------------------------------ */
/* Encoding                                                            */

static json_object *str_or_null(const char *s)
{
    return ss_str_empty(s) ? NULL : json_object_new_string(s);
}

static int put_line(FILE *f, json_object *o)
{
    int r = -1;
    if (o) {
        const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN |
                                                              JSON_C_TO_STRING_NOSLASHESCAPE);
        r = s && fputs(s, f) >= 0 && fputc('\n', f) != EOF ? 0 : -1;
    }
    json_object_put(o);
    return r;
}

static json_object *header(const struct ss_state *st, size_t nusers, size_t ngroups)
{
    json_object *h = json_object_new_object(), *fields = json_object_new_array(),
                *plugins = json_object_new_object();
    if (!h || !fields || !plugins) {
        json_object_put(h);
        json_object_put(fields);
        json_object_put(plugins);
        return NULL;
    }
    json_object_object_add(h, "format", json_object_new_string(SS_STATE_FORMAT));
    json_object_object_add(h, "version", json_object_new_int(SS_STATE_VERSION));
    json_object_object_add(h, "target", str_or_null(st->target));
    json_object_object_add(h, "full_at", json_object_new_int64(st->full_at));
    json_object_object_add(h, "full_reconcile_due", str_or_null(st->full_why));
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++)
        json_object_array_add(fields, json_object_new_string(ss_user_field_name(f)));
    json_object_object_add(h, "user_fields", fields);
    json_object_object_add(h, "users", json_object_new_int64((int64_t)nusers));
    json_object_object_add(h, "groups", json_object_new_int64((int64_t)ngroups));
    for (size_t i = 0; i < st->nkv; i++) {
        const struct ss_state_kv *kv = &st->kv[i];
        json_object *inst;
        if (!kv->value)
            continue;
        if (!json_object_object_get_ex(plugins, kv->instance, &inst)) {
            inst = json_object_new_object();
            json_object_object_add(plugins, kv->instance, inst);
        }
        json_object_object_add(inst, kv->key, json_object_new_string(kv->value));
    }
    json_object_object_add(h, "plugins", plugins);
    return h;
}

int ss_state_encode(const struct ss_state *st, char **out, size_t *len)
{
    int rc = -1;
    char *buf = NULL;
    size_t blen = 0, nusers = 0, ngroups = 0, nmem = 0;
    uint32_t *newpos = calloc(st->nusers ? st->nusers : 1, sizeof(*newpos));
    FILE *f = open_memstream(&buf, &blen);

    *out = NULL;
    *len = 0;
    if (!newpos || !f)
        goto out;
    /* Positions in the file: users deleted during the run are left out. */
    for (size_t i = 0; i < st->nusers; i++)
        newpos[i] = st->users[i].gone ? SS_NONE : (uint32_t)nusers++;
    for (size_t i = 0; i < st->ngroups; i++)
        ngroups += !st->groups[i].gone;
    if (put_line(f, header(st, nusers, ngroups)) < 0)
        goto out;
    for (size_t i = 0; i < st->nusers; i++) {
        const struct ss_state_user *u = &st->users[i];
        if (u->gone)
            continue;
        json_object *a = json_object_new_array_ext(4 + SCIMSYNC_F_COUNT);
        if (!a)
            goto out;
        json_object_array_add(a, json_object_new_string("u"));
        json_object_array_add(a, json_object_new_string(u->id));
        json_object_array_add(a, str_or_null(u->external_id));
        json_object_array_add(a, json_object_new_boolean(u->active));
        for (int fi = 0; fi < SCIMSYNC_F_COUNT; fi++)
            json_object_array_add(a, str_or_null(u->field[fi]));
        if (put_line(f, a) < 0)
            goto out;
    }
    for (size_t i = 0; i < st->ngroups; i++) {
        const struct ss_state_group *g = &st->groups[i];
        if (g->gone)
            continue;
        json_object *a = json_object_new_array_ext(6), *m = json_object_new_array_ext(g->nmem);
        if (!a || !m) {
            json_object_put(a);
            json_object_put(m);
            goto out;
        }
        json_object_array_add(a, json_object_new_string("g"));
        json_object_array_add(a, json_object_new_string(g->id));
        json_object_array_add(a, str_or_null(g->external_id));
        json_object_array_add(a, str_or_null(g->display_name));
        json_object_array_add(a, json_object_new_boolean(g->members_known));
        /* Sorted positions as deltas: most fit in two or three digits. */
        uint32_t prev = 0;
        for (uint32_t k = 0; k < g->nmem; k++) {
            uint32_t p = newpos[g->mem[k]];
            if (p == SS_NONE)
                continue;
            json_object_array_add(m, json_object_new_int64((int64_t)(p - prev)));
            prev = p;
            nmem++;
        }
        json_object_array_add(a, m);
        if (put_line(f, a) < 0)
            goto out;
    }
    /* Deactivation times (version 2): only inactive users have one. */
    size_t ndeact = 0;
    for (size_t i = 0; i < st->nusers; i++) {
        const struct ss_state_user *u = &st->users[i];
        if (u->gone || u->active || u->deactivated_at <= 0)
            continue;
        json_object *a = json_object_new_array_ext(3);
        if (!a)
            goto out;
        json_object_array_add(a, json_object_new_string("d"));
        json_object_array_add(a, json_object_new_string(u->id));
        json_object_array_add(a, json_object_new_int64(u->deactivated_at));
        if (put_line(f, a) < 0)
            goto out;
        ndeact++;
    }
    json_object *t = json_object_new_object();
    if (!t)
        goto out;
    json_object_object_add(t, "end", json_object_new_boolean(1));
    json_object_object_add(t, "deactivated", json_object_new_int64((int64_t)ndeact));
    json_object_object_add(t, "users", json_object_new_int64((int64_t)nusers));
    json_object_object_add(t, "groups", json_object_new_int64((int64_t)ngroups));
    json_object_object_add(t, "memberships", json_object_new_int64((int64_t)nmem));
    if (put_line(f, t) < 0)
        goto out;
    if (fclose(f) != 0) {
        f = NULL;
        goto out;
    }
    f = NULL;
    *out = buf;
    *len = blen;
    buf = NULL;
    rc = 0;
out:
    if (f)
        fclose(f);
    free(buf);
    free(newpos);
    if (rc < 0)
        ss_error("state: out of memory encoding the state");
    return rc;
}

/* ------------------------------------------------------------------ */
/* Decoding                                                            */

struct decoder {
    struct ss_state *st;
    int field_col[SCIMSYNC_F_COUNT + 8]; /* column in the file -> field, -1 unknown */
    size_t ncols;
    int64_t want_users, want_groups;
    int version;
    size_t ndeact; /* "d" records read */
    char *why;
    size_t whylen;
    size_t line;
};

static int bad(struct decoder *d, const char *what)
{
    snprintf(d->why, d->whylen, "line %zu: %s", d->line, what);
    return -1;
}

static const char *jstr(json_object *o)
{
    return json_object_is_type(o, json_type_string) ? json_object_get_string(o) : NULL;
}

static int dec_header(struct decoder *d, json_object *h)
{
    struct ss_state *st = d->st;
    json_object *v;
    int fail = 0;
    if (!json_object_is_type(h, json_type_object) || !json_object_object_get_ex(h, "format", &v) ||
        !jstr(v) || strcmp(jstr(v), SS_STATE_FORMAT) != 0)
        return bad(d, "not a scimsync state (no \"format\": \"" SS_STATE_FORMAT "\")");
    /* Version 1 is version 2 without deactivation times: still read. */
    if (!json_object_object_get_ex(h, "version", &v) || !json_object_is_type(v, json_type_int) ||
        json_object_get_int(v) < 1 || json_object_get_int(v) > SS_STATE_VERSION) {
        snprintf(d->why, d->whylen, "format version %s, this scimsync reads versions 1 to %d",
                 v ? json_object_get_string(v) : "missing", SS_STATE_VERSION);
        return -1;
    }
    d->version = json_object_get_int(v);
    if (json_object_object_get_ex(h, "target", &v))
        st->target = dup_or_null(st, jstr(v), &fail);
    if (json_object_object_get_ex(h, "full_at", &v))
        st->full_at = json_object_get_int64(v);
    if (json_object_object_get_ex(h, "full_reconcile_due", &v))
        st->full_why = dup_or_null(st, jstr(v), &fail);
    if (!json_object_object_get_ex(h, "user_fields", &v) ||
        !json_object_is_type(v, json_type_array) ||
        json_object_array_length(v) > SCIMSYNC_F_COUNT + 8)
        return bad(d, "\"user_fields\" missing or not a list of field names");
    d->ncols = json_object_array_length(v);
    for (size_t i = 0; i < d->ncols; i++) {
        const char *n = jstr(json_object_array_get_idx(v, i));
        d->field_col[i] = n ? ss_user_field_by_name(n) : -1;
        if (d->field_col[i] < 0)
            return bad(d, "unknown user field in \"user_fields\"");
    }
    d->want_users = json_object_object_get_ex(h, "users", &v) ? json_object_get_int64(v) : -1;
    d->want_groups = json_object_object_get_ex(h, "groups", &v) ? json_object_get_int64(v) : -1;
    if (json_object_object_get_ex(h, "plugins", &v) && json_object_is_type(v, json_type_object)) {
        json_object_object_foreach(v, inst, kvs)
        {
            if (!json_object_is_type(kvs, json_type_object))
                return bad(d, "\"plugins\" values must be objects");
            json_object_object_foreach(kvs, key, val)
            {
                if (!jstr(val))
                    return bad(d, "plugin values must be strings");
                if (ss_state_kv_put(st, inst, key, jstr(val)) < 0)
                    return bad(d, "out of memory");
            }
        }
    }
    return fail ? bad(d, "out of memory") : 0;
}

static int dec_user(struct decoder *d, json_object *a)
{
    struct ss_state *st = d->st;
    size_t n = json_object_array_length(a);
    int fail = 0;
    const char *id = jstr(json_object_array_get_idx(a, 1));
    json_object *act = json_object_array_get_idx(a, 3);
    if (n != 4 + d->ncols || !id || !*id || !json_object_is_type(act, json_type_boolean))
        return bad(d, "a user record must be [\"u\", id, externalId, active, fields...]");
    if (find_user(st, id, NULL))
        return bad(d, "the same user id twice");
    struct ss_state_user *u = add_user(st, id);
    if (!u)
        return bad(d, "out of memory");
    u->external_id = dup_or_null(st, jstr(json_object_array_get_idx(a, 2)), &fail);
    u->active = json_object_get_boolean(act);
    for (size_t c = 0; c < d->ncols; c++)
        u->field[d->field_col[c]] =
            dup_or_null(st, jstr(json_object_array_get_idx(a, 4 + c)), &fail);
    return fail ? bad(d, "out of memory") : 0;
}

static int dec_group(struct decoder *d, json_object *a)
{
    struct ss_state *st = d->st;
    int fail = 0;
    const char *id = jstr(json_object_array_get_idx(a, 1));
    json_object *known = json_object_array_get_idx(a, 4), *m = json_object_array_get_idx(a, 5);
    if (json_object_array_length(a) != 6 || !id || !*id ||
        !json_object_is_type(known, json_type_boolean) || !json_object_is_type(m, json_type_array))
        return bad(d, "a group record must be [\"g\", id, externalId, displayName, "
                      "members_known, [member deltas]]");
    if (find_group(st, id))
        return bad(d, "the same group id twice");
    struct ss_state_group *g = add_group(st, id);
    if (!g)
        return bad(d, "out of memory");
    g->external_id = dup_or_null(st, jstr(json_object_array_get_idx(a, 2)), &fail);
    g->display_name = dup_or_null(st, jstr(json_object_array_get_idx(a, 3)), &fail);
    g->members_known = json_object_get_boolean(known);
    size_t nm = json_object_array_length(m);
    if (nm) {
        g->mem = malloc(nm * sizeof(*g->mem));
        if (!g->mem)
            return bad(d, "out of memory");
        g->cap = (uint32_t)nm;
    }
    int64_t pos = 0;
    for (size_t k = 0; k < nm; k++) {
        json_object *e = json_object_array_get_idx(m, k);
        int64_t delta = json_object_is_type(e, json_type_int) ? json_object_get_int64(e) : -1;
        pos += delta;
        if (delta < 0 || (k > 0 && delta == 0) || pos >= (int64_t)st->nusers)
            return bad(d, "a member delta is not a positive step to a listed user");
        g->mem[g->nmem++] = (uint32_t)pos;
    }
    return fail ? bad(d, "out of memory") : 0;
}

/* ["d", user id, Unix time]: when scimsync deactivated that user. */
static int dec_deactivated(struct decoder *d, json_object *a)
{
    uint32_t p;
    const char *id = jstr(json_object_array_get_idx(a, 1));
    json_object *when = json_object_array_get_idx(a, 2);
    if (d->version < 2 || json_object_array_length(a) != 3 || !id ||
        !json_object_is_type(when, json_type_int) || json_object_get_int64(when) <= 0)
        return bad(d, "a deactivation record must be [\"d\", user id, Unix time] (version 2)");
    if (!find_user(d->st, id, &p))
        return bad(d, "a deactivation record names no user listed before it");
    d->st->users[p].deactivated_at = json_object_get_int64(when);
    d->ndeact++;
    return 0;
}

static int dec_trailer(struct decoder *d, json_object *t)
{
    json_object *v;
    if (!json_object_object_get_ex(t, "end", &v))
        return bad(d, "an object that is not the end record");
    if (!json_object_object_get_ex(t, "users", &v) ||
        json_object_get_int64(v) != (int64_t)d->st->nusers ||
        d->want_users != (int64_t)d->st->nusers || !json_object_object_get_ex(t, "groups", &v) ||
        json_object_get_int64(v) != (int64_t)d->st->ngroups ||
        d->want_groups != (int64_t)d->st->ngroups)
        return bad(d, "the counts do not match the records (cut short?)");
    if (json_object_object_get_ex(t, "deactivated", &v) &&
        json_object_get_int64(v) != (int64_t)d->ndeact)
        return bad(d, "the count of deactivation records does not match (cut short?)");
    return 1;
}

int ss_state_decode(struct ss_state *st, const char *buf, size_t len, char *why, size_t whylen)
{
    struct decoder d = {.st = st, .why = why, .whylen = whylen};
    struct json_tokener *tok = json_tokener_new();
    const char *p = buf, *end = buf + len;
    int rc = -1, done = 0;

    if (!tok) {
        snprintf(why, whylen, "out of memory");
        return -1;
    }
    while (p < end && !done) {
        const char *nl = memchr(p, '\n', (size_t)(end - p));
        size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
        json_object *o;
        d.line++;
        if (n > (size_t)INT32_MAX) {
            bad(&d, "line too long");
            goto out;
        }
        json_tokener_reset(tok);
        o = json_tokener_parse_ex(tok, p, (int)n);
        if (!o || json_tokener_get_parse_end(tok) != n) {
            json_object_put(o);
            bad(&d, "not one JSON value");
            goto out;
        }
        int r;
        if (d.line == 1) {
            r = dec_header(&d, o);
        } else if (json_object_is_type(o, json_type_array) &&
                   jstr(json_object_array_get_idx(o, 0))) {
            const char *tag = jstr(json_object_array_get_idx(o, 0));
            if (!strcmp(tag, "u") && st->ngroups == 0)
                r = dec_user(&d, o);
            else if (!strcmp(tag, "g"))
                r = dec_group(&d, o);
            else if (!strcmp(tag, "d"))
                r = dec_deactivated(&d, o);
            else
                r = bad(&d, "unknown record (users come first, then groups)");
        } else if (json_object_is_type(o, json_type_object)) {
            r = dec_trailer(&d, o);
            done = r > 0;
        } else {
            r = bad(&d, "unknown record");
        }
        json_object_put(o);
        if (r < 0)
            goto out;
        p = nl ? nl + 1 : end;
    }
    if (!done) {
        d.line++;
        bad(&d, "no end record: the state was cut short");
        goto out;
    }
    rc = 0;
out:
    json_tokener_free(tok);
    st->changed = 0;
    return rc;
}

/* ------------------------------------------------------------------ */
/* Snapshots                                                           */

int ss_state_from_dir(struct ss_state *st, const struct ss_dir *tgt, time_t now)
{
    struct ss_state fresh;
    int fail = 0;
    ss_state_init(&fresh);
    fresh.target = dup_or_null(&fresh, st->target, &fail);
    for (size_t i = 0; i < st->nkv && !fail; i++) {
        if (st->kv[i].value &&
            ss_state_kv_put(&fresh, st->kv[i].instance, st->kv[i].key, st->kv[i].value) < 0)
            fail = 1;
    }
    for (size_t i = 0; i < tgt->nusers && !fail; i++) {
        const struct ss_user_rec *r = &tgt->users[i];
        struct ss_state_user *u = add_user(&fresh, r->id);
        if (!u) {
            fail = 1;
            break;
        }
        u->external_id = dup_or_null(&fresh, r->external_id, &fail);
        u->active = r->active;
        for (int f = 0; f < SCIMSYNC_F_COUNT; f++)
            u->field[f] = dup_or_null(&fresh, r->field[f], &fail);
        /* A full read does not say when a user was deactivated: the
         * state's time is kept while the user is still inactive. */
        const struct ss_state_user *old = r->active ? NULL : find_user(st, r->id, NULL);
        u->deactivated_at = old ? old->deactivated_at : 0;
    }
    for (uint32_t i = 0; i < tgt->ngroups && !fail; i++) {
        const struct ss_group_rec *r = &tgt->groups[i];
        struct ss_state_group *g = add_group(&fresh, r->id);
        if (!g) {
            fail = 1;
            break;
        }
        g->external_id = dup_or_null(&fresh, r->external_id, &fail);
        g->display_name = dup_or_null(&fresh, r->display_name, &fail);
        g->members_known = tgt->members_known && tgt->members_known[i];
        size_t n = ss_dir_nmembers(tgt, i);
        if (n) {
            /* Snapshot user index = state position: already sorted. */
            g->mem = malloc(n * sizeof(*g->mem));
            if (!g->mem) {
                fail = 1;
                break;
            }
            memcpy(g->mem, ss_dir_members(tgt, i), n * sizeof(*g->mem));
            g->nmem = g->cap = (uint32_t)n;
        }
    }
    if (fail) {
        ss_error("state: out of memory");
        ss_state_free(&fresh);
        return -1;
    }
    fresh.full_at = (long long)now;
    fresh.full_why = NULL;
    fresh.changed = 1;
    fresh.clock = st->clock;
    ss_state_free(st);
    *st = fresh;
    return 0;
}

int ss_state_to_dir(const struct ss_state *st, struct ss_dir *tgt)
{
    int rc = -1;
    uint32_t *upos = malloc((st->nusers ? st->nusers : 1) * sizeof(*upos));
    struct ss_pair *pairs = NULL;
    size_t npairs = 0, cap = 0;
    if (!upos)
        goto out;
    for (size_t i = 0; i < st->nusers; i++) {
        const struct ss_state_user *u = &st->users[i];
        upos[i] = SS_NONE;
        if (u->gone)
            continue;
        struct ss_user_rec *r = ss_dir_add_user(tgt);
        if (!r)
            goto out;
        /* The state outlives the run's snapshot: strings are shared. */
        r->id = u->id;
        r->external_id = u->external_id;
        memcpy(r->field, u->field, sizeof(r->field));
        r->active = u->active;
        r->deactivated_at = u->active ? 0 : u->deactivated_at;
        upos[i] = (uint32_t)(tgt->nusers - 1);
    }
    size_t ng = 0;
    for (size_t i = 0; i < st->ngroups; i++)
        ng += !st->groups[i].gone;
    tgt->members_known = calloc(ng ? ng : 1, 1);
    if (!tgt->members_known)
        goto out;
    for (size_t i = 0; i < st->ngroups; i++) {
        const struct ss_state_group *g = &st->groups[i];
        if (g->gone)
            continue;
        struct ss_group_rec *r = ss_dir_add_group(tgt);
        if (!r)
            goto out;
        r->id = g->id;
        r->external_id = g->external_id;
        r->display_name = g->display_name;
        uint32_t gi = (uint32_t)(tgt->ngroups - 1);
        tgt->members_known[gi] = g->members_known;
        for (uint32_t k = 0; k < g->nmem; k++) {
            if (g->mem[k] >= st->nusers || upos[g->mem[k]] == SS_NONE)
                continue;
            if (SS_VEC_PUSH_ROOM(pairs, npairs, cap) < 0)
                goto out;
            pairs[npairs++] = (struct ss_pair){gi, upos[g->mem[k]]};
        }
    }
    if (ss_dir_set_members(tgt, pairs, npairs) < 0)
        goto out;
    rc = 0;
out:
    if (rc < 0)
        ss_error("state: out of memory building the target snapshot");
    free(upos);
    free(pairs);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Recording what the target answered                                  */

int ss_state_set_deactivated(struct ss_state *st, const char *id, long long when, int only_unset)
{
    struct ss_state_user *u = find_user(st, id, NULL);
    if (!u || u->deactivated_at == when || (only_unset && u->deactivated_at > 0))
        return 0;
    u->deactivated_at = when;
    st->changed = 1;
    return 0;
}

long long ss_state_deactivated_at(const struct ss_state *st, const char *id)
{
    const struct ss_state_user *u = find_user(st, id, NULL);
    return u && !u->active ? u->deactivated_at : 0;
}

void ss_state_mark_full(struct ss_state *st, const char *why)
{
    if (st->full_why)
        return;
    st->full_why = ss_arena_strdup(&st->arena, why);
    if (!st->full_why)
        st->full_why = "a surprise during apply";
    st->changed = 1;
}

static int set_members(struct ss_state *st, struct ss_state_group *g, const struct scimsync_op *op,
                       int add)
{
    uint32_t p;
    if (add) {
        size_t need = (size_t)g->nmem + op->nmembers;
        if (need > g->cap) {
            size_t ncap = g->cap ? g->cap : 8;
            while (ncap < need)
                ncap *= 2;
            uint32_t *nm = realloc(g->mem, ncap * sizeof(*nm));
            if (!nm)
                return -1;
            g->mem = nm;
            g->cap = (uint32_t)ncap;
        }
        for (size_t k = 0; k < op->nmembers; k++) {
            if (find_user(st, op->member_ids[k], &p))
                g->mem[g->nmem++] = p;
        }
        if (ss_sort_u32(g->mem, g->nmem) < 0)
            return -1;
        g->nmem = (uint32_t)ss_unique_u32(g->mem, g->nmem);
        return 0;
    }
    /* Remove: the ids are few next to the members; mark, then compact. */
    for (size_t k = 0; k < op->nmembers; k++) {
        if (!find_user(st, op->member_ids[k], &p))
            continue;
        for (uint32_t i = 0; i < g->nmem; i++) {
            if (g->mem[i] == p) {
                g->mem[i] = SS_NONE;
                break;
            }
        }
    }
    uint32_t w = 0;
    for (uint32_t i = 0; i < g->nmem; i++) {
        if (g->mem[i] != SS_NONE)
            g->mem[w++] = g->mem[i];
    }
    g->nmem = w;
    return 0;
}

static int record_done(struct ss_state *st, const struct scimsync_op *op)
{
    int fail = 0;
    switch (op->kind) {
    case SCIMSYNC_OP_CREATE_USER: {
        struct ss_state_user *u = find_user(st, op->new_id, NULL);
        if (!u && !(u = add_user(st, op->new_id)))
            return -1;
        u->external_id = dup_or_null(st, op->user->external_id, &fail);
        u->active = op->user->active;
        u->deactivated_at = 0;
        for (int f = 0; f < SCIMSYNC_F_COUNT; f++)
            u->field[f] = dup_or_null(st, op->user->field[f], &fail);
        break;
    }
    case SCIMSYNC_OP_UPDATE_USER: {
        struct ss_state_user *u = find_user(st, op->target_id, NULL);
        if (!u)
            break;
        for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
            if ((op->changed >> f) & 1u)
                u->field[f] = dup_or_null(st, op->user->field[f], &fail);
        }
        if (op->changed & SCIMSYNC_F_ACTIVE_BIT)
            u->active = op->user->active;
        if (u->active)
            u->deactivated_at = 0; /* back: a later departure starts a new period */
        break;
    }
    case SCIMSYNC_OP_DEACTIVATE_USER: {
        struct ss_state_user *u = find_user(st, op->target_id, NULL);
        if (u) {
            /* An active user's time is stale whatever it says; a repeated
             * deactivation keeps the first. */
            if (u->active || u->deactivated_at <= 0)
                u->deactivated_at = st->clock > 0 ? st->clock : (long long)time(NULL);
            u->active = 0;
        }
        break;
    }
    case SCIMSYNC_OP_DELETE_USER: {
        struct ss_state_user *u = find_user(st, op->target_id, NULL);
        if (u)
            u->gone = 1; /* member positions of gone users are skipped */
        break;
    }
    case SCIMSYNC_OP_CREATE_GROUP: {
        struct ss_state_group *g = find_group(st, op->new_id);
        if (!g && !(g = add_group(st, op->new_id)))
            return -1;
        g->external_id = dup_or_null(st, op->group->external_id, &fail);
        g->display_name = dup_or_null(st, op->group->display_name, &fail);
        g->members_known = 1;
        break;
    }
    case SCIMSYNC_OP_RENAME_GROUP: {
        struct ss_state_group *g = find_group(st, op->target_id);
        if (g)
            g->display_name = dup_or_null(st, op->group->display_name, &fail);
        break;
    }
    case SCIMSYNC_OP_DELETE_GROUP: {
        struct ss_state_group *g = find_group(st, op->target_id);
        if (g)
            g->gone = 1;
        break;
    }
    case SCIMSYNC_OP_ADD_MEMBERS:
    case SCIMSYNC_OP_REMOVE_MEMBERS: {
        struct ss_state_group *g = find_group(st, op->target_id);
        if (g && set_members(st, g, op, op->kind == SCIMSYNC_OP_ADD_MEMBERS) < 0)
            return -1;
        break;
    }
    }
    st->changed = 1;
    return fail ? -1 : 0;
}

static const char *kind_word(enum scimsync_op_kind k)
{
    switch (k) {
    case SCIMSYNC_OP_CREATE_USER:
    case SCIMSYNC_OP_UPDATE_USER:
    case SCIMSYNC_OP_DEACTIVATE_USER:
    case SCIMSYNC_OP_DELETE_USER:
        return "user";
    default:
        return "group";
    }
}

int ss_state_record(struct ss_state *st, const struct scimsync_op *op)
{
    char why[200];
    int create = op->kind == SCIMSYNC_OP_CREATE_USER || op->kind == SCIMSYNC_OP_CREATE_GROUP;
    if (op->status == 0) {
        if (record_done(st, op) < 0) {
            ss_error("state: out of memory recording an operation");
            return -1;
        }
        if (create && (op->result_flags & SCIMSYNC_OP_ADOPTED)) {
            snprintf(why, sizeof why, "a %s create met an existing object (409), id %.64s",
                     kind_word(op->kind), op->new_id);
            ss_state_mark_full(st, why);
            return 1;
        }
        return 0;
    }
    switch (op->status) {
    case SCIMSYNC_ERR_NOTFOUND:
        snprintf(why, sizeof why, "%s %.64s was not found (404)", kind_word(op->kind),
                 op->target_id ? op->target_id : "?");
        /* It is not there: the snapshot must not offer it again. */
        if (op->kind == SCIMSYNC_OP_UPDATE_USER || op->kind == SCIMSYNC_OP_DEACTIVATE_USER) {
            struct ss_state_user *u = find_user(st, op->target_id, NULL);
            if (u)
                u->gone = 1;
        } else if (!create) {
            struct ss_state_group *g = find_group(st, op->target_id);
            if (g)
                g->gone = 1;
        }
        break;
    case SCIMSYNC_ERR_CONFLICT:
        snprintf(why, sizeof why, "a %s %s conflicted (409)", kind_word(op->kind),
                 create ? "create" : "change");
        break;
    case SCIMSYNC_ERR_IO:
    case SCIMSYNC_ERR:
        snprintf(why, sizeof why, "a %s change got an unexpected answer; its outcome is unknown",
                 kind_word(op->kind));
        break;
    default:
        return 0; /* rejected data, stopped, credentials: the state still holds */
    }
    ss_state_mark_full(st, why);
    return 1;
}

/* ------------------------------------------------------------------ */
/* Decisions                                                           */

int ss_state_need_full(const struct ss_state *st, int loaded, const char *target, time_t now,
                       long interval, int forced, char *why, size_t whylen)
{
    if (forced) {
        snprintf(why, whylen, "a full read was asked for (--full)");
        return 1;
    }
    if (loaded == 0) {
        snprintf(why, whylen, "there is no state yet");
        return 1;
    }
    if (loaded < 0) {
        snprintf(why, whylen, "the state could not be used");
        return 1;
    }
    if (!st->target || !target || strcmp(st->target, target) != 0) {
        snprintf(why, whylen, "the state describes another target (%.200s)",
                 st->target ? st->target : "none");
        return 1;
    }
    if (st->full_why) {
        snprintf(why, whylen, "the last run asked for it: %.300s", st->full_why);
        return 1;
    }
    if (interval <= 0) {
        snprintf(why, whylen, "full_reconcile_interval is 0");
        return 1;
    }
    long long age = (long long)now - st->full_at;
    if (age >= interval || age < -300) {
        snprintf(why, whylen, "the last full read was %lld s ago (full_reconcile_interval %ld)",
                 age, interval);
        return 1;
    }
    return 0;
}

/* ------------------------------------------------------------------ */
/* Plugin values                                                       */

const char *ss_state_kv_get(const struct ss_state *st, const char *instance, const char *key)
{
    for (size_t i = 0; i < st->nkv; i++) {
        if (!strcmp(st->kv[i].instance, instance) && !strcmp(st->kv[i].key, key))
            return st->kv[i].value;
    }
    return NULL;
}

int ss_state_kv_put(struct ss_state *st, const char *instance, const char *key, const char *value)
{
    struct ss_state_kv *kv = NULL;
    for (size_t i = 0; i < st->nkv && !kv; i++) {
        if (!strcmp(st->kv[i].instance, instance) && !strcmp(st->kv[i].key, key))
            kv = &st->kv[i];
    }
    if (kv && (kv->value == value || (kv->value && value && !strcmp(kv->value, value))))
        return 0;
    if (!kv) {
        if (!value)
            return 0;
        if (SS_VEC_PUSH_ROOM(st->kv, st->nkv, st->kv_cap) < 0)
            return -1;
        kv = &st->kv[st->nkv];
        kv->instance = ss_arena_strdup(&st->arena, instance);
        kv->key = ss_arena_strdup(&st->arena, key);
        if (!kv->instance || !kv->key)
            return -1;
        st->nkv++;
    }
    kv->value = value ? ss_arena_strdup(&st->arena, value) : NULL;
    if (value && !kv->value)
        return -1;
    st->changed = 1;
    return 0;
}
