/*
 * Configuration: the main INI file, then the *.ini files of conf.d in lexical order;
 * a key set again later wins.  Every value remembers the file and line
 * that set it, so errors read "file:line: ...".  Plugin keys are checked
 * against the plugin's key table once the plugin is loaded
 * (ss_config_check_section).
 */
#ifndef SS_CONFIG_H
#define SS_CONFIG_H

#include <scimsync/plugin.h>
#include <ss/common.h>
#include <stddef.h>

#include "engine_types.h"
#include "log.h"
#include "scope.h"

/* Caps on what a configuration may grow to. */
#define SS_CONF_MAX_FILES 1024
#define SS_CONF_MAX_SECTIONS 4096
#define SS_CONF_MAX_KEYS 4096        /* per section */
#define SS_CONF_MAX_LINE (16 * 1024) /* bytes per line */
/* inih's fixed section buffer (MAX_SECTION 50, NUL included): a header of
 * this many bytes may have been cut. */
#define SS_CONF_MAX_SECTION_LEN 49

enum ss_section_kind { SS_SEC_ENGINE = 1, SS_SEC_SOURCE, SS_SEC_TARGET, SS_SEC_MAPPING };

struct ss_conf_kv {
    char *key;
    char *value;
    const char *file; /* owned by struct ss_config (files[]) */
    int line;
    char *where; /* "file:line" */
};

struct ss_conf_section {
    enum ss_section_kind kind;
    char *name;       /* NULL for [engine] */
    char *label;      /* "[source corp]" */
    char *component;  /* "source corp", used as the log component */
    const char *file; /* where the section first had a key */
    int line;
    struct ss_conf_kv *kv; /* in first-set order; a later set replaces the value */
    size_t nkv, cap;
};

struct ss_engine_conf {
    int log_level;  /* SCIMSYNC_LOG_*; -1 when not configured */
    int log_format; /* enum ss_log_format; -1 when not configured */
    enum ss_on_missing on_missing;
    long delete_after; /* seconds: on_missing = deactivate-then-delete */
    int adopt;
    struct ss_safety_policy safety; /* the limits; force flags stay 0 */
    char *plugin_path;         /* colon-separated; NULL when unset */
    long interval;             /* daemon: seconds between runs */
    long jitter;               /* daemon: up to this many extra random seconds */
    long max_run_time;         /* seconds a run may take; 0: no limit */
    char *state;               /* [engine] state; NULL: none */
    int state_path_style;
    long full_reconcile_interval, state_checkpoint_interval, lock_lease, lock_wait;
    long stop_grace;           /* seconds in-flight requests get after a stop signal */
    char *metrics_listen;      /* daemon: ADDR:PORT for /metrics, /healthz; NULL: off */
    long healthz_max_age;      /* daemon: /healthz threshold in seconds; 0: 3 x interval */
    /* run report, metrics, progress (docs/report.md) */
    char *report;              /* absolute path or NULL */
    char *metrics_textfile;    /* absolute path or NULL */
    int metrics_emf;
    const char *metrics_namespace;  /* points into the section (or the default) */
    const char *metrics_dimensions; /* NULL: none */
    long progress_interval;    /* seconds; 0: no progress lines */
    struct ss_scope scope;     /* ignore_users, ignore_groups, include_groups */
    char *refused_plan_dir;    /* absolute path or NULL (docs/plan-file.md) */
};

struct ss_config {
    char **files; /* every file read, in order */
    size_t nfiles;
    struct ss_conf_section *sections;
    size_t nsections, cap;
    struct ss_engine_conf engine;
};

/* Keys of [engine], and the core's own keys of [source]/[target]; the same
 * table format plugins use, so help and docs come from one place. */
extern const struct scimsync_config_key ss_engine_keys[];
extern const struct scimsync_config_key ss_source_core_keys[];
extern const struct scimsync_config_key ss_target_core_keys[];

/* Reads main_file (a missing file is an error only when main_explicit)
 * then the *.ini files of conf_dir (a missing folder is an error only when
 * dir_explicit), checks section names and [engine].  Logs every error as
 * "file:line: ..." and returns <0 after reporting them all. */
int ss_config_load(struct ss_config *cfg, const char *main_file, int main_explicit,
                   const char *conf_dir, int dir_explicit);
void ss_config_free(struct ss_config *cfg);
/* The [engine] safety limits at their defaults (from ss_engine_keys). */
void ss_config_safety_defaults(struct ss_safety_policy *p);

/* Sections of one kind, by index: returns NULL past the last. */
struct ss_conf_section *ss_config_nth(const struct ss_config *cfg, enum ss_section_kind kind,
                                      size_t n);
size_t ss_config_count(const struct ss_config *cfg, enum ss_section_kind kind);
struct ss_conf_section *ss_config_find(const struct ss_config *cfg, enum ss_section_kind kind,
                                       const char *name);
const struct ss_conf_kv *ss_conf_get(const struct ss_conf_section *s, const char *key);

/* Checks a section against core keys + a plugin's key table: unknown keys,
 * missing required keys, INT/BOOL/DOUBLE syntax, SECRET values being
 * references.  core_keys and keys may be NULL.  Logs each problem;
 * returns the number of problems (0 = fine). */
int ss_config_check_section(const struct ss_conf_section *s,
                            const struct scimsync_config_key *core_keys,
                            const struct scimsync_config_key *keys);
/* The declaration of key name: core_keys first, then keys (either may be
 * NULL); NULL when neither declares it. */
const struct scimsync_config_key *ss_config_key_decl(const struct scimsync_config_key *core_keys,
                                                     const struct scimsync_config_key *keys,
                                                     const char *name);

/* Absolute form of a PATH value: relative paths are taken against the
 * folder of the file that set them.  malloc'd; NULL on out of memory. */
SS_NODISCARD char *ss_config_resolve_path(const char *value, const char *file);

/* Value parsers shared by the config checks and the host services. */
int ss_conf_parse_long(const char *s, long *out);
int ss_conf_parse_bool(const char *s, int *out);
int ss_conf_parse_double(const char *s, double *out);

#endif
