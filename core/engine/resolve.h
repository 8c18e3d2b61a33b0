/* Resolution of what the sources returned into the source snapshot:
 * conflicts (duplicate ids, refs, userNames, group names) are skipped and
 * reported; member refs are resolved per source; nested groups (and helper
 * groups) are flattened into user sets with cycle detection. */
#ifndef SS_RESOLVE_H
#define SS_RESOLVE_H

#include "collect.h"

/* Fills c->out with the synced users and groups and their flattened
 * memberships, and c->out's skipped-externalId sets.  Adds conflicts to
 * c->skipped.  Returns 0 or <0 on no memory (logged). */
int ss_resolve(struct ss_collector *c);

#endif
