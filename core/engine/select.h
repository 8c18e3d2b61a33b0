/* One user or group now (`sync --user NAME` / `--group NAME`): the pure
 * part.  Which source entries the run keeps, the narrowed source snapshot
 * the diff compares with the narrowed target read, and the plan
 * restricted to what that user or group may change.  No I/O. */
#ifndef SS_SELECT_H
#define SS_SELECT_H

#include <scimsync/plugin.h>
#include <stddef.h>
#include <stdint.h>

#include "model.h"
#include "plan.h"
#include "safety.h"

/* What was picked from the resolved source snapshot. */
struct ss_pick {
    uint32_t *users; /* source user indexes, ascending (malloc'd) */
    size_t nusers;
    uint32_t *groups; /* source group indexes, ascending (malloc'd) */
    size_t ngroups;
};

void ss_pick_free(struct ss_pick *p);

/* USER: the users whose userName is sel->name (ASCII case-insensitive,
 * as the target compares) or whose id is sel->external_id, and the groups
 * that have one of them as a (flattened) member.  GROUP: the groups whose
 * displayName is sel->name (case-insensitive) or whose id is
 * sel->external_id, and their (flattened) member users.  0, or <0 on no
 * memory (logged). */
int ss_select_pick(const struct ss_dir *src, const struct scimsync_selection *sel,
                   struct ss_pick *out);

/* The narrowed source snapshot in out (initialized by the caller; its
 * strings are borrowed from src and tgt, which must outlive it):
 *  - the picked users and groups; a group's members are only the picked
 *    users (the others are not this run's business);
 *  - USER: an owned target group (externalId set) that the picked target
 *    user is in and no picked group matches becomes a source group with
 *    the target's name and no member: the user leaves it, nothing else
 *    happens to it (a group is never deleted in this mode);
 *  - GROUP: an owned target user in a picked group that no picked user
 *    matches becomes a source user that manages no field: it leaves the
 *    group and is neither changed nor deactivated;
 *  - manager is not managed (its user is not read in this mode).
 * tuser: the target user of the USER selection (SS_NONE: none).
 * The skipped-entry maps move from src to out.  0, or <0 (logged). */
int ss_select_build(struct ss_dir *src, const struct ss_pick *pick,
                    const struct scimsync_selection *sel, const struct ss_dir *tgt,
                    struct ss_dir *out);

/* Drops the ops this mode never sends: USER: group creates, renames and
 * deletes, members added to a group the target lacks, manager fix-ups;
 * GROUP: user deactivations / deletions, other groups' deletions, manager
 * fix-ups.  Each dropped group create is named once (warning).  Returns
 * the number of ops dropped. */
size_t ss_select_restrict(struct ss_plan *p, const struct scimsync_selection *sel);

/* The limits of a narrowed run: its populations are that user's or
 * group's alone (a departing user loses 100% of its memberships), so the
 * percentage limits, which exist to catch a source read gone wrong across
 * a directory, have nothing to measure; the count limits stay. */
void ss_select_safety(struct ss_safety_policy *p);

/* "--user alice" / "--group admins" for messages (static buffer-free:
 * the caller's). */
void ss_select_describe(const struct scimsync_selection *sel, char *buf, size_t len);

#endif
