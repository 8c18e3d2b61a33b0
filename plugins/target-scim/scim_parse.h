/* Reading what the server sends: resources, list pages, error bodies.
 * Everything is parsed defensively: a wrong type counts as absent. */
#ifndef SCIM_PARSE_H
#define SCIM_PARSE_H

#include <json-c/json.h>
#include <stddef.h>

#include <scimsync/plugin.h>

/* Parses a response body (len bytes, not NUL-terminated necessarily) into
 * a JSON object.  NULL when it is not a JSON object. */
json_object *scim_parse_body(const char *body, size_t len);

/* Fills u from a SCIM User resource.  Strings point into res (valid while
 * res lives).  Returns -1 when the resource has no id. */
int scim_parse_user(json_object *res, struct scimsync_user *u);

/* Fills g from a SCIM Group resource; -1 when it has no id. */
int scim_parse_group(json_object *res, struct scimsync_group *g);

/* Calls cb(ctx, user id) for each User member of a Group resource
 * (members of type Group are skipped).  Returns the first nonzero cb
 * result, else 0. */
int scim_each_member(json_object *res, int (*cb)(void *ctx, const char *id), void *ctx);

struct scim_page {
    json_object *resources;  /* array (borrowed), or NULL: none */
    size_t count;            /* entries in resources */
    const char *next_cursor; /* NULL or "" when none */
    long total_results;      /* -1 when absent */
    long start_index;        /* -1 when absent */
    long items_per_page;     /* -1 when absent */
};

/* -1 when obj is not a ListResponse-shaped object (Resources of the
 * wrong type). */
int scim_parse_page(json_object *obj, struct scim_page *p);

struct scim_error {
    int status;       /* from the body ("409" or 409), else 0 */
    char detail[192]; /* printable text, never empty after parsing */
    char scim_type[48];
};

/* Error from a response body that may be JSON, something else, or empty. */
void scim_parse_error(const char *body, size_t len, long http_status, struct scim_error *e);

/* 1 when obj is a SCIM Error message, whatever the HTTP status said: the
 * Error schema in `schemas` (or Identity Center's stray `schema`), or a
 * `status` member holding an error code (400-599); e then holds its
 * status and detail.  0 otherwise (obj may be NULL). */
int scim_body_error(json_object *obj, struct scim_error *e);

/* Reads a list response strictly: not an Error body, the ListResponse
 * schema in `schemas`, and `Resources` an array (absent only when
 * totalResults is 0).  -1 with why otherwise. */
int scim_parse_list(json_object *obj, struct scim_page *p, char *why, size_t cap);

#endif
