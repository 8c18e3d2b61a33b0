/* Reading the target's current state into a snapshot: every user, every
 * group, then the members of the groups the sync manages, in one
 * list_members call so the plugin can read them concurrently. */
#ifndef SS_TARGET_READ_H
#define SS_TARGET_READ_H

#include "engine_types.h"
#include "model.h"

/* Members are listed for owned groups (non-empty externalId) and, when
 * adopt is set, for groups without externalId whose name matches a group
 * of src.  Returns 0, or <0 when the listing failed or was incomplete
 * (logged). */
int ss_target_read(const struct ss_engine_target *t, const struct ss_dir *src, int adopt,
                   struct ss_dir *tgt);

/* The three steps, for callers that feed their own data (benchmarks). */
int ss_target_read_users(const struct ss_engine_target *t, struct ss_dir *tgt);
int ss_target_read_groups(const struct ss_engine_target *t, struct ss_dir *tgt);
int ss_target_read_members(const struct ss_engine_target *t, const struct ss_dir *src, int adopt,
                           struct ss_dir *tgt);

/* Copies one target record into tgt (strings into its arena).  0, or <0
 * on no memory (not logged). */
int ss_target_add_user(struct ss_dir *tgt, const struct scimsync_user *u);
/* Nonzero when the target plugin's user records carry extra attributes
 * (its user_size covers them): set tgt->x_from_target before adding. */
int ss_target_has_extras(const struct scimsync_plugin *d);
int ss_target_add_group(struct ss_dir *tgt, const struct scimsync_group *g);

#endif
