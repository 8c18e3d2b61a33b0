/*
 * Metrics of the runs (docs/report.md "Metrics"): the Prometheus text
 * format (a node_exporter textfile after every sync, and the text the
 * daemon's /metrics serves) and CloudWatch's Embedded Metric Format (one
 * JSON line per run on stdout).  Counters are cumulative over the runs of
 * a process and, for one-shot runs, carried over through the textfile:
 * each write reads the previous file back first.
 */
#ifndef SS_METRICS_H
#define SS_METRICS_H

#include <ss/common.h>
#include <stddef.h>
#include <stdio.h>

#include "report.h"

#define SS_METRICS_MAX_REQ 64 /* distinct (method, code) pairs kept */

enum ss_run_result {
    SS_RESULT_SUCCESS = 0, /* exit 0 */
    SS_RESULT_FAILED,      /* exit 2, 3 (or 1) */
    SS_RESULT_SAFETY,      /* exit 4 */
    SS_RESULT_INTERRUPTED, /* exit 5 */
    SS_RESULT_SKIPPED,     /* exit 6: applied, entries with data errors skipped */
    SS_RESULT_COUNT
};
extern const char *const ss_run_result_names[SS_RESULT_COUNT];
enum ss_run_result ss_run_result_of(int exit_code);

struct ss_metrics_state {
    /* the last run (gauges) */
    int have_run;
    double last_run_ts, last_success_ts; /* Unix time; 0: never */
    int last_exit_code, last_interrupted;
    double last_duration, last_phase[SS_RUN_PHASES];
    size_t last_objects[SS_KIND_COUNT][SS_ACT_COUNT];
    /* cumulative counters */
    double runs[SS_RESULT_COUNT];
    double objects[SS_KIND_COUNT][SS_ACT_COUNT];
    double failures, throttled, retries, safety_refusals;
    /* staged deletes: pending after the last run (gauge), deleted (counter) */
    size_t last_pending_delete;
    double deleted_after_grace;
    struct {
        char method[8];
        long code;
        double count;
    } req[SS_METRICS_MAX_REQ];
    size_t nreq;
};

/* Adds a finished run to st. */
void ss_metrics_add_run(struct ss_metrics_state *st, const struct ss_report *r);
/* Renders st in the Prometheus text format (version 0.0.4); the caller
 * frees.  NULL on no memory. */
SS_NODISCARD char *ss_metrics_render_prometheus(const struct ss_metrics_state *st);
/* Reads counters and the last success time back from a textfile this
 * program wrote (other lines are ignored).  0, or <0 when it cannot be
 * read (a missing file is 0: nothing to carry over). */
int ss_metrics_load_textfile(struct ss_metrics_state *st, const char *path);

/* The Prometheus text of the process's state (for /metrics); caller frees.
 * Safe to call from another thread while runs record theirs. */
SS_NODISCARD char *ss_metrics_text(void);
/* Unix time the last sync with exit code 0 ended (0: none known), for a
 * health check; thread-safe like ss_metrics_text(). */
double ss_metrics_last_success(void);

/* "Tenant=prod,Env=test" -> checked; 0, or <0 with the reason in err. */
int ss_metrics_check_dimensions(const char *dims, char *err, size_t errlen);
/* One EMF document (a single line, no newline) for the run; caller frees.
 * dims as checked above (NULL / "": no dimension). */
SS_NODISCARD char *ss_metrics_render_emf(const struct ss_report *r, const char *ns,
                                         const char *dims);

/* After a run: records it in the process's state, writes the textfile
 * (when set; read back first on the process's first run) and prints the
 * EMF line on out (when emf; NULL: stdout).  Logs its own failures;
 * returns <0 when an output could not be written. */
int ss_metrics_after_run(const struct ss_report *r, const char *textfile, int emf, const char *ns,
                         const char *dims, FILE *out);

#endif
