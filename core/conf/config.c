/* The configuration keys core declares ([engine], and the core keys of
 * [source] / [target]): the tables, the only place their defaults are
 * written, and what the [engine] values mean (ss_config_engine).  Reading
 * the files is config_read.c, checking a section against a key table
 * config_check.c. */
#include "config.h"

#include <ss/parse.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_impl.h"
#include "metrics.h"
#include "suggest.h"

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
    {"refused_plan_dir", SCIMSYNC_KEY_PATH, 0, NULL,
     "a sync refused by a safety limit saves its plan here for plan --show / apply (off when "
     "unset)"},
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
/* [engine]                                                            */

static const char *engine_value(const struct ss_conf_section *s, const char *key)
{
    const struct ss_conf_kv *kv = ss_conf_get(s, key);
    const struct scimsync_config_key *k = ss_config_find_key(ss_engine_keys, key);

    if (kv)
        return kv->value;
    return k ? k->default_value : NULL;
}

/* An INT / BOOL [engine] value (s may be NULL); a value that does not
 * parse (the key check reported it) leaves the table's default. */
static void engine_long(const struct ss_conf_section *s, const char *key, long *out)
{
    if (ss_conf_parse_long(engine_value(s, key), out) < 0)
        ss_conf_parse_long(engine_value(NULL, key), out);
}

static void engine_bool(const struct ss_conf_section *s, const char *key, int *out)
{
    if (ss_conf_parse_bool(engine_value(s, key), out) < 0)
        ss_conf_parse_bool(engine_value(NULL, key), out);
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
        const char *def = ss_config_find_key(ss_engine_keys, safety_keys[i].key)->default_value;
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

    engine_long(s, "progress_interval", &e->progress_interval);
    e->metrics_namespace = engine_value(s, "metrics_namespace");
    if (!s)
        return 0;
    if ((kv = ss_conf_get(s, "report")) && *kv->value &&
        !(e->report = ss_config_resolve_path(kv->value, kv->file)))
        return 1;
    if ((kv = ss_conf_get(s, "metrics_textfile")) && *kv->value &&
        !(e->metrics_textfile = ss_config_resolve_path(kv->value, kv->file)))
        return 1;
    if ((kv = ss_conf_get(s, "refused_plan_dir")) && *kv->value &&
        !(e->refused_plan_dir = ss_config_resolve_path(kv->value, kv->file)))
        return 1;
    engine_bool(s, "metrics_emf", &e->metrics_emf);
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
        const char *v = engine_value(s, k->name);
        if (ss_conf_parse_long(v, dst[i]) < 0 || *dst[i] < ints[i].min) {
            ss_error("%s: [engine] %s must be a whole number of seconds, at least %ld",
                     ss_conf_get(s, k->name)->where, k->name, ints[i].min);
            problems++;
        }
    }
    engine_bool(s, "state_s3_path_style", &e->state_path_style);
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

    if (ss_parse_duration(engine_value(s, "delete_after"), &e->delete_after) < 0 ||
        e->delete_after < 1 || e->delete_after > 3650L * 86400) {
        ss_error("%s: [engine] delete_after must be a duration from 1s to 3650d: a whole number "
                 "with s, m, h or d (3600s, 12h, 7d), not '%.64s'",
                 kv ? kv->where : "?", kv ? kv->value : "");
        ss_parse_duration(engine_value(NULL, "delete_after"), &e->delete_after);
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

int ss_config_engine(struct ss_config *cfg)
{
    static const char *const levels[] = {"error", "warn", "info", "debug"};
    static const char *const formats[] = {"text", "json"};
    static const char *const missing[] = {"deactivate", "delete", "ignore",
                                          "deactivate-then-delete"};
    const struct ss_conf_section *s = ss_config_find(cfg, SS_SEC_ENGINE, NULL);
    struct ss_engine_conf *e = &cfg->engine;
    int problems = 0;
    int v;

    /* A bad value below leaves the key table's default in place while the
     * remaining keys are still checked. */
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
    engine_bool(s, "adopt", &e->adopt);
    problems += safety_conf(s, &e->safety);
    engine_long(s, "interval", &e->interval);
    engine_long(s, "jitter", &e->jitter);
    engine_long(s, "max_run_time", &e->max_run_time);
    if (e->interval < 1) {
        ss_error("%s: [engine] interval must be at least 1 second",
                 ss_conf_get(s, "interval")->where);
        problems++;
    }
    if (e->jitter < 0) {
        ss_error("%s: [engine] jitter must not be negative", ss_conf_get(s, "jitter")->where);
        problems++;
    }
    engine_long(s, "stop_grace", &e->stop_grace);
    engine_long(s, "healthz_max_age", &e->healthz_max_age);
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
