/* `scimsync check` for the LDAP / AD source.  For every configured URI:
 * name resolution, a TCP connect, the TLS handshake (the server's
 * certificate: subject, issuer, expiry, verification) and the bind; then
 * one bounded read through the first server that works, counting the
 * users and groups in scope.  Writes nothing; every step is bounded by
 * the source's timeout (at most CHECK_STEP_S) and the read by
 * CHECK_READ_S. */
#include "source.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/x509.h>

#define CHECK_STEP_S 10
#define CHECK_READ_S 20
#define CHECK_EXPIRY_WARN_DAYS 14

/* The lines of the per-URI steps wait until every URI was tried: with
 * several servers, one that fails while another works is a WARN (the run
 * fails over), not a FAIL. */
#define CHECK_MAX_LINES (LSRC_MAX_URIS * 6)

struct check_line {
    enum scimsync_check_status st;
    char *what, *detail, *hint;
};

struct check {
    struct lsrc_source *s;
    scimsync_check_report report;
    void *ctx;
    int failed;
    int held; /* buffer the lines */
    struct check_line lines[CHECK_MAX_LINES];
    size_t nlines;
};

static void say(struct check *c, enum scimsync_check_status st, const char *what,
                const char *detail, const char *hint)
{
    if (c->held && c->nlines < CHECK_MAX_LINES) {
        struct check_line *l = &c->lines[c->nlines++];
        l->st = st;
        l->what = strdup(what);
        l->detail = detail ? strdup(detail) : NULL;
        l->hint = hint ? strdup(hint) : NULL;
        return;
    }
    if (st == SCIMSYNC_CHECK_FAIL)
        c->failed = 1;
    c->report(c->ctx, st, what, detail, hint);
}

/* Reports the held lines; a failing server becomes a WARN when another
 * one could be bound to. */
static void flush(struct check *c, int bound)
{
    c->held = 0;
    for (size_t i = 0; i < c->nlines; i++) {
        struct check_line *l = &c->lines[i];
        enum scimsync_check_status st = l->st;
        char detail[1200];
        if (st == SCIMSYNC_CHECK_FAIL && bound) {
            st = SCIMSYNC_CHECK_WARN;
            snprintf(detail, sizeof detail, "%s (another server in uri works)",
                     l->detail ? l->detail : "");
            say(c, st, l->what ? l->what : "?", detail, NULL);
        } else {
            say(c, st, l->what ? l->what : "?", l->detail, l->hint);
        }
        free(l->what);
        free(l->detail);
        free(l->hint);
    }
    c->nlines = 0;
}

/* "file:line" of a key, or the section to add it to. */
static const char *where(const struct check *c, const char *key)
{
    static char buf[128];
    const struct scimsync_host *h = c->s->host;
    const char *w = h->config_where(h, key);
    if (strcmp(w, "<default>") != 0)
        return w;
    snprintf(buf, sizeof buf, "in [source %.60s]", h->instance_name);
    return buf;
}

static long step_seconds(const struct lsrc_source *s)
{
    return s->conf.timeout > 0 && s->conf.timeout < CHECK_STEP_S ? s->conf.timeout : CHECK_STEP_S;
}

/* A TCP connect bounded by secs: 0, or -1 with errno set. */
static int tcp_connect(const struct addrinfo *ai, long secs)
{
    int fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol);
    int rc = -1, err = 0;
    socklen_t len = sizeof err;
    struct pollfd p;

    if (fd < 0)
        return -1;
    if (fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0)
        goto out;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        rc = 0;
        goto out;
    }
    if (errno != EINPROGRESS)
        goto out;
    p = (struct pollfd){.fd = fd, .events = POLLOUT};
    if (poll(&p, 1, (int)(secs * 1000)) != 1) {
        errno = ETIMEDOUT;
        goto out;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
        goto out;
    errno = err;
    rc = err ? -1 : 0;
out:
    err = errno;
    close(fd);
    errno = err;
    return rc;
}

