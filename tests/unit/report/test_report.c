/* The pure parts of the run report, metrics, progress and structured log
 * lines: renderers checked by parsing what they produce (json-c), the
 * textfile carried from one run to the next, the atomic writer. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "progress.h"
#include "report.h"

static json_object *get(json_object *o, const char *path)
{
    /* "a.b.c" */
    char buf[256];
    snprintf(buf, sizeof buf, "%s", path);
    for (char *tok = strtok(buf, "."); tok && o; tok = strtok(NULL, ".")) {
        json_object *next = NULL;
        if (!json_object_object_get_ex(o, tok, &next))
            return NULL;
        o = next;
    }
    return o;
}

static long long num(json_object *root, const char *path)
{
    json_object *v = get(root, path);
    assert_non_null(v);
    return json_object_get_int64(v);
}

/* A finished run with a bit of everything. */
static void sample_report(struct ss_report *r, int exit_code)
{
    static const char *const files[] = {"/etc/scimsync/scimsync.ini", "/etc/scimsync/conf.d/a.ini"};
    ss_report_begin(r, "sync", 0, files, 2);
    ss_report_phase_begin(SS_RUN_SOURCE_READ);
    ss_report_source_read("hr", 12, 1);
    ss_report_skip("hr", "user", "users.csv:7", "u7", "userName: empty");
    ss_report_phase_end(SS_RUN_SOURCE_READ);
    r->skipped_invalid = 1;
    ss_report_request("GET", 200, -1);
    ss_report_request("POST", 201, -1);
    ss_report_request("POST", 201, -1);
    ss_report_request("POST", 429, 1.5);
    ss_report_request("POST", 500, -1);
    ss_report_request("PATCH", 0, 0.5);
    r->counts[SS_KIND_USER][SS_ACT_CREATED] = 2;
    r->counts[SS_KIND_USER][SS_ACT_FAILED] = 1;
    r->counts[SS_KIND_MEMBERSHIP][SS_ACT_CREATED] = 5;
    r->failures = calloc(1, sizeof(*r->failures));
    r->failures_cap = 1;
    r->failures[0] = (struct ss_report_failure){
        .operation = "create_user",
        .kind = "user",
        .user_name = "bob@example.com",
        .external_id = "u2",
        .http_status = 500,
        .detail = "HTTP 500: InternalFailure \"quoted\"",
    };
    r->nfailures = 1;
    r->failures_total = 1;
    r->ops_failed = 1;
    ss_report_finish(r, exit_code);
}

static void test_report_document(void **state)
{
    (void)state;
    struct ss_report r;
    sample_report(&r, 3);
    assert_null(ss_report_current());
    for (int pretty = 0; pretty < 2; pretty++) {
        char *text = ss_report_render(&r, pretty, 0);
        assert_non_null(text);
        if (!pretty)
            assert_null(strchr(text, '\n'));
        json_object *o = json_tokener_parse(text);
        assert_non_null(o);
        assert_int_equal(num(o, "report_version"), 1);
        assert_int_equal(strlen(json_object_get_string(get(o, "run_id"))), 36);
        assert_string_equal(json_object_get_string(get(o, "command")), "sync");
        assert_int_equal(json_object_array_length(get(o, "config_files")), 2);
        assert_int_equal(num(o, "exit_code"), 3);
        assert_int_equal(num(o, "source.entries_read"), 12);
        assert_int_equal(num(o, "source.skipped.invalid"), 1);
        json_object *sk = json_object_array_get_idx(get(o, "source.skipped.entries"), 0);
        assert_string_equal(json_object_get_string(get(sk, "reason")), "userName: empty");
        assert_int_equal(num(o, "changes.users.created"), 2);
        assert_int_equal(num(o, "changes.users.failed"), 1);
        assert_int_equal(num(o, "changes.memberships.added"), 5);
        assert_null(get(o, "changes.groups.deactivated"));
        json_object *f = json_object_array_get_idx(get(o, "failures"), 0);
        assert_string_equal(json_object_get_string(get(f, "userName")), "bob@example.com");
        assert_string_equal(json_object_get_string(get(f, "detail")),
                            "HTTP 500: InternalFailure \"quoted\"");
        assert_int_equal(num(f, "http_status"), 500);
        assert_int_equal(num(o, "requests.total"), 6);
        assert_int_equal(num(o, "requests.by_method_and_status.POST.201"), 2);
        assert_int_equal(num(o, "requests.by_method_and_status.PATCH.no_answer"), 1);
        assert_int_equal(num(o, "requests.throttled"), 1);
        assert_int_equal(num(o, "requests.retries"), 2);
        assert_non_null(get(o, "phase_seconds.source_read"));
        assert_true(json_object_is_type(get(o, "phase_seconds.apply"), json_type_null));
        assert_false(json_object_get_boolean(get(o, "interrupted")));
        assert_null(get(o, "plan"));
        json_object_put(o);
        free(text);
    }
    ss_report_free(&r);
}

