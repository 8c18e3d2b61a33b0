/* Configuration files: reading (inih), merging, and key checks. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <math.h>
#include <ss/parse.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "metrics.h"
#include "secrets.h"
#include "suggest.h"
#include "validate.h"

const struct scimsync_config_key ss_engine_keys[] = {
    {"log_level", SCIMSYNC_KEY_STRING, 0, "info",
     "error, warn, info or debug (-v / -q override it)"},
    {"log_format", SCIMSYNC_KEY_STRING, 0, "text", "text or json (--log-format overrides it)"},
    {"on_missing", SCIMSYNC_KEY_STRING, 0, "deactivate",
     "what happens to a managed user no source has any more: deactivate, delete, ignore or "
     "deactivate-then-delete (deactivated at once, deleted after delete_after; needs state)"},
    {"delete_after", SCIMSYNC_KEY_STRING, 0, "7d",
     "on_missing = deactivate-then-delete: how long a departed user stays deactivated before "
     "the delete (a number with s, m, h or d: 3600s, 12h, 7d)"},
    {"adopt", SCIMSYNC_KEY_BOOL, 0, "false",
     "take over target objects without externalId whose userName / group name matches"},
    /* Safety limits (docs/engine.md "Safety limits"); -1: no limit. */
    {"max_deletes", SCIMSYNC_KEY_INT, 0, "50",
     "refuse a run that would deactivate or delete more users than this"},
    {"max_delete_percent", SCIMSYNC_KEY_DOUBLE, 0, "10",
     "refuse a run that would deactivate or delete more than this % of the owned users"},
    {"max_group_deletes", SCIMSYNC_KEY_INT, 0, "10",
     "refuse a run that would delete more groups than this"},
    {"max_group_delete_percent", SCIMSYNC_KEY_DOUBLE, 0, "20",
     "refuse a run that would delete more than this % of the owned groups"},
    {"max_member_removals", SCIMSYNC_KEY_INT, 0, "500",
     "refuse a run that would remove more group memberships than this"},
    {"max_member_removal_percent", SCIMSYNC_KEY_DOUBLE, 0, "20",
     "refuse a run that would remove more than this % of the managed memberships"},
    {"max_group_member_removal_percent", SCIMSYNC_KEY_DOUBLE, 0, "50",
     "refuse a run that would remove more than this % of one group's members"},
    {"max_user_updates", SCIMSYNC_KEY_INT, 0, "-1",
     "refuse a run that would update more users than this"},
    {"max_user_update_percent", SCIMSYNC_KEY_DOUBLE, 0, "50",
     "refuse a run that would update more than this % of the owned users"},
    {"max_field_clears", SCIMSYNC_KEY_INT, 0, "50",
     "refuse a run that would clear one field on more users than this"},
    {"max_field_clear_percent", SCIMSYNC_KEY_DOUBLE, 0, "10",
     "refuse a run that would clear one field on more than this % of the owned users"},
    {"percent_floor", SCIMSYNC_KEY_INT, 0, "2",
     "a % limit refuses only more changes of a kind than this, or all of them (2 or more)"},
    {"plugin_path", SCIMSYNC_KEY_STRING, 0, NULL,
     "colon-separated folders searched for plugins after $SCIMSYNC_PLUGIN_PATH"},
    {"interval", SCIMSYNC_KEY_INT, 0, "3600", "daemon: seconds between the starts of two runs"},
    {"jitter", SCIMSYNC_KEY_INT, 0, "60",
     "daemon: up to this many random seconds added to each wait"},
    {"ignore_users", SCIMSYNC_KEY_STRING, 0, NULL,
     "comma-separated wildcards (* ? [...]) on userName or displayName: users never created, "
     "changed or removed, in the source or the target (break-glass accounts)"},
    {"ignore_groups", SCIMSYNC_KEY_STRING, 0, NULL,
     "comma-separated wildcards on displayName: groups never created, renamed, deleted or given "
     "other members"},
    {"include_groups", SCIMSYNC_KEY_STRING, 0, NULL,
     "comma-separated wildcards on displayName: when set, only these groups are synced; the "
     "others are left alone"},
    {"max_run_time", SCIMSYNC_KEY_INT, 0, "0",
     "seconds a run may take (0: no limit); reached while reading: nothing applied (exit 2); "
     "while applying: no further operation starts (exit 3)"},
    /* State store (docs/state.md). */
    {"state", SCIMSYNC_KEY_STRING, 0, NULL,
     "state store: file:/var/lib/scimsync/state.json or s3://BUCKET/KEY (default: "
     "$SCIMSYNC_STATE); runs diff against it instead of reading the whole target"},
    {"state_s3_path_style", SCIMSYNC_KEY_BOOL, 0, "false",
     "s3:// state: path-style URLs (https://endpoint/BUCKET/KEY) for endpoints that need them"},
    {"full_reconcile_interval", SCIMSYNC_KEY_INT, 0, "86400",
     "with a state: seconds between full reads of the target (0: every run)"},
    {"state_checkpoint_interval", SCIMSYNC_KEY_INT, 0, "0",
     "with a state: at least this many seconds between two saves while applying"},
    {"lock_lease", SCIMSYNC_KEY_INT, 0, "600",
     "s3:// state: seconds the run lease lasts unless renewed (renewed while the run goes on)"},
    {"lock_wait", SCIMSYNC_KEY_INT, 0, "0",
     "s3:// state: seconds to wait for a lease another run holds before exiting 7"},
    {"stop_grace", SCIMSYNC_KEY_INT, 0, "20",
     "seconds the requests in flight get to finish after SIGTERM / SIGINT (exit 5)"},
    {"metrics_listen", SCIMSYNC_KEY_STRING, 0, NULL,
     "daemon: ADDR:PORT serving /metrics and /healthz over HTTP (off when unset)"},
    {"healthz_max_age", SCIMSYNC_KEY_INT, 0, "0",
     "daemon: /healthz fails when the last successful run is older (seconds; 0: 3 x interval)"},
    {"lock_file", SCIMSYNC_KEY_PATH, 0, NULL,
     "file locked while a sync runs, one run per target at a time (default: "
     "/run/scimsync/<target hash>.lock, non-root $XDG_RUNTIME_DIR/scimsync/ or /tmp/scimsync-<uid>/)"},
    /* Run report and metrics (docs/report.md) */
    {"report", SCIMSYNC_KEY_PATH, 0, NULL,
     "write the run report (JSON) to this file after every run, atomically (--report wins)"},
    {"metrics_textfile", SCIMSYNC_KEY_PATH, 0, NULL,
     "write Prometheus metrics to this file after every sync (node_exporter textfile collector)"},
    {"metrics_emf", SCIMSYNC_KEY_BOOL, 0, "false",
     "print one CloudWatch Embedded Metric Format line on stdout after every sync"},
    {"metrics_namespace", SCIMSYNC_KEY_STRING, 0, "scimsync", "CloudWatch namespace of the EMF line"},
    {"metrics_dimensions", SCIMSYNC_KEY_STRING, 0, NULL,
     "dimensions of the EMF line: Name=value pairs separated by commas (Tenant=prod)"},
    {"progress_interval", SCIMSYNC_KEY_INT, 0, "30",
     "seconds between progress lines when stderr is not a terminal (0: none)"},
    {NULL, 0, 0, NULL, NULL},
};