/* dns + connect of one URI.  Returns 0 when the port answered. */
static int reach(struct check *c, const char *uri, const LDAPURLDesc *lud)
{
    char detail[600], hint[300], port[16], ip[64] = "?";
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
    int p = lud->lud_port ? lud->lud_port
                          : (lud->lud_scheme && !strcasecmp(lud->lud_scheme, "ldaps") ? 636 : 389);
    const char *host = lud->lud_host && *lud->lud_host ? lud->lud_host : "localhost";
    int rc, e = 0;

    snprintf(port, sizeof port, "%d", p);
    rc = getaddrinfo(host, port, &hints, &res);
    if (rc != 0) {
        snprintf(detail, sizeof detail, "%.300s: cannot resolve %.200s: %s", uri, host,
                 gai_strerror(rc));
        snprintf(hint, sizeof hint, "check the host name in uri (%.200s)", where(c, "uri"));
        say(c, SCIMSYNC_CHECK_FAIL, "dns", detail, hint);
        return -1;
    }
    getnameinfo(res->ai_addr, res->ai_addrlen, ip, sizeof ip, NULL, 0, NI_NUMERICHOST);
    snprintf(detail, sizeof detail, "%.200s resolves to %s", host, ip);
    say(c, SCIMSYNC_CHECK_PASS, "dns", detail, NULL);
    rc = -1;
    for (struct addrinfo *ai = res; ai && rc < 0; ai = ai->ai_next) {
        getnameinfo(ai->ai_addr, ai->ai_addrlen, ip, sizeof ip, NULL, 0, NI_NUMERICHOST);
        rc = tcp_connect(ai, step_seconds(c->s));
        e = errno;
    }
    freeaddrinfo(res);
    if (rc < 0) {
        snprintf(detail, sizeof detail, "%s port %d: %s", ip, p, strerror(e));
        snprintf(hint, sizeof hint,
                 "is the directory server up, and the port in uri (%.200s) right? a firewall "
                 "in the way?",
                 where(c, "uri"));
        say(c, SCIMSYNC_CHECK_FAIL, "connect", detail, hint);
        return -1;
    }
    snprintf(detail, sizeof detail, "%s port %d", ip, p);
    say(c, SCIMSYNC_CHECK_PASS, "connect", detail, NULL);
    return 0;
}

/* "subject ..., issuer ..., expires ..." of the certificate the handshake
 * on ld saw; *days < 0 when unknown. */
static void cert_text(LDAP *ld, char *out, size_t cap, int *days)
{
    struct berval der = {0, NULL};
    const unsigned char *p;
    X509 *x = NULL;
    BIO *b = NULL;
    char *txt = NULL;
    long n;
    int pday = 0, psec = 0;

    *days = -1;
    snprintf(out, cap, "no certificate details available");
    if (ldap_get_option(ld, LDAP_OPT_X_TLS_PEERCERT, &der) != LDAP_OPT_SUCCESS || !der.bv_val)
        return;
    p = (const unsigned char *)der.bv_val;
    x = d2i_X509(NULL, &p, (long)der.bv_len);
    b = BIO_new(BIO_s_mem());
    if (!x || !b)
        goto out;
    BIO_puts(b, "subject ");
    X509_NAME_print_ex(b, X509_get_subject_name(x), 0, XN_FLAG_RFC2253);
    BIO_puts(b, ", issuer ");
    X509_NAME_print_ex(b, X509_get_issuer_name(x), 0, XN_FLAG_RFC2253);
    BIO_puts(b, ", expires ");
    ASN1_TIME_print(b, X509_get0_notAfter(x));
    if (ASN1_TIME_diff(&pday, &psec, NULL, X509_get0_notAfter(x)))
        *days = pday;
    n = BIO_get_mem_data(b, &txt);
    if (n > 0)
        snprintf(out, cap, "%.*s (%d days)", (int)n, txt, *days);
out:
    BIO_free(b);
    X509_free(x);
    ber_memfree(der.bv_val);
}

/* The handshake: ldaps connect or StartTLS.  LDAP_SUCCESS or the error. */
static int handshake(LDAP *ld, int ldaps)
{
    struct lsrc_tls_notes notes;
    return lsrc_tls_handshake(ld, ldaps, &notes);
}

/* The certificate of a server whose handshake failed: the handshake
 * again without verification, only to read it (no bind follows). */
static int peek_cert(struct check *c, const char *uri, int ldaps, char *out, size_t cap)
{
    LDAP *ld = NULL;
    int never = LDAP_OPT_X_TLS_NEVER, newctx = 0, days, ok = 0;

    snprintf(out, cap, "no certificate details available");
    if (ldap_initialize(&ld, uri) != LDAP_SUCCESS)
        return 0;
    if (lsrc_set_options(c->s, ld) == 0 &&
        ldap_set_option(ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &never) == LDAP_OPT_SUCCESS &&
        ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &newctx) == LDAP_OPT_SUCCESS &&
        handshake(ld, ldaps) == LDAP_SUCCESS) {
        cert_text(ld, out, cap, &days);
        ok = 1;
    }
    ldap_unbind_ext_s(ld, NULL, NULL);
    return ok;
}