/* --json: the plan document streamed by plan_print.c goes in as "plan". */
static void test_report_with_plan(void **state)
{
    (void)state;
    struct ss_report r;
    sample_report(&r, 0);
    r.plan_json = strdup("{\"ops\": [\n  {\"op\":\"create_user\"}\n],\n\"counts\": {}}\n");
    for (int pretty = 0; pretty < 2; pretty++) {
        char *text = ss_report_render(&r, pretty, 1);
        json_object *o = json_tokener_parse(text);
        assert_non_null(o);
        json_object *op = json_object_array_get_idx(get(o, "plan.ops"), 0);
        assert_string_equal(json_object_get_string(get(op, "op")), "create_user");
        assert_int_equal(num(o, "report_version"), 1);
        json_object_put(o);
        free(text);
    }
    ss_report_free(&r);
}

static void test_safety_numbers(void **state)
{
    (void)state;
    struct ss_report r;
    struct ss_plan_counts c;
    struct ss_safety_policy p;
    struct ss_safety_verdict v;
    static const char *const none[] = {NULL};
    memset(&c, 0, sizeof c);
    ss_safety_policy_off(&p);
    p.user_removals.count = 5;
    c.users_deactivate = 8;
    c.users_delete = 2;
    c.owned_users = 100;
    ss_report_begin(&r, "sync", 0, none, 0);
    assert_int_equal(ss_safety_check(&c, &p, &v), 1);
    ss_report_safety(&c, &p, &v);
    ss_report_finish(&r, 4);
    char *text = ss_report_render(&r, 0, 0);
    json_object *o = json_tokener_parse(text);
    json_object *l = json_object_array_get_idx(get(o, "safety.limits_exceeded"), 0);
    assert_true(json_object_get_boolean(get(o, "safety.refused")));
    assert_string_equal(json_object_get_string(get(l, "limit")), "user_removals");
    assert_int_equal(num(l, "changes"), 10);
    assert_int_equal(num(l, "population"), 100);
    assert_int_equal(num(l, "max_count"), 5);
    assert_true(json_object_is_type(get(l, "max_percent"), json_type_null));
    assert_non_null(strstr(json_object_get_string(get(o, "safety.message")), "max_deletes"));
    json_object_put(o);
    free(text);
    ss_report_free(&r);
}

/* Hooks outside a run change nothing and do not crash. */
static void test_hooks_without_run(void **state)
{
    (void)state;
    assert_null(ss_report_current());
    ss_report_request("GET", 200, -1);
    ss_report_skip("s", "user", "w", "i", "r");
    ss_report_source_read("s", 1, 1);
    ss_report_phase_begin(SS_RUN_APPLY);
    ss_report_phase_end(SS_RUN_APPLY);
}

static const char *find_line(const char *text, const char *line)
{
    size_t n = strlen(line);
    for (const char *p = text; (p = strstr(p, line)) != NULL; p++) {
        if ((p == text || p[-1] == '\n') && (p[n] == '\n' || p[n] == '\0'))
            return p;
    }
    return NULL;
}

