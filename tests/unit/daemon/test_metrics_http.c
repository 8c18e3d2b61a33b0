/* The daemon's endpoints without a network: the listen address syntax,
 * /healthz's verdict, and the fallback Prometheus text. */
/* cmocka needs these first */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>

#include "metrics_http.h"

static void test_listen_parse(void **state)
{
    struct sockaddr_storage a;
    socklen_t len;
    char err[256];
    (void)state;

    assert_int_equal(ss_listen_parse("127.0.0.1:9464", &a, &len, err, sizeof err), 0);
    assert_int_equal(a.ss_family, AF_INET);
    assert_int_equal(ntohs(((struct sockaddr_in *)&a)->sin_port), 9464);
    assert_int_equal(ss_listen_parse("[::1]:9464", &a, &len, err, sizeof err), 0);
    assert_int_equal(a.ss_family, AF_INET6);
    assert_int_equal(ss_listen_parse("0.0.0.0:1", &a, &len, err, sizeof err), 0);
    /* refused, each with a reason */
    static const char *const bad[] = {"",
                                      "127.0.0.1",
                                      ":9464",
                                      "127.0.0.1:",
                                      "127.0.0.1:0",
                                      "127.0.0.1:65536",
                                      "127.0.0.1:9x",
                                      "::1:9464",
                                      "[::1]9464",
                                      "[::1"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        err[0] = '\0';
        assert_int_equal(ss_listen_parse(bad[i], &a, &len, err, sizeof err), -1);
        assert_true(err[0] != '\0');
    }
}

static void test_healthz_verdict(void **state)
{
    char line[256];
    (void)state;

    /* starting: healthy until max_age has passed without a success */
    assert_int_equal(ss_healthz_verdict(1000, 990, 0, 60, line, sizeof line), 200);
    assert_non_null(strstr(line, "starting"));
    assert_int_equal(ss_healthz_verdict(1100, 990, 0, 60, line, sizeof line), 503);
    assert_non_null(strstr(line, "no successful run since the start"));
    /* a success younger than max_age */
    assert_int_equal(ss_healthz_verdict(1100, 990, 1080, 60, line, sizeof line), 200);
    assert_non_null(strstr(line, "20 s ago"));
    /* too old */
    assert_int_equal(ss_healthz_verdict(1200, 990, 1080, 60, line, sizeof line), 503);
    assert_non_null(strstr(line, "no successful run for 120 s (healthz_max_age 60 s)"));
    /* one line */
    assert_non_null(strchr(line, '\n'));
    assert_int_equal(strchr(line, '\n')[1], '\0');
}

static void test_fallback_text(void **state)
{
    struct ss_daemon_runs r = {.last_run_ts = 1700000000.5,
                               .last_success_ts = 1700000000.5,
                               .last_duration = 2.25,
                               .last_exit_code = 0,
                               .have_run = 1,
                               .runs_ok = 3,
                               .runs_failed = 1,
                               .runs_interrupted = 0};
    char *t = ss_daemon_runs_prometheus(&r);
    (void)state;

    assert_non_null(t);
    assert_non_null(strstr(t, "# TYPE scimsync_runs_total counter\n"));
    assert_non_null(strstr(t, "scimsync_runs_total{result=\"success\"} 3\n"));
    assert_non_null(strstr(t, "scimsync_last_success_timestamp_seconds 1700000000.500\n"));
    assert_non_null(strstr(t, "scimsync_last_run_duration_seconds 2.250\n"));
    free(t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_listen_parse),
        cmocka_unit_test(test_healthz_verdict),
        cmocka_unit_test(test_fallback_text),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
