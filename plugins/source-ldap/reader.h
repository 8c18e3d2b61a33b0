/*
 * Between the files of the read (ldap_reader.c and the files it calls):
 * not used by the connection, the check or the descriptor.
 */
#ifndef LSRC_READER_H
#define LSRC_READER_H

#include "ldap_dialect.h"
#include "source.h"

#define LSRC_MAP_LIMIT (20u * 1000u * 1000u) /* DNs kept for one read */
#define LSRC_ARENA_LIMIT ((size_t)512 << 20) /* bytes of one entry */
#define LSRC_MEMBERS_LIMIT ((size_t)5000000) /* members of one group */
#define LSRC_RANGE_ROUNDS_LIMIT 100000       /* range requests for one group */

/* ldap_dialect.c: reads the RootDSE: the dialect (when auto) and its
 * table, the default base DN. */
int lsrc_read_rootdse(struct lsrc_source *s);

/* ldap_attrs.c: the attributes each search asks for. */
int lsrc_attr_lists_build(struct lsrc_source *s);
void lsrc_attr_lists_free(struct lsrc_source *s);

/* ldap_members.c: group members. */
/* Room for element n of a doubling array of *cap elements of size elem
 * (first: the capacity of its first allocation).  0, or -1 on no memory. */
int lsrc_room_for(void **arr, size_t *cap, size_t n, size_t elem, size_t first);
/* Logs "out of memory or entry too large" for dn; SCIMSYNC_ERR_NOMEM. */
int lsrc_no_memory(struct lsrc_source *s, const char *dn);
/* A member DN of the group being built: synced users and groups (queued
 * as nesting helpers) kept, the rest dropped. */
int lsrc_member_dn(struct lsrc_source *s, const char *value, size_t len, const char *dn);
/* A posixGroup memberUid: the user with that uid, if synced. */
int lsrc_member_uid(struct lsrc_source *s, const struct berval *bv, const char *dn);
/* AD range retrieval: the rest of `member` after the chunk ending at hi. */
int lsrc_member_ranges(struct lsrc_source *s, const char *dn, long hi);

/* ldap_scope.c: users_from_group and the group index. */
/* Everything the scope needs before users are read: the scope group's
 * DN, the index of group DNs, the walked members (no in-chain rule). */
int lsrc_scope_open(struct lsrc_source *s);
/* The users search filter: user_filter and the scope clause (in chain).
 * malloc'd into *filter. */
int lsrc_scope_user_filter(struct lsrc_source *s, char **filter);
/* Nonzero when a user (canonical DN, uid or NULL) is in the scope. */
int lsrc_scope_has_user(const struct lsrc_source *s, const char *canon, const char *uid);

/* ldap_entry.c: building entries.  Return 1 ready, 0 skipped or deferred
 * (users), <0 error. */
int lsrc_build_user(struct lsrc_source *s, struct lsrc_search *q, void *e);
int lsrc_build_group(struct lsrc_source *s, struct lsrc_search *q, void *e, unsigned flags);
/* managerId from the manager's DN; *pending = 1 when not read yet. */
int lsrc_resolve_manager(struct lsrc_source *s, int *pending);

#endif
