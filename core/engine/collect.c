#include "collect.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "mapping_attrs.h"
#include "plugin_err.h"
#include "progress.h"
#include "report.h"
#include "vec.h"

void ss_collector_init(struct ss_collector *c, struct ss_dir *out)
{
    memset(c, 0, sizeof(*c));
    c->out = out;
    /* An error: a skipped entry ends the run with exit code 6. */
    c->w_skip = (struct ss_warncap)SS_WARNCAP_INIT("source entries skipped", SCIMSYNC_LOG_ERROR);
}

void ss_collector_free(struct ss_collector *c)
{
    free(c->users);
    free(c->groups);
    free(c->mrefs);
    free(c->source_names);
    memset(c, 0, sizeof(*c));
}

uint32_t ss_collector_add_source(struct ss_collector *c, const char *name)
{
    if (SS_VEC_PUSH_ROOM(c->source_names, c->nsources, c->source_names_cap) < 0) {
        ss_error("out of memory");
        return SS_NONE;
    }
    c->source_names[c->nsources] = name ? name : "?";
    return (uint32_t)c->nsources++;
}

static const char *entry_where(const struct scimsync_entry *e)
{
    if (e->where && *e->where)
        return e->where;
    return e->id && *e->id ? e->id : "?";
}

/* One skipped entry: a structured event, capped like every repeated line. */
static void log_skip(struct ss_collector *c, uint32_t source, const char *kind, const char *where,
                     const char *id, const char *why)
{
    if (!ss_warncap_take(&c->w_skip))
        return;
    struct ss_log_field f[] = {SS_LF_S("source", c->source_names[source]), SS_LF_S("kind", kind),
                               SS_LF_S("where", where), SS_LF_S("id", id), SS_LF_S("reason", why)};
    ss_log_event(c->w_skip.level, NULL, "entry_skipped", f, 5,
                 "source %s: %s %s (id %s) skipped: %s", c->source_names[source], kind, where, id,
                 why);
}

static int add_user(struct ss_collector *c, uint32_t source, const struct ss_mapping *m,
                    const struct scimsync_entry *e)
{
    struct ss_arena *a = &c->out->arena;
    char why[200];
    if (SS_VEC_PUSH_ROOM(c->users, c->nusers, c->users_cap) < 0)
        goto nomem;
    struct ss_cuser *u = &c->users[c->nusers];
    memset(u, 0, sizeof(*u));
    u->source = source;
    u->rec.external_id = ss_arena_strdup(a, e->id);
    u->rec.where = ss_arena_strdup(a, entry_where(e));
    u->ref = e->ref && *e->ref ? ss_arena_strdup(a, e->ref) : u->rec.external_id;
    if (!u->rec.external_id || !u->rec.where || !u->ref)
        goto nomem;
    int r = ss_mapping_user(m, e, a, &u->rec, why, sizeof(why));
    if (r < 0)
        goto nomem;
    if (r > 0) {
        u->skip = 1;
        c->skipped++;
        ss_report_skip(c->source_names[source], "user", u->rec.where, u->rec.external_id, why);
        log_skip(c, source, "user", u->rec.where, u->rec.external_id, why);
    }
    c->nusers++;
    return 0;
nomem:
    ss_error("out of memory reading source %s", c->source_names[source]);
    return -1;
}

static int add_group(struct ss_collector *c, uint32_t source, const struct ss_mapping *m,
                     const struct scimsync_entry *e)
{
    struct ss_arena *a = &c->out->arena;
    char why[200];
    if (SS_VEC_PUSH_ROOM(c->groups, c->ngroups, c->groups_cap) < 0)
        goto nomem;
    struct ss_cgroup *g = &c->groups[c->ngroups];
    memset(g, 0, sizeof(*g));
    g->source = source;
    g->flags = e->flags;
    g->rec.external_id = ss_arena_strdup(a, e->id);
    g->rec.where = ss_arena_strdup(a, entry_where(e));
    g->ref = e->ref && *e->ref ? ss_arena_strdup(a, e->ref) : g->rec.external_id;
    if (!g->rec.external_id || !g->rec.where || !g->ref)
        goto nomem;
    if (ss_vec_reserve((void **)&c->mrefs, &c->mrefs_cap, c->nmrefs + e->nmembers,
                       sizeof(*c->mrefs)) < 0)
        goto nomem;
    g->mref_off = c->nmrefs;
    for (size_t i = 0; i < e->nmembers; i++) {
        if (!e->members[i] || !*e->members[i])
            continue;
        const char *r = ss_arena_strdup(a, e->members[i]);
        if (!r)
            goto nomem;
        c->mrefs[c->nmrefs++] = r;
    }
    g->nmref = c->nmrefs - g->mref_off;
    int r = ss_mapping_group(m, e, a, &g->rec, why, sizeof(why));
    if (r < 0)
        goto nomem;
    if (r > 0 && (e->flags & SCIMSYNC_ENTRY_HELPER)) {
        /* A helper is never synced: its name only labels messages. */
        g->rec.display_name = g->rec.where;
        r = 0;
    }
    if (r > 0) {
        g->skip = 1;
        c->skipped++;
        ss_report_skip(c->source_names[source], "group", g->rec.where, g->rec.external_id, why);
        log_skip(c, source, "group", g->rec.where, g->rec.external_id, why);
    }
    c->ngroups++;
    return 0;
nomem:
    ss_error("out of memory reading source %s", c->source_names[source]);
    return -1;
}