const struct scimsync_config_key ss_source_core_keys[] = {
    {"plugin", SCIMSYNC_KEY_STRING, 1, NULL,
     "source plugin: a name (csv, ldap, ...) or a path to a .so"},
    {"mapping", SCIMSYNC_KEY_STRING, 0, NULL,
     "name of the [mapping NAME] section to use (default: the source's own name)"},
    {NULL, 0, 0, NULL, NULL},
};

const struct scimsync_config_key ss_target_core_keys[] = {
    {"plugin", SCIMSYNC_KEY_STRING, 1, NULL,
     "target plugin: a name (scim, ...) or a path to a .so"},
    {NULL, 0, 0, NULL, NULL},
};

/* ------------------------------------------------------------------ */
/* Value parsers                                                       */

/* The parsers are common/'s (<ss/parse.h>); these names stay for core's
 * callers. */
int ss_conf_parse_long(const char *s, long *out)
{
    return ss_parse_long(s, out);
}

int ss_conf_parse_bool(const char *s, int *out)
{
    return ss_parse_bool(s, out);
}

int ss_conf_parse_double(const char *s, double *out)
{
    return ss_parse_double(s, out);
}

/* ------------------------------------------------------------------ */
/* Sections                                                            */

static const char *kind_word(enum ss_section_kind k)
{
    switch (k) {
    case SS_SEC_ENGINE:
        return "engine";
    case SS_SEC_SOURCE:
        return "source";
    case SS_SEC_TARGET:
        return "target";
    case SS_SEC_MAPPING:
        return "mapping";
    }
    return "?";
}

size_t ss_config_count(const struct ss_config *cfg, enum ss_section_kind kind)
{
    size_t n = 0;

    for (size_t i = 0; i < cfg->nsections; i++)
        n += cfg->sections[i].kind == kind;
    return n;
}

struct ss_conf_section *ss_config_nth(const struct ss_config *cfg, enum ss_section_kind kind,
                                      size_t n)
{
    for (size_t i = 0; i < cfg->nsections; i++) {
        if (cfg->sections[i].kind == kind && n-- == 0)
            return &cfg->sections[i];
    }
    return NULL;
}

struct ss_conf_section *ss_config_find(const struct ss_config *cfg, enum ss_section_kind kind,
                                       const char *name)
{
    for (size_t i = 0; i < cfg->nsections; i++) {
        struct ss_conf_section *s = &cfg->sections[i];
        if (s->kind != kind)
            continue;
        if ((!name && !s->name) || (name && s->name && strcmp(name, s->name) == 0))
            return s;
    }
    return NULL;
}

const struct ss_conf_kv *ss_conf_get(const struct ss_conf_section *s, const char *key)
{
    if (!s)
        return NULL;
    for (size_t i = 0; i < s->nkv; i++) {
        if (strcmp(s->kv[i].key, key) == 0)
            return &s->kv[i];
    }
    return NULL;
}

static char *xasprintf(const char *fmt, ...) SCIMSYNC_PRINTF(1, 2);
static char *xasprintf(const char *fmt, ...)
{
    va_list ap;
    char *s = NULL;
    int n;

    va_start(ap, fmt);
    n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0)
        return NULL;
    s = malloc((size_t)n + 1);
    if (!s)
        return NULL;
    va_start(ap, fmt);
    vsnprintf(s, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return s;
}

/* A section name is one word of letters, digits, '_', '-', '.'. */
static int valid_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (!isalnum((unsigned char)*s) && *s != '_' && *s != '-' && *s != '.')
            return 0;
    }
    return 1;
}

/* ------------------------------------------------------------------ */
/* Reading one file                                                    */

struct parse_ctx {
    struct ss_config *cfg;
    FILE *fp;
    const char *file;
    int lineno; /* line the reader is in */
    int at_line_start;
    size_t line_len;
    int too_long_line; /* first over-long line, 0 if none */
    int errors;
    int oom;
    char bad_section[256]; /* last unknown section reported, to say it once */
};

/* fgets-style reader that counts lines, so the handler knows where it is
 * (this inih is built without INI_HANDLER_LINENO). */
static char *counting_reader(char *str, int num, void *stream)
{
    struct parse_ctx *p = stream;
    char *r = fgets(str, num, p->fp);
    size_t n;

    if (!r)
        return NULL;
    if (p->at_line_start) {
        p->lineno++;
        p->line_len = 0;
    }
    n = strlen(r);
    p->line_len += n;
    p->at_line_start = n > 0 && r[n - 1] == '\n';
    if (p->line_len > SS_CONF_MAX_LINE && !p->too_long_line)
        p->too_long_line = p->lineno;
    return r;
}

