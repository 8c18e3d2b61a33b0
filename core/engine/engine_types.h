/*
 * The engine's inputs and results as data: exit codes, sources and target,
 * mapping lines, the run's options, the summary.  Types only: the parts of
 * the engine and the layers above it (conf, plugin) include this header;
 * the orchestrator is engine.h.
 */
#ifndef SS_ENGINE_TYPES_H
#define SS_ENGINE_TYPES_H

#include <scimsync/plugin.h>
#include <stdio.h>

#include "safety.h"

struct ss_scope;

/* Process exit codes (documented in README and --help). */
enum ss_exit {
    SS_EXIT_OK = 0,
    SS_EXIT_USAGE = 1,       /* usage or configuration error */
    SS_EXIT_READ = 2,        /* source or target read failed: nothing applied */
    SS_EXIT_PARTIAL = 3,     /* some operations failed */
    SS_EXIT_SAFETY = 4,      /* refused by a safety limit: nothing applied */
    SS_EXIT_INTERRUPTED = 5, /* SIGINT / SIGTERM: stopped cleanly, nothing counted as failed */
    SS_EXIT_SKIPPED = 6,     /* applied, but source entries with data errors were skipped */
    SS_EXIT_LOCKED = 7,      /* another run holds the target's lock: nothing done */
    SS_EXIT_CHANGES = 8,     /* plan --exit-code: changes are pending */
    SS_EXIT_STALE = 9        /* apply FILE: the target changed since the plan: nothing applied */
};

enum ss_on_missing {
    SS_ON_MISSING_DEACTIVATE = 0,
    SS_ON_MISSING_DELETE,
    SS_ON_MISSING_IGNORE,
    SS_ON_MISSING_STAGED /* deactivate-then-delete: deleted after delete_after (staged_delete.h) */
};

/* One "field = template" line of a [mapping NAME] section. */
struct ss_mapping_line {
    const char *field;    /* schema field: userName, displayName, ..., group.displayName */
    const char *template; /* "${givenName} ${sn}", "${mail|lower}" ... */
    const char *where;    /* "file:line" for error messages */
};

struct ss_engine_source {
    const char *name; /* [source NAME] */
    const struct scimsync_plugin *plugin;
    void *inst;                            /* created by the loader */
    const struct ss_mapping_line *mapping; /* overrides of the defaults */
    size_t nmapping;
    const char *mapping_section; /* "[mapping hr]" of those lines, for messages; may be NULL */
};

struct ss_engine_target {
    const char *name; /* [target NAME] */
    const struct scimsync_plugin *plugin;
    void *inst;
};

/* What the plan names as the target and the sources: never a secret. */
struct ss_endpoint_info {
    const char *section;  /* the NAME of [target NAME] / [source NAME] */
    const char *plugin;   /* "scim", "csv", ... */
    const char *location; /* URL without user info / query, or a file; NULL: none */
};

struct ss_engine_options {
    enum ss_on_missing on_missing;
    long delete_after;              /* on_missing = deactivate-then-delete: seconds */
    int adopt;                      /* adopt target objects without externalId by name */
    struct ss_safety_policy safety; /* limits and --force-deletes / --force-updates */
    long max_run_time;              /* seconds for the whole run; 0: no limit */
    int dry_run;                    /* plan only */
    int json;                       /* print the plan as JSON instead of text */
    FILE *out;                      /* where plan and summary go (stdout) */
    /* State store (docs/state.md); state NULL: none, the target is read in full. */
    const char *state;              /* "file:/path" or "s3://bucket/key" */
    int state_path_style;           /* s3: path-style URLs */
    long full_reconcile_interval;   /* seconds between full reads of the target */
    long state_checkpoint_interval; /* seconds between checkpoints while applying */
    long lock_lease;                /* s3: seconds a run lease lasts unrenewed */
    long lock_wait;                 /* s3: seconds to wait for a busy lease; 0: exit 7 */
    int full;                       /* sync --full: read the target in full */
    const char *target_identity;    /* "plugin url" the state is bound to */
    int exit_code_changes;          /* plan --exit-code: exit 8 when the plan is not empty */
    int precheck;                   /* check the target (URL, token) before reading sources */
    /* The run report and metrics (docs/report.md) */
    const char *command;             /* "sync", "plan", "daemon": named in the report */
    const char *const *config_files; /* read for this run, named in the report */
    size_t nconfig_files;
    int print_report;             /* the report replaces the plan and summary text on out */
    int report_with_plan;         /* ... and carries the plan (--json) */
    const char *report_path;      /* --report / [engine] report: written atomically */
    const char *metrics_textfile; /* [engine] metrics_textfile, after every sync */
    int metrics_emf;              /* [engine] metrics_emf: one EMF line per sync on out */
    const char *metrics_namespace, *metrics_dimensions;
    const struct ss_scope *scope; /* ignore_users / ignore_groups / include_groups; NULL: all */
    const struct ss_endpoint_info *target_info; /* NULL: the plan names none */
    const struct ss_endpoint_info *source_info; /* nsource_info entries */
    size_t nsource_info;
    /* sync / plan --user NAME or --group NAME (at most one set): read and
     * change only that user or group (docs/engine.md "One user or group"). */
    const char *select_user, *select_group;
    /* Saved plans (docs/plan-file.md) */
    const char *plan_out;         /* plan --out FILE: the plan file to write */
    const char *refused_plan_dir; /* [engine] refused_plan_dir: a refused sync saves its plan */
};

struct ss_summary {
    size_t users_created, users_updated, users_deactivated, users_deleted;
    size_t groups_created, groups_updated, groups_deleted;
    size_t members_added, members_removed;
    size_t failed;
    size_t skipped; /* source entries not synced (invalid, or blocked by the target) */
    size_t invalid; /* of those, skipped for data errors (exit code 6) */
    /* Clean stops (SIGINT / SIGTERM): the run was interrupted (exit 5), and
     * the operations it did not start (never counted as failed). */
    int interrupted;
    size_t not_started;
};

#endif