/* tls + bind on one URI.  0 when bound. */
static int tls_and_bind(struct check *c, const char *uri, int loopback)
{
    const struct lsrc_conf *conf = &c->s->conf;
    LDAP *ld = NULL;
    char *diag = NULL;
    char detail[1600], hint[400], cert[600];
    int ldaps = strncasecmp(uri, "ldaps:", 6) == 0, rc, ret = -1, days;
    struct berval cred = {0, NULL};

    struct timeval step = {.tv_sec = step_seconds(c->s), .tv_usec = 0};
    if (ldap_initialize(&ld, uri) != LDAP_SUCCESS || lsrc_set_options(c->s, ld) < 0 ||
        ldap_set_option(ld, LDAP_OPT_NETWORK_TIMEOUT, &step) != LDAP_OPT_SUCCESS ||
        ldap_set_option(ld, LDAP_OPT_TIMEOUT, &step) != LDAP_OPT_SUCCESS) {
        say(c, SCIMSYNC_CHECK_FAIL, "uri", uri, "uri must be ldap://HOST[:PORT] or ldaps://...");
        goto out;
    }
    if (ldaps || conf->start_tls) {
        struct lsrc_tls_notes notes;
        rc = lsrc_tls_handshake(ld, ldaps, &notes);
        if (rc != LDAP_SUCCESS) {
            char why[600];
            const char *about = notes.line;
            enum lsrc_tls_failure kind = notes.kind;
            ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
            /* as the run says it (ldap_conn.c): the trace's finding, else
             * the diagnostic's */
            if (kind < LSRC_TLS_CHAIN && lsrc_tls_classify(diag) > kind) {
                kind = lsrc_tls_classify(diag);
                about = diag;
            }
            /* a handshake that works unverified failed on the certificate */
            if (peek_cert(c, uri, ldaps, cert, sizeof cert) && kind < LSRC_TLS_CHAIN)
                kind = LSRC_TLS_CHAIN;
            if (kind == LSRC_TLS_UNKNOWN)
                kind = LSRC_TLS_HANDSHAKE;
            lsrc_tls_explain(why, sizeof why, kind, about, conf->ca_file);
            snprintf(detail, sizeof detail, "%s handshake failed: %s (%s); %s",
                     ldaps ? "ldaps" : "StartTLS", ldap_err2string(rc), why, cert);
            snprintf(hint, sizeof hint,
                     "set ca_file (%.150s) to the CA that signed the server's certificate, and "
                     "use the host name the certificate names in uri",
                     where(c, "ca_file"));
            say(c, SCIMSYNC_CHECK_FAIL, "tls", detail, hint);
            goto out;
        }
        cert_text(ld, cert, sizeof cert, &days);
        if (!conf->verify_tls) {
            snprintf(detail, sizeof detail, "%s; NOT verified (verify_tls = false)", cert);
            say(c, SCIMSYNC_CHECK_WARN, "tls", detail, NULL);
        } else if (days >= 0 && days < CHECK_EXPIRY_WARN_DAYS) {
            snprintf(detail, sizeof detail, "%s; verified, but expires soon", cert);
            say(c, SCIMSYNC_CHECK_WARN, "tls", detail, NULL);
        } else {
            snprintf(detail, sizeof detail, "%s; verified%s%.200s", cert,
                     conf->ca_file ? " with " : " with the system CAs",
                     conf->ca_file ? conf->ca_file : "");
            say(c, SCIMSYNC_CHECK_PASS, "tls", detail, NULL);
        }
    } else if (strncasecmp(uri, "ldapi:", 6) != 0) {
        say(c, loopback || !conf->bind_password ? SCIMSYNC_CHECK_PASS : SCIMSYNC_CHECK_WARN, "tls",
            loopback ? "not used: plain ldap:// on the loopback interface"
                     : "not used: the bind password crosses the network unencrypted (use "
                       "ldaps:// or start_tls = true)",
            NULL);
    }
    if (conf->bind_password) {
        cred.bv_val = (char *)conf->bind_password;
        cred.bv_len = strlen(conf->bind_password);
    }
    rc = ldap_sasl_bind_s(ld, conf->bind_dn ? conf->bind_dn : "", LDAP_SASL_SIMPLE, &cred, NULL,
                          NULL, NULL);
    if (rc != LDAP_SUCCESS) {
        ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &diag);
        snprintf(detail, sizeof detail, "as %.300s: %s%s%.300s%s",
                 conf->bind_dn ? conf->bind_dn : "anonymous", ldap_err2string(rc),
                 diag && *diag ? " (" : "", diag && *diag ? diag : "", diag && *diag ? ")" : "");
        snprintf(hint, sizeof hint, "set bind_dn (%.150s) and bind_password (%.150s)",
                 where(c, "bind_dn"), where(c, "bind_password"));
        say(c, SCIMSYNC_CHECK_FAIL, "bind", detail, hint);
        goto out;
    }
    snprintf(detail, sizeof detail, "as %.300s", conf->bind_dn ? conf->bind_dn : "anonymous");
    say(c, SCIMSYNC_CHECK_PASS, "bind", detail, NULL);
    ret = 0;