static struct ss_conf_section *section_get(struct parse_ctx *p, enum ss_section_kind kind,
                                           const char *name)
{
    struct ss_config *cfg = p->cfg;
    struct ss_conf_section *s = ss_config_find(cfg, kind, name);

    if (s)
        return s;
    if (cfg->nsections == cfg->cap) {
        size_t ncap = cfg->cap ? cfg->cap * 2 : 8;
        struct ss_conf_section *n;
        if (cfg->nsections >= SS_CONF_MAX_SECTIONS) {
            ss_error("%s:%d: more than %d sections", p->file, p->lineno, SS_CONF_MAX_SECTIONS);
            p->errors++;
            return NULL;
        }
        n = realloc(cfg->sections, ncap * sizeof(*n));
        if (!n) {
            p->oom = 1;
            return NULL;
        }
        cfg->sections = n;
        cfg->cap = ncap;
    }
    s = &cfg->sections[cfg->nsections];
    memset(s, 0, sizeof(*s));
    s->kind = kind;
    s->file = p->file;
    s->line = p->lineno;
    if (name) {
        s->name = strdup(name);
        s->label = xasprintf("[%s %s]", kind_word(kind), name);
        s->component = xasprintf("%s %s", kind_word(kind), name);
    } else {
        s->label = xasprintf("[%s]", kind_word(kind));
        s->component = strdup(kind_word(kind));
    }
    cfg->nsections++;
    if ((name && !s->name) || !s->label || !s->component) {
        p->oom = 1;
        return NULL;
    }
    return s;
}

/* Length of value without one pair of matching surrounding quotes, and
 * where it starts: key = "a b" is the value a b.  Quotes inside a value,
 * or a pair whose quote character appears again inside, stay as written. */
static size_t unquoted(const char *value, const char **start)
{
    size_t n = strlen(value);

    *start = value;
    if (n >= 2 && (value[0] == '"' || value[0] == '\'') && value[n - 1] == value[0] &&
        !memchr(value + 1, value[0], n - 2)) {
        *start = value + 1;
        return n - 2;
    }
    return n;
}

static int kv_set(struct parse_ctx *p, struct ss_conf_section *s, const char *key,
                  const char *value)
{
    struct ss_conf_kv *kv = (struct ss_conf_kv *)ss_conf_get(s, key);
    const char *vstart;
    size_t vlen = unquoted(value, &vstart);
    char *nvalue = strndup(vstart, vlen);
    char *where = xasprintf("%s:%d", p->file, p->lineno);

    if (!nvalue || !where)
        goto oom;
    /* A drop-in overriding an earlier file is the design; the same key
     * twice in one file is a slip (pasted block, old value left behind). */
    if (kv && kv->file == p->file)
        ss_warn("%s: %s %s is set twice in one file (first at %s); the later value is used", where,
                s->label, key, kv->where);
    else if (kv)
        ss_debug("%s: %s %s overrides %s", where, s->label, key, kv->where);
    if (!kv) {
        if (s->nkv >= SS_CONF_MAX_KEYS) {
            ss_error("%s:%d: %s has more than %d keys", p->file, p->lineno, s->label,
                     SS_CONF_MAX_KEYS);
            p->errors++;
            free(nvalue);
            free(where);
            return 0;
        }
        if (s->nkv == s->cap) {
            size_t ncap = s->cap ? s->cap * 2 : 8;
            struct ss_conf_kv *n = realloc(s->kv, ncap * sizeof(*n));
            if (!n)
                goto oom;
            s->kv = n;
            s->cap = ncap;
        }
        kv = &s->kv[s->nkv];
        memset(kv, 0, sizeof(*kv));
        kv->key = strdup(key);
        if (!kv->key)
            goto oom;
        s->nkv++;
    }
    free(kv->value);
    free(kv->where);
    kv->value = nvalue;
    kv->where = where;
    kv->file = p->file;
    kv->line = p->lineno;
    return 0;
oom:
    free(nvalue);
    free(where);
    p->oom = 1;
    return -1;
}

/* "source corp" -> kind + name; logs and returns <0 when it is not a
 * section scimsync knows. */
static int split_section(struct parse_ctx *p, const char *section, enum ss_section_kind *kind,
                         char *name, size_t namelen)
{
    static const enum ss_section_kind kinds[] = {SS_SEC_ENGINE, SS_SEC_SOURCE, SS_SEC_TARGET,
                                                 SS_SEC_MAPPING};
    char word[32];
    const char *s = section;
    size_t n = 0;

    /* inih keeps at most SS_CONF_MAX_SECTION_LEN bytes of a section header
     * and drops the rest silently: two long names could merge. */
    if (strlen(section) >= SS_CONF_MAX_SECTION_LEN) {
        ss_error("%s:%d: section header [%s...] is longer than %d characters", p->file, p->lineno,
                 section, SS_CONF_MAX_SECTION_LEN - 1);
        return -1;
    }
    while (isspace((unsigned char)*s))
        s++;
    while (*s && !isspace((unsigned char)*s) && n + 1 < sizeof(word))
        word[n++] = *s++;
    word[n] = '\0';
    while (isspace((unsigned char)*s))
        s++;
    n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        n--;
    if (n >= namelen) {
        ss_error("%s:%d: section name longer than %zu bytes", p->file, p->lineno, namelen - 1);
        return -1;
    }
    memcpy(name, s, n);
    name[n] = '\0';

    for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++) {
        if (strcmp(word, kind_word(kinds[i])) != 0)
            continue;
        *kind = kinds[i];
        if (kinds[i] == SS_SEC_ENGINE) {
            if (*name) {
                ss_error("%s:%d: [engine] takes no name (found [%s])", p->file, p->lineno, section);
                return -1;
            }
            return 0;
        }
        if (!valid_name(name)) {
            ss_error("%s:%d: [%s] needs one NAME of letters, digits, '_', '-' or '.' "
                     "(found [%s])",
                     p->file, p->lineno, word, section);
            return -1;
        }
        return 0;
    }
    {
        static const char *const words[] = {"engine", "source", "target", "mapping", NULL};
        struct ss_suggest sg;
        char hint[400], suffix[300];
        snprintf(suffix, sizeof suffix, "%s%s]", *name ? " " : "", name);
        ss_suggest_init(&sg, word);
        ss_suggest_add_list(&sg, words);
        ss_error("%s:%d: unknown section [%s]%s (known: [engine], [source NAME], [target NAME], "
                 "[mapping NAME])",
                 p->file, p->lineno, section, ss_suggest_text(&sg, "[", suffix, hint, sizeof hint));
    }
    return -1;
}

