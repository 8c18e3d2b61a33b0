#include "fakes.h"

#include "host.h"
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *xstrdup(const char *s)
{
    if (!s)
        return NULL;
    char *p = strdup(s);
    if (!p)
        abort();
    return p;
}

static void *xcalloc(size_t n, size_t sz)
{
    void *p = calloc(n ? n : 1, sz);
    if (!p)
        abort();
    return p;
}

/* ---- source ---------------------------------------------------------- */

void fake_source_user(struct fake_source *s, const char *id, ...)
{
    struct scimsync_entry *e = &s->entries[s->n++];
    struct scimsync_attr *attrs = xcalloc(32, sizeof(*attrs));
    char where[64];
    va_list ap;
    memset(e, 0, sizeof(*e));
    e->kind = SCIMSYNC_ENTRY_USER;
    e->id = xstrdup(id);
    snprintf(where, sizeof(where), "users.csv:%zu", s->n + 1);
    e->where = xstrdup(where);
    va_start(ap, id);
    const char *name;
    while ((name = va_arg(ap, const char *)) != NULL) {
        const char *value = va_arg(ap, const char *);
        const char **vals = xcalloc(1, sizeof(*vals));
        vals[0] = xstrdup(value);
        attrs[e->nattrs].name = xstrdup(name);
        attrs[e->nattrs].values = vals;
        attrs[e->nattrs].nvalues = 1;
        e->nattrs++;
    }
    va_end(ap);
    e->attrs = attrs;
}

void fake_source_group(struct fake_source *s, const char *id, const char *name, unsigned flags, ...)
{
    struct scimsync_entry *e = &s->entries[s->n++];
    struct scimsync_attr *attrs = xcalloc(1, sizeof(*attrs));
    const char **members = xcalloc(64, sizeof(*members));
    const char **vals = xcalloc(1, sizeof(*vals));
    char where[64];
    va_list ap;
    memset(e, 0, sizeof(*e));
    e->kind = SCIMSYNC_ENTRY_GROUP;
    e->flags = flags;
    e->id = xstrdup(id);
    snprintf(where, sizeof(where), "groups.csv:%zu", s->n + 1);
    e->where = xstrdup(where);
    vals[0] = xstrdup(name);
    attrs[0].name = xstrdup("displayName");
    attrs[0].values = vals;
    attrs[0].nvalues = 1;
    e->attrs = attrs;
    e->nattrs = 1;
    va_start(ap, flags);
    const char *m;
    while ((m = va_arg(ap, const char *)) != NULL)
        members[e->nmembers++] = xstrdup(m);
    va_end(ap);
    e->members = members;
}

void fake_source_free(struct fake_source *s)
{
    for (size_t i = 0; i < s->n; i++) {
        struct scimsync_entry *e = &s->entries[i];
        for (size_t a = 0; a < e->nattrs; a++) {
            free((void *)e->attrs[a].name);
            for (size_t v = 0; v < e->attrs[a].nvalues; v++)
                free((void *)e->attrs[a].values[v]);
            free((void *)e->attrs[a].values);
        }
        free((void *)e->attrs);
        for (size_t m = 0; m < e->nmembers; m++)
            free((void *)e->members[m]);
        free((void *)e->members);
        free((void *)e->id);
        free((void *)e->where);
    }
    s->n = 0;
    s->pos = 0;
}

void fake_source_reset(struct fake_source *s)
{
    fake_source_free(s);
    memset(s, 0, sizeof(*s));
    s->fail_at = -1;
}

static int src_open(void *inst)
{
    struct fake_source *s = inst;
    s->pos = 0;
    return s->fail_open ? SCIMSYNC_ERR_IO : 0;
}

static int src_next(void *inst, const struct scimsync_entry **out)
{
    struct fake_source *s = inst;
    if (s->fail_at >= 0 && s->pos == (size_t)s->fail_at)
        return SCIMSYNC_ERR_IO;
    if (s->pos == s->n)
        return s->stop_at_end ? SCIMSYNC_ERR_STOPPED : 0;
    *out = &s->entries[s->pos++];
    return 1;
}

static void src_close(void *inst)
{
    (void)inst;
}

static const struct scimsync_source_ops fake_source_ops = {
    .open = src_open, .next = src_next, .close = src_close, .default_mapping = NULL};

const struct scimsync_plugin fake_source_plugin = {
    SCIMSYNC_PLUGIN_V1(SCIMSYNC_PLUGIN_SOURCE, "fake-source", NULL, NULL),
    .source = &fake_source_ops,
};

/* ---- target ---------------------------------------------------------- */

