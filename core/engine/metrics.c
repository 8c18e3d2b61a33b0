/* Prometheus text and CloudWatch EMF renderers, and the textfile. */
#include "metrics.h"

#include <errno.h>
#include <json-c/json.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

const char *const ss_run_result_names[SS_RESULT_COUNT] = {"success", "failed", "safety_refused",
                                                          "interrupted", "skipped_entries"};

enum ss_run_result ss_run_result_of(int exit_code)
{
    switch (exit_code) {
    case 0:
        return SS_RESULT_SUCCESS;
    case 4:
        return SS_RESULT_SAFETY;
    case 5:
        return SS_RESULT_INTERRUPTED;
    case 6:
        return SS_RESULT_SKIPPED;
    default:
        return SS_RESULT_FAILED;
    }
}

static struct ss_metrics_state g_state;
static int g_loaded; /* the textfile was read back (once per process) */
/* The daemon's HTTP thread renders while a run may be recording. */
static pthread_mutex_t g_lock = PTHREAD_MUTEX_INITIALIZER;

static double *req_slot(struct ss_metrics_state *st, const char *method, long code)
{
    for (size_t i = 0; i < st->nreq; i++) {
        if (st->req[i].code == code && !strcmp(st->req[i].method, method))
            return &st->req[i].count;
    }
    if (st->nreq >= SS_METRICS_MAX_REQ)
        return NULL; /* a server answering with 60 different codes: keep the first */
    /* methods are short (GET, PATCH, DELETE): at most 7 characters kept */
    snprintf(st->req[st->nreq].method, sizeof st->req[st->nreq].method, "%.7s", method);
    st->req[st->nreq].code = code;
    st->req[st->nreq].count = 0;
    return &st->req[st->nreq++].count;
}

void ss_metrics_add_run(struct ss_metrics_state *st, const struct ss_report *r)
{
    enum ss_run_result res = ss_run_result_of(r->exit_code);
    st->have_run = 1;
    st->last_run_ts = r->end;
    if (res == SS_RESULT_SUCCESS)
        st->last_success_ts = r->end;
    st->last_exit_code = r->exit_code;
    st->last_interrupted = r->interrupted;
    st->last_duration = r->end - r->start;
    for (int p = 0; p < SS_RUN_PHASES; p++)
        st->last_phase[p] = r->phase_seconds[p];
    memcpy(st->last_objects, r->counts, sizeof st->last_objects);
    st->runs[res] += 1;
    for (int k = 0; k < SS_KIND_COUNT; k++) {
        for (int a = 0; a < SS_ACT_COUNT; a++)
            st->objects[k][a] += (double)r->counts[k][a];
    }
    st->failures += (double)r->failures_total;
    st->throttled += (double)r->throttled;
    st->retries += (double)r->retries;
    st->safety_refusals += r->safety_refused ? 1 : 0;
    st->last_pending_delete = r->staged && r->planned ? r->plan.users_pending_delete : 0;
    st->deleted_after_grace += (double)r->users_deleted_after_grace;
    for (size_t i = 0; i < r->nrequests; i++) {
        double *c = req_slot(st, r->requests[i].method, r->requests[i].status);
        if (c)
            *c += (double)r->requests[i].count;
    }
}

