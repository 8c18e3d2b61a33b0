/*
 * The run report: one record per run (docs/report.md), filled by small
 * hooks in the pipeline (collect, resolve, target read, apply, the host's
 * request counter) and rendered as one versioned JSON document (json-c).
 * The hooks write into the current run's record and do nothing outside a
 * run, so the pipeline's steps stay usable on their own (tests, bench).
 */
#ifndef SS_REPORT_H
#define SS_REPORT_H

#include <ss/common.h>
#include <stdio.h>

#include "arena.h"
#include "atomic_file.h"
#include "engine_types.h"
#include "plan.h"
#include "safety.h"

#define SS_REPORT_VERSION 1
/* Skipped entries and failures listed one by one (all are counted). */
#define SS_REPORT_LIST_MAX 1000

enum ss_run_phase {
    SS_RUN_SOURCE_READ = 0,
    SS_RUN_TARGET_READ,
    SS_RUN_PLAN,
    SS_RUN_APPLY,
    SS_RUN_PHASES
};
extern const char *const ss_run_phase_names[SS_RUN_PHASES]; /* "source_read", ... */

enum ss_obj_kind { SS_KIND_USER = 0, SS_KIND_GROUP, SS_KIND_MEMBERSHIP, SS_KIND_COUNT };
enum ss_action {
    SS_ACT_CREATED = 0, /* memberships: added */
    SS_ACT_UPDATED,
    SS_ACT_DEACTIVATED,
    SS_ACT_DELETED, /* memberships: removed */
    SS_ACT_FAILED,
    SS_ACT_NOT_ATTEMPTED,
    SS_ACT_NOT_STARTED, /* a clean stop kept it from starting: not a failure */
    SS_ACT_COUNT
};
extern const char *const ss_kind_names[SS_KIND_COUNT]; /* "user", "group", "membership" */
/* Name of an action for a kind ("created", or "added" for memberships);
 * NULL for pairs that do not exist (a deactivated group). */
const char *ss_action_name(enum ss_obj_kind k, enum ss_action a);

struct ss_report_skip {
    const char *source, *kind, *where, *id, *reason;
};

struct ss_report_failure {
    const char *operation; /* "create_user", "add_members", ... */
    const char *kind;      /* "user" / "group" */
    const char *user_name, *display_name, *external_id, *target_id; /* NULL: unknown */
    long http_status;   /* 0: no HTTP answer (or not attempted) */
    const char *detail; /* the target's or the engine's text, no secrets */
    int not_attempted;
    size_t members; /* member ops: values in the op */
};

struct ss_report_requests {
    char method[8];
    long status; /* 0: no answer */
    unsigned long count;
};

struct ss_report_limit {
    enum ss_limit_kind kind;
    int refused; /* 0: exceeded but forced */
    size_t changes, population;
    long max_count;     /* -1: none */
    double max_percent; /* -1: none */
};

struct ss_report {
    struct ss_arena arena;
    char run_id[40];
    const char *command; /* "sync", "plan", "daemon" */
    int dry_run;
    /* sync / plan --user NAME or --group NAME (both NULL: the whole directory) */
    const char *select_user, *select_group;
    const char *const *config_files;
    size_t nconfig_files;
    double start, end; /* Unix time, sub-second */
    double mono_start;
    double phase_seconds[SS_RUN_PHASES];
    int phase_ran[SS_RUN_PHASES];
    double phase_mono[SS_RUN_PHASES];
    /* sources */
    struct {
        const char *name;
        size_t entries;
        int complete;
    } * sources;
    size_t nsources, sources_cap;
    size_t users_in_scope, groups_in_scope;
    size_t skipped_invalid, skipped_blocked;
    /* left alone by ignore_users / ignore_groups / include_groups */
    size_t scope_users, scope_groups, scope_target_users, scope_target_groups;
    struct ss_report_skip *skips;
    size_t nskips, skips_cap;
    /* target */
    size_t target_users, target_groups, target_memberships;
    /* plan and apply */
    int planned;
    struct ss_plan_counts plan;
    size_t counts[SS_KIND_COUNT][SS_ACT_COUNT];
    size_t failures_total; /* operations failed or not attempted */
    size_t ops_failed, ops_not_attempted;
    size_t ops_not_started; /* interrupted: left for the next run, not failures */
    struct ss_report_failure *failures;
    size_t nfailures, failures_cap;
    /* requests */
    struct ss_report_requests *requests;
    size_t nrequests, requests_cap;
    unsigned long throttled, retries, no_answer;
    /* safety */
    int safety_checked, safety_refused;
    char safety_message[512];
    struct ss_report_limit limits[SS_LIMIT_KIND_COUNT];
    size_t nlimits;
    /* outcome */
    int exit_code;
    int interrupted;      /* SIGINT / SIGTERM */
    int deadline_reached; /* [engine] max_run_time */
    char *plan_json;      /* --json: the plan document, embedded as "plan" */
    /* staged deletes (on_missing = deactivate-then-delete); pending: plan.users_pending_delete */
    int staged;
    size_t users_deleted_after_grace; /* done by this run */
};

/* Starts a record and makes it the current one. */
void ss_report_begin(struct ss_report *r, const char *command, int dry_run,
                     const char *const *config_files, size_t nconfig_files);
/* Ends it (end time, exit code, stop flags); it stays readable. */
void ss_report_finish(struct ss_report *r, int exit_code);
void ss_report_free(struct ss_report *r);
/* The record of the run in progress, NULL outside a run. */
struct ss_report *ss_report_current(void);

/* Phases: each begin/end pair adds to that phase's duration. */
void ss_report_phase_begin(enum ss_run_phase p);
void ss_report_phase_end(enum ss_run_phase p);

/* Hooks (no-ops without a current record). */
void ss_report_source_read(const char *name, size_t entries, int complete);
void ss_report_skip(const char *source, const char *kind, const char *where, const char *id,
                    const char *reason);
void ss_report_request(const char *method, long status, double retry_in);
/* After the safety check: the verdict and the numbers behind it. */
void ss_report_safety(const struct ss_plan_counts *c, const struct ss_safety_policy *p,
                      const struct ss_safety_verdict *v);
/* After apply: counts and failures from the plan's op states. */
void ss_report_apply_results(const struct ss_plan *p);

/* The document (json-c), as a string the caller frees; NULL on no memory.
 * pretty: indented; with_plan: the "plan" member from plan_json. */
SS_NODISCARD char *ss_report_render(const struct ss_report *r, int pretty, int with_plan);

#endif
