/* Configuration: drop-in order, later wins, file:line errors, key checks,
 * secret references, references in plain keys, relative paths, and the
 * host's view of values. */
/* cmocka needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_runtime.h"
#include "config.h"
#include "host.h"
#include "validate.h"

static char g_dir[256];
static char g_confd[300];
static char g_main[300];

/* ---- helpers ------------------------------------------------------ */

static void write_file(const char *path, const char *text)
{
    FILE *fp = fopen(path, "w");
    assert_non_null(fp);
    fputs(text, fp);
    fclose(fp);
}

static void write_dropin(const char *name, const char *text)
{
    char path[512];
    snprintf(path, sizeof(path), "%s/%s", g_confd, name);
    write_file(path, text);
}

/* Runs ss_config_load with stderr captured into *log (malloc'd). */
static int load_capture(struct ss_config *cfg, const char *main_file, int main_explicit,
                        const char *dir, int dir_explicit, char **log)
{
    char path[512];
    int saved, fd, rc;
    FILE *fp;
    long n;

    snprintf(path, sizeof(path), "%s/stderr.txt", g_dir);
    fflush(stderr);
    saved = dup(2);
    fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    assert_true(fd >= 0);
    dup2(fd, 2);
    close(fd);
    rc = ss_config_load(cfg, main_file, main_explicit, dir, dir_explicit);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fp = fopen(path, "r");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    rewind(fp);
    *log = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(*log, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    unlink(path);
    return rc;
}

static int setup(void **state)
{
    (void)state;
    snprintf(g_dir, sizeof(g_dir), "/tmp/ss_config_test.XXXXXX");
    assert_non_null(mkdtemp(g_dir));
    snprintf(g_confd, sizeof(g_confd), "%s/conf.d", g_dir);
    snprintf(g_main, sizeof(g_main), "%s/scimsync.ini", g_dir);
    assert_int_equal(mkdir(g_confd, 0700), 0);
    return 0;
}

static int teardown(void **state)
{
    char cmd[600];
    (void)state;
    snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_dir);
    assert_int_equal(system(cmd), 0);
    return 0;
}

static const char minimal[] = "[source hr]\nplugin = csv\n\n[target idc]\nplugin = scim\n";

/* ---- loading ------------------------------------------------------ */

static void test_dropins_lexical_later_wins(void **state)
{
    struct ss_config cfg;
    char *log;
    const struct ss_conf_kv *kv;
    (void)state;

    write_file(g_main, "[engine]\nmax_deletes = 5\n");
    write_dropin("20-b.ini", "[engine]\n\nmax_deletes = 7\n");
    write_dropin("10-a.ini", "[engine]\nmax_deletes = 6\nadopt = yes\n");
    write_dropin("00-layout.ini", minimal);
    write_dropin("30-c.ini.example", "[engine]\nmax_deletes = 99\n"); /* not *.ini */
    assert_int_equal(load_capture(&cfg, g_main, 1, g_confd, 1, &log), 0);
    assert_int_equal(cfg.nfiles, 4);
    assert_string_equal(strrchr(cfg.files[1], '/'), "/00-layout.ini");
    assert_string_equal(strrchr(cfg.files[3], '/'), "/20-b.ini");
    assert_int_equal(cfg.engine.safety.user_removals.count, 7);
    assert_int_equal(cfg.engine.adopt, 1);
    kv = ss_conf_get(ss_config_find(&cfg, SS_SEC_ENGINE, NULL), "max_deletes");
    assert_non_null(strstr(kv->where, "20-b.ini:3"));
    assert_int_equal(kv->line, 3);
    ss_config_free(&cfg);
    free(log);
}

static void test_defaults(void **state)
{
    struct ss_config cfg;
    char *log;
    (void)state;

    write_dropin("00-layout.ini", minimal);
    /* the main file does not exist and was not named explicitly: fine */
    assert_int_equal(load_capture(&cfg, g_main, 0, g_confd, 0, &log), 0);
    assert_int_equal(cfg.engine.on_missing, SS_ON_MISSING_DEACTIVATE);
    assert_int_equal(cfg.engine.adopt, 0);
    assert_int_equal(cfg.engine.safety.user_removals.count, 50);
    assert_true(cfg.engine.safety.user_removals.percent == 10.0);
    assert_int_equal(cfg.engine.interval, 3600);
    assert_int_equal(cfg.engine.jitter, 60);
    assert_int_equal(cfg.engine.log_level, -1);
    assert_null(cfg.engine.plugin_path);
    ss_config_free(&cfg);
    free(log);
}

static void test_missing_explicit_main_is_error(void **state)
{
    struct ss_config cfg;
    char *log;
    (void)state;

    write_dropin("00-layout.ini", minimal);
    assert_true(load_capture(&cfg, g_main, 1, g_confd, 0, &log) < 0);
    assert_non_null(strstr(log, "scimsync.ini: cannot read"));
    ss_config_free(&cfg);
    free(log);
}

static void test_nothing_at_all_is_error(void **state)
{
    struct ss_config cfg;
    char *log;
    (void)state;

    assert_true(load_capture(&cfg, g_main, 0, g_confd, 0, &log) < 0);
    assert_non_null(strstr(log, "no configuration"));
    ss_config_free(&cfg);
    free(log);
}

static void test_unknown_section_and_engine_key(void **state)
{
    struct ss_config cfg;
    char *log;
    (void)state;

    write_file(g_main, "[source hr]\nplugin = csv\n[target t]\nplugin = x\n"
                       "[engine]\ncolour = blue\n[sauce x]\na = 1\nb = 2\n");
    assert_true(load_capture(&cfg, g_main, 1, NULL, 0, &log) < 0);
    assert_non_null(strstr(log, "scimsync.ini:6: [engine]: unknown key 'colour'"));
    assert_non_null(strstr(log, "scimsync.ini:8: unknown section [sauce x]"));
    /* said once per section, not once per key */
    assert_null(strstr(log, "scimsync.ini:9: unknown section"));
    ss_config_free(&cfg);
    free(log);
}