static int ini_handler_cb(void *user, const char *section, const char *key, const char *value)
{
    struct parse_ctx *p = user;
    enum ss_section_kind kind;
    char name[256];
    struct ss_conf_section *s;

    if (p->oom)
        return 0;
    if (!*section) {
        ss_error("%s:%d: key '%s' is outside of any section", p->file, p->lineno, key);
        p->errors++;
        return 1; /* keep reading: report every error of the file */
    }
    if (strncmp(p->bad_section, section, sizeof(p->bad_section)) == 0) {
        p->errors++; /* already reported for this section */
        return 1;
    }
    if (split_section(p, section, &kind, name, sizeof(name)) < 0) {
        snprintf(p->bad_section, sizeof(p->bad_section), "%s", section);
        p->errors++;
        return 1;
    }
    s = section_get(p, kind, kind == SS_SEC_ENGINE ? NULL : name);
    if (!s)
        return p->oom ? 0 : 1;
    if (kv_set(p, s, key, value) < 0)
        return 0;
    return 1;
}

static int parse_file(struct ss_config *cfg, const char *path)
{
    struct parse_ctx p = {.cfg = cfg, .at_line_start = 1};
    struct stat st;
    char *owned = NULL;
    char **nfiles;
    int rc;

    if (cfg->nfiles >= SS_CONF_MAX_FILES) {
        ss_error("%s: more than %d configuration files", path, SS_CONF_MAX_FILES);
        return -1;
    }
    p.fp = fopen(path, "r");
    if (!p.fp) {
        ss_error("%s: cannot read: %s", path, strerror(errno));
        return -1;
    }
    if (fstat(fileno(p.fp), &st) < 0 || !S_ISREG(st.st_mode)) {
        ss_error("%s: not a regular file", path);
        fclose(p.fp);
        return -1;
    }
    owned = strdup(path);
    nfiles = realloc(cfg->files, (cfg->nfiles + 1) * sizeof(*nfiles));
    if (!owned || !nfiles) {
        free(owned);
        if (nfiles)
            cfg->files = nfiles;
        fclose(p.fp);
        ss_error("out of memory");
        return -1;
    }
    cfg->files = nfiles;
    cfg->files[cfg->nfiles++] = owned;
    p.file = owned;
    ss_debug("reading %s", path);

    rc = ini_parse_stream(counting_reader, &p, ini_handler_cb, &p);
    fclose(p.fp);
    if (p.oom) {
        ss_error("out of memory reading %s", path);
        return -1;
    }
    if (p.too_long_line) {
        ss_error("%s:%d: line longer than %d bytes", path, p.too_long_line, SS_CONF_MAX_LINE);
        return -1;
    }
    if (rc < 0) {
        ss_error("%s: cannot parse (out of memory)", path);
        return -1;
    }
    if (rc > 0) {
        /* Our handler never fails a line, so this is a syntax error inih saw
         * (no '=' / no closing ']'); inih gives only the first one. */
        ss_error("%s:%d: syntax error (expected [section] or key = value)", path, rc);
        return -1;
    }
    return p.errors ? -1 : 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int ends_with(const char *s, const char *suffix)
{
    size_t n = strlen(s), m = strlen(suffix);
    return n >= m && strcmp(s + n - m, suffix) == 0;
}

/* The *.ini files of dir in lexical (byte) order. */
static int parse_dir(struct ss_config *cfg, const char *dir, int explicit, int *nread)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    char **names = NULL;
    size_t n = 0, cap = 0;
    int rc = 0;

    if (!d) {
        if (errno == ENOENT && !explicit)
            return 0;
        ss_error("%s: cannot open folder: %s", dir, strerror(errno));
        return -1;
    }
    while ((de = readdir(d))) {
        struct stat st;
        char *path;
        if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
            continue;
        /* Say what is not read: a drop-in named *.conf or *.INI that is
         * silently ignored looks applied to whoever wrote it. */
        if (de->d_name[0] == '.' || !ends_with(de->d_name, ".ini")) {
            ss_info("%s/%s: skipped (only *.ini files not starting with '.' are read)", dir,
                    de->d_name);
            continue;
        }
        path = xasprintf("%s/%s", dir, de->d_name);
        if (!path) {
            rc = -1;
            goto out;
        }
        if (stat(path, &st) < 0 || !S_ISREG(st.st_mode)) {
            ss_info("%s: skipped (not a regular file)", path);
            free(path);
            continue;
        }
        if (n >= SS_CONF_MAX_FILES) {
            free(path);
            ss_error("%s: more than %d *.ini files", dir, SS_CONF_MAX_FILES);
            rc = -1;
            goto out;
        }
        if (n == cap) {
            size_t ncap = cap ? cap * 2 : 16;
            char **nn = realloc(names, ncap * sizeof(*nn));
            if (!nn) {
                free(path);
                rc = -1;
                goto out;
            }
            names = nn;
            cap = ncap;
        }
        names[n++] = path;
    }
    if (n)
        qsort(names, n, sizeof(*names), cmp_str);
    for (size_t i = 0; i < n; i++) {
        if (parse_file(cfg, names[i]) < 0)
            rc = -1;
        (*nread)++;
    }
out:
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    closedir(d);
    return rc;
}

