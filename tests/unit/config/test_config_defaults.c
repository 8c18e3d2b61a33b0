/* [engine] values nobody set come from the key table (ss_engine_keys),
 * the only place a default is written; a value that does not parse keeps
 * that default. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

static const char *table_default(const char *key)
{
    for (const struct scimsync_config_key *k = ss_engine_keys; k->name; k++) {
        if (strcmp(k->name, key) == 0)
            return k->default_value;
    }
    fail_msg("no [engine] key %s", key);
    return NULL;
}

static long table_long(const char *key)
{
    return strtol(table_default(key), NULL, 10);
}

static int load(const char *text, struct ss_config *cfg)
{
    char path[] = "/tmp/ss-conf-defaults-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    int rc = ss_config_load(cfg, path, 1, NULL, 0);
    unlink(path);
    return rc;
}

static void check_defaults(const struct ss_config *cfg)
{
    const struct ss_engine_conf *e = &cfg->engine;
    assert_int_equal(e->interval, table_long("interval"));
    assert_int_equal(e->jitter, table_long("jitter"));
    assert_int_equal(e->max_run_time, table_long("max_run_time"));
    assert_int_equal(e->stop_grace, table_long("stop_grace"));
    assert_int_equal(e->healthz_max_age, table_long("healthz_max_age"));
    assert_int_equal(e->progress_interval, table_long("progress_interval"));
    assert_int_equal(e->full_reconcile_interval, table_long("full_reconcile_interval"));
    assert_int_equal(e->lock_lease, table_long("lock_lease"));
    assert_string_equal(e->metrics_namespace, table_default("metrics_namespace"));
    assert_int_equal(e->adopt, strcmp(table_default("adopt"), "true") == 0);
    assert_int_equal(e->metrics_emf, strcmp(table_default("metrics_emf"), "true") == 0);
    assert_int_equal(e->state_path_style,
                     strcmp(table_default("state_s3_path_style"), "true") == 0);
}

static void test_no_engine_section(void **state)
{
    struct ss_config cfg;
    (void)state;
    assert_int_equal(load("[source s]\nplugin = csv\n[target t]\nplugin = scim\n", &cfg), 0);
    check_defaults(&cfg);
    ss_config_free(&cfg);
}

static void test_empty_engine_section(void **state)
{
    struct ss_config cfg;
    (void)state;
    assert_int_equal(load("[engine]\n[source s]\nplugin = csv\n[target t]\nplugin = scim\n", &cfg),
                     0);
    check_defaults(&cfg);
    ss_config_free(&cfg);
}

/* A bad value is an error, and the run's view keeps the default. */
static void test_bad_value_keeps_default(void **state)
{
    struct ss_config cfg;
    (void)state;
    assert_true(load("[engine]\ninterval = soon\nadopt = perhaps\n[source s]\nplugin = csv\n"
                     "[target t]\nplugin = scim\n",
                     &cfg) < 0);
    assert_int_equal(cfg.engine.interval, table_long("interval"));
    assert_int_equal(cfg.engine.adopt, 0);
    ss_config_free(&cfg);
}

int main(void)
{
    ss_log_set_level(SCIMSYNC_LOG_ERROR);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_no_engine_section),
        cmocka_unit_test(test_empty_engine_section),
        cmocka_unit_test(test_bad_value_keeps_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