static void family(FILE *f, const char *name, const char *type, const char *help)
{
    fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

char *ss_metrics_render_prometheus(const struct ss_metrics_state *st)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    if (!f) {
        ss_error("out of memory rendering the metrics");
        return NULL;
    }
    family(f, "scimsync_last_run_timestamp_seconds", "gauge",
           "Unix time the last sync run ended (0: none yet).");
    fprintf(f, "scimsync_last_run_timestamp_seconds %.3f\n", st->have_run ? st->last_run_ts : 0);
    family(f, "scimsync_last_success_timestamp_seconds", "gauge",
           "Unix time the last sync run that ended with exit code 0 ended (0: none known).");
    fprintf(f, "scimsync_last_success_timestamp_seconds %.3f\n", st->last_success_ts);
    if (st->have_run) {
        family(f, "scimsync_last_run_exit_code", "gauge", "Exit code of the last sync run.");
        fprintf(f, "scimsync_last_run_exit_code %d\n", st->last_exit_code);
        family(f, "scimsync_last_run_success", "gauge",
               "1 when the last sync run ended with exit code 0.");
        fprintf(f, "scimsync_last_run_success %d\n", st->last_exit_code == 0);
        family(f, "scimsync_last_run_interrupted", "gauge",
               "1 when the last sync run was interrupted (SIGINT / SIGTERM).");
        fprintf(f, "scimsync_last_run_interrupted %d\n", st->last_interrupted != 0);
        family(f, "scimsync_last_run_duration_seconds", "gauge",
               "Duration of the last sync run, by phase (total: the whole run).");
        for (int p = 0; p < SS_RUN_PHASES; p++)
            fprintf(f, "scimsync_last_run_duration_seconds{phase=\"%s\"} %.3f\n",
                    ss_run_phase_names[p], st->last_phase[p]);
        fprintf(f, "scimsync_last_run_duration_seconds{phase=\"total\"} %.3f\n", st->last_duration);
        family(f, "scimsync_users_pending_delete", "gauge",
               "Users deactivated and waiting out delete_after before their delete, after the "
               "last sync run (on_missing = deactivate-then-delete; 0 otherwise).");
        fprintf(f, "scimsync_users_pending_delete %zu\n", st->last_pending_delete);
        family(f, "scimsync_last_run_objects", "gauge",
               "Objects the last sync run changed, failed or did not attempt, by kind and action.");
        for (int k = 0; k < SS_KIND_COUNT; k++) {
            for (int a = 0; a < SS_ACT_COUNT; a++) {
                const char *an = ss_action_name((enum ss_obj_kind)k, (enum ss_action)a);
                if (an)
                    fprintf(f, "scimsync_last_run_objects{kind=\"%s\",action=\"%s\"} %zu\n",
                            ss_kind_names[k], an, st->last_objects[k][a]);
            }
        }
    }
    family(f, "scimsync_runs_total", "counter", "Sync runs, by result.");
    for (int i = 0; i < SS_RESULT_COUNT; i++)
        fprintf(f, "scimsync_runs_total{result=\"%s\"} %.0f\n", ss_run_result_names[i],
                st->runs[i]);
    family(f, "scimsync_objects_total", "counter",
           "Objects changed, failed or not attempted, by kind and action.");
    for (int k = 0; k < SS_KIND_COUNT; k++) {
        for (int a = 0; a < SS_ACT_COUNT; a++) {
            const char *an = ss_action_name((enum ss_obj_kind)k, (enum ss_action)a);
            if (an)
                fprintf(f, "scimsync_objects_total{kind=\"%s\",action=\"%s\"} %.0f\n",
                        ss_kind_names[k], an, st->objects[k][a]);
        }
    }
    family(f, "scimsync_operation_failures_total", "counter",
           "Operations that failed or were not attempted.");
    fprintf(f, "scimsync_operation_failures_total %.0f\n", st->failures);
    family(f, "scimsync_requests_total", "counter",
           "Requests to the target, by method and status code (0: no answer), retries included.");
    for (size_t i = 0; i < st->nreq; i++)
        fprintf(f, "scimsync_requests_total{method=\"%s\",code=\"%ld\"} %.0f\n", st->req[i].method,
                st->req[i].code, st->req[i].count);
    family(f, "scimsync_throttled_responses_total", "counter",
           "Target answers with HTTP 429 (throttled).");
    fprintf(f, "scimsync_throttled_responses_total %.0f\n", st->throttled);
    family(f, "scimsync_request_retries_total", "counter", "Requests to the target retried.");
    fprintf(f, "scimsync_request_retries_total %.0f\n", st->retries);
    family(f, "scimsync_users_deleted_after_grace_total", "counter",
           "Users deleted once delete_after had passed since their deactivation.");
    fprintf(f, "scimsync_users_deleted_after_grace_total %.0f\n", st->deleted_after_grace);
    family(f, "scimsync_safety_refusals_total", "counter",
           "Sync runs refused by a safety limit (nothing applied).");
    fprintf(f, "scimsync_safety_refusals_total %.0f\n", st->safety_refusals);
    if (fclose(f) != 0 || !buf) {
        free(buf);
        ss_error("out of memory rendering the metrics");
        return NULL;
    }
    return buf;
}

char *ss_metrics_text(void)
{
    pthread_mutex_lock(&g_lock);
    char *text = ss_metrics_render_prometheus(&g_state);
    pthread_mutex_unlock(&g_lock);
    return text;
}

double ss_metrics_last_success(void)
{
    pthread_mutex_lock(&g_lock);
    double t = g_state.last_success_ts;
    pthread_mutex_unlock(&g_lock);
    return t;
}

