/*
 * Pure logic of the Google Workspace source, in a static library shared by
 * the plugin and tests/unit/google: the entry builder, the flattening of
 * Directory API objects into attributes, the service account key, the JWT
 * (RS256 over OpenSSL EVP), paging and error classification.  No network.
 */
#ifndef GW_UTIL_H
#define GW_UTIL_H

#include <json-c/json.h>
#include <scimsync/plugin.h>
#include <stddef.h>
#include <time.h>

#include "ssp_entry.h"


/* ------------------------------------------------------------------ */
/* Flattening (docs/source-google.md lists the names):
 *  - scalars by their dotted path: id, primaryEmail, name.givenName,
 *    suspended ("true"/"false"), customSchemas.HR.level;
 *  - arrays of scalars: one attribute, one value per element (aliases);
 *  - arrays of objects (organizations, phones, emails, relations,
 *    externalIds, addresses, ...): ARRAY.FIELD with one value per element,
 *    the element marked "primary": true first, and ARRAY.TYPE.FIELD for
 *    elements with a "type" (customType when type is "custom"), e.g.
 *    externalIds.organization.value, relations.manager.value.
 * Depth is capped; deeper values are ignored.  0 or -1 (memory). */
int gw_flatten(struct ssp_entry_builder *eb, json_object *obj);

/* "true" unless suspended or archived is true. */
int gw_user_active(json_object *user);

/* ------------------------------------------------------------------ */
/* Service account key file and the JWT bearer assertion.              */

struct gw_key {
    char *client_email, *private_key, *token_uri; /* malloc'd */
};

/* Parses the key file JSON.  0, or -1 with err set (never quoting the key). */
int gw_key_parse(const char *json, struct gw_key *k, char *err, size_t errlen);
void gw_key_free(struct gw_key *k);

/* The read-only scopes, space separated, as the JWT asks for them. */
extern const char gw_scopes[];

/* header.claims.signature, RS256 with the PEM private key:
 * {"alg":"RS256","typ":"JWT"} . {iss, sub, scope, aud, iat, exp=iat+3600}.
 * 0 and *out (malloc'd), or -1 with err set. */
int gw_jwt_build(const char *pem, const char *iss, const char *sub, const char *scope,
                 const char *aud, time_t iat, char **out, char *err, size_t errlen);

/* ------------------------------------------------------------------ */
/* Paging and errors.                                                  */

/* One query parameter; NULL values are left out. */
struct gw_param {
    const char *name, *value;
};

/* base + path + "?" + escaped params; malloc'd or NULL. */
char *gw_url(const char *base, const char *path, const struct gw_param *params, size_t n);

/* Parses a list page: *root (the page, json_object_put it), *items (the
 * array named items_key, borrowed from root; an absent key is an empty
 * page), *next (nextPageToken or NULL, borrowed).  0, or -1 with err set. */
int gw_page_parse(const char *body, size_t len, const char *items_key, json_object **root,
                  json_object **items, const char **next, char *err, size_t errlen);

/* Where a paged list stands: fetch another page while gw_cursor_more()
 * says so, then gw_cursor_advance() with the page's nextPageToken. */
struct gw_cursor {
    char *token; /* the next page's token; NULL before the first / at the end */
    int started;
    unsigned long pages;
};

int gw_cursor_more(const struct gw_cursor *c);
/* 0, or -1 with err set: out of memory, or the same token twice in a row
 * (a server that would make the read loop forever). */
int gw_cursor_advance(struct gw_cursor *c, const char *next, char *err, size_t errlen);
void gw_cursor_reset(struct gw_cursor *c);

enum gw_verdict {
    GW_OK = 0,       /* 2xx */
    GW_RETRY,        /* 429, 5xx, 403 rateLimitExceeded / userRateLimitExceeded */
    GW_AUTH,         /* 401, other 403 */
    GW_NOTFOUND,     /* 404 */
    GW_INVALID,      /* other 4xx */
};

/* Classifies an HTTP answer; reason/message (of a Google error body) are
 * copied to the buffers when given ("" when none). */
enum gw_verdict gw_classify(long status, const char *body, char *reason, size_t rlen,
                            char *message, size_t mlen);


/* Backoff before attempt n (1-based) of a retry: 0.5 s doubling, capped at
 * 30 s, times jitter in [0.5, 1]. */
double gw_backoff(int attempt, double jitter01);

/* Wildcard (* and ?), ASCII case-insensitive. */
int gw_wildcard(const char *pattern, const char *s);


#endif
