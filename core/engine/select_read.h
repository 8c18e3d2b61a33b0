/* One user or group now (`sync --user NAME` / `--group NAME`): the reads.
 * The target is asked by name, externalId and membership (the plugin's
 * find_users / find_groups), never listed in full; the sources through
 * their open_selection.  engine.c calls these instead of the full reads. */
#ifndef SS_SELECT_READ_H
#define SS_SELECT_READ_H

#include <scimsync/plugin.h>

#include "engine_types.h"
#include "model.h"
#include "select.h"
#include "strmap.h"

struct ss_select_read {
    const struct ss_engine_target *t;
    struct scimsync_selection *sel;
    struct ss_dir *tgt;
    struct ss_strmap user_ids, group_ids; /* target ids read so far -> index */
    struct ss_pair *pairs;                /* memberships found */
    size_t npairs, pairs_cap;
    int failed;
};

/* The selection of the run, or NULL when it syncs everything.  Fills *sel
 * from opt->select_user / opt->select_group. */
const struct scimsync_selection *ss_select_from_options(const struct ss_engine_options *opt,
                                                        struct scimsync_selection *sel);

/* Every source and the target must support the narrowed reads: "source hr
 * (plugin google) does not support --user" otherwise.  0, or <0 (logged). */
int ss_select_check_plugins(const struct ss_engine_source *sources, size_t nsources,
                            const struct ss_engine_target *t, const struct scimsync_selection *sel);

void ss_select_read_init(struct ss_select_read *r, const struct ss_engine_target *t,
                         struct scimsync_selection *sel, struct ss_dir *tgt);
void ss_select_read_free(struct ss_select_read *r);

/* Before the sources: the target user (userName) or group (displayName)
 * by name; when exactly one owned object is found, its externalId goes
 * into sel, so the sources also find an entry renamed since.  0, or <0
 * (logged). */
int ss_select_read_named(struct ss_select_read *r);

/* After the sources: the target objects the picked source entries match
 * (externalId) and the memberships of the selection (USER: the groups each
 * found user is in; GROUP: the members of each found group).  Ends the
 * target snapshot (members set, members_known for every group read).  0,
 * or <0 (logged). */
int ss_select_read_rest(struct ss_select_read *r, const struct ss_dir *src,
                        const struct ss_pick *pick);

#endif