/* ------------------------------------------------------------------ */
/* Checks                                                              */

static const struct scimsync_config_key *find_key(const struct scimsync_config_key *keys,
                                                  const char *name)
{
    for (; keys && keys->name; keys++) {
        if (strcmp(keys->name, name) == 0)
            return keys;
    }
    return NULL;
}

/* A STRING / PATH value may be a reference, resolved when the instance is
 * created; here only its form is checked (validate reads nothing). */
static int check_plain_reference(const struct ss_conf_section *s, const struct ss_conf_kv *kv)
{
    const char *colon;

    if (!ss_secret_is_reference(kv->value))
        return 0;
    colon = strchr(kv->value, ':');
    if (colon[1])
        return 0;
    ss_error("%s: %s %s: empty %.*s reference (write %s%s for that literal value)", kv->where,
             s->label, kv->key, (int)(colon - kv->value + 1), kv->value, SS_LITERAL_PREFIX,
             kv->value);
    return 1;
}

static int check_value(const struct ss_conf_section *s, const struct ss_conf_kv *kv,
                       const struct scimsync_config_key *k)
{
    long l;
    int b;
    double d;

    switch (k->type) {
    case SCIMSYNC_KEY_INT:
        if (ss_conf_parse_long(kv->value, &l) == 0)
            return 0;
        ss_error("%s: %s %s: '%.64s' is not an integer", kv->where, s->label, kv->key, kv->value);
        return 1;
    case SCIMSYNC_KEY_BOOL:
        if (ss_conf_parse_bool(kv->value, &b) == 0)
            return 0;
        ss_error("%s: %s %s: '%.64s' is not a boolean (true/false/yes/no/on/off/1/0)", kv->where,
                 s->label, kv->key, kv->value);
        return 1;
    case SCIMSYNC_KEY_DOUBLE:
        if (ss_conf_parse_double(kv->value, &d) == 0)
            return 0;
        ss_error("%s: %s %s: '%.64s' is not a number", kv->where, s->label, kv->key, kv->value);
        return 1;
    case SCIMSYNC_KEY_SECRET: {
        const char *colon = strchr(kv->value, ':');
        /* Never echo the value: it may be a pasted literal secret. */
        if (!ss_secret_is_reference(kv->value)) {
            ss_error("%s: %s %s: must be a secret reference (env:VAR, file:/path, "
                     "aws-secretsmanager:NAME[#key], aws-ssm:/name); literal "
                     "secrets are not accepted in configuration",
                     kv->where, s->label, kv->key);
            return 1;
        }
        if (!colon || !colon[1]) {
            ss_error("%s: %s %s: empty secret reference", kv->where, s->label, kv->key);
            return 1;
        }
        return 0;
    }
    case SCIMSYNC_KEY_PATH:
    case SCIMSYNC_KEY_INPUT_PATH:
        if (!*kv->value) {
            ss_error("%s: %s %s: empty path", kv->where, s->label, kv->key);
            return 1;
        }
        return check_plain_reference(s, kv);
    case SCIMSYNC_KEY_URL: {
        char why[200];
        if (ss_secret_is_reference(kv->value))
            return check_plain_reference(s, kv);
        if (ss_validate_url(kv->value, why, sizeof why) == 0)
            return 0;
        ss_error("%s: %s %s: %s", kv->where, s->label, kv->key, why);
        return 1;
    }
    case SCIMSYNC_KEY_STRING:
        return check_plain_reference(s, kv);
    }
    return 0;
}

int ss_config_check_section(const struct ss_conf_section *s,
                            const struct scimsync_config_key *core_keys,
                            const struct scimsync_config_key *keys)
{
    int problems = 0;

    for (size_t i = 0; i < s->nkv; i++) {
        const struct ss_conf_kv *kv = &s->kv[i];
        const struct scimsync_config_key *k = find_key(core_keys, kv->key);
        if (!k)
            k = find_key(keys, kv->key);
        if (!k) {
            struct ss_suggest sg;
            char hint[200];
            ss_suggest_init(&sg, kv->key);
            for (int pass = 0; pass < 2; pass++) {
                for (k = pass ? keys : core_keys; k && k->name; k++)
                    ss_suggest_add(&sg, k->name);
            }
            ss_error("%s: %s: unknown key '%s'%s", kv->where, s->label, kv->key,
                     ss_suggest_text(&sg, NULL, NULL, hint, sizeof hint));
            problems++;
            continue;
        }
        problems += check_value(s, kv, k);
    }
    for (int pass = 0; pass < 2; pass++) {
        const struct scimsync_config_key *k = pass == 0 ? core_keys : keys;
        for (; k && k->name; k++) {
            if (k->required && !ss_conf_get(s, k->name)) {
                ss_error("%s:%d: %s: required key '%s' is missing", s->file, s->line, s->label,
                         k->name);
                problems++;
            }
        }
    }
    return problems;
}

char *ss_config_resolve_path(const char *value, const char *file)
{
    const char *slash;

    if (value[0] == '/' || !file)
        return strdup(value);
    slash = strrchr(file, '/');
    if (!slash)
        return strdup(value); /* the file is in the current folder */
    return xasprintf("%.*s/%s", (int)(slash - file), file, value);
}

/* ------------------------------------------------------------------ */
/* [engine]                                                            */

static const char *engine_value(const struct ss_conf_section *s, const char *key)
{
    const struct ss_conf_kv *kv = ss_conf_get(s, key);
    const struct scimsync_config_key *k = find_key(ss_engine_keys, key);

    if (kv)
        return kv->value;
    return k ? k->default_value : NULL;
}

/* The safety limit keys and where each lands in the policy; the
 * defaults live in ss_engine_keys only. */
