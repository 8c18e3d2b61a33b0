/* Reading the configuration: the main INI file and the *.ini files of
 * conf.d (inih), merged into sections whose values remember file and line;
 * finding sections and keys; loading (read, then [engine], then the layout). */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <ini.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include "config_impl.h"
#include "suggest.h"

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
    if ((name && !s->name) || !s->label || !s->component) {
        /* not counted: a half-made section (no name) must not reach the
         * checks that run after the files are read */
        free(s->name);
        free(s->label);
        free(s->component);
        p->oom = 1;
        return NULL;
    }
    cfg->nsections++;
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
    if (ss_config_engine(cfg) < 0)
        rc = -1;
    if (ss_config_check_layout(cfg) < 0)
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
