/* The shape of URL values: a known scheme, "://", a host, a numeric port. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "suggest.h"
#include "validate.h"

static const char *const schemes[] = {"https", "http", "ldaps", "ldap", "ldapi", NULL};

static int check_word(const char *w, size_t n, char *why, size_t whylen)
{
    const char *sep = NULL;
    char scheme[32];
    size_t slen;

    for (size_t i = 0; i + 1 < n; i++) {
        if (w[i] == ':' && w[i + 1] == '/') {
            sep = w + i;
            break;
        }
    }
    if (!sep) {
        /* A bare host name ("dc1.corp.example") is for the plugin to take;
         * a path without a scheme is a URL missing its start. */
        if (memchr(w, '/', n)) {
            snprintf(why, whylen, "'%.*s' has no scheme (write https://... or ldaps://...)",
                     (int)(n > 40 ? 40 : n), w);
            return -1;
        }
        return 0;
    }
    slen = (size_t)(sep - w);
    if (slen == 0 || slen >= sizeof scheme) {
        snprintf(why, whylen, "no scheme before ':/'");
        return -1;
    }
    memcpy(scheme, w, slen);
    scheme[slen] = '\0';
    int known = 0;
    for (size_t i = 0; schemes[i]; i++)
        known |= strcasecmp(scheme, schemes[i]) == 0;
    if (!known) {
        struct ss_suggest sg;
        char hint[96];
        ss_suggest_init(&sg, scheme);
        ss_suggest_add_list(&sg, schemes);
        snprintf(why, whylen, "unknown scheme '%s'%s (known: https, http, ldaps, ldap, ldapi)",
                 scheme, ss_suggest_text(&sg, NULL, "://", hint, sizeof hint));
        return -1;
    }
    if (n - slen < 3 || sep[1] != '/' || sep[2] != '/') {
        snprintf(why, whylen, "'%s:' must be followed by '//' (%s://host/...)", scheme, scheme);
        return -1;
    }
    const char *host = sep + 3, *end = w + n;
    const char *hend = host;
    while (hend < end && *hend != '/' && *hend != '?' && *hend != '#')
        hend++;
    /* user:password@ before the host */
    const char *at = NULL;
    for (const char *q = host; q < hend; q++) {
        if (*q == '@')
            at = q;
    }
    if (at)
        host = at + 1;
    if (host == hend) {
        /* ldap:/// and ldapi:/// mean the library's default host / socket. */
        if (strncasecmp(scheme, "ldap", 4) == 0)
            return 0;
        snprintf(why, whylen, "%s URL without a host name", scheme);
        return -1;
    }
    /* The port: after "]" of an IPv6 literal, else after the last ':'. */
    const char *colon = NULL, *hostend = hend;
    if (host[0] == '[') {
        const char *rb = memchr(host, ']', (size_t)(hend - host));
        if (!rb) {
            snprintf(why, whylen, "unterminated IPv6 address '[' in the host");
            return -1;
        }
        if (rb + 1 < hend && rb[1] == ':')
            colon = rb + 1;
    } else {
        for (const char *q = host; q < hend; q++) {
            if (*q == ':')
                colon = q;
        }
    }
    if (colon) {
        hostend = colon;
        long port = 0;
        const char *q = colon + 1;
        if (q == hend) {
            snprintf(why, whylen, "empty port after ':'");
            return -1;
        }
        for (; q < hend; q++) {
            if (!isdigit((unsigned char)*q) || port > 65535) {
                snprintf(why, whylen, "port '%.*s' is not a number from 1 to 65535",
                         (int)(hend - colon - 1 > 16 ? 16 : hend - colon - 1), colon + 1);
                return -1;
            }
            port = port * 10 + (*q - '0');
        }
        if (port < 1 || port > 65535) {
            snprintf(why, whylen, "port %ld is not from 1 to 65535", port);
            return -1;
        }
    }
    for (const char *q = host; q < hostend; q++) {
        if (isspace((unsigned char)*q) || *q == '"' || *q == '\'' || *q == '<' || *q == '>') {
            snprintf(why, whylen, "invalid character '%c' in the host name", *q);
            return -1;
        }
    }
    return 0;
}

int ss_validate_url(const char *value, char *why, size_t whylen)
{
    const char *p = value;
    int words = 0;

    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *e = p;
        while (*e && *e != ' ' && *e != '\t')
            e++;
        if (check_word(p, (size_t)(e - p), why, whylen) < 0)
            return -1;
        words++;
        p = e;
    }
    if (!words) {
        snprintf(why, whylen, "empty URL");
        return -1;
    }
    return 0;
}

const char *ss_url_display(const char *value, char *buf, size_t len)
{
    size_t used = 0;
    const char *p = value;

    if (!len)
        return buf;
    buf[0] = '\0';
    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (!*p)
            break;
        const char *e = p, *auth, *hend, *at = NULL, *cut;
        while (*e && *e != ' ' && *e != '\t')
            e++;
        auth = p;
        for (const char *q = p; q + 2 < e; q++) {
            if (q[0] == ':' && q[1] == '/' && q[2] == '/') {
                auth = q + 3;
                break;
            }
        }
        hend = auth;
        while (hend < e && *hend != '/' && *hend != '?' && *hend != '#')
            hend++;
        for (const char *q = auth; q < hend; q++) {
            if (*q == '@')
                at = q;
        }
        cut = hend;
        while (cut < e && *cut != '?' && *cut != '#')
            cut++;
        int w = snprintf(buf + used, len - used, "%s%.*s%.*s", used ? " " : "", (int)(auth - p), p,
                         (int)(cut - (at ? at + 1 : auth)), at ? at + 1 : auth);
        if (w < 0 || (size_t)w >= len - used) {
            buf[len - 1] = '\0';
            break;
        }
        used += (size_t)w;
        p = e;
    }
    return buf;
}