static const struct {
    const char *key;
    size_t off;
    int percent; /* 1: a double (a percentage), 0: a long */
} safety_keys[] = {
#define SK(key, field, pct) {key, offsetof(struct ss_safety_policy, field), pct}
    SK("max_deletes", user_removals.count, 0),
    SK("max_delete_percent", user_removals.percent, 1),
    SK("max_group_deletes", group_deletes.count, 0),
    SK("max_group_delete_percent", group_deletes.percent, 1),
    SK("max_member_removals", member_removals.count, 0),
    SK("max_member_removal_percent", member_removals.percent, 1),
    SK("max_group_member_removal_percent", group_member_percent, 1),
    SK("max_user_updates", user_updates.count, 0),
    SK("max_user_update_percent", user_updates.percent, 1),
    SK("max_field_clears", field_clears.count, 0),
    SK("max_field_clear_percent", field_clears.percent, 1),
    SK("percent_floor", percent_floor, 0),
#undef SK
};

/* Fills the limits from [engine] (s may be NULL: the defaults); returns
 * the number of problems.  A bad value keeps its default (the key check
 * reported it). */
static int safety_conf(const struct ss_conf_section *s, struct ss_safety_policy *p)
{
    int problems = 0;

    memset(p, 0, sizeof(*p));
    for (size_t i = 0; i < sizeof(safety_keys) / sizeof(safety_keys[0]); i++) {
        char *field = (char *)p + safety_keys[i].off;
        const struct ss_conf_kv *kv = ss_conf_get(s, safety_keys[i].key);
        const char *def = find_key(ss_engine_keys, safety_keys[i].key)->default_value;
        if (safety_keys[i].percent) {
            double d = -1.0;
            if (ss_conf_parse_double(engine_value(s, safety_keys[i].key), &d) < 0)
                ss_conf_parse_double(def, &d);
            if (d > 100) {
                ss_error("%s: [engine] %s must be at most 100", kv ? kv->where : "?",
                         safety_keys[i].key);
                problems++;
            }
            memcpy(field, &d, sizeof(d));
        } else {
            long l = -1;
            if (ss_conf_parse_long(engine_value(s, safety_keys[i].key), &l) < 0)
                ss_conf_parse_long(def, &l);
            if (l < 0)
                l = -1;
            memcpy(field, &l, sizeof(l));
        }
    }
    return problems;
}

void ss_config_safety_defaults(struct ss_safety_policy *p)
{
    safety_conf(NULL, p);
}

/* Index of value in words[], or -1 after logging where it was set. */
static int engine_enum(const struct ss_conf_section *s, const char *key, const char *const *words,
                       size_t nwords)
{
    const char *v = engine_value(s, key);
    const struct ss_conf_kv *kv = ss_conf_get(s, key);

    for (size_t i = 0; i < nwords; i++) {
        if (strcmp(v, words[i]) == 0)
            return (int)i;
    }
    {
        struct ss_suggest sg;
        char hint[160];
        ss_suggest_init(&sg, v);
        for (size_t i = 0; i < nwords; i++)
            ss_suggest_add(&sg, words[i]);
        ss_error("%s: [engine] %s: '%.64s' is not one of the accepted values%s",
                 kv ? kv->where : "?", key, v, ss_suggest_text(&sg, NULL, NULL, hint, sizeof hint));
    }
    return -1;
}

/* [engine] keys of the run report, metrics and progress lines. */
static int outputs_conf(const struct ss_conf_section *s, struct ss_engine_conf *e)
{
    const struct ss_conf_kv *kv;
    char err[160];
    int problems = 0;

    e->progress_interval = 30;
    e->metrics_namespace = "scimsync";
    if (!s)
        return 0;
    if ((kv = ss_conf_get(s, "report")) && *kv->value &&
        !(e->report = ss_config_resolve_path(kv->value, kv->file)))
        return 1;
    if ((kv = ss_conf_get(s, "metrics_textfile")) && *kv->value &&
        !(e->metrics_textfile = ss_config_resolve_path(kv->value, kv->file)))
        return 1;
    ss_conf_parse_bool(engine_value(s, "metrics_emf"), &e->metrics_emf);
    if ((kv = ss_conf_get(s, "metrics_namespace"))) {
        size_t n = strlen(kv->value);
        if (n == 0 || n > 255 || kv->value[strcspn(kv->value, " \t\"")] ) {
            ss_error("%s: [engine] metrics_namespace must be 1 to 255 characters without "
                     "spaces or quotes",
                     kv->where);
            problems++;
        }
        e->metrics_namespace = kv->value;
    }
    if ((kv = ss_conf_get(s, "metrics_dimensions"))) {
        if (ss_metrics_check_dimensions(kv->value, err, sizeof err) < 0) {
            ss_error("%s: [engine] metrics_dimensions: %s", kv->where, err);
            problems++;
        }
        e->metrics_dimensions = kv->value;
    }
    ss_conf_parse_long(engine_value(s, "progress_interval"), &e->progress_interval);
    if (e->progress_interval < 0) {
        ss_error("%s: [engine] progress_interval must not be negative (0: no progress lines)",
                 ss_conf_get(s, "progress_interval")->where);
        problems++;
    }
    return problems;
}

