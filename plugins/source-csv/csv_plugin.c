/*
 * The CSV source: users_file (one user a row) then groups_file (one group a
 * row, members listed in one column), streamed record by record.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <scimsync/plugin.h>

#include "csv_check.h"
#include "csv_idset.h"
#include "csv_table.h"

#ifndef CSV_PLUGIN_VERSION
#define CSV_PLUGIN_VERSION "0"
#endif

#define MAX_RECORD_MIN 1024L
#define MAX_RECORD_MAX (1024L * 1024 * 1024)

enum phase { PHASE_IDLE, PHASE_USERS, PHASE_GROUPS, PHASE_DONE };

struct csv_source {
    const struct scimsync_host *h;
    struct csv_alloc a;
    struct csv_reader_opts opts;
    const char *users_file, *groups_file;
    const char *id_column, *members_column, *separator;
    size_t separator_len;

    enum phase phase;
    struct csv_table *t;
    const char *path;  /* file being read (config-owned) */
    const char *label; /* its base name, for entry.where */
    long id_col, members_col;

    struct scimsync_attr *attrs; /* one slot per column */
    const char **values;         /* attrs[i].values points at values[i] */
    size_t attrs_cap;
    const char **members;
    size_t members_cap;
    char *where;
    size_t where_cap;
    struct scimsync_entry entry;
    struct csv_idset ids;
};

static const struct scimsync_config_key csv_keys[] = {
    {"users_file", SCIMSYNC_KEY_INPUT_PATH, 1, NULL,
     "CSV file with one user a row; the header row names the attributes"},
    {"groups_file", SCIMSYNC_KEY_INPUT_PATH, 0, NULL,
     "CSV file with one group a row and a column listing member ids"},
    {"id_column", SCIMSYNC_KEY_STRING, 0, "id",
     "column holding each row's stable id (becomes externalId; members refer to it)"},
    {"members_column", SCIMSYNC_KEY_STRING, 0, "members",
     "groups_file column listing the ids of member users and groups"},
    {"member_separator", SCIMSYNC_KEY_STRING, 0, ";",
     "text separating member ids in the members column (spaces around ids are ignored)"},
    {"delimiter", SCIMSYNC_KEY_STRING, 0, ",", "field delimiter: one character, or 'tab'"},
    {"max_record_bytes", SCIMSYNC_KEY_INT, 0, "8388608",
     "largest row accepted, in bytes (a larger one is an error, not a truncation)"},
    {NULL, 0, 0, NULL, NULL},
};

/* Checked by the host before create(). */
static const struct scimsync_key_limit csv_limits[] = {
    SCIMSYNC_KEY_RANGE("max_record_bytes", MAX_RECORD_MIN, MAX_RECORD_MAX),
    SCIMSYNC_KEY_LIMITS_END,
};

static const char *const csv_default_mapping[] = {
/* identity on the schema names: the columns are named as the fields */
#define IDENTITY_LINE(id, name) name "=${" name "}",
    SCIMSYNC_USER_FIELDS(IDENTITY_LINE)
#undef IDENTITY_LINE
    /* No active column (or an empty cell) yields "", which the engine
     * reads as active. */
    "active=${active}",
    "group.displayName=${displayName}",
    NULL,
};

static int map_status(int rc)
{
    switch (rc) {
    case CSV_ERR_IO:
        return SCIMSYNC_ERR_IO;
    case CSV_ERR_NOMEM:
        return SCIMSYNC_ERR_NOMEM;
    default:
        return SCIMSYNC_ERR_DATA;
    }
}

static const char *base_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

static int bad_key(struct csv_source *s, const char *key, const char *why)
{
    s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s: %s: %s", s->h->config_where(s->h, key), key, why);
    return SCIMSYNC_ERR_CONFIG;
}

static int read_config(struct csv_source *s)
{
    const struct scimsync_host *h = s->h;
    const char *delim = h->config_get(h, "delimiter");
    long max_record = (long)CSV_DEFAULT_MAX_RECORD_BYTES;
    int rc;

    s->users_file = h->config_get(h, "users_file");
    s->groups_file = h->config_get(h, "groups_file");
    s->id_column = h->config_get(h, "id_column");
    s->members_column = h->config_get(h, "members_column");
    s->separator = h->config_get(h, "member_separator");
    if (!s->id_column)
        s->id_column = "id";
    if (!s->members_column)
        s->members_column = "members";
    if (!s->separator)
        s->separator = ";";
    if (!delim)
        delim = ",";

    if (!s->users_file || !*s->users_file)
        return bad_key(s, "users_file", "required");
    if (s->groups_file && !*s->groups_file)
        s->groups_file = NULL;
    if (!*s->id_column)
        return bad_key(s, "id_column", "must not be empty");
    if (!*s->members_column)
        return bad_key(s, "members_column", "must not be empty");
    if (!*s->separator)
        return bad_key(s, "member_separator", "must not be empty");
    s->separator_len = strlen(s->separator);

    if (!strcmp(delim, "tab") || !strcmp(delim, "\\t"))
        s->opts.delimiter = '\t';
    else if (strlen(delim) == 1 && *delim != '"' && *delim != '\r' && *delim != '\n')
        s->opts.delimiter = *delim;
    else
        return bad_key(s, "delimiter", "must be one character (not a quote) or 'tab'");

    if ((rc = h->config_get_int(h, "max_record_bytes", &max_record)) < 0)
        return rc;
    s->opts.max_record_bytes = (size_t)max_record;
    s->opts.max_fields = CSV_DEFAULT_MAX_FIELDS;
    return 0;
}

