/* The run lock: one holder at a time, the holder named to the second, a
 * dead holder's lock taken over, the default path per account. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include "lock.h"

static char g_dir[256];

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof g_dir, "/tmp/ss_lock_test.XXXXXX");
    return mkdtemp(g_dir) ? 0 : -1;
}

static int teardown(void **state)
{
    char cmd[300];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", g_dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_second_is_busy_and_names_holder(void **state)
{
    struct ss_lock a = SS_LOCK_INIT, b = SS_LOCK_INIT;
    struct ss_lock_holder h;
    char path[400], who[256];
    (void)state;

    /* the folder is created on first use */
    snprintf(path, sizeof path, "%s/run/t.lock", g_dir);
    assert_int_equal(ss_lock_acquire(&a, path, "sync", &h), SS_LOCK_HELD);
    /* flock belongs to the open file: a second open conflicts even here */
    assert_int_equal(ss_lock_acquire(&b, path, "sync", &h), SS_LOCK_BUSY);
    assert_int_equal(h.pid, (long)getpid());
    assert_string_equal(h.command, "sync");
    assert_true(h.host[0] != '\0');
    assert_int_equal(strlen(h.started), 20); /* 2026-11-30T07:00:00Z */
    ss_lock_holder_describe(&h, who, sizeof who);
    assert_non_null(strstr(who, "sync pid "));
    assert_non_null(strstr(who, " on host "));
    assert_non_null(strstr(who, ", started "));
    ss_lock_release(&a);
    assert_int_equal(access(path, F_OK), -1); /* nothing left behind */
    assert_int_equal(ss_lock_acquire(&b, path, "daemon", &h), SS_LOCK_HELD);
    ss_lock_release(&b);
    ss_lock_release(&b); /* twice is harmless */
}

static void test_dead_holder_is_taken_over(void **state)
{
    struct ss_lock a = SS_LOCK_INIT;
    struct ss_lock_holder h;
    char path[400];
    int ready[2], status;
    pid_t pid;
    (void)state;

    snprintf(path, sizeof path, "%s/t.lock", g_dir);
    assert_int_equal(pipe(ready), 0);
    pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        struct ss_lock c = SS_LOCK_INIT;
        char one = ss_lock_acquire(&c, path, "sync", &h) == SS_LOCK_HELD ? '1' : '0';
        if (write(ready[1], &one, 1) != 1)
            _exit(2);
        pause(); /* killed while holding it */
        _exit(0);
    }
    char got = 0;
    assert_int_equal(read(ready[0], &got, 1), 1);
    assert_int_equal(got, '1');
    assert_int_equal(ss_lock_acquire(&a, path, "sync", &h), SS_LOCK_BUSY);
    assert_int_equal(h.pid, (long)pid);
    kill(pid, SIGKILL);
    assert_int_equal(waitpid(pid, &status, 0), pid);
    /* the holder is gone: its stale file does not matter */
    assert_int_equal(ss_lock_acquire(&a, path, "sync", &h), SS_LOCK_HELD);
    ss_lock_release(&a);
    close(ready[0]);
    close(ready[1]);
}

static void test_folder_writable_by_others_is_refused(void **state)
{
    struct ss_lock a = SS_LOCK_INIT;
    struct ss_lock_holder h;
    char dir[400], path[420];
    (void)state;

    snprintf(dir, sizeof dir, "%s/open", g_dir);
    assert_int_equal(mkdir(dir, 0700), 0);
    assert_int_equal(chmod(dir, 0777), 0);
    snprintf(path, sizeof path, "%s/t.lock", dir);
    assert_int_equal(ss_lock_acquire(&a, path, "sync", &h), SS_LOCK_ERROR);
    assert_int_equal(chmod(dir, 01777), 0); /* sticky, like /tmp: fine */
    assert_int_equal(ss_lock_acquire(&a, path, "sync", &h), SS_LOCK_HELD);
    ss_lock_release(&a);
}

static void test_unusable_path_is_an_error(void **state)
{
    struct ss_lock a = SS_LOCK_INIT;
    struct ss_lock_holder h;
    char path[400];
    (void)state;

    snprintf(path, sizeof path, "%s/no/such/folder/t.lock", g_dir);
    assert_int_equal(ss_lock_acquire(&a, path, "sync", &h), SS_LOCK_ERROR);
    assert_int_equal(a.fd, -1);
}

static void test_holder_parse(void **state)
{
    struct ss_lock_holder h;
    char who[256];
    (void)state;

    ss_lock_holder_parse("host=web1\npid=4242\nstarted=2026-11-30T07:00:00Z\ncommand=daemon\n", &h);
    ss_lock_holder_describe(&h, who, sizeof who);
    assert_string_equal(who, "daemon pid 4242 on host web1, started 2026-11-30T07:00:00Z");
    ss_lock_holder_parse("", &h);
    ss_lock_holder_describe(&h, who, sizeof who);
    assert_string_equal(who, "a process that has not recorded itself yet");
}

static void test_default_path(void **state)
{
    char *a, *b, want[400];
    (void)state;

    unsetenv("RUNTIME_DIRECTORY");
    setenv("XDG_RUNTIME_DIR", g_dir, 1);
    a = ss_lock_default_path("scim\nhttps://a.example/scim/v2/");
    b = ss_lock_default_path("scim\nhttps://b.example/scim/v2/");
    assert_non_null(a);
    assert_non_null(b);
    assert_string_not_equal(a, b);
    if (geteuid() == 0)
        snprintf(want, sizeof want, "/run/scimsync/");
    else
        snprintf(want, sizeof want, "%s/scimsync/", g_dir);
    assert_memory_equal(a, want, strlen(want));
    assert_string_equal(a + strlen(a) - 5, ".lock");
    free(a);
    free(b);
    if (geteuid() != 0) {
        /* systemd's RuntimeDirectory= comes first */
        setenv("RUNTIME_DIRECTORY", g_dir, 1);
        a = ss_lock_default_path("x");
        snprintf(want, sizeof want, "%s/", g_dir);
        assert_memory_equal(a, want, strlen(want));
        free(a);
        unsetenv("RUNTIME_DIRECTORY");
    }
    unsetenv("XDG_RUNTIME_DIR");
    if (geteuid() != 0) {
        a = ss_lock_default_path("x");
        snprintf(want, sizeof want, "/tmp/scimsync-%lu/", (unsigned long)geteuid());
        assert_memory_equal(a, want, strlen(want));
        free(a);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_second_is_busy_and_names_holder, setup, teardown),
        cmocka_unit_test_setup_teardown(test_dead_holder_is_taken_over, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unusable_path_is_an_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_folder_writable_by_others_is_refused, setup, teardown),
        cmocka_unit_test(test_holder_parse),
        cmocka_unit_test_setup_teardown(test_default_path, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
