/* Connecting: the configured URIs in order, TLS, simple bind, RootDSE. */
#include "source.h"

#include <errno.h>
#include <lber.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static char *diagnostic(LDAP *ld)
{
    char *msg = NULL;
    if (ld)
        ldap_get_option(ld, LDAP_OPT_DIAGNOSTIC_MESSAGE, &msg);
    return msg;
}

/* One option; on failure logs which one, so "cannot set connection
 * options" never stands alone. */
static int set_opt(struct lsrc_source *s, LDAP *ld, int opt, const void *v, const char *what)
{
    if (ldap_set_option(ld, opt, v) == LDAP_OPT_SUCCESS)
        return 0;
    s->host->log(s->host, SCIMSYNC_LOG_ERROR, "%s: libldap refused the option %s", s->uri, what);
    return -1;
}

/* The TLS context could not be built: almost always ca_file (missing,
 * unreadable, not PEM).  Names the key, where it was set, and the file. */
static void tls_context_failed(struct lsrc_source *s)
{
    const struct scimsync_host *h = s->host;
    const char *ca = s->conf.ca_file;
    int err = ca && access(ca, R_OK) != 0 ? errno : 0;
    if (err)
        h->log(h, SCIMSYNC_LOG_ERROR,
               "%s: ca_file %s (set at %s): cannot read it: %s; set ca_file to the PEM file of "
               "the CA that issued the server's certificate (or remove it to use the system's "
               "CAs)",
               s->uri, ca, h->config_where(h, "ca_file"), strerror(err));
    else if (ca)
        h->log(h, SCIMSYNC_LOG_ERROR,
               "%s: ca_file %s (set at %s): libldap could not load it as CA certificates; it "
               "must hold PEM certificates (-----BEGIN CERTIFICATE-----)",
               s->uri, ca, h->config_where(h, "ca_file"));
    else
        h->log(h, SCIMSYNC_LOG_ERROR,
               "%s: libldap could not set up TLS with the system's CAs (no ca_file set)", s->uri);
}

int lsrc_set_options(struct lsrc_source *s, LDAP *ld)
{
    const struct lsrc_conf *c = &s->conf;
    int v3 = LDAP_VERSION3, require = c->verify_tls ? LDAP_OPT_X_TLS_DEMAND : LDAP_OPT_X_TLS_NEVER;
    int newctx = 0;
    struct timeval tv = {.tv_sec = c->timeout, .tv_usec = 0};
    if (set_opt(s, ld, LDAP_OPT_PROTOCOL_VERSION, &v3, "protocol version 3") < 0 ||
        set_opt(s, ld, LDAP_OPT_REFERRALS, LDAP_OPT_OFF, "referrals off") < 0 ||
        set_opt(s, ld, LDAP_OPT_RESTART, LDAP_OPT_ON, "restart") < 0 ||
        set_opt(s, ld, LDAP_OPT_NETWORK_TIMEOUT, &tv, "network timeout (timeout)") < 0 ||
        set_opt(s, ld, LDAP_OPT_TIMEOUT, &tv, "timeout") < 0 ||
        set_opt(s, ld, LDAP_OPT_X_TLS_REQUIRE_CERT, &require, "TLS verification (verify_tls)") < 0)
        return -1;
    if (c->ca_file &&
        set_opt(s, ld, LDAP_OPT_X_TLS_CACERTFILE, c->ca_file, "TLS CA file (ca_file)") < 0)
        return -1;
    /* TLS options set on a handle take effect only in a new context */
    if (ldap_set_option(ld, LDAP_OPT_X_TLS_NEWCTX, &newctx) != LDAP_OPT_SUCCESS) {
        tls_context_failed(s);
        return -1;
    }
    return 0;
}

/* libldap's debug lines during one handshake go to the notes of that
 * connect (see tls_diag.c); sources are read one at a time, so one slot. */
static struct lsrc_tls_notes *g_tls_notes;

static void tls_debug_line(const char *line)
{
    if (g_tls_notes)
        lsrc_tls_note(g_tls_notes, line);
}

/* The TLS handshake (ldaps: the connect itself, else StartTLS) with
 * libldap's trace level on, its lines collected in notes and not printed;
 * the bind comes later, so no password passes through them. */
int lsrc_tls_handshake(LDAP *ld, int ldaps, struct lsrc_tls_notes *notes)
{
    int old_level = 0, trace = 1; /* LDAP_DEBUG_TRACE: where GnuTLS logs the verify status */
    BER_LOG_PRINT_FN old_fn = NULL;
    int rc;
    memset(notes, 0, sizeof *notes);
    ldap_get_option(NULL, LDAP_OPT_DEBUG_LEVEL, &old_level);
    ber_get_option(NULL, LBER_OPT_LOG_PRINT_FN, &old_fn);
    g_tls_notes = notes;
    ber_set_option(NULL, LBER_OPT_LOG_PRINT_FN, (const void *)tls_debug_line);
    ldap_set_option(NULL, LDAP_OPT_DEBUG_LEVEL, &trace);
    rc = ldaps ? ldap_connect(ld) : ldap_start_tls_s(ld, NULL, NULL);
    ldap_set_option(NULL, LDAP_OPT_DEBUG_LEVEL, &old_level);
    if (old_fn) /* liblber refuses NULL; tls_debug_line without notes is a no-op */
        ber_set_option(NULL, LBER_OPT_LOG_PRINT_FN, (const void *)old_fn);
    g_tls_notes = NULL;
    return rc;
}

