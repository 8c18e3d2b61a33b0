/*
 * Pure helpers of the LDAP / AD source: no network, no host services.
 * Linked by the plugin MODULE and by the unit tests (tests/unit/ldap/).
 */
#ifndef LSRC_LDAP_UTIL_H
#define LSRC_LDAP_UTIL_H

#include "ssp_map.h"
#include <stddef.h>
#include <stdint.h>
#include <time.h>

/* ---- RFC 4515 filters ------------------------------------------------ */

/* Escapes a value for use inside a filter: * ( ) \ NUL and control bytes
 * become \XX.  Returns a malloc'd string, NULL on allocation failure. */
char *lsrc_filter_escape(const char *value);

/* "(attr=pattern)" where '*' in pattern is a wildcard and every other
 * character is escaped.  "aws-*" -> "(cn=aws-*)".  NULL on a bad attribute
 * name, an empty pattern or allocation failure. */
char *lsrc_pattern_filter(const char *attr, const char *pattern);

/* "(&A B)" of two filters (either may be NULL or ""); malloc'd. */
char *lsrc_filter_and(const char *a, const char *b);

/* select_filter.c: the narrowed read of `sync --user` (ABI 1.2).
 * "(login_attr=NAME)", or "(|(login_attr=NAME)(id_attr=EXT))" when id_attr
 * and external_id are given; values escaped.  malloc'd, NULL on no memory. */
char *lsrc_select_user_filter(const char *login_attr, const char *name, const char *id_attr,
                              const char *external_id);
/* The groups that have one of dns (member / uniqueMember) or uids
 * (memberUid) as a direct member: "(|(member=D)(uniqueMember=D)...
 * (memberUid=U)...)"; with none, a filter that matches nothing.  malloc'd,
 * NULL on no memory or beyond 4 MiB. */
char *lsrc_select_member_filter(const char *const *dns, size_t ndns, const char *const *uids,
                                size_t nuids);
/* "(|(attr=V)...(attr2=W)...)" over vals[0..n) and vals2[0..n2) (attr2 is
 * not read when n2 is 0); with no value, a filter that matches nothing.
 * attr may carry a matching rule ("memberOf:1.2.840.113556.1.4.1941:").
 * malloc'd, NULL on no memory or beyond 4 MiB. */
char *lsrc_select_eq_any(const char *attr, const char *const *vals, size_t n, const char *attr2,
                         const char *const *vals2, size_t n2);

/* ---- Active Directory binary and time values ------------------------- */

#define LSRC_GUID_STR 37 /* "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" + NUL */
#define LSRC_SID_STR 192 /* S-1-<48-bit>-<15 x 32-bit> fits easily */

/* objectGUID (16 bytes, first three fields little-endian) -> lowercase
 * canonical form.  0 or -1 when len != 16. */
int lsrc_guid_to_string(const unsigned char *b, size_t len, char out[LSRC_GUID_STR]);

/* objectSid -> "S-1-5-21-...".  0 or -1 on a malformed value. */
int lsrc_sid_to_string(const unsigned char *b, size_t len, char out[LSRC_SID_STR]);

/* accountExpires (FILETIME, decimal).  0 and 0x7FFFFFFFFFFFFFFF mean never.
 * Sets *expired (1 when the expiry is at or before now).  -1 when the value
 * is not a decimal integer. */
int lsrc_ad_account_expired(const char *value, time_t now, int *expired);

/* userAccountControl: sets *disabled from bit 0x2.  -1 when not a number. */
int lsrc_ad_uac_disabled(const char *value, int *disabled);

/* ---- AD range retrieval ---------------------------------------------- */

/* Parses an attribute description against base ("member"):
 *   "member"                 -> 0 (plain attribute)
 *   "member;range=0-1499"    -> 1, *lo = 0, *hi = 1499
 *   "member;range=1500-*"    -> 1, *lo = 1500, *hi = -1 (last chunk)
 * Case-insensitive.  -1 when desc is another attribute or malformed. */
int lsrc_parse_range(const char *desc, const char *base, long *lo, long *hi);

/* ---- DNs --------------------------------------------------------------- */

/* Canonical form for comparing DNs: LDAPv3 string form (as libldap
 * re-serializes it), ASCII lowercased.  malloc'd; NULL when dn does not
 * parse or on allocation failure. */
char *lsrc_dn_canonical(const char *dn);
/* The same, telling the two failures apart: 0 and *out (malloc'd), -1 the
 * DN does not parse, -2 no memory (*out NULL). */
int lsrc_dn_canon(const char *dn, char **out);

/* uniqueMember values may end in an optional UID ("cn=x,dc=y#'0101'B",
 * RFC 4517 NameAndOptionalUID): the length without it. */
size_t lsrc_strip_optional_uid(const char *value, size_t len);

/* Nonzero when the value looks like a DN ("attr=value,...") rather than a
 * name. */
int lsrc_looks_like_dn(const char *s);

/* ---- misc ------------------------------------------------------------------ */

/* Nonzero when the len bytes are valid UTF-8 without NUL. */
int lsrc_is_utf8(const unsigned char *s, size_t len);

/* Standard base64 (RFC 4648) of len bytes; malloc'd, NUL-terminated. */
char *lsrc_base64(const unsigned char *s, size_t len);

/* Splits a list separated by spaces / commas into at most max words
 * (malloc'd copies in out[]).  Returns the count or -1 (too many words /
 * allocation failure; nothing left allocated). */
int lsrc_split_words(const char *s, char **out, int max);

/* A server as written in `uri`: a URI as is, a bare host name, FQDN or
 * host:port as ldaps://HOST (an SSM parameter may hold just the domain
 * controller's name).  malloc'd; NULL on allocation failure. */
char *lsrc_uri_with_scheme(const char *word);

/* ---- TLS failures -------------------------------------------------------- */

/* What a failed TLS connection says about its cause.  Ordered: a more
 * specific finding ranks higher. */
enum lsrc_tls_failure {
    LSRC_TLS_UNKNOWN = 0, /* nothing recognised */
    LSRC_TLS_HANDSHAKE,   /* a TLS error not about the certificate */
    LSRC_TLS_CHAIN,       /* certificate not trusted: issuer unknown, self-signed, revoked */
    LSRC_TLS_EXPIRED,     /* certificate expired or not yet valid */
    LSRC_TLS_NAME         /* certificate does not name the host of the URI */
};

/* Classifies one libldap message about a TLS failure: a "TLS: ..." debug
 * line or the diagnostic message, as libldap built on GnuTLS or on OpenSSL
 * words them.  NULL or "" -> LSRC_TLS_UNKNOWN. */
enum lsrc_tls_failure lsrc_tls_classify(const char *msg);

/* The libldap lines seen during one TLS handshake: the most specific kept. */
struct lsrc_tls_notes {
    enum lsrc_tls_failure kind;
    char line[256]; /* that line, without its trailing newline */
};

/* Takes one line; lines not starting with "TLS:" are ignored. */
void lsrc_tls_note(struct lsrc_tls_notes *n, const char *line);

/* "the server's certificate is not trusted (DETAIL): set ca_file ..." — what
 * failed and the setting that fixes it.  detail and ca_file may be NULL. */
void lsrc_tls_explain(char *out, size_t cap, enum lsrc_tls_failure kind, const char *detail,
                      const char *ca_file);

#endif