static void test_bad_section_names(void **state)
{
    struct ss_config cfg;
    char *log;
    (void)state;

    write_file(g_main, "[source]\nplugin = csv\n[engine x]\nadopt = 1\n"
                       "[target a b]\nplugin = y\nkey_before = 1\n");
    assert_true(load_capture(&cfg, g_main, 1, NULL, 0, &log) < 0);
    assert_non_null(strstr(log, ":2: [source] needs one NAME"));
    assert_non_null(strstr(log, ":4: [engine] takes no name"));
    assert_non_null(strstr(log, ":6: [target] needs one NAME"));
    ss_config_free(&cfg);
    free(log);
}

static void test_long_section_header(void **state)
{
    struct ss_config cfg;
    char *log;
    char text[256];
    (void)state;

    /* 48 characters pass; longer headers are cut by inih, so refused */
    snprintf(text, sizeof(text), "[source %041d]\nplugin = x\n[target %050d]\nplugin = y\n", 0, 0);
    write_file(g_main, text);
    assert_true(load_capture(&cfg, g_main, 1, NULL, 0, &log) < 0);
    assert_null(strstr(log, ":2: section header"));
    assert_non_null(strstr(log, ":4: section header [target 0000"));
    assert_non_null(strstr(log, "longer than 48 characters"));
    ss_config_free(&cfg);
    free(log);
}

static void test_engine_type_errors(void **state)
{
    struct ss_config cfg;
    char *log;
    (void)state;

    write_file(g_main, "[engine]\nmax_deletes = many\nadopt = perhaps\nmax_delete_percent = 1x\n"
                       "on_missing = shred\nlog_level = loud\ninterval = 0\n");
    write_dropin("00-layout.ini", minimal);
    assert_true(load_capture(&cfg, g_main, 1, g_confd, 1, &log) < 0);
    assert_non_null(strstr(log, "scimsync.ini:2: [engine] max_deletes: 'many' is not an integer"));
    assert_non_null(strstr(log, "scimsync.ini:3: [engine] adopt: 'perhaps' is not a boolean"));
    assert_non_null(
        strstr(log, "scimsync.ini:4: [engine] max_delete_percent: '1x' is not a number"));
    assert_non_null(strstr(log, "scimsync.ini:5: [engine] on_missing"));
    assert_non_null(strstr(log, "scimsync.ini:6: [engine] log_level"));
    assert_non_null(strstr(log, "scimsync.ini:7: [engine] interval must be at least 1"));
    ss_config_free(&cfg);
    free(log);
}

/* on_missing = deactivate-then-delete: delete_after as a duration, and a
 * state store required (the error names the missing key). */
static void test_staged_deletes(void **state)
{
    struct ss_config cfg;
    char *log;
    (void)state;

    unsetenv("SCIMSYNC_STATE");
    write_file(g_main, "[engine]\non_missing = deactivate-then-delete\ndelete_after = 3s\n");
    write_dropin("00-layout.ini", minimal);
    assert_true(load_capture(&cfg, g_main, 1, g_confd, 1, &log) < 0);
    assert_non_null(strstr(log, "scimsync.ini:2: [engine] on_missing = deactivate-then-delete "
                                "needs a state store"));
    assert_non_null(strstr(log, "set [engine] state"));
    ss_config_free(&cfg);
    free(log);

    write_file(g_main, "[engine]\non_missing = deactivate-then-delete\ndelete_after = 3s\n"
                       "state = file:/var/lib/scimsync/state.json\n");
    assert_int_equal(load_capture(&cfg, g_main, 1, g_confd, 1, &log), 0);
    assert_int_equal(cfg.engine.on_missing, SS_ON_MISSING_STAGED);
    assert_int_equal(cfg.engine.delete_after, 3);
    ss_config_free(&cfg);
    free(log);

    /* The default period, and the state from the environment. */
    setenv("SCIMSYNC_STATE", "file:/tmp/state.json", 1);
    write_file(g_main, "[engine]\non_missing = deactivate-then-delete\n");
    assert_int_equal(load_capture(&cfg, g_main, 1, g_confd, 1, &log), 0);
    assert_int_equal(cfg.engine.delete_after, 7 * 86400);
    ss_config_free(&cfg);
    free(log);
    unsetenv("SCIMSYNC_STATE");

    write_file(g_main, "[engine]\non_missing = deactivate-then-delete\ndelete_after = 1 week\n"
                       "state = file:/var/lib/scimsync/state.json\n");
    assert_true(load_capture(&cfg, g_main, 1, g_confd, 1, &log) < 0);
    assert_non_null(strstr(log, "scimsync.ini:3: [engine] delete_after must be a duration"));
    ss_config_free(&cfg);
    free(log);

    write_file(g_main, "[engine]\ndelete_after = 0s\n");
    assert_true(load_capture(&cfg, g_main, 1, g_confd, 1, &log) < 0);
    assert_non_null(strstr(log, "delete_after must be a duration from 1s"));
    ss_config_free(&cfg);
    free(log);

    /* Set without the mode: a warning, no error. */
    write_file(g_main, "[engine]\ndelete_after = 12h\n");
    assert_int_equal(load_capture(&cfg, g_main, 1, g_confd, 1, &log), 0);
    assert_non_null(strstr(log, "delete_after is used only with on_missing = "
                                "deactivate-then-delete"));
    assert_int_equal(cfg.engine.delete_after, 12 * 3600);
    ss_config_free(&cfg);
    free(log);
}

static void test_engine_values(void **state)
{
    struct ss_config cfg;
    char *log;
    (void)state;

    write_file(g_main, "[engine]\non_missing = delete\nlog_level = debug\nlog_format = json\n"
                       "max_deletes = -1\nmax_delete_percent = 2.5\nplugin_path = /a:/b\n"
                       "interval = 1\njitter = 0\n");
    write_dropin("00-layout.ini", minimal);
    assert_int_equal(load_capture(&cfg, g_main, 1, g_confd, 1, &log), 0);
    assert_int_equal(cfg.engine.on_missing, SS_ON_MISSING_DELETE);
    assert_int_equal(cfg.engine.log_level, SCIMSYNC_LOG_DEBUG);
    assert_int_equal(cfg.engine.log_format, SS_LOG_JSON);
    assert_int_equal(cfg.engine.safety.user_removals.count, -1);
    assert_true(cfg.engine.safety.user_removals.percent == 2.5);
    assert_string_equal(cfg.engine.plugin_path, "/a:/b");
    assert_int_equal(cfg.engine.interval, 1);
    assert_int_equal(cfg.engine.jitter, 0);
    ss_config_free(&cfg);
    free(log);
}

