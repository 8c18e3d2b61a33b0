/* Which transport failures are retried, and the hints failures carry. */
/* cmocka.h needs these before it */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <string.h>

#include "scim_hint.h"

static void test_retryable(void **state)
{
    (void)state;
    /* a closed port or an unknown host before the first answer: at once */
    assert_false(scim_conn_retryable(CURLE_COULDNT_CONNECT, "Couldn't connect", 0));
    assert_false(scim_conn_retryable(CURLE_COULDNT_RESOLVE_HOST, "", 0));
    /* ... after it: a restart, retried */
    assert_true(scim_conn_retryable(CURLE_COULDNT_CONNECT, "Couldn't connect", 1));
    assert_true(scim_conn_retryable(CURLE_COULDNT_RESOLVE_HOST, "", 1));
    /* TLS to a plain-HTTP port: never */
    assert_false(scim_conn_retryable(
        CURLE_SSL_CONNECT_ERROR,
        "OpenSSL/3.0.11: error:0A00010B:SSL routines::wrong version number", 1));
    assert_false(scim_conn_retryable(CURLE_SSL_CONNECT_ERROR, "handshake reset", 0));
    assert_true(scim_conn_retryable(CURLE_SSL_CONNECT_ERROR, "handshake reset", 1));
    /* verification: never */
    assert_false(scim_conn_retryable(CURLE_PEER_FAILED_VERIFICATION, "", 1));
    assert_false(scim_conn_retryable(CURLE_SSL_CACERT_BADFILE, "", 1));
    /* dropped connections, timeouts: always (chaos) */
    assert_true(scim_conn_retryable(CURLE_GOT_NOTHING, "", 0));
    assert_true(scim_conn_retryable(CURLE_RECV_ERROR, "", 0));
    assert_true(scim_conn_retryable(CURLE_OPERATION_TIMEDOUT, "", 0));
    assert_true(scim_conn_retryable(CURLE_PARTIAL_FILE, "", 0));
}

static void test_conn_hints(void **state)
{
    char b[400];
    (void)state;
    scim_conn_hint(CURLE_COULDNT_CONNECT, "", NULL, 30, b, sizeof b);
    assert_string_equal(b, "; nothing accepts connections there: check the host and port of url");
    scim_conn_hint(CURLE_SSL_CONNECT_ERROR, "SSL routines::wrong version number", NULL, 30, b,
                   sizeof b);
    assert_non_null(strstr(b, "does not speak TLS on this port"));
    scim_conn_hint(CURLE_PEER_FAILED_VERIFICATION,
                   "SSL certificate problem: self-signed certificate", NULL, 30, b, sizeof b);
    assert_non_null(strstr(b, "not trusted by the system's CAs: set ca_file to the PEM file"));
    scim_conn_hint(CURLE_PEER_FAILED_VERIFICATION,
                   "SSL certificate problem: unable to get local issuer certificate", "/etc/ca.pem",
                   30, b, sizeof b);
    assert_non_null(strstr(b, "not trusted by ca_file /etc/ca.pem: set ca_file"));
    scim_conn_hint(CURLE_PEER_FAILED_VERIFICATION,
                   "SSL: no alternative certificate subject name matches target host name 'x'",
                   NULL, 30, b, sizeof b);
    assert_non_null(strstr(b, "does not name the host in url"));
    scim_conn_hint(CURLE_PEER_FAILED_VERIFICATION, "certificate has expired", NULL, 30, b,
                   sizeof b);
    assert_non_null(strstr(b, "has expired"));
    scim_conn_hint(CURLE_OPERATION_TIMEDOUT, "", NULL, 30, b, sizeof b);
    assert_string_equal(b, "; no answer within timeout = 30 s");
    scim_conn_hint(CURLE_RECV_ERROR, "", NULL, 30, b, sizeof b);
    assert_string_equal(b, "");
}

static void test_list_hints(void **state)
{
    char b[300];
    (void)state;
    scim_list_hint(404, 1, 0, b, sizeof b);
    assert_non_null(strstr(b, "is url the SCIM base? It ends in /scim/v2/"));
    scim_list_hint(404, 0, 0, b, sizeof b); /* a group read: the group went away */
    assert_string_equal(b, "");
    scim_list_hint(400, 1, 1, b, sizeof b);
    assert_non_null(strstr(b, "set profile = identity-center"));
    scim_list_hint(400, 1, 0, b, sizeof b); /* cursor paging: not that */
    assert_string_equal(b, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_retryable),
        cmocka_unit_test(test_conn_hints),
        cmocka_unit_test(test_list_hints),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
