/* The plan: the ordered operations one sync would apply, as data.  It is
 * printed, counted and checked against the safety limits before anything
 * is applied.  Ops are grouped in waves; the ops of one wave are
 * independent of each other and go to the target in one apply() call. */
#ifndef SS_PLAN_H
#define SS_PLAN_H

#include <scimsync/plugin.h>
#include <ss/common.h>
#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "model.h"

struct ss_engine_options;

enum ss_wave {
    SS_WAVE_CREATE_USERS = 0,
    SS_WAVE_UPDATE_USERS,
    SS_WAVE_CREATE_GROUPS,
    SS_WAVE_RENAME_GROUPS,
    SS_WAVE_ADD_MEMBERS,
    SS_WAVE_REMOVE_MEMBERS,
    SS_WAVE_REMOVE_USERS, /* deactivate or delete */
    SS_WAVE_DELETE_GROUPS,
    SS_WAVE_MANAGER_FIXUPS, /* managers created in this run */
    SS_WAVE_COUNT
};

/* Deepest chain of managers created in one run that is ordered by create
 * calls; deeper reports get a manager fix-up instead. */
#define SS_CREATE_LEVELS_MAX 32

enum ss_op_state {
    SS_OP_PENDING = 0,
    SS_OP_DONE,
    SS_OP_FAILED,       /* the target reported an error */
    SS_OP_NOT_ATTEMPTED /* an op it depends on failed, or the run stopped */
};

struct ss_plan_op {
    enum scimsync_op_kind kind;
    /* create/update/fixup: source user; deactivate/delete: target user */
    uint32_t user;
    /* update: the matched target user (old values) or SS_NONE */
    uint32_t tuser;
    /* create/rename/members: source group; delete: target group */
    uint32_t group;
    /* rename and members of existing groups: the target group, else SS_NONE */
    uint32_t tgroup;
    uint32_t changed;  /* update: field bits | SCIMSYNC_F_ACTIVE_BIT | SCIMSYNC_F_EXTRA_BIT */
    uint32_t xchanged; /* update: bit k when extra attribute src->xnames[k] changes */
    /* fixup, and create of a user whose manager is created in this run:
     * source user index of that manager */
    uint32_t manager;
    uint32_t level; /* create users: apply call order (managers first) */
    int adopt;
    int fixup; /* manager fix-up update */
    /* members: sorted refs; r < src->nusers is a source user, else the
     * target user r - src->nusers */
    uint32_t *members;
    size_t nmembers;
    /* result */
    enum ss_op_state state;
    size_t members_done; /* members ops: how many were sent */
    const char *error;   /* arena string, no secrets */
    long http_status;    /* the target's last protocol status for it (0: none known) */
    int not_started;     /* with NOT_ATTEMPTED: a clean stop (SIGINT / SIGTERM) kept it
                            from starting; left for the next run, not a failure */
};

struct ss_plan {
    const struct ss_dir *src, *tgt;
    struct ss_plan_op *ops[SS_WAVE_COUNT];
    size_t nops[SS_WAVE_COUNT], cap[SS_WAVE_COUNT];
    /* Per source user / group: its target id (NULL until created). */
    const char **user_tid;
    const char **group_tid;
    /* Per source user: the manager's target id to send (NULL: none). */
    const char **mgr_tid;
    /* Populations the safety limits measure against: owned target users
     * and groups (externalId set), and managed memberships (an owned group
     * to an owned user, as the target lists them). */
    size_t owned_users, owned_groups, managed_members;
    /* One entry per group the plan removes members from. */
    struct ss_group_loss *losses;
    size_t nlosses, losses_cap;
    /* Source entries not synced because of target state (not adopted). */
    size_t blocked;
    /* Left alone by [engine] ignore_users / ignore_groups /
     * include_groups: source entries not synced, target objects never
     * changed. */
    size_t ignored_users, ignored_groups;
    size_t ignored_target_users, ignored_target_groups;
    struct ss_arena arena;
    /* Set by the engine before printing (NULL in tests): the target and
     * sources the plan names, and whether nothing will be applied. */
    const struct ss_engine_options *opt;
    /* Staged deletes (staged_delete.h): set by the engine before the diff. */
    int staged;        /* on_missing = deactivate-then-delete */
    long long now;     /* the run's clock */
    long delete_after; /* seconds */
    struct ss_pending_delete *pending;
    size_t npending, pending_cap;
};

/* on_missing = deactivate-then-delete: a user deactivated (by this run or
 * an earlier one) whose delete is not due yet.  Not an op. */
struct ss_pending_delete {
    uint32_t tuser;           /* target user */
    long long deactivated_at; /* Unix time; 0: deactivated by this run */
    long long due;            /* deleted by the first run at or after it */
};

/* A group that loses members in the plan (the per-group limit). */
struct ss_group_loss {
    const char *name; /* its display name */
    size_t members;   /* managed members it has in the target now */
    size_t removed;   /* of those, removed by remove-members ops */
};

struct ss_plan_counts {
    size_t users_create, users_update, users_deactivate, users_delete;
    size_t groups_create, groups_rename, groups_delete;
    size_t members_add, members_remove;
    size_t manager_fixups;
    size_t total_ops;
    size_t users_pending_delete; /* staged deletes waiting (not ops) */
    /* Populations (copied from the plan). */
    size_t owned_users, owned_groups, managed_members;
    /* Per field: updated users whose value the plan clears (a value in the
     * target, none from the source). */
    size_t fields_cleared[SCIMSYNC_F_COUNT];
    /* The same per extra attribute: extras_cleared[k] for extra_names[k]. */
    size_t extras_cleared[SS_MAX_EXTRA];
    const char *const *extra_names;
    size_t nextra;
    /* Groups losing members; points into the plan (valid while it lives). */
    const struct ss_group_loss *group_losses;
    size_t ngroup_losses;
};

int ss_plan_init(struct ss_plan *p, const struct ss_dir *src, const struct ss_dir *tgt);
void ss_plan_free(struct ss_plan *p);
/* Appends a zeroed op (user/tuser/group/tgroup/manager = SS_NONE) to a
 * wave; NULL on no memory (logged). */
SS_NODISCARD struct ss_plan_op *ss_plan_add(struct ss_plan *p, enum ss_wave w,
                                            enum scimsync_op_kind kind);
void ss_plan_count(const struct ss_plan *p, struct ss_plan_counts *c);

/* Value of extra attribute k of user u (NULL: none). */
static inline const char *ss_user_extra(const struct ss_user_rec *u, size_t k)
{
    return u->xval ? u->xval[k] : NULL;
}

/* Display name of a member ref (its userName). */
const char *ss_plan_member_name(const struct ss_plan *p, uint32_t ref);

#endif
