/* The libldap connection and `check` without a directory: ports that
 * refuse, and a loopback listener that accepts and hangs up at once (no
 * LDAP is spoken), so fail-over, the TLS and bind failures and the check's
 * steps are exercised.  Nothing here waits for a timeout. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "reader_fixture.h"

static struct test_host host;

/* A loopback port nothing listens on (bound, then released). */
static int closed_port(void)
{
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

/* The listener that hangs up: accepts until stopped. */
static int listen_fd = -1, listen_port;
static volatile int stopping;
static pthread_t thread;

static void *hang_up(void *arg)
{
    (void)arg;
    while (!stopping) {
        struct pollfd p = {.fd = listen_fd, .events = POLLIN};
        if (poll(&p, 1, 50) == 1) {
            int c = accept(listen_fd, NULL, NULL);
            if (c >= 0)
                close(c);
        }
    }
    return NULL;
}

static int group_setup(void **state)
{
    (void)state;
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(listen_fd, 16) != 0 || getsockname(listen_fd, (struct sockaddr *)&a, &len) != 0)
        return -1;
    listen_port = ntohs(a.sin_port);
    return pthread_create(&thread, NULL, hang_up, NULL) == 0 ? 0 : -1;
}

static int group_teardown(void **state)
{
    (void)state;
    stopping = 1;
    pthread_join(thread, NULL);
    close(listen_fd);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    test_host_init(&host, PLUGIN);
    host.log_level = SCIMSYNC_LOG_DEBUG;
    test_host_set(&host, "timeout", "5");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    test_host_free(&host);
    return 0;
}

static void assert_logged(const char *text)
{
    if (!test_host_logged(&host, text)) {
        fprintf(stderr, "not logged: \"%s\" in\n%s", text, host.log);
        fail();
    }
}

/* open() over libldap with uri; returns its result. */
static int open_uri(const char *uri)
{
    void *inst;
    test_host_set(&host, "uri", uri);
    if (PLUGIN->create(&host.h, &inst) < 0)
        return 1;
    int rc = PLUGIN->source->open(inst);
    PLUGIN->source->close(inst);
    PLUGIN->destroy(inst);
    return rc;
}

static void test_fail_over(void **state)
{
    (void)state;
    char uri[128];
    int a = closed_port(), b = closed_port();
    snprintf(uri, sizeof uri, "ldap://127.0.0.1:%d ldap://127.0.0.1:%d", a, b);
    assert_int_equal(open_uri(uri), SCIMSYNC_ERR_IO);
    snprintf(uri, sizeof uri, "ldap://127.0.0.1:%d unreachable, trying ldap://127.0.0.1:%d", a, b);
    assert_logged(uri);
    assert_logged("Can't contact LDAP server");
}

static void test_hang_up(void **state)
{
    (void)state;
    char uri[128];
    /* plain: the bind finds the connection closed */
    snprintf(uri, sizeof uri, "ldap://127.0.0.1:%d", listen_port);
    test_host_set(&host, "bind_dn", "cn=admin,dc=ex,dc=test");
    test_host_set(&host, "bind_password", "secret");
    assert_true(open_uri(uri) < 0);
    assert_null(strstr(host.log, "secret"));
    /* StartTLS, then ldaps: the handshake fails */
    test_host_set(&host, "start_tls", "true");
    test_host_clear_log(&host);
    assert_true(open_uri(uri) < 0);
    assert_logged(uri);
    snprintf(uri, sizeof uri, "ldaps://127.0.0.1:%d", listen_port);
    test_host_clear_log(&host);
    assert_true(open_uri(uri) < 0);
    assert_logged(uri);
}

static void test_bad_ca_file(void **state)
{
    (void)state;
    char uri[128];
    snprintf(uri, sizeof uri, "ldaps://127.0.0.1:%d", listen_port);
    test_host_set(&host, "ca_file", "/nonexistent/ca.pem");
    assert_int_equal(open_uri(uri), SCIMSYNC_ERR_CONFIG);
    assert_logged("/nonexistent/ca.pem");
}

/* What check() reported, one line per step. */
static char report[16384];

static void on_report(void *ctx, enum scimsync_check_status st, const char *what,
                      const char *detail, const char *hint)
{
    static const char *names[] = {"PASS", "WARN", "FAIL"};
    size_t n = strlen(report);
    (void)ctx;
    snprintf(report + n, sizeof report - n, "%s %s: %s%s%s\n", names[st], what, detail,
             hint ? " -- " : "", hint ? hint : "");
}

static int check(const char *uri, unsigned flags)
{
    void *inst;
    report[0] = '\0';
    test_host_set(&host, "uri", uri);
    assert_int_equal(PLUGIN->create(&host.h, &inst), 0);
    int rc = PLUGIN->check(inst, flags, on_report, NULL);
    PLUGIN->destroy(inst);
    return rc;
}

static void assert_reported(const char *text)
{
    if (!strstr(report, text)) {
        fprintf(stderr, "not reported: \"%s\" in\n%s", text, report);
        fail();
    }
}

static void test_check(void **state)
{
    (void)state;
    char uri[256];
    int a = closed_port();
    assert_int_equal(check("ldap://127.0.0.1:1", SCIMSYNC_CHECK_QUICK), 0);
    assert_string_equal(report, "");
    /* one refusing, one hanging up: connect fails, then the bind */
    snprintf(uri, sizeof uri, "ldap://127.0.0.1:%d ldap://127.0.0.1:%d", a, listen_port);
    test_host_set(&host, "bind_dn", "cn=admin,dc=ex,dc=test");
    test_host_set(&host, "bind_password", "secret");
    assert_int_equal(check(uri, 0), SCIMSYNC_ERR);
    assert_reported("PASS dns: 127.0.0.1 resolves to 127.0.0.1");
    assert_reported("connect: 127.0.0.1 port");
    assert_reported("Connection refused");
    assert_reported("FAIL bind: as cn=admin,dc=ex,dc=test: Can't contact LDAP server");
    assert_reported("search: not tried: no server could be bound to");
    assert_null(strstr(report, "secret"));
    /* TLS on the listener that hangs up; a name that does not resolve */
    snprintf(uri, sizeof uri, "ldaps://127.0.0.1:%d ldap://nonexistent.invalid", listen_port);
    assert_int_equal(check(uri, 0), SCIMSYNC_ERR);
    assert_reported("tls: ldaps handshake failed");
    assert_reported("cannot resolve nonexistent.invalid");
    test_host_set(&host, "start_tls", "true");
    snprintf(uri, sizeof uri, "ldap://127.0.0.1:%d", listen_port);
    assert_int_equal(check(uri, 0), SCIMSYNC_ERR);
    assert_reported("tls: StartTLS handshake failed");
    /* a unix socket nobody serves: no dns or connect step */
    test_host_set(&host, "start_tls", "false");
    assert_int_equal(check("ldapi://%2Fnonexistent%2Fldapi", 0), SCIMSYNC_ERR);
    assert_reported("FAIL bind");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
        T(test_fail_over),
        T(test_hang_up),
        T(test_bad_ca_file),
        T(test_check),
#undef T
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
