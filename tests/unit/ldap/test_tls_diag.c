/* TLS failure diagnosis: libldap's messages (GnuTLS and OpenSSL wording)
 * sorted into chain / name / dates / handshake, and the advice built. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ldap_util.h"

static void test_classify_gnutls(void **state)
{
    (void)state;
    /* the debug lines of libldap 2.5 on GnuTLS, as seen against slapd */
    assert_int_equal(lsrc_tls_classify("TLS: peer cert untrusted or revoked (0x42)"),
                     LSRC_TLS_CHAIN);
    assert_int_equal(lsrc_tls_classify("TLS: hostname (127.0.0.2) does not match common name "
                                       "in certificate (localhost)."),
                     LSRC_TLS_NAME);
    assert_int_equal(lsrc_tls_classify("TLS: hostname does not match subjectAltName in peer "
                                       "certificate"),
                     LSRC_TLS_NAME);
    assert_int_equal(lsrc_tls_classify("TLS: unable to get CN from peer certificate"),
                     LSRC_TLS_NAME);
    /* verify status bits: 0x400 expired, 0x200 not yet activated */
    assert_int_equal(lsrc_tls_classify("TLS: peer cert untrusted or revoked (0x402)"),
                     LSRC_TLS_EXPIRED);
    assert_int_equal(lsrc_tls_classify("TLS: peer cert untrusted or revoked (0x202)"),
                     LSRC_TLS_EXPIRED);
    assert_int_equal(lsrc_tls_classify("TLS: peer certificate is expired"), LSRC_TLS_EXPIRED);
    assert_int_equal(lsrc_tls_classify("TLS: can't connect: (unknown error code)."),
                     LSRC_TLS_HANDSHAKE);
    assert_int_equal(lsrc_tls_classify("TLS: can't connect: An unexpected TLS packet was "
                                       "received."),
                     LSRC_TLS_HANDSHAKE);
}

static void test_classify_openssl(void **state)
{
    (void)state;
    /* libldap on OpenSSL: the verify error rides in the diagnostic message */
    assert_int_equal(lsrc_tls_classify("error:0A000086:SSL routines::certificate verify failed "
                                       "(unable to get local issuer certificate)"),
                     LSRC_TLS_CHAIN);
    assert_int_equal(lsrc_tls_classify("error:0A000086:SSL routines::certificate verify failed "
                                       "(self-signed certificate)"),
                     LSRC_TLS_CHAIN);
    assert_int_equal(lsrc_tls_classify("error:14090086:SSL routines:ssl3_get_server_certificate:"
                                       "certificate verify failed (self signed certificate in "
                                       "certificate chain)"),
                     LSRC_TLS_CHAIN);
    assert_int_equal(lsrc_tls_classify("error:0A000086:SSL routines::certificate verify failed "
                                       "(certificate has expired)"),
                     LSRC_TLS_EXPIRED);
    assert_int_equal(lsrc_tls_classify("error:0A000086:SSL routines::certificate verify failed "
                                       "(hostname mismatch)"),
                     LSRC_TLS_NAME);
    assert_int_equal(lsrc_tls_classify("error:0A00010B:SSL routines::wrong version number"),
                     LSRC_TLS_HANDSHAKE);
}

static void test_classify_other(void **state)
{
    (void)state;
    assert_int_equal(lsrc_tls_classify(NULL), LSRC_TLS_UNKNOWN);
    assert_int_equal(lsrc_tls_classify(""), LSRC_TLS_UNKNOWN);
    assert_int_equal(lsrc_tls_classify("(unknown error code)"), LSRC_TLS_UNKNOWN);
    assert_int_equal(lsrc_tls_classify("Can't contact LDAP server"), LSRC_TLS_UNKNOWN);
    assert_int_equal(lsrc_tls_classify("80090308: LdapErr: DSID-0C09041C, comment: "
                                       "AcceptSecurityContext error, data 52e, v4563"),
                     LSRC_TLS_UNKNOWN);
}