/* [engine] state and its companions: defaults, values, errors with
 * file:line, and $SCIMSYNC_STATE when the files set none. */
static void test_engine_state_keys(void **state)
{
    struct ss_config cfg;
    char *log;
    (void)state;

    unsetenv("SCIMSYNC_STATE");
    write_file(g_main, "[engine]\n");
    write_dropin("00-layout.ini", minimal);
    assert_int_equal(load_capture(&cfg, g_main, 1, g_confd, 1, &log), 0);
    assert_null(cfg.engine.state);
    assert_int_equal(cfg.engine.full_reconcile_interval, 86400);
    assert_int_equal(cfg.engine.lock_lease, 600);
    assert_int_equal(cfg.engine.lock_wait, 0);
    assert_int_equal(cfg.engine.state_checkpoint_interval, 0);
    assert_int_equal(cfg.engine.state_path_style, 0);
    ss_config_free(&cfg);
    free(log);

    setenv("SCIMSYNC_STATE", "s3://from-env/k", 1);
    assert_int_equal(load_capture(&cfg, g_main, 1, g_confd, 1, &log), 0);
    assert_string_equal(cfg.engine.state, "s3://from-env/k");
    ss_config_free(&cfg);
    free(log);

    write_file(g_main, "[engine]\nstate = file:/var/lib/scimsync/state.json\n"
                       "full_reconcile_interval = 0\nstate_s3_path_style = yes\nlock_wait = 30\n");
    assert_int_equal(load_capture(&cfg, g_main, 1, g_confd, 1, &log), 0);
    assert_string_equal(cfg.engine.state, "file:/var/lib/scimsync/state.json"); /* key wins */
    assert_int_equal(cfg.engine.full_reconcile_interval, 0);
    assert_int_equal(cfg.engine.state_path_style, 1);
    assert_int_equal(cfg.engine.lock_wait, 30);
    ss_config_free(&cfg);
    free(log);
    unsetenv("SCIMSYNC_STATE");

    write_file(g_main, "[engine]\nstate = state.json\nfull_reconcile_interval = -1\n"
                       "lock_lease = 2\n");
    assert_true(load_capture(&cfg, g_main, 1, g_confd, 1, &log) < 0);
    assert_non_null(strstr(log, "scimsync.ini:2: [engine] state must be file:/ABSOLUTE/PATH or "
                                "s3://BUCKET/KEY, not 'state.json'"));
    assert_non_null(strstr(log, "scimsync.ini:3: [engine] full_reconcile_interval must be"));
    assert_non_null(strstr(log, "scimsync.ini:4: [engine] lock_lease must be a whole number of "
                                "seconds, at least 5"));
    ss_config_free(&cfg);
    free(log);
}

/* Every safety limit key lands in its field; a bad value keeps the
 * default; a percentage above 100 is refused naming its key. */
static void test_engine_safety_keys(void **state)
{
    struct ss_config cfg;
    char *log;
    (void)state;

    write_file(g_main, "[engine]\nmax_group_deletes = 3\nmax_group_delete_percent = 30\n"
                       "max_member_removals = 7\nmax_member_removal_percent = 40\n"
                       "max_group_member_removal_percent = 60\nmax_user_updates = 100\n"
                       "max_user_update_percent = -1\nmax_field_clears = -5\n"
                       "max_field_clear_percent = 1.5\npercent_floor = 0\n");
    write_dropin("00-layout.ini", minimal);
    assert_int_equal(load_capture(&cfg, g_main, 1, g_confd, 1, &log), 0);
    const struct ss_safety_policy *p = &cfg.engine.safety;
    assert_int_equal(p->user_removals.count, 50); /* defaults untouched */
    assert_true(p->user_removals.percent == 10.0);
    assert_int_equal(p->group_deletes.count, 3);
    assert_true(p->group_deletes.percent == 30.0);
    assert_int_equal(p->member_removals.count, 7);
    assert_true(p->member_removals.percent == 40.0);
    assert_true(p->group_member_percent == 60.0);
    assert_int_equal(p->user_updates.count, 100);
    assert_true(p->user_updates.percent < 0);
    assert_int_equal(p->field_clears.count, -1); /* any negative: off */
    assert_true(p->field_clears.percent == 1.5);
    assert_int_equal(p->percent_floor, 0);
    assert_false(p->force_deletes || p->force_updates);
    ss_config_free(&cfg);
    free(log);

    write_file(g_main, "[engine]\nmax_group_delete_percent = 101\nmax_field_clears = lots\n"
                       "max_member_removal_percent = 100\n");
    assert_true(load_capture(&cfg, g_main, 1, g_confd, 1, &log) < 0);
    assert_non_null(
        strstr(log, "scimsync.ini:2: [engine] max_group_delete_percent must be at most 100"));
    assert_non_null(
        strstr(log, "scimsync.ini:3: [engine] max_field_clears: 'lots' is not an integer"));
    assert_null(strstr(log, "max_member_removal_percent"));
    assert_int_equal(cfg.engine.safety.field_clears.count, 50);
    ss_config_free(&cfg);
    free(log);
}

static void test_engine_max_run_time(void **state)
{
    struct ss_config cfg;
    char *log;
    (void)state;

    write_dropin("00-layout.ini", minimal);
    write_file(g_main, "[engine]\n");
    assert_int_equal(load_capture(&cfg, g_main, 1, g_confd, 1, &log), 0);
    assert_int_equal(cfg.engine.max_run_time, 0); /* default: no limit */
    ss_config_free(&cfg);
    free(log);

    write_file(g_main, "[engine]\nmax_run_time = 900\n");
    assert_int_equal(load_capture(&cfg, g_main, 1, g_confd, 1, &log), 0);
    assert_int_equal(cfg.engine.max_run_time, 900);
    ss_config_free(&cfg);
    free(log);

    write_file(g_main, "[engine]\nmax_run_time = -5\n");
    assert_true(load_capture(&cfg, g_main, 1, g_confd, 1, &log) < 0);
    assert_non_null(strstr(log, "scimsync.ini:2: [engine] max_run_time must not be negative"));
    ss_config_free(&cfg);
    free(log);
}

