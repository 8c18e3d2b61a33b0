/* Which SCIM dialect a target speaks.  Identity Center differs from RFC
 * 7644 in paging, member reads and accepted attributes. */
#ifndef SCIM_PROFILE_H
#define SCIM_PROFILE_H

#include <stddef.h>

#include "scim_budget.h"

enum scim_profile { SCIM_PROFILE_GENERIC = 0, SCIM_PROFILE_IDENTITY_CENTER = 1 };

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

/* Default budgets (requests a second; member values a second), from
 * Identity Center's documented quotas: 40 TPS for read APIs, 25 TPS for
 * write APIs per identity store.  The membership-operation throttle is
 * not published: 100 values a second is one full PATCH a second, well
 * under what 25 writes of 100 values could ask.  rate_limit, the
 * overall cap, is off there; on a generic server it is the one knob. */
#define SCIM_IDC_READ_RATE 40.0
#define SCIM_IDC_WRITE_RATE 25.0
#define SCIM_IDC_MEMBER_RATE 100.0
#define SCIM_GENERIC_RATE_LIMIT 50.0

/* The ceilings of the budgets (scim_budget.h order): set[k] is the value
 * configured for budget k, < 0 when the key is absent (the profile's
 * default applies). */
void scim_profile_rates(enum scim_profile p, const double set[SCIM_BUDGETS],
                        double out[SCIM_BUDGETS]);

/* What one probe answer says about how the server pages. */
enum scim_probe_verdict {
    SCIM_PROBE_UNSURE = 0,
    SCIM_PROBE_CURSOR, /* cursor paging: the identity-center profile */
    SCIM_PROBE_INDEX   /* startIndex paging: the generic profile */
};

/* The answer to GET /Users?count=1&cursor= (the first page of a cursor
 * listing): a nextCursor says cursors work; a 400, or one resource of a
 * larger totalResults with no nextCursor, says the cursor was refused or
 * ignored.  Fewer than two users cannot tell.  why: the reason. */
enum scim_probe_verdict scim_probe_users(long status, const char *body, size_t len, char *why,
                                         size_t cap);
/* The answer to GET /ServiceProviderConfig: RFC 9865's `pagination`
 * object, when it names one method only. */
enum scim_probe_verdict scim_probe_spc(long status, const char *body, size_t len, char *why,
                                       size_t cap);
/* The answer to GET /Users?count=1&startIndex=1: a 400 is a server that
 * refuses index paging (Identity Center); a list is one that takes it. */
enum scim_probe_verdict scim_probe_index(long status, const char *body, size_t len, char *why,
                                         size_t cap);

#endif