static void test_prometheus_and_carry_over(void **state)
{
    (void)state;
    struct ss_report r;
    struct ss_metrics_state st, back;
    char dir[] = "/tmp/ss_metrics_test.XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/scimsync.prom", dir);

    memset(&st, 0, sizeof st);
    sample_report(&r, 3);
    ss_metrics_add_run(&st, &r);
    ss_report_free(&r);
    char *text = ss_metrics_render_prometheus(&st);
    assert_non_null(text);
    assert_non_null(find_line(text, "# TYPE scimsync_runs_total counter"));
    assert_non_null(find_line(text, "scimsync_runs_total{result=\"failed\"} 1"));
    assert_non_null(find_line(text, "scimsync_last_success_timestamp_seconds 0.000"));
    assert_non_null(find_line(text, "scimsync_last_run_exit_code 3"));
    assert_non_null(find_line(text, "scimsync_requests_total{method=\"POST\",code=\"201\"} 2"));
    assert_non_null(find_line(text, "scimsync_requests_total{method=\"PATCH\",code=\"0\"} 1"));
    assert_non_null(find_line(text, "scimsync_objects_total{kind=\"user\",action=\"failed\"} 1"));
    assert_non_null(
        find_line(text, "scimsync_objects_total{kind=\"membership\",action=\"added\"} 5"));
    assert_null(strstr(text, "action=\"deactivated\"} 0\nscimsync_objects_total{kind=\"group\","
                             "action=\"deactivated\""));
    /* every sample line belongs to a family announced with HELP and TYPE */
    for (const char *p = text; *p; p = strchr(p, '\n') + 1) {
        if (*p != '#') {
            char fam[128];
            size_t n = strcspn(p, "{ ");
            snprintf(fam, sizeof fam, "# TYPE %.*s ", (int)n, p);
            assert_non_null(strstr(text, fam));
        }
        if (!strchr(p, '\n'))
            break;
    }
    assert_int_equal(ss_write_file_atomic(path, text, "metrics_textfile"), 0);
    free(text);
    {
        /* the mode a new file gets (not mkstemp's 0600): the collector may be another user */
        struct stat sb;
        mode_t um = umask(022);
        assert_int_equal(ss_write_file_atomic(path, "x\n", "metrics_textfile"), 0);
        umask(um);
        assert_int_equal(stat(path, &sb), 0);
        assert_int_equal(sb.st_mode & 0777, 0644);
        text = ss_metrics_render_prometheus(&st);
        assert_int_equal(ss_write_file_atomic(path, text, "metrics_textfile"), 0);
        free(text);
    }

    /* the next one-shot run reads the counters and the last success back */
    memset(&back, 0, sizeof back);
    assert_int_equal(ss_metrics_load_textfile(&back, path), 0);
    assert_true(back.runs[SS_RESULT_FAILED] == 1);
    assert_true(back.objects[SS_KIND_MEMBERSHIP][SS_ACT_CREATED] == 5);
    assert_true(back.throttled == 1 && back.retries == 2 && back.failures == 1);
    assert_int_equal(back.nreq, 5);
    sample_report(&r, 0);
    ss_metrics_add_run(&back, &r);
    ss_report_free(&r);
    assert_true(back.runs[SS_RESULT_FAILED] == 1 && back.runs[SS_RESULT_SUCCESS] == 1);
    assert_true(back.objects[SS_KIND_MEMBERSHIP][SS_ACT_CREATED] == 10);
    assert_true(back.last_success_ts > 1e9);
    text = ss_metrics_render_prometheus(&back);
    assert_non_null(find_line(text, "scimsync_requests_total{method=\"POST\",code=\"201\"} 4"));
    assert_int_equal(ss_write_file_atomic(path, text, "metrics_textfile"), 0);
    free(text);
    memset(&st, 0, sizeof st);
    assert_int_equal(ss_metrics_load_textfile(&st, path), 0);
    assert_true(st.last_success_ts == back.last_success_ts ||
                st.last_success_ts - back.last_success_ts < 0.001);

    /* a missing file is a first run, not an error */
    snprintf(path, sizeof path, "%s/none.prom", dir);
    assert_int_equal(ss_metrics_load_textfile(&st, path), 0);
    snprintf(path, sizeof path, "%s/scimsync.prom", dir);
    unlink(path);
    rmdir(dir);
}

