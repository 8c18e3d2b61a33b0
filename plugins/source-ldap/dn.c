/* DN canonicalization so member values and entry DNs compare equal however
 * the server spelled them (case, spacing, escaping). */
#include "ldap_util.h"

#include <ldap.h>
#include <stdlib.h>
#include <string.h>

char *lsrc_dn_canonical(const char *dn)
{
    LDAPDN parsed = NULL;
    char *str = NULL, *out = NULL;
    if (ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAP) != LDAP_SUCCESS)
        goto out;
    if (ldap_dn2str(parsed, &str, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS || !str)
        goto out;
    out = strdup(str);
    if (!out)
        goto out;
    for (char *p = out; *p; p++)
        if (*p >= 'A' && *p <= 'Z')
            *p = (char)(*p - 'A' + 'a');
out:
    if (str)
        ldap_memfree(str);
    if (parsed)
        ldap_dnfree(parsed);
    return out;
}

int lsrc_looks_like_dn(const char *s)
{
    const char *eq = strchr(s, '=');
    if (!eq || eq == s)
        return 0;
    LDAPDN parsed = NULL;
    if (ldap_str2dn(s, &parsed, LDAP_DN_FORMAT_LDAPV3) != LDAP_SUCCESS)
        return 0;
    ldap_dnfree(parsed);
    return 1;
}