static void test_layout_rules(void **state)
{
    struct ss_config cfg;
    char *log;
    (void)state;

    write_file(g_main, "[target a]\nplugin = x\n[target b]\nplugin = y\n");
    assert_true(load_capture(&cfg, g_main, 1, NULL, 0, &log) < 0);
    assert_non_null(strstr(log, "no [source NAME] section"));
    assert_non_null(strstr(log, "scimsync.ini:4: [target b]: only one target"));
    ss_config_free(&cfg);
    free(log);

    write_file(g_main, "[source a]\nplugin = x\nmapping = nope\n[target b]\nplugin = y\n");
    assert_true(load_capture(&cfg, g_main, 1, NULL, 0, &log) < 0);
    assert_non_null(strstr(log, "scimsync.ini:3: [source a] mapping: no [mapping nope] section"));
    ss_config_free(&cfg);
    free(log);
}

static void test_syntax_and_long_lines(void **state)
{
    struct ss_config cfg;
    char *log;
    char *big;
    (void)state;

    write_file(g_main, "[source a]\nplugin = x\n[target b]\nplugin = y\njust words\n");
    assert_true(load_capture(&cfg, g_main, 1, NULL, 0, &log) < 0);
    assert_non_null(strstr(log, "scimsync.ini:5: syntax error"));
    ss_config_free(&cfg);
    free(log);

    big = malloc(SS_CONF_MAX_LINE + 200);
    memset(big, 'x', SS_CONF_MAX_LINE + 100);
    memcpy(big, "[source a]\nplugin = x\nk = ", 26);
    strcpy(big + SS_CONF_MAX_LINE + 100, "\n[target b]\nplugin = y\n");
    write_file(g_main, big);
    free(big);
    assert_true(load_capture(&cfg, g_main, 1, NULL, 0, &log) < 0);
    assert_non_null(strstr(log, "scimsync.ini:3: line longer than"));
    ss_config_free(&cfg);
    free(log);
}

static void test_long_template_and_indent(void **state)
{
    struct ss_config cfg;
    char *log;
    char text[2048];
    const struct ss_conf_section *m;
    (void)state;

    /* a 600-byte value is one value; an indented line is a key of its own */
    snprintf(text, sizeof(text),
             "[source a]\nplugin = x\n[target b]\nplugin = y\n[mapping a]\n"
             "displayName = %0600d\n  title = ${title}\n",
             0);
    write_file(g_main, text);
    assert_int_equal(load_capture(&cfg, g_main, 1, NULL, 0, &log), 0);
    m = ss_config_find(&cfg, SS_SEC_MAPPING, "a");
    assert_non_null(m);
    assert_int_equal(m->nkv, 2);
    assert_int_equal(strlen(ss_conf_get(m, "displayName")->value), 600);
    assert_string_equal(ss_conf_get(m, "title")->value, "${title}");
    assert_int_equal(ss_conf_get(m, "title")->line, 7);
    ss_config_free(&cfg);
    free(log);
}

/* ---- plugin key checks -------------------------------------------- */

static const struct scimsync_config_key test_keys[] = {
    {"url", SCIMSYNC_KEY_STRING, 1, NULL, "endpoint"},
    {"token", SCIMSYNC_KEY_SECRET, 1, NULL, "bearer token"},
    {"rate", SCIMSYNC_KEY_DOUBLE, 0, "20", "requests per second"},
    {"retries", SCIMSYNC_KEY_INT, 0, "5", "attempts"},
    {"verify", SCIMSYNC_KEY_BOOL, 0, "true", "check TLS"},
    {"ca_file", SCIMSYNC_KEY_PATH, 0, NULL, "CA bundle"},
    {NULL, 0, 0, NULL, NULL},
};