/* A failed handshake: what failed and which setting fixes it when the
 * certificate is the cause, else libldap's error as for any operation.
 * Either way the next server may do better: *next is 2 after a TLS error,
 * 1 when the server was not reached. */
static int tls_fail(struct lsrc_source *s, int ldaps, int rc, const char *diag,
                    const struct lsrc_tls_notes *notes, int *next)
{
    const struct scimsync_host *h = s->host;
    enum lsrc_tls_failure kind = notes->kind;
    const char *detail = notes->line;
    char why[768];
    if (kind < LSRC_TLS_CHAIN && lsrc_tls_classify(diag) > kind) {
        kind = lsrc_tls_classify(diag);
        detail = diag;
    }
    *next = kind == LSRC_TLS_UNKNOWN ? 1 : 2;
    if (kind == LSRC_TLS_UNKNOWN)
        return lsrc_fail(s, ldaps ? "connect" : "StartTLS failed", rc, diag);
    lsrc_tls_explain(why, sizeof why, kind, detail, s->conf.ca_file);
    /* GnuTLS's "(unknown error code)" says nothing: left out */
    if (diag && (!*diag || strcmp(diag, "(unknown error code)") == 0 || strcmp(diag, detail) == 0))
        diag = NULL;
    h->log(h, SCIMSYNC_LOG_ERROR, "%s: %s failed: %s [%s%s%s]", s->uri,
           ldaps ? "TLS (ldaps)" : "StartTLS", why, ldap_err2string(rc), diag ? ": " : "",
           diag ? diag : "");
    return SCIMSYNC_ERR_IO;
}

/* Errors worth trying the next server for. */
static int is_unreachable(int rc)
{
    return rc == LDAP_SERVER_DOWN || rc == LDAP_CONNECT_ERROR || rc == LDAP_TIMEOUT ||
           rc == LDAP_UNAVAILABLE || rc == LDAP_BUSY;
}

/* One server: 0 bound, <0 error (logged); *next set when the next URI may
 * help (2: after a TLS failure, 1: unreachable). */
static int connect_one(struct lsrc_source *s, const char *uri, int *next)
{
    const struct lsrc_conf *c = &s->conf;
    const struct scimsync_host *h = s->host;
    LDAP *ld = NULL;
    char *diag = NULL;
    int rc, ret = SCIMSYNC_ERR_IO;
    *next = 0;
    s->uri = uri;
    rc = ldap_initialize(&ld, uri);
    if (rc != LDAP_SUCCESS) {
        ret = lsrc_fail(s, "bad uri", rc, NULL);
        ret = SCIMSYNC_ERR_CONFIG;
        goto out;
    }
    if (lsrc_set_options(s, ld) < 0) { /* logged, naming the option */
        ret = SCIMSYNC_ERR_CONFIG;
        goto out;
    }
    int ldaps = strncasecmp(uri, "ldaps:", 6) == 0;
    if (ldaps || c->start_tls) {
        struct lsrc_tls_notes notes;
        rc = lsrc_tls_handshake(ld, ldaps, &notes);
        if (rc != LDAP_SUCCESS) {
            diag = diagnostic(ld);
            ret = tls_fail(s, ldaps, rc, diag, &notes, next);
            goto out;
        }
    } else if (c->bind_password && strncasecmp(uri, "ldapi:", 6) != 0) {
        h->log(h, SCIMSYNC_LOG_WARN,
               "%s: password bind over plain ldap:// without start_tls: the password crosses "
               "the network unencrypted; use ldaps:// or set start_tls = true",
               uri);
    }
    struct berval cred = {0, NULL};
    if (c->bind_password) {
        cred.bv_val = (char *)c->bind_password;
        cred.bv_len = strlen(c->bind_password);
    }
    rc = ldap_sasl_bind_s(ld, c->bind_dn ? c->bind_dn : "", LDAP_SASL_SIMPLE, &cred, NULL, NULL,
                          NULL);
    if (rc != LDAP_SUCCESS) {
        char what[512];
        diag = diagnostic(ld);
        snprintf(what, sizeof what, "bind as %s", c->bind_dn ? c->bind_dn : "anonymous");
        *next = is_unreachable(rc);
        ret = lsrc_fail(s, what, rc, diag);
        goto out;
    }
    h->log(h, SCIMSYNC_LOG_DEBUG, "%s: bound as %s", uri, c->bind_dn ? c->bind_dn : "anonymous");
    s->ld = ld;
    ld = NULL;
    ret = 0;
out:
    lsrc_release(ld, diag);
    return ret;
}

void lsrc_release(LDAP *ld, char *diag)
{
    if (diag)
        ldap_memfree(diag);
    if (ld)
        ldap_unbind_ext_s(ld, NULL, NULL);
}

int lsrc_connect(struct lsrc_source *s)
{
    int ret = SCIMSYNC_ERR_IO;
    for (int i = 0; i < s->conf.nuris; i++) {
        int next;
        ret = connect_one(s, s->conf.uris[i], &next);
        if (ret == 0 || !next)
            return ret;
        if (i + 1 < s->conf.nuris)
            s->host->log(s->host, SCIMSYNC_LOG_WARN, "%s %s, trying %s", s->conf.uris[i],
                         next == 2 ? "failed its TLS check" : "unreachable", s->conf.uris[i + 1]);
    }
    return ret;
}

void lsrc_disconnect(struct lsrc_source *s)
{
    if (s->ld)
        ldap_unbind_ext_s(s->ld, NULL, NULL);
    s->ld = NULL;
}