/* Index of a "name" in names[n], or -1. */
static int index_of(const char *const *names, int n, const char *name)
{
    for (int i = 0; i < n; i++) {
        if (names[i] && !strcmp(names[i], name))
            return i;
    }
    return -1;
}

/* One sample line of ours ("name{labels} value"); unknown lines are
 * skipped: the file is ours, but a hand edit must not break a run. */
static void load_line(struct ss_metrics_state *st, const char *line)
{
    char a[40], b[40];
    double v;
    long code;
    const char *sp = strrchr(line, ' ');
    if (line[0] == '#' || !sp)
        return;
    char *end;
    errno = 0;
    v = strtod(sp + 1, &end);
    if (errno || end == sp + 1 || v < 0)
        return;
    if (!strncmp(line, "scimsync_last_success_timestamp_seconds ", 40)) {
        st->last_success_ts = v;
    } else if (sscanf(line, "scimsync_runs_total{result=\"%39[a-z_]\"}", a) == 1) {
        int i = index_of(ss_run_result_names, SS_RESULT_COUNT, a);
        if (i >= 0)
            st->runs[i] = v;
    } else if (sscanf(line, "scimsync_objects_total{kind=\"%39[a-z]\",action=\"%39[a-z_]\"}", a,
                      b) == 2) {
        int k = index_of(ss_kind_names, SS_KIND_COUNT, a);
        for (int x = 0; k >= 0 && x < SS_ACT_COUNT; x++) {
            const char *an = ss_action_name((enum ss_obj_kind)k, (enum ss_action)x);
            if (an && !strcmp(an, b))
                st->objects[k][x] = v;
        }
    } else if (sscanf(line, "scimsync_requests_total{method=\"%7[A-Z]\",code=\"%ld\"}", a, &code) ==
               2) {
        double *c = req_slot(st, a, code);
        if (c)
            *c = v;
    } else if (!strncmp(line, "scimsync_operation_failures_total ", 34)) {
        st->failures = v;
    } else if (!strncmp(line, "scimsync_throttled_responses_total ", 35)) {
        st->throttled = v;
    } else if (!strncmp(line, "scimsync_request_retries_total ", 31)) {
        st->retries = v;
    } else if (!strncmp(line, "scimsync_safety_refusals_total ", 31)) {
        st->safety_refusals = v;
    } else if (!strncmp(line, "scimsync_users_deleted_after_grace_total ", 41)) {
        st->deleted_after_grace = v;
    }
}

int ss_metrics_load_textfile(struct ss_metrics_state *st, const char *path)
{
    FILE *f = fopen(path, "r");
    char line[512];
    if (!f) {
        if (errno == ENOENT)
            return 0;
        ss_warn("metrics_textfile %s: cannot read the previous file (%s): counters start at 0",
                path, strerror(errno));
        return -1;
    }
    while (fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        load_line(st, line);
    }
    fclose(f);
    return 0;
}

/* Splits "K=V,K=V" (commas or spaces) into at most 30 pairs; NULL
 * keys/values mean a syntax error reported in err. */
static int parse_dims(const char *dims, char keys[][64], char vals[][256], size_t *n, char *err,
                      size_t errlen)
{
    *n = 0;
    if (!dims)
        return 0;
    const char *p = dims;
    while (*p) {
        while (*p == ',' || *p == ' ')
            p++;
        if (!*p)
            break;
        size_t kl = strcspn(p, "=, "), vl;
        if (p[kl] != '=' || kl == 0 || kl >= 64) {
            snprintf(err, errlen, "'%.40s': expected Name=value", p);
            return -1;
        }
        vl = strcspn(p + kl + 1, ", ");
        if (vl == 0 || vl >= 256) {
            snprintf(err, errlen, "dimension %.*s: the value must be 1 to 255 characters", (int)kl,
                     p);
            return -1;
        }
        if (*n >= 30) {
            snprintf(err, errlen, "at most 30 dimensions");
            return -1;
        }
        memcpy(keys[*n], p, kl);
        keys[*n][kl] = '\0';
        memcpy(vals[*n], p + kl + 1, vl);
        vals[*n][vl] = '\0';
        if (keys[*n][0] == '_') {
            snprintf(err, errlen, "dimension %s: names starting with '_' are reserved", keys[*n]);
            return -1;
        }
        for (size_t i = 0; i < *n; i++) {
            if (!strcmp(keys[i], keys[*n])) {
                snprintf(err, errlen, "dimension %s given twice", keys[i]);
                return -1;
            }
        }
        (*n)++;
        p += kl + 1 + vl;
    }
    return 0;
}

