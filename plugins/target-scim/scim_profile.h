/* Which SCIM dialect a target speaks.  Identity Center differs from RFC
 * 7644 in paging, member reads and accepted attributes. */
#ifndef SCIM_PROFILE_H
#define SCIM_PROFILE_H

enum scim_profile {
    SCIM_PROFILE_GENERIC = 0,
    SCIM_PROFILE_IDENTITY_CENTER = 1
};

#define SCIM_SCHEMA_USER "urn:ietf:params:scim:schemas:core:2.0:User"
#define SCIM_SCHEMA_GROUP "urn:ietf:params:scim:schemas:core:2.0:Group"
#define SCIM_SCHEMA_ENTERPRISE "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
#define SCIM_SCHEMA_PATCH "urn:ietf:params:scim:api:messages:2.0:PatchOp"
#define SCIM_SCHEMA_LIST "urn:ietf:params:scim:api:messages:2.0:ListResponse"
#define SCIM_SCHEMA_ERROR "urn:ietf:params:scim:api:messages:2.0:Error"

/* Identity Center takes at most this many member values per PATCH. */
#define SCIM_MEMBERS_PER_PATCH 100
/* Largest page either profile is asked for. */
#define SCIM_PAGE_SIZE 100

#endif