static struct fake_tuser *tuser_by_id(struct fake_target *t, const char *id)
{
    for (size_t i = 0; id && i < t->nusers; i++)
        if (t->users[i].live && strcmp(t->users[i].id, id) == 0)
            return &t->users[i];
    return NULL;
}

static struct fake_tgroup *tgroup_by_id(struct fake_target *t, const char *id)
{
    for (size_t i = 0; id && i < t->ngroups; i++)
        if (t->groups[i].live && strcmp(t->groups[i].id, id) == 0)
            return &t->groups[i];
    return NULL;
}

size_t fake_target_add_user(struct fake_target *t, const char *ext, const char *user_name,
                            const char *given, const char *family, const char *display, int active)
{
    size_t i = t->nusers++;
    struct fake_tuser *u = &t->users[i];
    memset(u, 0, sizeof(*u));
    u->live = 1;
    snprintf(u->id, sizeof(u->id), "u-%d", ++t->next_id);
    u->ext = xstrdup(ext);
    u->field[SCIMSYNC_F_USER_NAME] = xstrdup(user_name);
    u->field[SCIMSYNC_F_GIVEN_NAME] = xstrdup(given);
    u->field[SCIMSYNC_F_FAMILY_NAME] = xstrdup(family);
    u->field[SCIMSYNC_F_DISPLAY_NAME] = xstrdup(display);
    u->active = active;
    return i;
}

size_t fake_target_add_group(struct fake_target *t, const char *ext, const char *name)
{
    size_t i = t->ngroups++;
    struct fake_tgroup *g = &t->groups[i];
    memset(g, 0, sizeof(*g));
    g->live = 1;
    snprintf(g->id, sizeof(g->id), "g-%d", ++t->next_id);
    g->ext = xstrdup(ext);
    g->name = xstrdup(name);
    return i;
}

void fake_target_add_member(struct fake_target *t, size_t group, size_t user)
{
    t->groups[group].member[user] = 1;
}

struct fake_tuser *fake_target_user_by_name(struct fake_target *t, const char *user_name)
{
    for (size_t i = 0; i < t->nusers; i++)
        if (t->users[i].live && t->users[i].field[SCIMSYNC_F_USER_NAME] &&
            strcmp(t->users[i].field[SCIMSYNC_F_USER_NAME], user_name) == 0)
            return &t->users[i];
    return NULL;
}

struct fake_tgroup *fake_target_group_by_name(struct fake_target *t, const char *name)
{
    for (size_t i = 0; i < t->ngroups; i++)
        if (t->groups[i].live && t->groups[i].name && strcmp(t->groups[i].name, name) == 0)
            return &t->groups[i];
    return NULL;
}

int fake_target_is_member(struct fake_target *t, const char *group, const char *user_name)
{
    struct fake_tgroup *g = fake_target_group_by_name(t, group);
    struct fake_tuser *u = fake_target_user_by_name(t, user_name);
    return g && u && g->member[u - t->users];
}

size_t fake_target_live_users(const struct fake_target *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->nusers; i++)
        n += t->users[i].live != 0;
    return n;
}

size_t fake_target_live_groups(const struct fake_target *t)
{
    size_t n = 0;
    for (size_t i = 0; i < t->ngroups; i++)
        n += t->groups[i].live != 0;
    return n;
}

void fake_target_free(struct fake_target *t)
{
    for (size_t i = 0; i < t->nusers; i++) {
        free(t->users[i].ext);
        for (int f = 0; f < SCIMSYNC_F_COUNT; f++)
            free(t->users[i].field[f]);
    }
    for (size_t i = 0; i < t->ngroups; i++) {
        free(t->groups[i].ext);
        free(t->groups[i].name);
    }
    t->nusers = t->ngroups = 0;
}

static int tgt_list_users(void *inst, scimsync_user_cb cb, void *ctx)
{
    struct fake_target *t = inst;
    if (t->fail_list_users)
        return SCIMSYNC_ERR_IO;
    for (size_t k = 0; k < t->nusers * (t->list_twice ? 2 : 1); k++) {
        struct fake_tuser *u = &t->users[k % t->nusers];
        if (!u->live)
            continue;
        struct scimsync_user su = {.id = u->id, .external_id = u->ext, .active = u->active};
        memcpy(su.field, u->field, sizeof(su.field));
        int r = cb(ctx, &su);
        if (r)
            return r;
    }
    return 0;
}

/* A slow server: returns once the run's deadline has passed (30 s at most). */
static void wait_for_deadline(void)
{
    struct timespec tick = {0, 10 * 1000 * 1000L};
    for (int i = 0; i < 3000 && !ss_host_run_should_stop(); i++)
        nanosleep(&tick, NULL);
}

