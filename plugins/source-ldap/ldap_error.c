/* LDAP result codes as scimsync errors, logged once where they happen.
 * Its own file: the connection and the searches both report through it,
 * neither depends on the other. */
#include "source.h"

int lsrc_fail(struct lsrc_source *s, const char *what, int rc, const char *diag)
{
    const struct scimsync_host *h = s->host;
    h->log(h, SCIMSYNC_LOG_ERROR, "%s: %s: %s%s%s%s", s->uri ? s->uri : "ldap", what,
           ldap_err2string(rc), diag && *diag ? " (" : "", diag && *diag ? diag : "",
           diag && *diag ? ")" : "");
    switch (rc) {
    case LDAP_INVALID_CREDENTIALS:
    case LDAP_INAPPROPRIATE_AUTH:
    case LDAP_STRONG_AUTH_REQUIRED:
    case LDAP_CONFIDENTIALITY_REQUIRED:
    case LDAP_INSUFFICIENT_ACCESS:
        return SCIMSYNC_ERR_AUTH;
    case LDAP_NO_MEMORY:
        return SCIMSYNC_ERR_NOMEM;
    case LDAP_FILTER_ERROR:
    case LDAP_NO_SUCH_OBJECT:
    case LDAP_INVALID_DN_SYNTAX:
    case LDAP_PARAM_ERROR:
        return SCIMSYNC_ERR_CONFIG;
    default:
        return SCIMSYNC_ERR_IO;
    }
}
