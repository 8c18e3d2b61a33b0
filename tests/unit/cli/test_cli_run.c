/* The scimsync commands run in-process (ss_cli_main) on files only: the
 * CSV source and the memory test target (tests/plugins/memory_target.c,
 * its state in a JSON file), so option parsing, help, validate, config,
 * plugins, check, plan and sync, the state store and the run report are
 * covered by the unit tests without a server.  stdout is captured per
 * command. */
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "cli.h"

static char dir[256], ini[320], confd[320], out[65536];

static void write_file(const char *name, const char *text)
{
    char path[512];
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int file_has(const char *name, const char *text)
{
    char path[512], buf[65536];
    size_t n;
    FILE *f;
    snprintf(path, sizeof path, "%s/%s", dir, name);
    if (!(f = fopen(path, "r")))
        return 0;
    n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return strstr(buf, text) != NULL;
}

/* Runs `scimsync [-c ini --conf-dir confd] ARGS...` (NULL-terminated),
 * stdout into out; returns the exit code. */
static int cli(int with_config, ...)
{
    char *argv[32];
    int argc = 0, rc, saved, fd;
    char cap[512];
    va_list ap;
    FILE *f;
    size_t n;

    argv[argc++] = (char *)"scimsync";
    if (with_config) {
        argv[argc++] = (char *)"-c";
        argv[argc++] = ini;
        argv[argc++] = (char *)"--conf-dir";
        argv[argc++] = confd;
    }
    va_start(ap, with_config);
    for (char *a; (a = va_arg(ap, char *)) != NULL && argc < 31;)
        argv[argc++] = a;
    va_end(ap);
    argv[argc] = NULL;
    snprintf(cap, sizeof cap, "%s/stdout.txt", dir);
    fflush(stdout);
    saved = dup(1);
    fd = open(cap, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    assert_true(saved >= 0 && fd >= 0);
    dup2(fd, 1);
    close(fd);
    rc = ss_cli_main(argc, argv);
    fflush(stdout);
    dup2(saved, 1);
    close(saved);
    f = fopen(cap, "r");
    assert_non_null(f);
    n = fread(out, 1, sizeof out - 1, f);
    out[n] = '\0';
    fclose(f);
    return rc;
}

static void assert_out(const char *text)
{
    if (!strstr(out, text))
        fail_msg("not in the output: \"%s\"; the output:\n%s", text, out);
}

static const char *users = "id,userName,givenName,familyName,displayName,email,active\n"
                           "u1,alice,Alice,Archer,Alice Archer,alice@example.com,true\n"
                           "u2,bob,Bob,Baker,Bob Baker,bob@example.com,true\n"
                           "u3,carol,Carol,Cooper,Carol Cooper,carol@example.com,true\n";

static void config(const char *engine, const char *target_extra)
{
    char text[2048];
    snprintf(
        text, sizeof text,
        "[engine]\nlock_file = run.lock\n%s\n\n"
        "[source hr]\nplugin = csv\nusers_file = users.csv\ngroups_file = groups.csv\n\n"
        "[target idc]\nplugin = memory\nstate_file = state.json\ntoken = env:SS_UT_TOKEN\n%s\n",
        engine, target_extra);
    write_file("scimsync.ini", text);
}

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/ss_cli_ut.XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(ini, sizeof ini, "%s/scimsync.ini", dir);
    snprintf(confd, sizeof confd, "%s/conf.d", dir);
    assert_int_equal(mkdir(confd, 0700), 0);
    write_file("users.csv", users);
    write_file("groups.csv", "id,displayName,members\ng1,staff,u1;u2\n");
    config("", "");
    setenv("SS_UT_TOKEN", "Tk-unit-secret-0123456789", 1);
    setenv("SCIMSYNC_PLUGIN_PATH", TEST_PLUGIN_DIR ":" BUILD_PLUGIN_DIR, 1);
    return 0;
}

static int teardown(void **state)
{
    char cmd[512];
    (void)state;
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void test_usage(void **state)
{
    (void)state;
    assert_int_equal(cli(0, "version", NULL), 0);
    assert_out("scimsync ");
    assert_out("(plugin ABI 1.");
    assert_int_equal(cli(0, "--help", NULL), 0);
    assert_out("Usage: scimsync");
    assert_int_equal(cli(0, "help", "sync", NULL), 0);
    assert_out("--dry-run");
    assert_int_equal(cli(0, "plan", "--help", NULL), 0);
    assert_int_equal(cli(0, "help", "config", NULL), 0);
    assert_out("Keys of [engine]:");
    assert_int_equal(cli(0, "help", "plugin", "csv", NULL), 0);
    assert_out("users_file");
    assert_int_equal(cli(0, "help", "nothing", NULL), 1);
    assert_int_equal(cli(0, "help", "plugin", NULL), 1);
    assert_int_equal(cli(0, NULL), 1);
    assert_int_equal(cli(0, "snyc", NULL), 1);
    assert_int_equal(cli(0, "sync", "--frobnicate", NULL), 1);
    assert_int_equal(cli(0, "sync", "--force", NULL), 1); /* never an abbreviation */
    assert_int_equal(cli(0, "plan", "--dry-run", NULL), 1);
    assert_int_equal(cli(0, "validate", "--json", NULL), 1);
    assert_int_equal(cli(0, "check", "--exit-code", NULL), 1);
    assert_int_equal(cli(0, "validate", "--keys", NULL), 1);
    assert_int_equal(cli(0, "validate", "--full", NULL), 1);
    assert_int_equal(cli(0, "config", "--report", "r.json", NULL), 1);
    assert_int_equal(cli(0, "sync", "--log-format", "xml", NULL), 1);
    assert_int_equal(cli(0, "daemon", "--force-deletes", NULL), 1);
    assert_int_equal(cli(0, "sync", "--force-deletes", "--dry-run", NULL), 1);
    assert_int_equal(cli(0, "sync", "-c", NULL), 1);
    assert_int_equal(cli(0, "version", "extra", NULL), 1);
}

static void test_offline_commands(void **state)
{
    (void)state;
    assert_int_equal(cli(1, "validate", NULL), 0);
    assert_int_equal(cli(1, "config", NULL), 0);
    assert_out("[source hr]");
    assert_out("users_file");
    assert_null(strstr(out, "Tk-unit-secret")); /* secrets never printed */
    assert_int_equal(cli(1, "plugins", NULL), 0);
    assert_out("csv");
    assert_int_equal(cli(1, "plugins", "--keys", "memory", NULL), 0);
    assert_int_equal(cli(1, "check", NULL), 0);
    /* a configuration that does not load */
    config("frobnicate = 1", "");
    assert_int_equal(cli(1, "validate", NULL), 1);
    assert_int_equal(cli(1, "config", NULL), 1);
    /* what validate checks on this machine: files and secrets */
    static const char *const bad[][2] = {
        {"users_file = nosuch.csv", ""},         {"users_file = .", ""},
        {"", "token = env:SS_UT_UNSET"},         {"", "token = env:SS_UT_EMPTY"},
        {"", "token = file:/nonexistent/token"},
    };
    setenv("SS_UT_EMPTY", "", 1);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        char text[1024];
        snprintf(text, sizeof text,
                 "[source hr]\nplugin = csv\ngroups_file = groups.csv\n%s\n%s\n\n"
                 "[target idc]\nplugin = memory\nstate_file = state.json\n%s\n",
                 bad[i][0][0] ? bad[i][0] : "", bad[i][0][0] ? "" : "users_file = users.csv",
                 bad[i][1][0] ? bad[i][1] : "token = env:SS_UT_TOKEN");
        write_file("scimsync.ini", text);
        if (cli(1, "validate", NULL) != 1)
            fail_msg("validate passed:\n%s", text);
    }
    config("", "");
    char missing[400];
    snprintf(missing, sizeof missing, "%s/none.ini", dir);
    assert_int_equal(cli(0, "-c", missing, "validate", NULL), 1);
}

static void test_plan_and_sync(void **state)
{
    (void)state;
    assert_int_equal(cli(1, "plan", NULL), 0);
    assert_out("alice");
    assert_int_equal(cli(1, "plan", "--exit-code", NULL), 8); /* changes pending */
    assert_int_equal(cli(1, "plan", "--json", NULL), 0);
    assert_out("\"create_user\"");
    assert_int_equal(cli(1, "sync", "--dry-run", NULL), 0);
    assert_false(file_has("state.json", "alice"));
    char report[400];
    snprintf(report, sizeof report, "%s/report.json", dir);
    assert_int_equal(cli(1, "-q", "sync", "--report", report, NULL), 0);
    assert_true(file_has("state.json", "alice"));
    assert_true(file_has("report.json", "\"exit_code\": 0"));
    assert_int_equal(cli(1, "plan", "--exit-code", NULL), 0); /* nothing left */
    /* an update, a removal under the safety limits, and the full reconcile */
    write_file("users.csv", "id,userName,givenName,familyName,displayName,email,active\n"
                            "u1,alice,Alice,Archer,Alice A.,alice@example.com,true\n"
                            "u2,bob,Bob,Baker,Bob Baker,bob@example.com,true\n"
                            "u3,carol,Carol,Cooper,Carol Cooper,carol@example.com,true\n");
    assert_int_equal(cli(1, "sync", "--full", "--json", NULL), 0);
    assert_true(file_has("state.json", "Alice A."));
    assert_int_equal(cli(1, "-v", "--log-format", "json", "plan", NULL), 0);
    /* every kind of change in the plan: a manager, a user made inactive, one
     * gone from the source, a renamed group losing a member */
    write_file("users.csv", "id,userName,givenName,familyName,displayName,email,active,manager\n"
                            "u1,alice,Alice,Archer,Alice A.,alice@example.com,true,u2\n"
                            "u2,bob,Bob,Baker,Bob Baker,bob@example.com,false,\n"
                            "u5,eve,Eve,Evans,Eve Evans,eve@example.com,false,u1\n");
    write_file("groups.csv", "id,displayName,members\ng1,team,u1\n");
    assert_int_equal(cli(1, "--log-format", "text", "plan", NULL), 0);
    assert_out("team");
    assert_int_equal(cli(1, "plan", "--json", NULL), 0);
    assert_out("\"rename_group\"");
    assert_out("\"remove_members\"");
    assert_out("\"manager\"");
    assert_int_equal(cli(1, "sync", "--json", NULL), 0);
    assert_int_equal(cli(1, "plan", "--exit-code", NULL), 0);
}

/* With a file state: the first sync reads the target in full and saves
 * the state, the next ones diff against it; --full, a changed source, a
 * state that is not one. */
static void test_state_file(void **state)
{
    char engine[600];
    (void)state;
    snprintf(engine, sizeof engine,
             "state = file:%s/ss.state\nfull_reconcile_interval = 3600\n"
             "state_checkpoint_interval = 0",
             dir);
    config(engine, "");
    assert_int_equal(cli(1, "sync", NULL), 0);
    assert_true(file_has("ss.state", "scimsync-state"));
    assert_true(file_has("ss.state", "alice"));
    assert_int_equal(cli(1, "plan", "--exit-code", NULL), 0);
    write_file("users.csv", "id,userName,givenName,familyName,displayName,email,active\n"
                            "u1,alice,Alice,Archer,Alice Archer,alice@example.com,true\n"
                            "u2,bob,Bob,Baker,Robert Baker,bob@example.com,true\n"
                            "u4,dan,Dan,Dyer,Dan Dyer,dan@example.com,true\n");
    assert_int_equal(cli(1, "plan", "--exit-code", NULL), 8);
    assert_int_equal(cli(1, "sync", NULL), 0);
    assert_true(file_has("ss.state", "Robert Baker"));
    assert_true(file_has("ss.state", "dan"));
    assert_int_equal(cli(1, "sync", "--full", NULL), 0);
    assert_int_equal(cli(1, "plan", "--full", "--exit-code", NULL), 0);
    /* a state file that is not one: named, and the run reads in full */
    write_file("ss.state", "not a state\n");
    assert_int_equal(cli(1, "sync", NULL), 0);
    assert_true(file_has("ss.state", "scimsync-state"));
    config("", "");
}

/* Asks the daemon to reload, then to stop, as an operator would. */
static void *signals(void *arg)
{
    struct timespec a = {0, 300 * 1000 * 1000L}, b = {1, 300 * 1000 * 1000L};
    (void)arg;
    nanosleep(&a, NULL);
    kill(getpid(), SIGHUP); /* read again before the second run */
    nanosleep(&b, NULL);
    kill(getpid(), SIGTERM);
    return NULL;
}

/* Last: a stop request stays set for the rest of the process. */
static void test_daemon(void **state)
{
    pthread_t t;
    (void)state;
    char state_file[400];
    snprintf(state_file, sizeof state_file, "%s/state.json", dir);
    unlink(state_file); /* the daemon's first run makes it again */
    config("interval = 1\njitter = 0", "");
    assert_int_equal(pthread_create(&t, NULL, signals, NULL), 0);
    assert_int_equal(cli(1, "daemon", NULL), 0);
    pthread_join(t, NULL);
    assert_true(file_has("state.json", "alice"));
    /* forced overrides are refused by the daemon */
    assert_int_equal(cli(1, "daemon", "--force-updates", NULL), 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_usage),         cmocka_unit_test(test_offline_commands),
        cmocka_unit_test(test_plan_and_sync), cmocka_unit_test(test_state_file),
        cmocka_unit_test(test_daemon),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