/* The EMF metric names and their values from a report. */
struct emf_metric {
    const char *name, *unit;
    double value;
};

static size_t emf_metrics(const struct ss_report *r, struct emf_metric *m)
{
    enum ss_run_result res = ss_run_result_of(r->exit_code);
    size_t n = 0;
    unsigned long req = 0;
    size_t created = 0, updated = 0, removed = 0;
    for (size_t i = 0; i < r->nrequests; i++)
        req += r->requests[i].count;
    for (int k = 0; k < SS_KIND_COUNT; k++) {
        created += r->counts[k][SS_ACT_CREATED];
        updated += r->counts[k][SS_ACT_UPDATED];
        removed += r->counts[k][SS_ACT_DEACTIVATED] + r->counts[k][SS_ACT_DELETED];
    }
    m[n++] = (struct emf_metric){"RunSucceeded", "Count", res == SS_RESULT_SUCCESS};
    m[n++] = (struct emf_metric){"RunFailed", "Count",
                                 res == SS_RESULT_FAILED || res == SS_RESULT_SKIPPED};
    m[n++] = (struct emf_metric){"SafetyRefusals", "Count", res == SS_RESULT_SAFETY};
    m[n++] = (struct emf_metric){"Interrupted", "Count", res == SS_RESULT_INTERRUPTED};
    m[n++] = (struct emf_metric){"RunDuration", "Seconds", r->end - r->start};
    m[n++] =
        (struct emf_metric){"SourceReadDuration", "Seconds", r->phase_seconds[SS_RUN_SOURCE_READ]};
    m[n++] =
        (struct emf_metric){"TargetReadDuration", "Seconds", r->phase_seconds[SS_RUN_TARGET_READ]};
    m[n++] = (struct emf_metric){"ApplyDuration", "Seconds", r->phase_seconds[SS_RUN_APPLY]};
    m[n++] = (struct emf_metric){"UsersCreated", "Count",
                                 (double)r->counts[SS_KIND_USER][SS_ACT_CREATED]};
    m[n++] = (struct emf_metric){"UsersUpdated", "Count",
                                 (double)r->counts[SS_KIND_USER][SS_ACT_UPDATED]};
    m[n++] = (struct emf_metric){"UsersDeactivated", "Count",
                                 (double)r->counts[SS_KIND_USER][SS_ACT_DEACTIVATED]};
    m[n++] = (struct emf_metric){"UsersDeleted", "Count",
                                 (double)r->counts[SS_KIND_USER][SS_ACT_DELETED]};
    m[n++] =
        (struct emf_metric){"UsersPendingDelete", "Count",
                            r->staged && r->planned ? (double)r->plan.users_pending_delete : 0};
    m[n++] = (struct emf_metric){"UsersDeletedAfterGrace", "Count",
                                 (double)r->users_deleted_after_grace};
    m[n++] = (struct emf_metric){"ObjectsChanged", "Count", (double)(created + updated + removed)};
    m[n++] = (struct emf_metric){"FailedOperations", "Count", (double)r->ops_failed};
    m[n++] = (struct emf_metric){"NotAttemptedOperations", "Count", (double)r->ops_not_attempted};
    m[n++] = (struct emf_metric){"NotStartedOperations", "Count", (double)r->ops_not_started};
    m[n++] = (struct emf_metric){"SkippedEntries", "Count",
                                 (double)(r->skipped_invalid + r->skipped_blocked)};
    m[n++] = (struct emf_metric){"Requests", "Count", (double)req};
    m[n++] = (struct emf_metric){"ThrottledResponses", "Count", (double)r->throttled};
    m[n++] = (struct emf_metric){"Retries", "Count", (double)r->retries};
    return n;
}

int ss_metrics_check_dimensions(const char *dims, char *err, size_t errlen)
{
    static char keys[30][64], vals[30][256];
    struct ss_report empty;
    struct emf_metric m[32];
    size_t n, nm;
    if (parse_dims(dims, keys, vals, &n, err, errlen) < 0)
        return -1;
    memset(&empty, 0, sizeof empty);
    nm = emf_metrics(&empty, m);
    for (size_t i = 0; i < n; i++) {
        for (size_t k = 0; k < nm; k++) {
            if (!strcmp(keys[i], m[k].name)) {
                snprintf(err, errlen, "dimension %s has the name of a metric", keys[i]);
                return -1;
            }
        }
    }
    return 0;
}