out:
    lsrc_release(ld, diag);
    return ret;
}

static double now_s(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* The read the sync does, counting users and groups, cut at CHECK_READ_S. */
static void count(struct check *c)
{
    struct lsrc_source *s = c->s;
    const struct scimsync_entry *e;
    unsigned long users = 0, groups = 0;
    double end = now_s() + CHECK_READ_S;
    char detail[600];
    int rc = lsrc_read_open(s), cut = 0;

    while (rc >= 0 && (rc = lsrc_read_next(s, &e)) == 1) {
        if (e->kind == SCIMSYNC_ENTRY_USER)
            users++;
        else if (!(e->flags & SCIMSYNC_ENTRY_HELPER))
            groups++;
        if (now_s() > end || (s->host->should_stop && s->host->should_stop(s->host))) {
            cut = 1;
            break;
        }
    }
    if (rc < 0) {
        snprintf(detail, sizeof detail, "stopped after %lu users and %lu groups (reason above)",
                 users, groups);
        say(c, SCIMSYNC_CHECK_FAIL, "search", detail,
            "check base_dn, user_filter, group_filter and the bind user's read rights");
    } else {
        snprintf(detail, sizeof detail, "%s%lu users and %lu groups in scope under %.300s%s",
                 cut ? "at least " : "", users, groups, s->base_dn ? s->base_dn : "?",
                 cut ? " (counting stopped: the check is bounded)" : "");
        say(c, cut ? SCIMSYNC_CHECK_WARN : SCIMSYNC_CHECK_PASS, "search", detail, NULL);
    }
    lsrc_read_close(s);
}

int lsrc_check(void *inst, unsigned flags, scimsync_check_report report, void *ctx)
{
    struct check c = {.s = inst, .report = report, .ctx = ctx};
    const struct lsrc_conf *conf = &c.s->conf;
    int bound = 0;

    if (flags & SCIMSYNC_CHECK_QUICK)
        return 0; /* the read reports its own failures at once */
    c.held = conf->nuris > 1;
    for (int i = 0; i < conf->nuris; i++) {
        const char *uri = conf->uris[i];
        LDAPURLDesc *lud = NULL;
        int loopback = 0;

        if (strncasecmp(uri, "ldapi:", 6) != 0) {
            if (ldap_url_parse(uri, &lud) != LDAP_URL_SUCCESS) {
                say(&c, SCIMSYNC_CHECK_FAIL, "uri", uri,
                    "uri must be ldap://HOST[:PORT] or ldaps://HOST[:PORT]");
                continue;
            }
            loopback = lud->lud_host &&
                       (!strncmp(lud->lud_host, "127.", 4) || !strcmp(lud->lud_host, "::1") ||
                        !strcasecmp(lud->lud_host, "localhost"));
            int r = reach(&c, uri, lud);
            ldap_free_urldesc(lud);
            if (r < 0)
                continue;
        }
        if (tls_and_bind(&c, uri, loopback) == 0)
            bound = 1;
    }
    flush(&c, bound);
    if (bound)
        count(&c);
    else
        say(&c, SCIMSYNC_CHECK_WARN, "search", "not tried: no server could be bound to", NULL);
    return c.failed ? SCIMSYNC_ERR : 0;
}