/* Staged deletes: the report's staged_deletes, the Prometheus gauge and
 * counter (carried over through the textfile), the EMF metrics. */
static void test_staged_deletes(void **state)
{
    (void)state;
    struct ss_report r;
    struct ss_metrics_state st, back;
    char dir[] = "/tmp/ss_metrics_staged.XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/scimsync.prom", dir);

    sample_report(&r, 0);
    char *text = ss_report_render(&r, 0, 0);
    json_object *o = json_tokener_parse(text);
    assert_true(json_object_is_type(get(o, "staged_deletes"), json_type_null));
    assert_null(get(o, "planned.users_pending_delete"));
    json_object_put(o);
    free(text);
    memset(&st, 0, sizeof st);
    ss_metrics_add_run(&st, &r);
    text = ss_metrics_render_prometheus(&st);
    assert_non_null(find_line(text, "scimsync_users_pending_delete 0"));
    assert_non_null(find_line(text, "scimsync_users_deleted_after_grace_total 0"));
    free(text);
    ss_report_free(&r);

    sample_report(&r, 0);
    r.staged = 1;
    r.planned = 1;
    r.plan.users_pending_delete = 4;
    r.users_deleted_after_grace = 2;
    text = ss_report_render(&r, 0, 0);
    o = json_tokener_parse(text);
    assert_int_equal(num(o, "staged_deletes.users_pending_delete"), 4);
    assert_int_equal(num(o, "staged_deletes.users_deleted_after_grace"), 2);
    assert_int_equal(num(o, "planned.users_pending_delete"), 4);
    json_object_put(o);
    free(text);
    char *line = ss_metrics_render_emf(&r, NULL, NULL);
    o = json_tokener_parse(line);
    assert_int_equal(num(o, "UsersPendingDelete"), 4);
    assert_int_equal(num(o, "UsersDeletedAfterGrace"), 2);
    json_object_put(o);
    free(line);
    memset(&st, 0, sizeof st);
    ss_metrics_add_run(&st, &r);
    text = ss_metrics_render_prometheus(&st);
    assert_non_null(find_line(text, "# TYPE scimsync_users_pending_delete gauge"));
    assert_non_null(find_line(text, "scimsync_users_pending_delete 4"));
    assert_non_null(find_line(text, "# TYPE scimsync_users_deleted_after_grace_total counter"));
    assert_non_null(find_line(text, "scimsync_users_deleted_after_grace_total 2"));
    assert_int_equal(ss_write_file_atomic(path, text, "metrics_textfile"), 0);
    free(text);
    /* the next one-shot run adds to the counter it reads back */
    memset(&back, 0, sizeof back);
    assert_int_equal(ss_metrics_load_textfile(&back, path), 0);
    assert_true(back.deleted_after_grace == 2);
    ss_metrics_add_run(&back, &r);
    assert_true(back.deleted_after_grace == 4);
    ss_report_free(&r);
    unlink(path);
    rmdir(dir);
}

