#include "scim_hint.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

static int has(const char *text, const char *needle)
{
    size_t n = strlen(needle);
    for (const char *p = text; p && *p; p++)
        if (strncasecmp(p, needle, n) == 0)
            return 1;
    return 0;
}

/* A TLS handshake with a server that answered in plain text. */
static int not_tls(CURLcode cc, const char *errbuf)
{
    return cc == CURLE_SSL_CONNECT_ERROR &&
           (has(errbuf, "wrong version number") || has(errbuf, "packet length too long") ||
            has(errbuf, "record layer failure") || has(errbuf, "unexpected message") ||
            has(errbuf, "http request"));
}

int scim_conn_retryable(CURLcode cc, const char *errbuf, int reached)
{
    switch (cc) {
    case CURLE_OK:
    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_URL_MALFORMAT:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_WRITE_ERROR:
    case CURLE_OUT_OF_MEMORY:
        return 0;
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
        return reached;
    case CURLE_SSL_CONNECT_ERROR:
        return !not_tls(cc, errbuf) && reached;
    default:
        return 1;
    }
}

void scim_conn_hint(CURLcode cc, const char *errbuf, const char *ca_file, long timeout_s, char *buf,
                    size_t cap)
{
    const char *e = errbuf ? errbuf : "";

    buf[0] = '\0';
    switch (cc) {
    case CURLE_COULDNT_CONNECT:
        snprintf(buf, cap, "; nothing accepts connections there: check the host and port of url");
        break;
    case CURLE_COULDNT_RESOLVE_HOST:
        snprintf(buf, cap, "; the host name of url does not resolve: check url");
        break;
    case CURLE_OPERATION_TIMEDOUT:
        snprintf(buf, cap, "; no answer within timeout = %ld s", timeout_s);
        break;
    case CURLE_SSL_CONNECT_ERROR:
        if (not_tls(cc, e))
            snprintf(buf, cap,
                     "; the server does not speak TLS on this port: for a plain-HTTP server "
                     "write url with http://, else use its HTTPS port");
        break;
    case CURLE_SSL_CACERT_BADFILE:
        snprintf(buf, cap,
                 "; ca_file %s cannot be read or holds no PEM certificate: set ca_file to the "
                 "PEM file of the CA that issued the server's certificate",
                 ca_file ? ca_file : "(the system store)");
        break;
    case CURLE_PEER_FAILED_VERIFICATION:
        if (has(e, "subject name") || has(e, "does not match") || has(e, "no alternative"))
            snprintf(buf, cap,
                     "; TLS check failed: the server's certificate does not name the host in "
                     "url: write url with a name the certificate carries");
        else if (has(e, "expired"))
            snprintf(buf, cap,
                     "; TLS check failed: the server's certificate has expired (or the clock "
                     "is wrong)");
        else
            snprintf(buf, cap,
                     "; TLS check failed: the server's certificate chain is not trusted%s%s: set "
                     "ca_file to the PEM file of the CA that issued it (verify_tls = false only "
                     "to diagnose: it exposes the token)",
                     ca_file ? " by ca_file " : " by the system's CAs", ca_file ? ca_file : "");
        break;
    default:
        break;
    }
}

void scim_list_hint(long status, int collection, int start_index, char *buf, size_t cap)
{
    buf[0] = '\0';
    if (status == 404 && collection)
        snprintf(buf, cap,
                 "; is url the SCIM base? It ends in /scim/v2/ (Identity Center: "
                 "https://scim.<region>.amazonaws.com/<tenant id>/scim/v2/)");
    else if (status == 400 && start_index)
        snprintf(buf, cap,
                 "; the server refuses startIndex paging: for AWS IAM Identity Center set "
                 "profile = identity-center");
}
