/* [engine] max_run_time: a run whose reads outlast it applies nothing
 * (exit 2); one whose apply outlasts it starts no further operation
 * (exit 3); either way the message names max_run_time, not a stop request,
 * and the next run starts afresh. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "fakes.h"
#include "host.h"
#include "log.h"

struct world {
    struct fake_source src;
    struct fake_target tgt;
    struct fake_run run;
    char errfile[64];
    int saved_stderr;
};

static int setup(void **state)
{
    struct world *w = calloc(1, sizeof(*w));
    if (!w)
        return -1;
    fake_source_reset(&w->src);
    fake_run_init(&w->run, &w->src, &w->tgt);
    ss_log_set_level(SCIMSYNC_LOG_ERROR);
    *state = w;
    return 0;
}

static int teardown(void **state)
{
    struct world *w = *state;
    fake_source_free(&w->src);
    fake_target_free(&w->tgt);
    fake_run_free(&w->run);
    free(w);
    return 0;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* Runs the engine with stderr (the log) in a file; returns the exit code
 * and leaves the log in log (NUL-terminated). */
static int run_logged(struct world *w, char *log, size_t cap)
{
    char path[] = "/tmp/ss_deadline_test.XXXXXX";
    int fd = mkstemp(path), saved = dup(2), rc;
    assert_true(fd >= 0 && saved >= 0);
    fflush(stderr);
    dup2(fd, 2);
    rc = fake_run(&w->run);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    ssize_t n = pread(fd, log, cap - 1, 0);
    log[n > 0 ? n : 0] = '\0';
    close(fd);
    unlink(path);
    return rc;
}

static void directory(struct world *w)
{
    fake_source_user(&w->src, "1", "userName", "alice@x", "givenName", "Alice", "familyName",
                     "Smith", "displayName", "Alice Smith", NULL);
    fake_source_user(&w->src, "2", "userName", "bob@x", "givenName", "Bob", "familyName", "Smith",
                     "displayName", "Bob Smith", NULL);
    fake_source_user(&w->src, "3", "userName", "carol@x", "givenName", "Carol", "familyName",
                     "Smith", "displayName", "Carol Smith", NULL);
    fake_source_group(&w->src, "g1", "aws-admins", 0, "1", "2", NULL);
    fake_source_group(&w->src, "g2", "aws-devs", 0, "3", NULL);
}

static void test_deadline_while_reading(void **state)
{
    struct world *w = *state;
    char log[8192];
    directory(w);
    w->run.opt.max_run_time = 1;
    w->tgt.wait_deadline_on_list = 1;
    double t0 = now_s();
    assert_int_equal(run_logged(w, log, sizeof log), SS_EXIT_READ);
    assert_true(now_s() - t0 < 20); /* bounded: the deadline, not the 30 s of the fake */
    assert_int_equal(w->tgt.apply_calls, 0);
    assert_int_equal(fake_target_live_users(&w->tgt), 0);
    assert_non_null(strstr(log, "max_run_time (1 s) reached while reading; nothing applied"));
    assert_null(strstr(log, "stop requested"));
    /* the deadline ends with its run; the stop flag was never set */
    assert_false(ss_host_run_should_stop());
    assert_false(ss_host_stop_requested());

    w->tgt.wait_deadline_on_list = 0;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(fake_target_live_users(&w->tgt), 3);
}

static void test_deadline_while_applying(void **state)
{
    struct world *w = *state;
    char log[8192];
    directory(w);
    w->run.opt.max_run_time = 1;
    w->tgt.wait_deadline_after_calls = 1; /* the user creates take too long */
    double t0 = now_s();
    assert_int_equal(run_logged(w, log, sizeof log), SS_EXIT_PARTIAL);
    assert_true(now_s() - t0 < 20);
    /* the first call went through; nothing after it started */
    assert_int_equal(w->tgt.apply_calls, 1);
    assert_int_equal(w->run.sum.users_created, 3);
    assert_int_equal(w->run.sum.groups_created, 0);
    assert_int_equal(w->run.sum.failed, 4); /* 2 group creates + 2 member adds */
    assert_non_null(strstr(log, "max_run_time (1 s) reached; the remaining operations are not "
                                "attempted"));
    assert_non_null(strstr(log, "max_run_time (1 s) reached while applying"));
    assert_null(strstr(log, "stop requested"));
    assert_false(ss_host_run_should_stop());

    /* the next run completes what was left */
    w->tgt.wait_deadline_after_calls = 0;
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    assert_int_equal(w->run.sum.groups_created, 2);
    assert_true(fake_target_is_member(&w->tgt, "aws-admins", "bob@x"));
}

static void test_no_deadline(void **state)
{
    struct world *w = *state;
    directory(w);
    /* 0 is no limit: a run that takes its time is not cut */
    w->run.opt.max_run_time = 0;
    ss_host_set_deadline(0);
    assert_false(ss_host_deadline_passed());
    assert_int_equal(fake_run(&w->run), SS_EXIT_OK);
    /* a signal still reads as a stop request */
    char why[64];
    ss_host_request_stop();
    ss_host_set_deadline(1);
    ss_host_stop_reason(why, sizeof why);
    assert_string_equal(why, "stop requested");
    ss_host_clear_stop();
    ss_host_set_deadline(0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_deadline_while_reading, setup, teardown),
        cmocka_unit_test_setup_teardown(test_deadline_while_applying, setup, teardown),
        cmocka_unit_test_setup_teardown(test_no_deadline, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
