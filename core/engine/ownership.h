/* Which target objects are ours (docs/engine.md "Ownership"), in one
 * place: the diff asks it what it may change and adopt, the target read
 * which groups' members to list.  Were the two to disagree, a group the
 * diff adopts would have members never read, diffed as none. */
#ifndef SS_OWNERSHIP_H
#define SS_OWNERSHIP_H

#include "model.h"
#include "strmap.h"

/* Names match for adoption ASCII case-insensitively: the icase flag of
 * every name map built for it (ss_strmap_init). */
#define SS_ADOPT_ICASE 1

/* Ours: a target object with a non-empty externalId. */
static inline int ss_owned(const char *external_id)
{
    return !ss_str_empty(external_id);
}

/* A target object (its externalId and userName / displayName) that a
 * source object named src_name is to take over: not ours, [engine] adopt
 * on, and the names equal (SS_ADOPT_ICASE).  1 or 0. */
int ss_adoptable(const char *tgt_external_id, const char *tgt_name, const char *src_name,
                 int adopt);

/* Whether the diff may change this target group's members, so the target
 * read must list them: ours, or adoptable by a source group.
 * src_group_names maps the source groups' displayNames (SS_ADOPT_ICASE)
 * to their index in src; both may be NULL when adopt is off. */
int ss_group_members_managed(const struct ss_group_rec *g, int adopt, const struct ss_dir *src,
                             const struct ss_strmap *src_group_names);

#endif