static int csv_create(const struct scimsync_host *h, void **inst)
{
    struct csv_alloc a = csv_libc_alloc;
    struct csv_source *s;
    int rc;

    *inst = NULL;
    if (h->alloc && h->realloc && h->free)
        a = (struct csv_alloc){h->alloc, h->realloc, h->free};
    s = a.alloc(sizeof(*s));
    if (!s)
        return SCIMSYNC_ERR_NOMEM;
    memset(s, 0, sizeof(*s));
    s->h = h;
    s->a = a;
    csv_idset_init(&s->ids, &a);
    rc = read_config(s);
    if (rc < 0) {
        a.free(s);
        return rc;
    }
    *inst = s;
    return 0;
}

static void close_table(struct csv_source *s)
{
    csv_table_close(s->t);
    s->t = NULL;
}

static void csv_close(void *inst)
{
    struct csv_source *s = inst;

    close_table(s);
    csv_idset_clear(&s->ids);
    s->phase = PHASE_IDLE;
}

static void csv_destroy(void *inst)
{
    struct csv_source *s = inst;

    if (!s)
        return;
    csv_close(s);
    s->a.free(s->attrs);
    s->a.free(s->values);
    s->a.free(s->members);
    s->a.free(s->where);
    s->a.free(s);
}

static int fail_oom(struct csv_source *s)
{
    s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s: out of memory", s->path);
    return SCIMSYNC_ERR_NOMEM;
}

/* Opens one of the two files and checks the columns this phase needs. */
static int open_file(struct csv_source *s, enum phase phase)
{
    char err[CSV_ERR_MAX];
    size_t ncols;
    int rc;

    s->phase = phase;
    s->path = phase == PHASE_USERS ? s->users_file : s->groups_file;
    s->label = base_name(s->path);
    rc = csv_table_open(s->path, NULL, &s->opts, &s->a, &s->t, err, sizeof(err));
    if (rc < 0) {
        s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s", err);
        return map_status(rc);
    }
    s->id_col = csv_table_find(s->t, s->id_column);
    if (s->id_col < 0) {
        s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s:1: no '%s' column in the header (id_column)",
                  s->path, s->id_column);
        return SCIMSYNC_ERR_DATA;
    }
    s->members_col = -1;
    if (phase == PHASE_GROUPS) {
        s->members_col = csv_table_find(s->t, s->members_column);
        if (s->members_col < 0) {
            s->h->log(s->h, SCIMSYNC_LOG_ERROR,
                      "%s:1: no '%s' column in the header (members_column)", s->path,
                      s->members_column);
            return SCIMSYNC_ERR_DATA;
        }
    }
    ncols = csv_table_ncolumns(s->t);
    if (ncols > s->attrs_cap) {
        s->a.free(s->attrs);
        s->a.free(s->values);
        s->attrs = s->a.alloc(ncols * sizeof(*s->attrs));
        s->values = s->a.alloc(ncols * sizeof(*s->values));
        s->attrs_cap = s->attrs && s->values ? ncols : 0;
        if (!s->attrs_cap)
            return fail_oom(s);
    }
    return 0;
}

static int csv_open(void *inst)
{
    struct csv_source *s = inst;

    csv_close(s);
    return open_file(s, PHASE_USERS);
}

/* ABI 1.2: the file is local and cheap to read: every entry is returned
 * and the host keeps the selected ones (the ABI allows more, never less). */
static int csv_open_selection(void *inst, const struct scimsync_selection *sel)
{
    (void)sel;
    return csv_open(inst);
}

