/* Request bodies, built with json-c.  Only attributes Identity Center
 * accepts are ever sent, never an empty string. */
#ifndef SCIM_JSON_H
#define SCIM_JSON_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include <scimsync/plugin.h>

/* Where the SCIM attribute of a schema field lives in a User resource. */
enum scim_attr_place {
    SCIM_AT_CORE,   /* top level */
    SCIM_AT_NAME,   /* name.<attr> */
    SCIM_AT_ENT,    /* the enterprise extension */
    SCIM_AT_EMAIL,  /* one primary value of emails */
    SCIM_AT_PHONE,  /* one value of phoneNumbers */
    SCIM_AT_MANAGER /* enterprise manager.value */
};

struct scim_user_attr {
    const char *attr;
    enum scim_attr_place place;
};

/* The SCIM attribute of each schema field: one table for the bodies we
 * send and the resources we parse. */
extern const struct scim_user_attr scim_user_attrs[SCIMSYNC_F_COUNT];

/* POST /Users body for u (externalId included when set).  NULL on no memory. */
json_object *scim_user_create_body(const struct scimsync_user *u);

/* PATCH /Users body changing only the fields in `changed` ((1u << field)
 * and SCIMSYNC_F_ACTIVE_BIT): replace when the field has a value, remove
 * when it became absent; userName and active are never removed.  When
 * `set_external_id` also replaces externalId (adoption).  *nops gets the
 * number of operations (0: nothing to send).  NULL on no memory. */
json_object *scim_user_patch_body(const struct scimsync_user *u, uint32_t changed,
                                  int set_external_id, size_t *nops);

/* PATCH replace active=false. */
json_object *scim_user_deactivate_body(void);

/* POST /Groups body (displayName, externalId; never members). */
json_object *scim_group_create_body(const struct scimsync_group *g);

/* PATCH /Groups: replace displayName and/or externalId (either may be NULL). */
json_object *scim_group_patch_body(const char *display_name, const char *external_id);

/* PATCH /Groups members: op "add" or "remove" with ids[0..n), n at most
 * SCIM_MEMBERS_PER_PATCH (the caller splits). */
json_object *scim_members_patch_body(const char *op, const char *const *ids, size_t n);

/* Number of PATCH requests needed for n member changes. */
size_t scim_member_chunks(size_t n);

/* Serialized form owned by obj. */
const char *scim_json_text(json_object *obj);

#endif