int ss_collector_add(struct ss_collector *c, uint32_t source, const struct ss_mapping *m,
                     const struct scimsync_entry *e)
{
    if (!e->id || !*e->id) {
        c->skipped++;
        ss_report_skip(c->source_names[source], "entry", entry_where(e), NULL, "it has no id");
        ss_warncap_log(&c->w_skip, "source %s: entry %s skipped: it has no id",
                       c->source_names[source], entry_where(e));
        return 0;
    }
    switch (e->kind) {
    case SCIMSYNC_ENTRY_USER:
        return add_user(c, source, m, e);
    case SCIMSYNC_ENTRY_GROUP:
        return add_group(c, source, m, e);
    }
    c->skipped++;
    ss_report_skip(c->source_names[source], "entry", entry_where(e), e->id, "unknown kind");
    ss_warncap_log(&c->w_skip, "source %s: entry %s skipped: unknown kind %d",
                   c->source_names[source], entry_where(e), (int)e->kind);
    return 0;
}

int ss_collect_source(struct ss_collector *c, const struct ss_engine_source *src,
                      const struct ss_mapping *m)
{
    const struct scimsync_source_ops *ops = src->plugin->source;
    struct ss_attr_usage usage;
    uint32_t idx = ss_collector_add_source(c, src->name);
    if (idx == SS_NONE)
        return -1;
    if (ss_attr_usage_init(&usage, m) < 0) {
        ss_error("out of memory reading source %s", src->name);
        return -1;
    }
    int r =
        c->selection ? src->plugin->open_selection(src->inst, c->selection) : ops->open(src->inst);
    if (r == SCIMSYNC_ERR_CONFIG && c->selection) {
        /* the plugin said what it cannot select */
        c->selection_refused = 1;
        ss_attr_usage_free(&usage);
        return -1;
    }
    if (r < 0) {
        ss_error("source %s: open failed (%s); nothing will be applied", src->name,
                 ss_plugin_err_text(r));
        ss_attr_usage_free(&usage);
        return -1;
    }
    size_t n = 0;
    for (;;) {
        const struct scimsync_entry *e = NULL;
        r = ops->next(src->inst, &e);
        if (r == 0)
            break;
        if (r < 0) {
            ss_error("source %s: read failed after %zu entries (%s); nothing will be applied",
                     src->name, n, r == SCIMSYNC_ERR_STOPPED ? "stopped" : "error");
            break;
        }
        if (!e) {
            ss_error("source %s: plugin returned no entry; nothing will be applied", src->name);
            r = -1;
            break;
        }
        n++;
        ss_progress_add(1);
        ss_attr_usage_note(&usage, e);
        if ((r = ss_collector_add(c, idx, m, e)) < 0)
            break;
    }
    ops->close(src->inst);
    ss_report_source_read(src->name, n, r >= 0);
    if (r == 0) {
        struct ss_log_field f[] = {SS_LF_S("source", src->name), SS_LF_I("entries", n)};
        ss_log_event(SCIMSYNC_LOG_INFO, NULL, "source_read", f, 2, "source %s: %zu entries read",
                     src->name, n);
        /* a mapping attribute no entry had is most likely a typo (a
         * narrowed read proves nothing about it) */
        if (!c->selection)
            ss_attr_usage_report(&usage, m, src->name, src->mapping_section, src->mapping,
                                 src->nmapping);
    }
    ss_attr_usage_free(&usage);
    return r < 0 ? -1 : 0;
}