/* [engine] state and its companions; 0 or the number of problems. */
static int state_conf(const struct ss_conf_section *s, struct ss_engine_conf *e)
{
    static const struct {
        const char *key;
        long min;
    } ints[] = {{"full_reconcile_interval", 0}, {"state_checkpoint_interval", 0},
                {"lock_lease", 5}, {"lock_wait", 0}};
    long *dst[] = {&e->full_reconcile_interval, &e->state_checkpoint_interval, &e->lock_lease,
                   &e->lock_wait};
    int problems = 0;
    for (size_t i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        const struct scimsync_config_key *k = ss_engine_keys;
        while (strcmp(k->name, ints[i].key) != 0)
            k++;
        const char *v = s && ss_conf_get(s, k->name) ? engine_value(s, k->name) : k->default_value;
        if (ss_conf_parse_long(v, dst[i]) < 0 || *dst[i] < ints[i].min) {
            ss_error("%s: [engine] %s must be a whole number of seconds, at least %ld",
                     ss_conf_get(s, k->name)->where, k->name, ints[i].min);
            problems++;
        }
    }
    ss_conf_parse_bool(s && ss_conf_get(s, "state_s3_path_style")
                           ? engine_value(s, "state_s3_path_style")
                           : "false",
                       &e->state_path_style);
    if (s && ss_conf_get(s, "state")) {
        const struct ss_conf_kv *kv = ss_conf_get(s, "state");
        if (strncmp(kv->value, "file:/", 6) != 0 && strncmp(kv->value, "s3://", 5) != 0) {
            ss_error("%s: [engine] state must be file:/ABSOLUTE/PATH or s3://BUCKET/KEY, not "
                     "'%.200s'",
                     kv->where, kv->value);
            problems++;
        } else if (!(e->state = strdup(kv->value))) {
            problems++;
        }
    } else if (getenv("SCIMSYNC_STATE") && *getenv("SCIMSYNC_STATE")) {
        /* The deployment's choice (the ECS stack sets it) when the files make none. */
        const char *v = getenv("SCIMSYNC_STATE");
        if (strncmp(v, "file:/", 6) != 0 && strncmp(v, "s3://", 5) != 0) {
            ss_error("$SCIMSYNC_STATE must be file:/ABSOLUTE/PATH or s3://BUCKET/KEY, not "
                     "'%.200s'",
                     v);
            problems++;
        } else if (!(e->state = strdup(v))) {
            problems++;
        }
    }
    return problems;
}

/* on_missing = deactivate-then-delete: delete_after, and the state store
 * that remembers when each user was deactivated.  0 or the number of
 * problems. */
static int staged_conf(const struct ss_conf_section *s, struct ss_engine_conf *e)
{
    const struct ss_conf_kv *kv = s ? ss_conf_get(s, "delete_after") : NULL;
    int problems = 0;

    if (ss_parse_duration(kv ? kv->value : "7d", &e->delete_after) < 0 || e->delete_after < 1 ||
        e->delete_after > 3650L * 86400) {
        ss_error("%s: [engine] delete_after must be a duration from 1s to 3650d: a whole number "
                 "with s, m, h or d (3600s, 12h, 7d), not '%.64s'",
                 kv ? kv->where : "?", kv ? kv->value : "");
        e->delete_after = 7L * 86400;
        problems++;
    }
    if (e->on_missing != SS_ON_MISSING_STAGED) {
        if (kv)
            ss_warn("%s: [engine] delete_after is used only with on_missing = "
                    "deactivate-then-delete; ignored",
                    kv->where);
        return problems;
    }
    if (!e->state) {
        ss_error("%s: [engine] on_missing = deactivate-then-delete needs a state store to "
                 "remember when each user was deactivated: set [engine] state (file:/PATH or "
                 "s3://BUCKET/KEY) or $SCIMSYNC_STATE",
                 ss_conf_get(s, "on_missing")->where);
        problems++;
    }
    return problems;
}

static int engine_conf(struct ss_config *cfg)
{
    static const char *const levels[] = {"error", "warn", "info", "debug"};
    static const char *const formats[] = {"text", "json"};
    static const char *const missing[] = {"deactivate", "delete", "ignore",
                                          "deactivate-then-delete"};
    const struct ss_conf_section *s = ss_config_find(cfg, SS_SEC_ENGINE, NULL);
    struct ss_engine_conf *e = &cfg->engine;
    int problems = 0;
    int v;

    /* Defaults first: a bad value below leaves the default in place while
     * the remaining keys are still checked. */
    e->interval = 3600;
    e->jitter = 60;
    e->max_run_time = 0;
    e->stop_grace = 20;
    e->healthz_max_age = 0;
    if (s)
        problems += ss_config_check_section(s, NULL, ss_engine_keys);
    e->log_level = -1;
    e->log_format = -1;
    if (s && ss_conf_get(s, "log_level")) {
        v = engine_enum(s, "log_level", levels, 4);
        problems += v < 0;
        e->log_level = v;
    }
    if (s && ss_conf_get(s, "log_format")) {
        v = engine_enum(s, "log_format", formats, 2);
        problems += v < 0;
        e->log_format = v;
    }
    v = s ? engine_enum(s, "on_missing", missing, 4) : 0;
    problems += v < 0;
    e->on_missing = v < 0 ? SS_ON_MISSING_DEACTIVATE : (enum ss_on_missing)v;
    ss_conf_parse_bool(s ? engine_value(s, "adopt") : "false", &e->adopt);
    problems += safety_conf(s, &e->safety);
    ss_conf_parse_long(s ? engine_value(s, "interval") : "3600", &e->interval);
    ss_conf_parse_long(s ? engine_value(s, "jitter") : "60", &e->jitter);
    ss_conf_parse_long(s ? engine_value(s, "max_run_time") : "0", &e->max_run_time);
    if (e->interval < 1) {
        ss_error("%s: [engine] interval must be at least 1 second",
                 ss_conf_get(s, "interval")->where);
        problems++;
    }
    if (e->jitter < 0) {
        ss_error("%s: [engine] jitter must not be negative", ss_conf_get(s, "jitter")->where);
        problems++;
    }
    ss_conf_parse_long(s ? engine_value(s, "stop_grace") : "20", &e->stop_grace);
    ss_conf_parse_long(s ? engine_value(s, "healthz_max_age") : "0", &e->healthz_max_age);
    if (e->stop_grace < 0) {
        ss_error("%s: [engine] stop_grace must not be negative", ss_conf_get(s, "stop_grace")->where);
        problems++;
    }
    if (e->healthz_max_age < 0) {
        ss_error("%s: [engine] healthz_max_age must not be negative (0: 3 x interval)",
                 ss_conf_get(s, "healthz_max_age")->where);
        problems++;
    }
    if (s && ss_conf_get(s, "metrics_listen")) {
        e->metrics_listen = strdup(engine_value(s, "metrics_listen"));
        if (!e->metrics_listen)
            return -1;
    }
    if (e->max_run_time < 0) {
        ss_error("%s: [engine] max_run_time must not be negative (0: no limit)",
                 ss_conf_get(s, "max_run_time")->where);
        problems++;
    }
    problems += outputs_conf(s, e);
    problems += state_conf(s, e);
    problems += staged_conf(s, e);
    if (s && ss_conf_get(s, "plugin_path")) {
        e->plugin_path = strdup(engine_value(s, "plugin_path"));
        if (!e->plugin_path)
            return -1;
    }
    if (s && (ss_scope_parse_list(engine_value(s, "ignore_users"), &e->scope.ignore_users,
                                  &e->scope.nignore_users) < 0 ||
              ss_scope_parse_list(engine_value(s, "ignore_groups"), &e->scope.ignore_groups,
                                  &e->scope.nignore_groups) < 0 ||
              ss_scope_parse_list(engine_value(s, "include_groups"), &e->scope.include_groups,
                                  &e->scope.ninclude_groups) < 0)) {
        ss_error("out of memory");
        return -1;
    }
    if (s && ss_conf_get(s, "include_groups") && e->scope.ninclude_groups == 0) {
        ss_error("%s: [engine] include_groups is set but names no group (remove it to sync "
                 "every group)",
                 ss_conf_get(s, "include_groups")->where);
        problems++;
    }
    return problems ? -1 : 0;
}