static int add_member(struct csv_source *s, const char *id, size_t *n)
{
    if (*n == s->members_cap) {
        /* Bounded: a record holds at most max_record_bytes / 2 ids. */
        size_t ncap = s->members_cap ? s->members_cap * 2 : 64;
        const char **nm = s->a.realloc(s->members, ncap * sizeof(*nm));
        if (!nm)
            return fail_oom(s);
        s->members = nm;
        s->members_cap = ncap;
    }
    s->members[(*n)++] = id;
    return 0;
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Splits the members cell in place into trimmed, non-empty ids. */
static int split_members(struct csv_source *s, char *cell, size_t *n)
{
    char *p = cell;
    int rc;

    *n = 0;
    for (;;) {
        char *q = strstr(p, s->separator);
        char *end;

        if (q)
            *q = '\0';
        while (is_space(*p))
            p++;
        end = p + strlen(p);
        while (end > p && is_space(end[-1]))
            *--end = '\0';
        if (*p && (rc = add_member(s, p, n)) < 0)
            return rc;
        if (!q)
            return 0;
        p = q + s->separator_len;
    }
}

static int set_where(struct csv_source *s, long line)
{
    size_t need = strlen(s->label) + 24;

    if (need > s->where_cap) {
        char *w = s->a.realloc(s->where, need);
        if (!w)
            return fail_oom(s);
        s->where = w;
        s->where_cap = need;
    }
    snprintf(s->where, s->where_cap, "%s:%ld", s->label, line);
    return 0;
}

static int check_id(struct csv_source *s, const char *id, long line)
{
    const struct csv_idset_slot *prev;
    size_t n = strlen(id);
    int rc;

    if (!n) {
        s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s:%ld: empty id (column '%s')", s->path, line,
                  s->id_column);
        return SCIMSYNC_ERR_DATA;
    }
    if (is_space(id[0]) || is_space(id[n - 1])) {
        s->h->log(s->h, SCIMSYNC_LOG_ERROR,
                  "%s:%ld: id '%s' has leading or trailing spaces (column '%s')", s->path, line, id,
                  s->id_column);
        return SCIMSYNC_ERR_DATA;
    }
    rc = csv_idset_add(&s->ids, id, s->path, line, &prev);
    if (rc == 1) {
        s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s:%ld: id '%s' is already used at %s:%ld", s->path,
                  line, id, prev->file, prev->line);
        return SCIMSYNC_ERR_DATA;
    }
    if (rc == CSV_ERR_DATA) {
        s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s:%ld: more than %u entries", s->path, line,
                  (unsigned)CSV_IDSET_MAX);
        return SCIMSYNC_ERR_DATA;
    }
    if (rc < 0)
        return fail_oom(s);
    return 0;
}

static int build_entry(struct csv_source *s, const struct csv_record *rec)
{
    struct scimsync_entry *e = &s->entry;
    size_t nattrs = 0, nmembers = 0;
    int rc;

    if ((rc = check_id(s, rec->fields[s->id_col], rec->line)) < 0)
        return rc;
    if ((rc = set_where(s, rec->line)) < 0)
        return rc;
    for (size_t i = 0; i < rec->nfields; i++) {
        if ((long)i == s->members_col || !*rec->fields[i])
            continue; /* an empty cell is an absent attribute */
        s->values[nattrs] = rec->fields[i];
        s->attrs[nattrs].name = csv_table_column(s->t, i);
        s->attrs[nattrs].values = &s->values[nattrs];
        s->attrs[nattrs].nvalues = 1;
        nattrs++;
    }
    if (s->phase == PHASE_GROUPS &&
        (rc = split_members(s, rec->fields[s->members_col], &nmembers)) < 0)
        return rc;

    memset(e, 0, sizeof(*e));
    e->kind = s->phase == PHASE_GROUPS ? SCIMSYNC_ENTRY_GROUP : SCIMSYNC_ENTRY_USER;
    e->id = rec->fields[s->id_col];
    e->where = s->where;
    e->attrs = s->attrs;
    e->nattrs = nattrs;
    e->members = nmembers ? s->members : NULL;
    e->nmembers = nmembers;
    return 0;
}

static int csv_next(void *inst, const struct scimsync_entry **out)
{
    struct csv_source *s = inst;
    struct csv_record rec;
    int rc;

    *out = NULL;
    if (s->h->should_stop && s->h->should_stop(s->h))
        return SCIMSYNC_ERR_STOPPED;
    for (;;) {
        if (s->phase == PHASE_DONE)
            return 0;
        if (!s->t) {
            s->h->log(s->h, SCIMSYNC_LOG_ERROR, "next() called without a successful open()");
            return SCIMSYNC_ERR;
        }
        rc = csv_table_next(s->t, &rec);
        if (rc < 0) {
            s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s", csv_table_error(s->t));
            return map_status(rc);
        }
        if (rc > 0)
            break;
        close_table(s);
        if (s->phase == PHASE_USERS && s->groups_file) {
            if ((rc = open_file(s, PHASE_GROUPS)) < 0)
                return rc;
            continue;
        }
        s->phase = PHASE_DONE;
        return 0;
    }
    if ((rc = build_entry(s, &rec)) < 0)
        return rc;
    *out = &s->entry;
    return 1;
}

static const struct scimsync_source_ops csv_source_ops = {
    .open = csv_open,
    .next = csv_next,
    .close = csv_close,
    .default_mapping = csv_default_mapping,
};

const struct scimsync_host *csv_check_host(void *inst)
{
    return ((struct csv_source *)inst)->h;
}

const struct scimsync_source_ops *csv_check_ops(void)
{
    return &csv_source_ops;
}

SCIMSYNC_PLUGIN_DEFINE = {
    SCIMSYNC_PLUGIN_V1(SCIMSYNC_PLUGIN_SOURCE, "csv", CSV_PLUGIN_VERSION,
                       "Users and groups from RFC 4180 CSV files"),
    .keys = csv_keys,
    .key_limits = csv_limits,
    .create = csv_create,
    .destroy = csv_destroy,
    .source = &csv_source_ops,
    .check = csv_check,
    .open_selection = csv_open_selection,
};