static void test_note_keeps_most_specific(void **state)
{
    struct lsrc_tls_notes n;
    (void)state;
    memset(&n, 0, sizeof n);
    lsrc_tls_note(&n, "ldap_connect_to_host: Trying 127.0.0.1:636\n");
    assert_int_equal(n.kind, LSRC_TLS_UNKNOWN);
    lsrc_tls_note(&n, "TLS: peer cert untrusted or revoked (0x42)\n");
    lsrc_tls_note(&n, "TLS: can't connect: (unknown error code).\n");
    assert_int_equal(n.kind, LSRC_TLS_CHAIN);
    assert_string_equal(n.line, "TLS: peer cert untrusted or revoked (0x42)");

    memset(&n, 0, sizeof n);
    lsrc_tls_note(&n, "TLS: can't connect: An unexpected TLS packet was received.\n");
    assert_int_equal(n.kind, LSRC_TLS_HANDSHAKE);
    assert_string_equal(n.line, "TLS: can't connect: An unexpected TLS packet was received");
    lsrc_tls_note(&n, "TLS: hostname (10.0.0.5) does not match common name in certificate "
                      "(dc1.corp.example.com).\n");
    assert_int_equal(n.kind, LSRC_TLS_NAME);
    assert_non_null(strstr(n.line, "dc1.corp.example.com)"));

    /* a line longer than the slot is cut, still terminated */
    char longline[600];
    memset(&n, 0, sizeof n);
    memset(longline, 'x', sizeof longline);
    memcpy(longline, "TLS: hostname does not match ", 29);
    longline[sizeof longline - 1] = '\0';
    lsrc_tls_note(&n, longline);
    assert_int_equal(n.kind, LSRC_TLS_NAME);
    assert_int_equal(strlen(n.line), sizeof n.line - 1);
    lsrc_tls_note(&n, NULL);
    assert_int_equal(n.kind, LSRC_TLS_NAME);
}

static void test_explain(void **state)
{
    char out[512];
    (void)state;
    lsrc_tls_explain(out, sizeof out, LSRC_TLS_CHAIN, "TLS: peer cert untrusted or revoked (0x42)",
                     "/etc/scimsync/ad-ca.pem");
    assert_non_null(strstr(out, "certificate chain is not trusted"));
    assert_non_null(strstr(out, "(TLS: peer cert untrusted or revoked (0x42))"));
    assert_non_null(strstr(out, "ca_file /etc/scimsync/ad-ca.pem does not hold"));

    lsrc_tls_explain(out, sizeof out, LSRC_TLS_CHAIN, NULL, NULL);
    assert_non_null(strstr(out, "set ca_file"));
    assert_null(strstr(out, "()"));

    lsrc_tls_explain(out, sizeof out, LSRC_TLS_NAME, "TLS: hostname (10.0.0.5) does not match",
                     NULL);
    assert_non_null(strstr(out, "does not name the host"));
    assert_non_null(strstr(out, "FQDN"));
    assert_non_null(strstr(out, "not an IP address"));

    lsrc_tls_explain(out, sizeof out, LSRC_TLS_EXPIRED, "", NULL);
    assert_non_null(strstr(out, "expired or not yet valid"));
    assert_non_null(strstr(out, "clock"));

    lsrc_tls_explain(out, sizeof out, LSRC_TLS_HANDSHAKE, "TLS: can't connect: x", NULL);
    assert_non_null(strstr(out, "handshake failed (TLS: can't connect: x)"));

    /* a small buffer is cut, not overrun */
    char tiny[16];
    lsrc_tls_explain(tiny, sizeof tiny, LSRC_TLS_NAME, "detail", NULL);
    assert_int_equal(strlen(tiny), sizeof tiny - 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_classify_gnutls), cmocka_unit_test(test_classify_openssl),
        cmocka_unit_test(test_classify_other),  cmocka_unit_test(test_note_keeps_most_specific),
        cmocka_unit_test(test_explain),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