/* Loads g_main and checks [target t] against test_keys, capturing stderr. */
static int check_target(const char *text, char **log)
{
    struct ss_config cfg;
    char path[512];
    int saved, fd, problems;
    FILE *fp;
    long n;
    char *load_log;

    write_file(g_main, text);
    assert_int_equal(load_capture(&cfg, g_main, 1, NULL, 0, &load_log), 0);
    free(load_log);
    snprintf(path, sizeof(path), "%s/stderr2.txt", g_dir);
    fflush(stderr);
    saved = dup(2);
    fd = open(path, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    dup2(fd, 2);
    close(fd);
    problems = ss_config_check_section(ss_config_find(&cfg, SS_SEC_TARGET, "t"),
                                       ss_target_core_keys, test_keys);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    fp = fopen(path, "r");
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    rewind(fp);
    *log = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(*log, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    ss_config_free(&cfg);
    return problems;
}

static void test_plugin_keys_ok(void **state)
{
    char *log;
    (void)state;

    assert_int_equal(check_target("[source s]\nplugin = a\n[target t]\nplugin = b\n"
                                  "url = https://x\ntoken = env:TOKEN\nrate = 2.5\n"
                                  "retries = 3\nverify = off\nca_file = ca.pem\n",
                                  &log),
                     0);
    assert_string_equal(log, "");
    free(log);
}

static void test_plugin_key_errors(void **state)
{
    char *log;
    (void)state;

    assert_int_equal(check_target("[source s]\nplugin = a\n[target t]\nplugin = b\n"
                                  "retries = three\nverify = sometimes\nrate = fast\n"
                                  "bogus = 1\n",
                                  &log),
                     6);
    assert_non_null(strstr(log, "scimsync.ini:5: [target t] retries: 'three' is not an integer"));
    assert_non_null(strstr(log, "scimsync.ini:6: [target t] verify: 'sometimes' is not a boolean"));
    assert_non_null(strstr(log, "scimsync.ini:7: [target t] rate: 'fast' is not a number"));
    assert_non_null(strstr(log, "scimsync.ini:8: [target t]: unknown key 'bogus'"));
    assert_non_null(strstr(log, "[target t]: required key 'url' is missing"));
    assert_non_null(strstr(log, "[target t]: required key 'token' is missing"));
    free(log);
}

static void test_literal_secret_refused_without_echo(void **state)
{
    char *log;
    (void)state;

    assert_int_equal(check_target("[source s]\nplugin = a\n[target t]\nplugin = b\n"
                                  "url = https://x\ntoken = hunter2-literal\n",
                                  &log),
                     1);
    assert_non_null(strstr(log, "scimsync.ini:6: [target t] token: must be a secret reference"));
    assert_null(strstr(log, "hunter2"));
    free(log);

    assert_int_equal(check_target("[source s]\nplugin = a\n[target t]\nplugin = b\n"
                                  "url = https://x\ntoken = file:\n",
                                  &log),
                     1);
    assert_non_null(strstr(log, "empty secret reference"));
    free(log);
}

/* ---- paths and the host's view -------------------------------------- */

static void test_resolve_path(void **state)
{
    char *p;
    (void)state;

    p = ss_config_resolve_path("data/users.csv", "/etc/scimsync/conf.d/10-hr.ini");
    assert_string_equal(p, "/etc/scimsync/conf.d/data/users.csv");
    free(p);
    p = ss_config_resolve_path("/abs/users.csv", "/etc/scimsync/conf.d/10-hr.ini");
    assert_string_equal(p, "/abs/users.csv");
    free(p);
    p = ss_config_resolve_path("users.csv", "local.ini");
    assert_string_equal(p, "users.csv");
    free(p);
}

static int fake_create(const struct scimsync_host *h, void **inst)
{
    (void)h;
    *inst = NULL;
    return 0;
}

static void fake_destroy(void *inst)
{
    (void)inst;
}

static void test_host_values(void **state)
{
    static const struct scimsync_plugin fake = {
        .abi_major = SCIMSYNC_ABI_MAJOR,
        .struct_size = sizeof(struct scimsync_plugin),
        .kind = SCIMSYNC_PLUGIN_TARGET,
        .name = "fake",
        .keys = test_keys,
        .create = fake_create,
        .destroy = fake_destroy,
    };
    struct ss_config cfg;
    struct ss_instance *in;
    const struct scimsync_host *h;
    char secret_path[400], expect[400];
    char *log;
    long l = -1;
    int b = -1;
    double d = 0;
    (void)state;

    snprintf(secret_path, sizeof(secret_path), "%s/token.txt", g_dir);
    write_file(secret_path, "tok-from-file\n");
    chmod(secret_path, 0600);
    write_dropin("10-t.ini", "[source s]\nplugin = a\n[target t]\nplugin = b\nurl = https://x\n"
                             "token = file:../token.txt\nretries = 9\nca_file = certs/ca.pem\n");
    assert_int_equal(load_capture(&cfg, g_main, 0, g_confd, 1, &log), 0);
    free(log);
    assert_int_equal(ss_instance_new(ss_config_find(&cfg, SS_SEC_TARGET, "t"), &fake, 1, &in), 0);
    h = &in->host;
    assert_int_equal(h->struct_size, sizeof(struct scimsync_host));
    assert_string_equal(h->instance_name, "t");
    assert_string_equal(h->config_get(h, "url"), "https://x");
    /* file: relative to the file that set it; one trailing newline gone */
    assert_string_equal(h->config_get(h, "token"), "tok-from-file");
    snprintf(expect, sizeof(expect), "%s/certs/ca.pem", g_confd);
    assert_string_equal(h->config_get(h, "ca_file"), expect);
    assert_int_equal(h->config_get_int(h, "retries", &l), 0);
    assert_int_equal(l, 9);
    assert_int_equal(h->config_get_bool(h, "verify", &b), 0);
    assert_int_equal(b, 1);
    assert_int_equal(h->config_get_double(h, "rate", &d), 0);
    assert_true(d == 20.0);
    assert_non_null(strstr(h->config_where(h, "retries"), "10-t.ini:7"));
    assert_string_equal(h->config_where(h, "verify"), "<default>");
    assert_null(h->config_get(h, "undeclared"));
    assert_int_equal(h->should_stop(h), 0);
    ss_host_request_stop();
    /* while reading a stop is immediate; while applying the writes in
     * flight may finish until stop_grace ends; the daemon's run goes on */
    assert_int_equal(h->should_stop(h), SCIMSYNC_STOP_NOW);
    ss_host_set_phase(SS_PHASE_APPLY);
    ss_host_set_stop_grace(3600);
    assert_int_equal(h->should_stop(h), SCIMSYNC_STOP_DRAIN);
    assert_true(ss_host_interrupted());
    ss_host_set_finish_run(1);
    assert_int_equal(h->should_stop(h), 0);
    assert_false(ss_host_interrupted());
    ss_host_set_stop_grace(0);
    assert_int_equal(h->should_stop(h), SCIMSYNC_STOP_NOW);
    assert_true(ss_host_interrupted());
    ss_host_set_finish_run(0);
    ss_host_set_phase(SS_PHASE_READ);
    ss_host_set_stop_grace(20);
    ss_host_clear_stop();
    assert_int_equal(h->should_stop(h), 0);
    ss_instance_free(in);

    /* validate mode: secrets stay unresolved */
    assert_int_equal(ss_instance_new(ss_config_find(&cfg, SS_SEC_TARGET, "t"), &fake, 0, &in), 0);
    assert_null(in->host.config_get(&in->host, "token"));
    ss_instance_free(in);
    ss_config_free(&cfg);
}

/* ---- references in plain (STRING / PATH) keys ------------------------- */

static int g_saved_stderr = -1;
static char g_capture[400];

static void capture_begin(void)
{
    int fd;
    snprintf(g_capture, sizeof(g_capture), "%s/captured.txt", g_dir);
    fflush(stderr);
    g_saved_stderr = dup(2);
    fd = open(g_capture, O_CREAT | O_TRUNC | O_WRONLY, 0600);
    assert_true(fd >= 0);
    dup2(fd, 2);
    close(fd);
}

/* Returns what was written to stderr since capture_begin (malloc'd). */
static char *capture_end(void)
{
    FILE *fp;
    long n;
    char *log;

    fflush(stderr);
    dup2(g_saved_stderr, 2);
    close(g_saved_stderr);
    fp = fopen(g_capture, "r");
    assert_non_null(fp);
    fseek(fp, 0, SEEK_END);
    n = ftell(fp);
    rewind(fp);
    log = calloc(1, (size_t)n + 1);
    assert_int_equal(fread(log, 1, (size_t)n, fp), (size_t)n);
    fclose(fp);
    unlink(g_capture);
    return log;
}

static void test_plain_reference_form(void **state)
{
    char *log;
    (void)state;

    /* validate checks the form only */
    assert_int_equal(check_target("[source s]\nplugin = a\n[target t]\nplugin = b\n"
                                  "url = aws-ssm:/IAM-IDC/SCIM-URI\ntoken = env:T\n"
                                  "ca_file = env:CA\n",
                                  &log),
                     0);
    free(log);
    assert_int_equal(check_target("[source s]\nplugin = a\n[target t]\nplugin = b\n"
                                  "url = aws-ssm:\ntoken = env:T\nca_file = file:\n",
                                  &log),
                     2);
    assert_non_null(strstr(log, "scimsync.ini:5: [target t] url: empty aws-ssm: reference "
                                "(write literal:aws-ssm: for that literal value)"));
    assert_non_null(strstr(log, "scimsync.ini:7: [target t] ca_file: empty file: reference"));
    free(log);
}

static int logging_create(const struct scimsync_host *h, void **inst)
{
    h->log(h, SCIMSYNC_LOG_ERROR, "bind as %s to %s failed", h->config_get(h, "url"),
           h->config_get(h, "ca_file"));
    h->log(h, SCIMSYNC_LOG_ERROR, "token %s", h->config_get(h, "token"));
    /* a line cut in the middle of a secret: the part that remains is masked */
    h->log(h, SCIMSYNC_LOG_ERROR, "%4090s%s", "", h->config_get(h, "token"));
    *inst = NULL;
    return -1;
}

static void test_plain_references_resolved(void **state)
{
    static const struct scimsync_plugin fake = {
        .abi_major = SCIMSYNC_ABI_MAJOR,
        .struct_size = sizeof(struct scimsync_plugin),
        .kind = SCIMSYNC_PLUGIN_TARGET,
        .name = "fake",
        .keys = test_keys,
        .create = logging_create,
        .destroy = fake_destroy,
    };
    struct ss_config cfg;
    struct ss_instance *in;
    const struct scimsync_host *h;
    char path[400], expect[400];
    char *log;
    (void)state;

    snprintf(path, sizeof(path), "%s/url.txt", g_dir);
    write_file(path, "https://from-file.example/scim/v2\n");
    setenv("SS_TEST_TOKEN", "tok-from-env", 1);
    setenv("SS_TEST_CA", "certs/ca.pem", 1);
    write_dropin("10-t.ini", "[source s]\nplugin = a\n[target t]\nplugin = b\n"
                             "url = file:../url.txt\ntoken = env:SS_TEST_TOKEN\n"
                             "ca_file = env:SS_TEST_CA\n");
    assert_int_equal(load_capture(&cfg, g_main, 0, g_confd, 1, &log), 0);
    free(log);
    assert_int_equal(ss_instance_new(ss_config_find(&cfg, SS_SEC_TARGET, "t"), &fake, 1, &in), 0);
    h = &in->host;
    assert_string_equal(h->config_get(h, "url"), "https://from-file.example/scim/v2");
    /* a PATH read from a reference is relative to the file that set the key */
    snprintf(expect, sizeof(expect), "%s/certs/ca.pem", g_confd);
    assert_string_equal(h->config_get(h, "ca_file"), expect);
    /* the plugin may log plain values, never secrets */
    capture_begin();
    assert_int_equal(ss_instance_create(in), -1);
    log = capture_end();
    assert_non_null(strstr(log, "bind as https://from-file.example/scim/v2 to"));
    assert_non_null(strstr(log, "token (secret)"));
    assert_null(strstr(log, "tok-f"));
    free(log);
    ss_instance_free(in);

    /* validate mode: references stay unresolved */
    assert_int_equal(ss_instance_new(ss_config_find(&cfg, SS_SEC_TARGET, "t"), &fake, 0, &in), 0);
    assert_null(in->host.config_get(&in->host, "url"));
    assert_null(in->host.config_get(&in->host, "ca_file"));
    ss_instance_free(in);
    ss_config_free(&cfg);

    /* literal: keeps a value that reads like a reference; a failed
     * reference names the place and the reference */
    write_dropin("10-t.ini", "[source s]\nplugin = a\n[target t]\nplugin = b\n"
                             "url = literal:env:NOT_READ\ntoken = env:SS_TEST_TOKEN\n"
                             "ca_file = literal:file:x\n");
    assert_int_equal(load_capture(&cfg, g_main, 0, g_confd, 1, &log), 0);
    free(log);
    assert_int_equal(ss_instance_new(ss_config_find(&cfg, SS_SEC_TARGET, "t"), &fake, 1, &in), 0);
    assert_string_equal(in->host.config_get(&in->host, "url"), "env:NOT_READ");
    snprintf(expect, sizeof(expect), "%s/file:x", g_confd);
    assert_string_equal(in->host.config_get(&in->host, "ca_file"), expect);
    ss_instance_free(in);
    ss_config_free(&cfg);

    unsetenv("SS_TEST_UNSET_URL");
    write_dropin("10-t.ini", "[source s]\nplugin = a\n[target t]\nplugin = b\n"
                             "url = env:SS_TEST_UNSET_URL\ntoken = env:SS_TEST_TOKEN\n");
    assert_int_equal(load_capture(&cfg, g_main, 0, g_confd, 1, &log), 0);
    free(log);
    capture_begin();
    assert_int_equal(ss_instance_new(ss_config_find(&cfg, SS_SEC_TARGET, "t"), &fake, 1, &in), -1);
    log = capture_end();
    assert_non_null(strstr(log, "10-t.ini:5: [target t] url: "));
    assert_non_null(strstr(log, "SS_TEST_UNSET_URL"));
    free(log);
    ss_config_free(&cfg);
    unsetenv("SS_TEST_TOKEN");
    unsetenv("SS_TEST_CA");
}

static int short_secret_create(const struct scimsync_host *h, void **inst)
{
    h->log(h, SCIMSYNC_LOG_ERROR, "SCIM token rejected (expired or wrong tenant?): HTTP 401");
    h->log(h, SCIMSYNC_LOG_ERROR, "bind as svc@corp.example.com to %s failed",
           h->config_get(h, "url"));
    *inst = NULL;
    return -1;
}

/* Secrets shorter than SCIMSYNC_SECRET_MASK_MIN are never searched for:
 * "wrong", "x" and "corp" leave every message intact. */
static void test_short_secrets_leave_messages_intact(void **state)
{
    static const struct scimsync_plugin fake = {
        .abi_major = SCIMSYNC_ABI_MAJOR,
        .struct_size = sizeof(struct scimsync_plugin),
        .kind = SCIMSYNC_PLUGIN_TARGET,
        .name = "fake",
        .keys = test_keys,
        .create = short_secret_create,
        .destroy = fake_destroy,
    };
    static const char *const tokens[] = {"wrong", "x", "corp", "example"};
    struct ss_config cfg;
    struct ss_instance *in;
    char *log;
    (void)state;

    for (size_t i = 0; i < sizeof(tokens) / sizeof(tokens[0]); i++) {
        setenv("SS_TEST_TOKEN", tokens[i], 1);
        write_dropin("10-t.ini", "[source s]\nplugin = a\n[target t]\nplugin = b\n"
                                 "url = ldap://corp.example.com\ntoken = env:SS_TEST_TOKEN\n");
        assert_int_equal(load_capture(&cfg, g_main, 0, g_confd, 1, &log), 0);
        free(log);
        assert_int_equal(ss_instance_new(ss_config_find(&cfg, SS_SEC_TARGET, "t"), &fake, 1, &in),
                         0);
        capture_begin();
        assert_int_equal(ss_instance_create(in), -1);
        log = capture_end();
        assert_non_null(strstr(log, "SCIM token rejected (expired or wrong tenant?): HTTP 401"));
        assert_non_null(strstr(log, "bind as svc@corp.example.com to ldap://corp.example.com "
                                    "failed"));
        assert_null(strstr(log, "(secret)"));
        free(log);
        ss_instance_free(in);
        ss_config_free(&cfg);
    }
    unsetenv("SS_TEST_TOKEN");
}

/* ---- issue 12: duplicate keys, quotes, skipped drop-ins, -c ------- */

static void test_duplicate_key_in_one_file_warns(void **state)
{
    struct ss_config cfg;
    char *log;
    char want[700];
    (void)state;

    write_file(g_main, "[engine]\nmax_deletes = 5\nadopt = no\nmax_deletes = 8\n");
    write_dropin("00-layout.ini", minimal);
    write_dropin("10-over.ini", "[engine]\nadopt = yes\n"); /* another file: no warning */
    assert_int_equal(load_capture(&cfg, g_main, 1, g_confd, 1, &log), 0);
    snprintf(want, sizeof want,
             "warn %s:4: [engine] max_deletes is set twice in one file (first at %s:2); the "
             "later value is used",
             g_main, g_main);
    assert_non_null(strstr(log, want));
    assert_null(strstr(log, "adopt is set twice"));
    assert_int_equal(cfg.engine.safety.user_removals.count, 8);
    assert_int_equal(cfg.engine.adopt, 1);
    ss_config_free(&cfg);
    free(log);
}

static void test_quotes_around_values(void **state)
{
    struct ss_config cfg;
    char *log;
    const struct ss_conf_section *m;
    (void)state;

    write_file(g_main, "[source hr]\nplugin = \"csv\"\n\n[target idc]\nplugin = 'scim'\n"
                       "[mapping hr]\n"
                       "title = \"${title}\"\n"
                       "nickName = \"a\" and \"b\"\n"
                       "locale = \"\n"
                       "division = \"\"\n"
                       "department = \"it's\"\n"
                       "userType = 'x\"\n");
    assert_int_equal(load_capture(&cfg, g_main, 1, NULL, 0, &log), 0);
    assert_string_equal(ss_conf_get(ss_config_find(&cfg, SS_SEC_SOURCE, "hr"), "plugin")->value,
                        "csv");
    assert_string_equal(ss_conf_get(ss_config_find(&cfg, SS_SEC_TARGET, "idc"), "plugin")->value,
                        "scim");
    m = ss_config_find(&cfg, SS_SEC_MAPPING, "hr");
    assert_string_equal(ss_conf_get(m, "title")->value, "${title}");
    /* a quote character inside: the value is kept as written */
    assert_string_equal(ss_conf_get(m, "nickName")->value, "\"a\" and \"b\"");
    assert_string_equal(ss_conf_get(m, "locale")->value, "\"");
    assert_string_equal(ss_conf_get(m, "division")->value, "");
    assert_string_equal(ss_conf_get(m, "department")->value, "it's");
    assert_string_equal(ss_conf_get(m, "userType")->value, "'x\"");
    ss_config_free(&cfg);
    free(log);
}

static void test_skipped_dropins_listed(void **state)
{
    struct ss_config cfg;
    char *log, path[600];
    (void)state;

    write_dropin("00-layout.ini", minimal);
    write_dropin("10-prod.conf", "[engine]\non_missing = delete\n");
    write_dropin("20-a.INI", "[engine]\non_missing = delete\n");
    write_dropin("30-b.ini~", "[engine]\non_missing = delete\n");
    write_dropin(".40-c.ini", "[engine]\non_missing = delete\n");
    snprintf(path, sizeof path, "%s/50-dir.ini", g_confd);
    assert_int_equal(mkdir(path, 0700), 0);
    assert_int_equal(load_capture(&cfg, NULL, 0, g_confd, 1, &log), 0);
    assert_int_equal(cfg.nfiles, 1);
    assert_int_equal(cfg.engine.on_missing, SS_ON_MISSING_DEACTIVATE);
    const char *names[] = {"10-prod.conf", "20-a.INI", "30-b.ini~", ".40-c.ini"};
    for (size_t i = 0; i < 4; i++) {
        char want[700];
        snprintf(want, sizeof want,
                 "info %s/%s: skipped (only *.ini files not starting with '.' are read)", g_confd,
                 names[i]);
        assert_non_null(strstr(log, want));
    }
    assert_non_null(strstr(log, "50-dir.ini: skipped (not a regular file)"));
    ss_config_free(&cfg);
    free(log);
}

static void test_conf_dir_beside(void **state)
{
    char buf[64];
    (void)state;
    assert_int_equal(ss_cli_conf_dir_beside("/etc/x/my.ini", buf, sizeof buf), 0);
    assert_string_equal(buf, "/etc/x/conf.d");
    assert_int_equal(ss_cli_conf_dir_beside("my.ini", buf, sizeof buf), 0);
    assert_string_equal(buf, "conf.d");
    assert_int_equal(ss_cli_conf_dir_beside("/my.ini", buf, sizeof buf), 0);
    assert_string_equal(buf, "/conf.d");
    assert_int_equal(ss_cli_conf_dir_beside("rel/dir/my.ini", buf, sizeof buf), 0);
    assert_string_equal(buf, "rel/dir/conf.d");
    assert_int_equal(ss_cli_conf_dir_beside("/a-very-long-folder-name/that-does-not-fit/in/64/"
                                            "bytes/at/all/x.ini",
                                            buf, sizeof buf),
                     -1);
}

static void test_url_shapes(void **state)
{
    char why[200];
    (void)state;
    static const char *const good[] = {
        "https://scim.example.com/t/scim/v2/",
        "http://127.0.0.1:8080/scim",
        "https://[::1]:8443/x",
        "ldaps://dc1.corp.example ldaps://dc2.corp.example:636",
        "ldap:///",
        "ldapi://%2Fvar%2Frun%2Fslapd.sock",
        "dc1.corp.example", /* a bare host: the plugin's to take */
        "HTTPS://SCIM.EXAMPLE.COM",
        "https://user:pw@scim.example.com/x",
        NULL,
    };
    for (size_t i = 0; good[i]; i++) {
        if (ss_validate_url(good[i], why, sizeof why) != 0)
            fail_msg("%s: %s", good[i], why);
    }
    static const struct {
        const char *url, *why;
    } bad[] = {
        {"htps://scim.example.com", "unknown scheme 'htps' (did you mean 'https://'?)"},
        {"ldpas://dc1", "unknown scheme 'ldpas' (did you mean 'ldaps://'?)"},
        {"ftp://x", "unknown scheme 'ftp'"},
        {"https:/scim.example.com", "'https:' must be followed by '//'"},
        {"https://", "https URL without a host name"},
        {"https:///path", "https URL without a host name"},
        {"https://host:/x", "empty port after ':'"},
        {"https://host:0/x", "port 0 is not from 1 to 65535"},
        {"https://host:70000", "port 70000 is not from 1 to 65535"},
        {"https://host:4x3", "port '4x3' is not a number from 1 to 65535"},
        {"https://[::1/x", "unterminated IPv6 address"},
        {"scim.example.com/scim/v2", "'scim.example.com/scim/v2' has no scheme"},
        {"ldaps://dc1 htps://dc2", "unknown scheme 'htps'"},
        {"", "empty URL"},
        {"   ", "empty URL"},
        {"https://user:secret@", "https URL without a host name"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        if (ss_validate_url(bad[i].url, why, sizeof why) == 0)
            fail_msg("accepted: %s", bad[i].url);
        if (!strstr(why, bad[i].why))
            fail_msg("%s: got \"%s\", want \"%s\"", bad[i].url, why, bad[i].why);
        assert_null(strstr(why, "secret")); /* never echoes user info */
    }
}

static void test_url_display(void **state)
{
    char buf[128];
    (void)state;
    assert_string_equal(
        ss_url_display("https://u:p@scim.example.com/t/scim/v2?token=x#f", buf, sizeof buf),
        "https://scim.example.com/t/scim/v2");
    assert_string_equal(ss_url_display(" ldaps://a  ldap://svc@b:389/ ", buf, sizeof buf),
                        "ldaps://a ldap://b:389/");
    assert_string_equal(ss_url_display("dc1.corp.example", buf, sizeof buf), "dc1.corp.example");
    assert_string_equal(ss_url_display("env:SCIM_URL", buf, sizeof buf), "env:SCIM_URL");
    /* '@' after the host is part of the path, not user info */
    assert_string_equal(ss_url_display("https://h/a@b", buf, sizeof buf), "https://h/a@b");
    /* cut to fit, always terminated */
    assert_string_equal(ss_url_display("https://scim.example.com/x", buf, 10), "https://s");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_dropins_lexical_later_wins, setup, teardown),
        cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_staged_deletes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_missing_explicit_main_is_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_nothing_at_all_is_error, setup, teardown),
        cmocka_unit_test_setup_teardown(test_unknown_section_and_engine_key, setup, teardown),
        cmocka_unit_test_setup_teardown(test_bad_section_names, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_section_header, setup, teardown),
        cmocka_unit_test_setup_teardown(test_engine_type_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_engine_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_engine_safety_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_engine_max_run_time, setup, teardown),
        cmocka_unit_test_setup_teardown(test_layout_rules, setup, teardown),
        cmocka_unit_test_setup_teardown(test_syntax_and_long_lines, setup, teardown),
        cmocka_unit_test_setup_teardown(test_long_template_and_indent, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plugin_keys_ok, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plugin_key_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_literal_secret_refused_without_echo, setup, teardown),
        cmocka_unit_test(test_resolve_path),
        cmocka_unit_test_setup_teardown(test_host_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_reference_form, setup, teardown),
        cmocka_unit_test_setup_teardown(test_plain_references_resolved, setup, teardown),
        cmocka_unit_test_setup_teardown(test_short_secrets_leave_messages_intact, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_duplicate_key_in_one_file_warns, setup, teardown),
        cmocka_unit_test_setup_teardown(test_quotes_around_values, setup, teardown),
        cmocka_unit_test_setup_teardown(test_skipped_dropins_listed, setup, teardown),
        cmocka_unit_test(test_conf_dir_beside),
        cmocka_unit_test(test_url_shapes),
        cmocka_unit_test(test_url_display),
        cmocka_unit_test_setup_teardown(test_engine_state_keys, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