/* Sources, target and mapping references that must hold together. */
static int check_layout(const struct ss_config *cfg)
{
    size_t nsrc = ss_config_count(cfg, SS_SEC_SOURCE);
    size_t ntgt = ss_config_count(cfg, SS_SEC_TARGET);
    const char *first = cfg->nfiles ? cfg->files[0] : "configuration";
    int problems = 0;

    if (nsrc == 0) {
        ss_error("%s: no [source NAME] section: at least one source is needed", first);
        problems++;
    }
    if (ntgt == 0) {
        ss_error("%s: no [target NAME] section: exactly one target is needed", first);
        problems++;
    } else if (ntgt > 1) {
        const struct ss_conf_section *second = ss_config_nth(cfg, SS_SEC_TARGET, 1);
        ss_error("%s:%d: %s: only one target is supported (the first is %s)", second->file,
                 second->line, second->label, ss_config_nth(cfg, SS_SEC_TARGET, 0)->label);
        problems++;
    }
    for (size_t i = 0; i < nsrc; i++) {
        const struct ss_conf_section *s = ss_config_nth(cfg, SS_SEC_SOURCE, i);
        const struct ss_conf_kv *m = ss_conf_get(s, "mapping");
        if (m && !ss_config_find(cfg, SS_SEC_MAPPING, m->value)) {
            ss_error("%s: %s mapping: no [mapping %.64s] section", m->where, s->label, m->value);
            problems++;
        }
    }
    for (size_t i = 0; i < ss_config_count(cfg, SS_SEC_MAPPING); i++) {
        const struct ss_conf_section *m = ss_config_nth(cfg, SS_SEC_MAPPING, i);
        int used = 0;
        for (size_t j = 0; j < nsrc && !used; j++) {
            const struct ss_conf_section *s = ss_config_nth(cfg, SS_SEC_SOURCE, j);
            const struct ss_conf_kv *kv = ss_conf_get(s, "mapping");
            used = strcmp(kv ? kv->value : s->name, m->name) == 0;
        }
        if (!used)
            ss_warn("%s:%d: %s is not used by any source", m->file, m->line, m->label);
    }
    return problems ? -1 : 0;
}

int ss_config_load(struct ss_config *cfg, const char *main_file, int main_explicit,
                   const char *conf_dir, int dir_explicit)
{
    struct stat st;
    int nread = 0;
    int rc = 0;

    memset(cfg, 0, sizeof(*cfg));
    /* Long lines (templates) grow the line buffer up to our cap instead of
     * being split; indented lines are not continuations (a stray indent
     * must not glue two keys together). */
    ini_use_stack = false;
    ini_allow_realloc = true;
    ini_max_line = SS_CONF_MAX_LINE + 3;
    ini_allow_multiline = false;

    if (main_file) {
        if (stat(main_file, &st) == 0 || main_explicit || errno != ENOENT) {
            if (parse_file(cfg, main_file) < 0)
                rc = -1;
            nread++;
        } else {
            ss_debug("%s does not exist; using %s only", main_file,
                     conf_dir ? conf_dir : "no other file");
        }
    }
    if (conf_dir && parse_dir(cfg, conf_dir, dir_explicit, &nread) < 0)
        rc = -1;
    if (rc < 0 && cfg->nfiles == 0)
        return -1;
    /* Go on after errors in a file that was read: report every problem. */
    if (nread == 0) {
        ss_error("no configuration: %s does not exist and %s holds no *.ini file",
                 main_file ? main_file : "(no main file)", conf_dir ? conf_dir : "(no folder)");
        return -1;
    }
    if (engine_conf(cfg) < 0)
        rc = -1;
    if (check_layout(cfg) < 0)
        rc = -1;
    return rc;
}

void ss_config_free(struct ss_config *cfg)
{
    for (size_t i = 0; i < cfg->nsections; i++) {
        struct ss_conf_section *s = &cfg->sections[i];
        for (size_t j = 0; j < s->nkv; j++) {
            free(s->kv[j].key);
            free(s->kv[j].value);
            free(s->kv[j].where);
        }
        free(s->kv);
        free(s->name);
        free(s->label);
        free(s->component);
    }
    free(cfg->sections);
    for (size_t i = 0; i < cfg->nfiles; i++)
        free(cfg->files[i]);
    free(cfg->files);
    free(cfg->engine.plugin_path);
    free(cfg->engine.state);
    free(cfg->engine.metrics_listen);
    free(cfg->engine.report);
    free(cfg->engine.metrics_textfile);
    ss_scope_free(&cfg->engine.scope);
    memset(cfg, 0, sizeof(*cfg));
}