static void test_emf(void **state)
{
    (void)state;
    struct ss_report r;
    sample_report(&r, 3);
    char *line = ss_metrics_render_emf(&r, "acme/scimsync", "Tenant=prod, Env=test");
    assert_non_null(line);
    assert_null(strchr(line, '\n'));
    json_object *o = json_tokener_parse(line);
    assert_non_null(o);
    assert_true(num(o, "_aws.Timestamp") > 1000000000000LL);
    json_object *d = json_object_array_get_idx(get(o, "_aws.CloudWatchMetrics"), 0);
    assert_string_equal(json_object_get_string(get(d, "Namespace")), "acme/scimsync");
    json_object *ds = json_object_array_get_idx(get(d, "Dimensions"), 0);
    assert_int_equal(json_object_array_length(ds), 2);
    assert_string_equal(json_object_get_string(json_object_array_get_idx(ds, 1)), "Env");
    assert_string_equal(json_object_get_string(get(o, "Tenant")), "prod");
    json_object *m = get(d, "Metrics");
    assert_true(json_object_array_length(m) > 5);
    for (size_t i = 0; i < json_object_array_length(m); i++) {
        json_object *def = json_object_array_get_idx(m, i);
        const char *name = json_object_get_string(get(def, "Name"));
        json_object *v = get(o, name);
        assert_non_null(v);
        assert_true(json_object_is_type(v, json_type_int) ||
                    json_object_is_type(v, json_type_double));
        assert_non_null(get(def, "Unit"));
    }
    assert_int_equal(num(o, "RunFailed"), 1);
    assert_int_equal(num(o, "RunSucceeded"), 0);
    assert_int_equal(num(o, "FailedOperations"), 1);
    assert_int_equal(num(o, "ThrottledResponses"), 1);
    json_object_put(o);
    free(line);

    /* no dimensions: one empty dimension set */
    line = ss_metrics_render_emf(&r, NULL, NULL);
    o = json_tokener_parse(line);
    d = json_object_array_get_idx(get(o, "_aws.CloudWatchMetrics"), 0);
    assert_string_equal(json_object_get_string(get(d, "Namespace")), "scimsync");
    assert_int_equal(json_object_array_length(json_object_array_get_idx(get(d, "Dimensions"), 0)),
                     0);
    json_object_put(o);
    free(line);
    ss_report_free(&r);
}

static void test_dimensions_checked(void **state)
{
    (void)state;
    char err[160];
    assert_int_equal(ss_metrics_check_dimensions("Tenant=prod,Env=test", err, sizeof err), 0);
    assert_int_equal(ss_metrics_check_dimensions("", err, sizeof err), 0);
    assert_int_equal(ss_metrics_check_dimensions("Tenant", err, sizeof err), -1);
    assert_non_null(strstr(err, "Name=value"));
    assert_int_equal(ss_metrics_check_dimensions("Tenant=", err, sizeof err), -1);
    assert_int_equal(ss_metrics_check_dimensions("A=1,A=2", err, sizeof err), -1);
    assert_non_null(strstr(err, "twice"));
    assert_int_equal(ss_metrics_check_dimensions("_aws=1", err, sizeof err), -1);
    assert_int_equal(ss_metrics_check_dimensions("RunFailed=1", err, sizeof err), -1);
    assert_non_null(strstr(err, "metric"));
}

static void test_progress_format(void **state)
{
    (void)state;
    char buf[160];
    ss_progress_format(buf, sizeof buf, "apply", 120, 2000, "operations", 6.0);
    assert_string_equal(buf, "apply: 120/2000 operations (6%), 20.0/s, ETA 1m34s");
    ss_progress_format(buf, sizeof buf, "source read", 5000, 0, "entries", 2.0);
    assert_string_equal(buf, "source read: 5000 entries, 2500.0/s");
    ss_progress_format(buf, sizeof buf, "apply", 0, 10, "operations", 0.0);
    assert_string_equal(buf, "apply: 0/10 operations (0%), 0.0/s");
    ss_progress_format(buf, sizeof buf, "apply", 10, 20000, "operations", 2.0);
    assert_string_equal(buf, "apply: 10/20000 operations (0%), 5.0/s, ETA 1h06m");
}

