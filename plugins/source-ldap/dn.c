/* DN canonicalization so member values and entry DNs compare equal however
 * the server spelled them (case, spacing, escaping). */
#include "ldap_util.h"

#include <ldap.h>
#include <ss/ascii.h>
#include <stdlib.h>
#include <string.h>

/* Printable ASCII, no escapes or multi-valued RDNs, one '=' per RDN, a
 * name as attribute type and no spaces around separators: libldap would
 * print it back unchanged, so lowercasing is the whole job (the common
 * case, and a hot path). */
static int is_simple(const char *dn)
{
    int eqs = 0;
    char prev = ',';
    if (!*dn)
        return 0;
    for (const char *p = dn; *p; p++) {
        char c = *p;
        if (c < 0x20 || c > 0x7e || strchr("\\\"+#;<>", c))
            return 0;
        /* the attribute type must be a name (ALPHA *(ALPHA / DIGIT / "-"));
         * anything else, OIDs included, is left to libldap */
        if (eqs == 0 && c != '=' &&
            !((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
              (prev != ',' && ((c >= '0' && c <= '9') || c == '-'))))
            return 0;
        if (c == ' ' && (prev == ',' || prev == '=' || p[1] == ',' || p[1] == '=' || !p[1]))
            return 0;
        if (c == '=' && (prev == ',' || ++eqs > 1))
            return 0;
        if (c == ',') {
            if (eqs != 1 || prev == '=')
                return 0;
            eqs = 0;
        }
        prev = c;
    }
    return eqs == 1 && prev != '=';
}

static char *lowercase_dup(const char *s)
{
    char *out = strdup(s);
    if (out)
        ss_ascii_lower(out, strlen(out));
    return out;
}

/* libldap's string parser takes "cn=#" and "cn=# x" (a BER value with no
 * hex digits) as an empty binary value, then prints "cn=#", which it will
 * not read back: distinct invalid DNs would share one canonical form. */
static int has_empty_binary_value(LDAPDN dn)
{
    for (size_t r = 0; dn[r]; r++)
        for (size_t a = 0; dn[r][a]; a++)
            if ((dn[r][a]->la_flags & LDAP_AVA_BINARY) && dn[r][a]->la_value.bv_len == 0)
                return 1;
    return 0;
}

int lsrc_dn_canon(const char *dn, char **out)
{
    *out = NULL;
    if (is_simple(dn))
        return (*out = lowercase_dup(dn)) ? 0 : -2;
    LDAPDN parsed = NULL;
    char *str = NULL;
    int ret = -1;
    if (ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAP) != LDAP_SUCCESS || !parsed ||
        has_empty_binary_value(parsed))
        goto out;
    if (ldap_dn2str(parsed, &str, LDAP_DN_FORMAT_LDAPV3 | LDAP_DN_PRETTY) != LDAP_SUCCESS || !str)
        goto out;
    ret = (*out = lowercase_dup(str)) ? 0 : -2;
out:
    if (str)
        ldap_memfree(str);
    if (parsed)
        ldap_dnfree(parsed);
    return ret;
}

char *lsrc_dn_canonical(const char *dn)
{
    char *out;
    lsrc_dn_canon(dn, &out);
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

size_t lsrc_strip_optional_uid(const char *value, size_t len)
{
    /* ...#'<binary digits>'B */
    if (len < 4 || value[len - 1] != 'B' || value[len - 2] != '\'')
        return len;
    size_t i = len - 2;
    while (i > 0 && (value[i - 1] == '0' || value[i - 1] == '1'))
        i--;
    if (i < 2 || value[i - 1] != '\'' || value[i - 2] != '#')
        return len;
    return i - 2;
}