static int tgt_list_groups(void *inst, scimsync_group_cb cb, void *ctx)
{
    struct fake_target *t = inst;
    if (t->stop_on_list)
        ss_host_request_stop();
    if (t->wait_deadline_on_list)
        wait_for_deadline();
    for (size_t k = 0; k < t->ngroups * (t->list_twice ? 2 : 1); k++) {
        struct fake_tgroup *g = &t->groups[k % t->ngroups];
        if (!g->live)
            continue;
        struct scimsync_group sg = {g->id, g->ext, g->name};
        int r = cb(ctx, &sg);
        if (r)
            return r;
    }
    return 0;
}

static int tgt_list_members(void *inst, const char *const *ids, size_t n, scimsync_member_cb cb,
                            void *ctx)
{
    struct fake_target *t = inst;
    if (t->fail_list_members)
        return SCIMSYNC_ERR_IO;
    for (size_t k = 0; k < n; k++) {
        struct fake_tgroup *g = tgroup_by_id(t, ids[k]);
        if (!g)
            return SCIMSYNC_ERR_NOTFOUND;
        for (size_t u = 0; u < t->nusers; u++) {
            if (g->member[u] && t->users[u].live) {
                int r = cb(ctx, k, t->users[u].id);
                if (r)
                    return r;
            }
        }
    }
    return 0;
}

static void set_user_fields(struct fake_tuser *u, const struct scimsync_user *su, uint32_t mask)
{
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        if (!((mask >> f) & 1u))
            continue;
        free(u->field[f]);
        u->field[f] = xstrdup(su->field[f]);
    }
    if (mask & SCIMSYNC_F_ACTIVE_BIT)
        u->active = su->active;
}

static int apply_one(struct fake_target *t, struct scimsync_op *op)
{
    switch (op->kind) {
    case SCIMSYNC_OP_CREATE_USER: {
        const char *name = op->user->field[SCIMSYNC_F_USER_NAME];
        if (t->fail_user && strcmp(name, t->fail_user) == 0)
            return SCIMSYNC_ERR_INVALID;
        struct fake_tuser *ex = fake_target_user_by_name(t, name);
        if (ex) {
            if (!op->adopt || ex->ext)
                return SCIMSYNC_ERR_CONFLICT;
            op->result_flags |= SCIMSYNC_OP_ADOPTED;
        } else {
            ex = &t->users[fake_target_add_user(t, NULL, NULL, NULL, NULL, NULL, 1)];
        }
        free(ex->ext);
        ex->ext = xstrdup(op->user->external_id);
        set_user_fields(ex, op->user, 0xffffffffu);
        ex->active = op->user->active;
        snprintf(op->new_id, sizeof(op->new_id), "%s", ex->id);
        return 0;
    }
    case SCIMSYNC_OP_UPDATE_USER: {
        struct fake_tuser *u = tuser_by_id(t, op->target_id);
        if (!u)
            return SCIMSYNC_ERR_NOTFOUND;
        if (t->fail_user && strcmp(u->field[SCIMSYNC_F_USER_NAME], t->fail_user) == 0)
            return SCIMSYNC_ERR_INVALID;
        set_user_fields(u, op->user, op->changed);
        return 0;
    }
    case SCIMSYNC_OP_DEACTIVATE_USER: {
        struct fake_tuser *u = tuser_by_id(t, op->target_id);
        if (!u)
            return SCIMSYNC_ERR_NOTFOUND;
        u->active = 0;
        return 0;
    }
    case SCIMSYNC_OP_DELETE_USER: {
        struct fake_tuser *u = tuser_by_id(t, op->target_id);
        if (!u)
            return SCIMSYNC_ERR_NOTFOUND;
        u->live = 0;
        for (size_t g = 0; g < t->ngroups; g++)
            t->groups[g].member[u - t->users] = 0;
        return 0;
    }
    case SCIMSYNC_OP_CREATE_GROUP: {
        if (t->fail_group && strcmp(op->group->display_name, t->fail_group) == 0)
            return SCIMSYNC_ERR_INVALID;
        struct fake_tgroup *ex = fake_target_group_by_name(t, op->group->display_name);
        if (ex) {
            if (!op->adopt || ex->ext)
                return SCIMSYNC_ERR_CONFLICT;
            op->result_flags |= SCIMSYNC_OP_ADOPTED;
            ex->ext = xstrdup(op->group->external_id);
        } else {
            ex = &t->groups[fake_target_add_group(t, op->group->external_id,
                                                  op->group->display_name)];
        }
        snprintf(op->new_id, sizeof(op->new_id), "%s", ex->id);
        return 0;
    }
    case SCIMSYNC_OP_RENAME_GROUP: {
        struct fake_tgroup *g = tgroup_by_id(t, op->target_id);
        if (!g)
            return SCIMSYNC_ERR_NOTFOUND;
        free(g->name);
        g->name = xstrdup(op->group->display_name);
        return 0;
    }
    case SCIMSYNC_OP_DELETE_GROUP: {
        struct fake_tgroup *g = tgroup_by_id(t, op->target_id);
        if (!g)
            return SCIMSYNC_ERR_NOTFOUND;
        g->live = 0;
        return 0;
    }
    case SCIMSYNC_OP_ADD_MEMBERS:
    case SCIMSYNC_OP_REMOVE_MEMBERS: {
        struct fake_tgroup *g = tgroup_by_id(t, op->target_id);
        if (!g)
            return SCIMSYNC_ERR_NOTFOUND;
        for (size_t i = 0; i < op->nmembers; i++) {
            struct fake_tuser *u = tuser_by_id(t, op->member_ids[i]);
            if (!u)
                return SCIMSYNC_ERR_NOTFOUND;
            g->member[u - t->users] = op->kind == SCIMSYNC_OP_ADD_MEMBERS;
        }
        return 0;
    }
    }
    return SCIMSYNC_ERR;
}