/* stderr captured in a file while fn runs. */
static char *capture_stderr(void (*fn)(void))
{
    char path[] = "/tmp/ss_log_test.XXXXXX";
    int fd = mkstemp(path), saved = dup(2);
    static char buf[4096];
    assert_true(fd >= 0 && saved >= 0);
    fflush(stderr);
    dup2(fd, 2);
    fn();
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    ssize_t n = pread(fd, buf, sizeof buf - 1, 0);
    buf[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    return buf;
}

static void log_one_event(void)
{
    struct ss_log_field f[] = {SS_LF_S("source", "hr"), SS_LF_I("entries", 42),
                               SS_LF_D("duration_seconds", 1.5)};
    ss_log_event(SCIMSYNC_LOG_INFO, NULL, "source_read", f, 3, "source %s: %d entries read", "hr",
                 42);
}

static void test_structured_log(void **state)
{
    (void)state;
    ss_log_set_level(SCIMSYNC_LOG_INFO);
    ss_log_set_format(SS_LOG_JSON);
    char *out = capture_stderr(log_one_event);
    json_object *o = json_tokener_parse(out);
    assert_non_null(o);
    assert_string_equal(json_object_get_string(get(o, "event")), "source_read");
    assert_string_equal(json_object_get_string(get(o, "source")), "hr");
    assert_int_equal(num(o, "entries"), 42);
    assert_true(json_object_get_double(get(o, "duration_seconds")) == 1.5);
    assert_string_equal(json_object_get_string(get(o, "msg")), "source hr: 42 entries read");
    json_object_put(o);
    /* text output: the message as before, no fields */
    ss_log_set_format(SS_LOG_TEXT);
    out = capture_stderr(log_one_event);
    assert_non_null(strstr(out, " info source hr: 42 entries read\n"));
    assert_null(strstr(out, "source_read"));
}

static void test_atomic_write_failure(void **state)
{
    (void)state;
    /* logs why, once */
    assert_true(ss_write_file_atomic("/nonexistent-dir/x/report.json", "{}", "report") < 0);
}

/* The process's state: what the daemon's /metrics serves and /healthz
 * asks; the textfile is written after each run. */
static void test_after_run(void **state)
{
    (void)state;
    struct ss_report r;
    char dir[] = "/tmp/ss_metrics_run.XXXXXX", path[256];
    assert_non_null(mkdtemp(dir));
    snprintf(path, sizeof path, "%s/m.prom", dir);
    assert_true(ss_metrics_last_success() == 0);
    sample_report(&r, 3);
    assert_int_equal(ss_metrics_after_run(&r, path, 0, NULL, NULL, NULL), 0);
    ss_report_free(&r);
    assert_true(ss_metrics_last_success() == 0);
    sample_report(&r, 0);
    assert_int_equal(ss_metrics_after_run(&r, path, 0, NULL, NULL, NULL), 0);
    ss_report_free(&r);
    assert_true(ss_metrics_last_success() > 1e9);
    char *text = ss_metrics_text();
    assert_non_null(find_line(text, "scimsync_runs_total{result=\"success\"} 1"));
    assert_non_null(find_line(text, "scimsync_runs_total{result=\"failed\"} 1"));
    free(text);
    struct ss_metrics_state st;
    memset(&st, 0, sizeof st);
    assert_int_equal(ss_metrics_load_textfile(&st, path), 0);
    assert_true(st.runs[SS_RESULT_SUCCESS] == 1 && st.runs[SS_RESULT_FAILED] == 1);
    unlink(path);
    rmdir(dir);
}

/* Operations a clean stop kept from starting are counted as not started,
 * never as failures; the others of the plan as they ended. */
static void test_not_started_is_no_failure(void **state)
{
    (void)state;
    struct ss_dir src, tgt;
    struct ss_plan plan;
    struct ss_report r;
    static const char *const none[] = {NULL};
    ss_dir_init(&src);
    ss_dir_init(&tgt);
    for (int i = 0; i < 3; i++) {
        struct ss_user_rec *u = ss_dir_add_user(&src);
        assert_non_null(u);
        u->field[SCIMSYNC_F_USER_NAME] = i == 0 ? "a@x" : i == 1 ? "b@x" : "c@x";
        u->external_id = i == 0 ? "1" : i == 1 ? "2" : "3";
    }
    assert_int_equal(ss_plan_init(&plan, &src, &tgt), 0);
    for (uint32_t i = 0; i < 3; i++) {
        struct ss_plan_op *op = ss_plan_add(&plan, SS_WAVE_CREATE_USERS, SCIMSYNC_OP_CREATE_USER);
        assert_non_null(op);
        op->user = i;
        op->state = i == 0 ? SS_OP_DONE : i == 1 ? SS_OP_FAILED : SS_OP_NOT_ATTEMPTED;
        op->error = i == 1 ? "HTTP 400: bad" : i == 2 ? "not started (interrupted)" : NULL;
        op->http_status = i == 1 ? 400 : 0;
        op->not_started = i == 2;
    }
    ss_report_begin(&r, "sync", 0, none, 0);
    ss_report_apply_results(&plan);
    ss_report_finish(&r, 3);
    assert_int_equal(r.counts[SS_KIND_USER][SS_ACT_CREATED], 1);
    assert_int_equal(r.counts[SS_KIND_USER][SS_ACT_FAILED], 1);
    assert_int_equal(r.counts[SS_KIND_USER][SS_ACT_NOT_STARTED], 1);
    assert_int_equal(r.counts[SS_KIND_USER][SS_ACT_NOT_ATTEMPTED], 0);
    assert_int_equal(r.failures_total, 1);
    assert_int_equal(r.ops_not_started, 1);
    char *text = ss_report_render(&r, 0, 0);
    json_object *o = json_tokener_parse(text);
    assert_int_equal(num(o, "changes.users.not_started"), 1);
    assert_int_equal(num(o, "not_started_total"), 1);
    json_object *f = json_object_array_get_idx(get(o, "failures"), 0);
    assert_string_equal(json_object_get_string(get(f, "userName")), "b@x");
    assert_int_equal(num(f, "http_status"), 400);
    assert_int_equal(json_object_array_length(get(o, "failures")), 1);
    json_object_put(o);
    free(text);
    ss_report_free(&r);
    ss_plan_free(&plan);
    ss_dir_free(&src);
    ss_dir_free(&tgt);
}

static void count_fn(const struct scimsync_host *h, const char *m, long st, double r)
{
    (void)h, (void)m, (void)st, (void)r;
}

/* A host built for ABI 1.0 hands a table that ends at should_stop: a
 * plugin built with this header must see no count_request there. */
static void test_host_has(void **state)
{
    (void)state;
    struct scimsync_host h;
    memset(&h, 0, sizeof h);
    h.count_request = count_fn;
    h.struct_size = (uint32_t)offsetof(struct scimsync_host, count_request);
    assert_false(SCIMSYNC_HOST_HAS(&h, count_request));
    h.struct_size = sizeof h;
    assert_true(SCIMSYNC_HOST_HAS(&h, count_request));
    assert_false(SCIMSYNC_HOST_HAS(&h, op_done)); /* present but not set */
    assert_true(offsetof(struct scimsync_host, count_request) >
                offsetof(struct scimsync_host, should_stop));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_report_document),
        cmocka_unit_test(test_report_with_plan),
        cmocka_unit_test(test_safety_numbers),
        cmocka_unit_test(test_hooks_without_run),
        cmocka_unit_test(test_prometheus_and_carry_over),
        cmocka_unit_test(test_emf),
        cmocka_unit_test(test_staged_deletes),
        cmocka_unit_test(test_dimensions_checked),
        cmocka_unit_test(test_progress_format),
        cmocka_unit_test(test_structured_log),
        cmocka_unit_test(test_atomic_write_failure),
        cmocka_unit_test(test_host_has),
        cmocka_unit_test(test_not_started_is_no_failure),
        cmocka_unit_test(test_after_run),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
