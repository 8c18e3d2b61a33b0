/* Why a TLS connection failed, from libldap's own words, and what to set.
 *
 * libldap built on GnuTLS (Debian, Ubuntu) reports every certificate
 * failure as "(unknown error code)"; the cause is only in its debug lines
 * ("TLS: peer cert untrusted or revoked (0x42)", "TLS: hostname (10.0.0.5)
 * does not match common name in certificate (dc1.corp.example.com)").
 * Built on OpenSSL it puts the verify error into the diagnostic message
 * ("... certificate verify failed (unable to get local issuer
 * certificate)").  Both wordings are recognised here. */
#include "ldap_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int has(const char *msg, const char *const *words)
{
    for (; *words; words++) {
        size_t n = strlen(*words);
        for (const char *p = msg; *p; p++)
            if (strncasecmp(p, *words, n) == 0)
                return 1;
    }
    return 0;
}

enum lsrc_tls_failure lsrc_tls_classify(const char *msg)
{
    static const char *const name[] = {
        "hostname does not match", "does not match common name",   "does not match subjectAltName",
        "does not match name in",  "unable to get subjectAltName", "unable to get CN",
        "hostname mismatch",       "IP address mismatch",          NULL};
    static const char *const expired[] = {"expired", "not yet valid", "not yet active", NULL};
    static const char *const chain[] = {
        "untrusted", "certificate verify failed", "local issuer", "self-signed", "self signed",
        "revoked",   "unable to get issuer",      "not trusted",  NULL};
    static const char *const tls[] = {"TLS", "SSL", "handshake", NULL};
    if (!msg || !*msg)
        return LSRC_TLS_UNKNOWN;
    /* GnuTLS: "peer cert untrusted or revoked (0x...)", the verify status;
     * GNUTLS_CERT_NOT_ACTIVATED (1 << 9) and GNUTLS_CERT_EXPIRED (1 << 10)
     * are dates, every other bit a trust problem. */
    const char *st = strstr(msg, "untrusted or revoked (0x");
    if (st) {
        unsigned long bits = strtoul(st + strlen("untrusted or revoked (0x"), NULL, 16);
        return bits & (1ul << 9 | 1ul << 10) ? LSRC_TLS_EXPIRED : LSRC_TLS_CHAIN;
    }
    /* name before chain: OpenSSL words a name mismatch as a verify failure */
    if (has(msg, name))
        return LSRC_TLS_NAME;
    if (has(msg, expired))
        return LSRC_TLS_EXPIRED;
    if (has(msg, chain))
        return LSRC_TLS_CHAIN;
    if (has(msg, tls))
        return LSRC_TLS_HANDSHAKE;
    return LSRC_TLS_UNKNOWN;
}

void lsrc_tls_note(struct lsrc_tls_notes *n, const char *line)
{
    if (!line || strncmp(line, "TLS:", 4) != 0)
        return;
    enum lsrc_tls_failure k = lsrc_tls_classify(line);
    if (k < LSRC_TLS_HANDSHAKE)
        k = LSRC_TLS_HANDSHAKE;
    if (k <= n->kind)
        return;
    n->kind = k;
    size_t len = strcspn(line, "\r\n");
    if (len > 0 && line[len - 1] == '.')
        len--;
    if (len >= sizeof n->line)
        len = sizeof n->line - 1;
    memcpy(n->line, line, len);
    n->line[len] = '\0';
}

void lsrc_tls_explain(char *out, size_t cap, enum lsrc_tls_failure kind, const char *detail,
                      const char *ca_file)
{
    const char *d = detail && *detail ? detail : NULL;
    char what[192];
    const char *fix;
    switch (kind) {
    case LSRC_TLS_NAME:
        snprintf(what, sizeof what, "the server's certificate does not name the host in the URI");
        fix = "the uri must name the host as its certificate does (a domain controller's FQDN, "
              "e.g. ldaps://dc1.corp.example.com, not an IP address or an alias)";
        break;
    case LSRC_TLS_EXPIRED:
        snprintf(what, sizeof what, "the server's certificate is expired or not yet valid");
        fix = "renew the certificate on the server, or check this machine's clock";
        break;
    case LSRC_TLS_CHAIN:
        snprintf(what, sizeof what, "the server's certificate chain is not trusted");
        fix = NULL;
        break;
    default:
        snprintf(what, sizeof what, "the TLS handshake failed");
        fix = "check that the port speaks TLS (ldaps://, usually 636) or plain LDAP "
              "(ldap:// with start_tls, usually 389)";
        break;
    }
    if (kind == LSRC_TLS_CHAIN && ca_file)
        snprintf(out, cap,
                 "%s%s%s%s: ca_file %s does not hold the CA that issued it; set ca_file to that "
                 "CA's certificate (PEM, e.g. the domain's root CA)",
                 what, d ? " (" : "", d ? d : "", d ? ")" : "", ca_file);
    else if (kind == LSRC_TLS_CHAIN)
        snprintf(out, cap,
                 "%s%s%s%s: the system's CAs do not include its issuer; set ca_file to the "
                 "certificate (PEM) of the CA that issued it (e.g. the domain's root CA)",
                 what, d ? " (" : "", d ? d : "", d ? ")" : "");
    else
        snprintf(out, cap, "%s%s%s%s: %s", what, d ? " (" : "", d ? d : "", d ? ")" : "", fix);
}