char *ss_metrics_render_emf(const struct ss_report *r, const char *ns, const char *dims)
{
    char keys[30][64], vals[30][256], err[128];
    struct emf_metric m[32];
    size_t nd = 0, nm = emf_metrics(r, m);
    json_object *root = json_object_new_object(), *aws = json_object_new_object(),
                *cwm = json_object_new_array(), *dir = json_object_new_object(),
                *dset = json_object_new_array(), *dsets = json_object_new_array(),
                *mets = json_object_new_array();
    char *out = NULL;
    int bad = !root || !aws || !cwm || !dir || !dset || !dsets || !mets;

    if (parse_dims(dims, keys, vals, &nd, err, sizeof err) < 0) {
        ss_error("metrics_dimensions: %s", err); /* checked with the configuration */
        bad = 1;
    }
    for (size_t i = 0; !bad && i < nd; i++) {
        bad |= json_object_array_add(dset, json_object_new_string(keys[i])) != 0;
        bad |= json_object_object_add(root, keys[i], json_object_new_string(vals[i])) != 0;
    }
    for (size_t i = 0; !bad && i < nm; i++) {
        json_object *d = json_object_new_object();
        bad |= !d || json_object_array_add(mets, d) != 0;
        if (bad) {
            json_object_put(d);
            break;
        }
        bad |= json_object_object_add(d, "Name", json_object_new_string(m[i].name)) != 0;
        bad |= json_object_object_add(d, "Unit", json_object_new_string(m[i].unit)) != 0;
        bad |= json_object_object_add(root, m[i].name,
                                      m[i].unit[0] == 'S'
                                          ? json_object_new_double(m[i].value)
                                          : json_object_new_int64((int64_t)m[i].value)) != 0;
    }
    if (!bad) {
        bad |= json_object_object_add(root, "run_id", json_object_new_string(r->run_id)) != 0;
        bad |= json_object_object_add(root, "exit_code", json_object_new_int(r->exit_code)) != 0;
        bad |= json_object_array_add(dsets, dset) != 0;
        dset = NULL;
        bad |= json_object_object_add(dir, "Namespace",
                                      json_object_new_string(ns && *ns ? ns : "scimsync")) != 0;
        bad |= json_object_object_add(dir, "Dimensions", dsets) != 0;
        dsets = NULL;
        bad |= json_object_object_add(dir, "Metrics", mets) != 0;
        mets = NULL;
        bad |= json_object_array_add(cwm, dir) != 0;
        dir = NULL;
        bad |= json_object_object_add(aws, "Timestamp",
                                      json_object_new_int64((int64_t)(r->end * 1000.0))) != 0;
        bad |= json_object_object_add(aws, "CloudWatchMetrics", cwm) != 0;
        cwm = NULL;
        bad |= json_object_object_add(root, "_aws", aws) != 0;
        aws = NULL;
    }
    if (!bad) {
        const char *t = json_object_to_json_string_ext(root, JSON_C_TO_STRING_PLAIN |
                                                                 JSON_C_TO_STRING_NOSLASHESCAPE);
        out = t ? strdup(t) : NULL;
    }
    if (!out && !bad)
        ss_error("out of memory rendering the EMF line");
    json_object_put(dset);
    json_object_put(dsets);
    json_object_put(mets);
    json_object_put(dir);
    json_object_put(cwm);
    json_object_put(aws);
    json_object_put(root);
    return out;
}

int ss_metrics_after_run(const struct ss_report *r, const char *textfile, int emf, const char *ns,
                         const char *dims, FILE *out)
{
    int rc = 0;
    char *text = NULL;
    pthread_mutex_lock(&g_lock);
    if (textfile && *textfile && !g_loaded) {
        /* one-shot runs: the counters and the last success live in the file */
        ss_metrics_load_textfile(&g_state, textfile);
        g_loaded = 1;
    }
    ss_metrics_add_run(&g_state, r);
    if (textfile && *textfile)
        text = ss_metrics_render_prometheus(&g_state);
    pthread_mutex_unlock(&g_lock);
    if (textfile && *textfile) {
        if (!text || ss_write_file_atomic(textfile, text, "metrics_textfile") < 0)
            rc = -1;
        free(text);
    }
    if (emf) {
        char *line = ss_metrics_render_emf(r, ns, dims);
        if (line) {
            out = out ? out : stdout;
            fprintf(out, "%s\n", line);
            fflush(out);
        } else {
            rc = -1;
        }
        free(line);
    }
    return rc;
}
