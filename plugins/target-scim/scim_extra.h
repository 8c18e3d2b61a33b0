/* Extra attributes (mapping lines extra.NAME): where NAME lives in a SCIM
 * User, what each profile accepts, and their JSON in bodies and listings.
 *   NAME              a core attribute of its own (profileUrl)
 *   name.SUB          a sub-attribute of name (middleName, honorificPrefix)
 *   enterprise.ATTR   ATTR of the enterprise extension
 *   custom.ATTR       ATTR of the schema named by the key custom_schema */
#ifndef SCIM_EXTRA_H
#define SCIM_EXTRA_H

#include <json-c/json.h>
#include <stddef.h>

#include <scimsync/plugin.h>

#include "scim_profile.h"

/* Most extra attributes one user carries (the host syncs at most 32). */
#define SCIM_EXTRA_MAX 32

enum scim_extra_place { SCIM_X_CORE, SCIM_X_NAME, SCIM_X_ENTERPRISE, SCIM_X_CUSTOM };

struct scim_extra_path {
    enum scim_extra_place place;
    const char *attr; /* points into the name */
};

/* Where extra attribute `name` goes, when the profile (and custom_schema,
 * NULL when unset) can take it: 0, or -1 with the reason (what is
 * accepted) in why. */
int scim_extra_resolve(const char *name, enum scim_profile profile, const char *custom_schema,
                       struct scim_extra_path *out, char *why, size_t whylen);

/* Adds u's extra attributes that have a value to a POST /Users body, and
 * their schema URNs to its schemas array.  0, or -1 (no memory, or a name
 * that does not resolve). */
int scim_extras_to_create(json_object *body, const struct scimsync_user *u,
                          const char *custom_schema);

/* Appends to a PATCH /Users body (from scim_user_patch_body) a replace for
 * each changed extra attribute with a value and a remove for each changed
 * one without; all = every one with a value (adoption).  *nops grows by
 * the operations added.  0 or -1. */
int scim_extras_to_patch(json_object *body, const struct scimsync_user *u, int all,
                         const char *custom_schema, size_t *nops);

/* The values of the extra attributes `names` (NULL-terminated) in User
 * resource res, into x (room for cap): strings owned by res.  Returns how
 * many were found. */
size_t scim_extras_parse(json_object *res, const char *const *names, const char *custom_schema,
                         struct scimsync_extra *x, size_t cap);

#endif