static int tgt_apply(void *inst, struct scimsync_op *ops, size_t n)
{
    struct fake_target *t = inst;
    unsigned kinds = 0;
    int stop = 0;
    t->apply_calls++;
    for (size_t i = 0; i < n; i++) {
        kinds |= 1u << ops[i].kind;
        if (stop) {
            ops[i].status = SCIMSYNC_ERR_STOPPED;
            continue;
        }
        t->ops_seen++;
        if (t->auth_fail_kind && (int)ops[i].kind == t->auth_fail_kind) {
            ops[i].status = SCIMSYNC_ERR_AUTH;
            snprintf(ops[i].error, sizeof(ops[i].error), "401 unauthorized");
            stop = 1;
            continue;
        }
        ops[i].status = apply_one(t, &ops[i]);
        if (ops[i].status)
            snprintf(ops[i].error, sizeof(ops[i].error), "fake error %d", ops[i].status);
    }
    if (t->stop_after_calls && t->apply_calls == t->stop_after_calls)
        ss_host_request_stop();
    if (t->wait_deadline_after_calls && t->apply_calls == t->wait_deadline_after_calls)
        wait_for_deadline();
    if (t->calls_recorded < 32)
        t->kinds_per_call[t->calls_recorded++] = (size_t)__builtin_popcount(kinds);
    return stop ? SCIMSYNC_ERR_AUTH : 0;
}

static const struct scimsync_target_ops fake_target_ops = {
    .list_users = tgt_list_users,
    .list_groups = tgt_list_groups,
    .list_members = tgt_list_members,
    .apply = tgt_apply,
};

const struct scimsync_plugin fake_target_plugin = {
    SCIMSYNC_PLUGIN_V1(SCIMSYNC_PLUGIN_TARGET, "fake-target", NULL, NULL),
    .target = &fake_target_ops,
};

void fake_run_init(struct fake_run *r, struct fake_source *s, struct fake_target *t)
{
    memset(r, 0, sizeof(*r));
    r->src = (struct ss_engine_source){.name = "test", .plugin = &fake_source_plugin, .inst = s};
    r->tgt = (struct ss_engine_target){.name = "fake", .plugin = &fake_target_plugin, .inst = t};
    r->opt.on_missing = SS_ON_MISSING_DEACTIVATE;
    ss_safety_policy_off(&r->opt.safety);
}

int fake_run(struct fake_run *r)
{
    free(r->out);
    r->out = NULL;
    r->outlen = 0;
    FILE *f = open_memstream(&r->out, &r->outlen);
    if (!f)
        abort();
    r->opt.out = f;
    int rc = ss_engine_run(&r->src, 1, &r->tgt, &r->opt, &r->sum);
    fclose(f);
    r->opt.out = NULL;
    return rc;
}

void fake_run_free(struct fake_run *r)
{
    free(r->out);
    r->out = NULL;
}

int fake_world_setup(void **state)
{
    struct fake_world *w = calloc(1, sizeof(*w));
    if (!w)
        return -1;
    fake_source_reset(&w->src);
    fake_run_init(&w->run, &w->src, &w->tgt);
    ss_log_set_level(SCIMSYNC_LOG_ERROR);
    *state = w;
    return 0;
}

int fake_world_teardown(void **state)
{
    struct fake_world *w = *state;
    fake_source_free(&w->src);
    fake_target_free(&w->tgt);
    fake_run_free(&w->run);
    free(w);
    return 0;
}
