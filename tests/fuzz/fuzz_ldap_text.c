/* LDAP helpers (plugins/source-ldap: dn.c, filter.c, range.c, text.c) on
 * text a directory or a configuration may hold: DNs as member values,
 * range retrieval attribute descriptions, values put into filters, word
 * lists.  The three UTF-8 validators of the tree (LDAP, CSV, core) must
 * agree. */
#include <ldap.h>

#include "fuzz_util.h"
#include "ldap_util.h"
#include "template.h"
#include <ss/utf8.h>

/* What the canonical form is defined as: libldap's LDAPv3 string form,
 * lowercased, of a DN that libldap parses and RFC 4514 allows (libldap
 * takes "cn=#,dc=x", a '#' value without hex digits).  lsrc_dn_canonical
 * takes a shortcut for simple DNs; it must never give another answer. */
static char *libldap_canonical(const char *dn)
{
    LDAPDN parsed = NULL;
    char *str = NULL, *out = NULL;

    if (ldap_str2dn(dn, &parsed, LDAP_DN_FORMAT_LDAP) != LDAP_SUCCESS || !parsed)
        goto done;
    for (size_t r = 0; parsed[r]; r++)
        for (size_t a = 0; parsed[r][a]; a++)
            if ((parsed[r][a]->la_flags & LDAP_AVA_BINARY) && !parsed[r][a]->la_value.bv_len)
                goto done;
    if (ldap_dn2str(parsed, &str, LDAP_DN_FORMAT_LDAPV3 | LDAP_DN_PRETTY) == LDAP_SUCCESS && str) {
        out = strdup(str);
        for (char *p = out; p && *p; p++)
            if (*p >= 'A' && *p <= 'Z')
                *p = (char)(*p - 'A' + 'a');
    }
done:
    if (str)
        ldap_memfree(str);
    if (parsed)
        ldap_dnfree(parsed);
    return out;
}

static void check_dn(const char *s)
{
    char *c = lsrc_dn_canonical(s), *ref = libldap_canonical(s);

    /* the same answer as the definition, and a fixed point */
    FUZZ_CHECK((c == NULL) == (ref == NULL));
    if (c) {
        FUZZ_CHECK(!strcmp(c, ref));
        char *twice = lsrc_dn_canonical(c);
        FUZZ_CHECK(twice && !strcmp(twice, c));
        free(twice);
    }
    free(c);
    free(ref);
    size_t n = strlen(s), k = lsrc_strip_optional_uid(s, n);
    FUZZ_CHECK(k <= n);
    if (k < n)
        FUZZ_CHECK(s[k] == '#' && s[n - 1] == 'B');
    (void)lsrc_looks_like_dn(s);
}

static int is_special(unsigned char c)
{
    return c == '*' || c == '(' || c == ')' || c == '\\' || c < 0x20 || c == 0x7f;
}

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void check_filters(const char *s)
{
    char *e = lsrc_filter_escape(s);
    const char *v = s;

    FUZZ_CHECK(e != NULL);
    for (const char *p = e; *p; p++, v++) {
        FUZZ_CHECK(!is_special((unsigned char)*p) || *p == '\\');
        if (*p == '\\') {
            FUZZ_CHECK(hexval(p[1]) >= 0 && hexval(p[2]) >= 0);
            FUZZ_CHECK(hexval(p[1]) * 16 + hexval(p[2]) == (unsigned char)*v);
            p += 2;
        } else {
            FUZZ_CHECK(*p == *v);
        }
    }
    FUZZ_CHECK(*v == '\0');

    char *f = lsrc_pattern_filter("cn", s);
    if (f) {
        size_t n = strlen(f);
        FUZZ_CHECK(*s && !strncmp(f, "(cn=", 4) && f[n - 1] == ')');
        FUZZ_CHECK(!strstr(f, "**"));
        for (size_t i = 4; i + 1 < n; i++)
            FUZZ_CHECK(f[i] == '*' || !is_special((unsigned char)f[i]) || f[i] == '\\');
        char *and = lsrc_filter_and(f, e);
        FUZZ_CHECK(and && (!*e || !strncmp(and, "(&(cn=", 6)));
        free(and);
        free(f);
    } else {
        FUZZ_CHECK(!*s);
    }
    /* attribute names come from configuration: a bad one is refused */
    f = lsrc_pattern_filter(s, "aws-*");
    if (f)
        FUZZ_CHECK(!strchr(s, '(') && !strchr(s, ')') && !strchr(s, '='));
    free(f);
    free(e);
}

static void check_words(const char *s)
{
    char *w[8];
    long lo = -2, hi = -2;
    int n = lsrc_split_words(s, w, 8);

    FUZZ_CHECK(n >= -1 && n <= 8);
    for (int i = 0; i < n; i++) {
        FUZZ_CHECK(*w[i] && !strpbrk(w[i], " ,\t"));
        char *uri = lsrc_uri_with_scheme(w[i]);
        FUZZ_CHECK(uri && strstr(uri, "://"));
        free(uri);
        free(w[i]);
    }
    int r = lsrc_parse_range(s, "member", &lo, &hi);
    FUZZ_CHECK(r >= -1 && r <= 1);
    if (r == 1)
        FUZZ_CHECK(lo >= 0 && (hi == -1 || hi >= lo));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s = fuzz_cstr(data, size);

    if (!s)
        return 0;
    check_dn(s);
    check_filters(s);
    check_words(s);
    if (!memchr(data, '\0', size)) {
        int a = lsrc_is_utf8(data, size), b = ss_utf8_check(s, size, NULL) == 0,
            c = ss_utf8_valid(s, size);
        FUZZ_CHECK(a == b && b == c);
    }
    free(s);
    return 0;
}
