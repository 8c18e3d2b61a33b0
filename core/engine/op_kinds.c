#include "op_kinds.h"

#define ROW(k, verb, json, obj, act, planned, applied, per_member)                                 \
    [k] = {k,                                                                                      \
           verb,                                                                                   \
           json,                                                                                   \
           obj,                                                                                    \
           act,                                                                                    \
           offsetof(struct ss_plan_counts, planned),                                               \
           offsetof(struct ss_summary, applied),                                                   \
           per_member}

static const struct ss_op_kind_desc kinds[] = {
    ROW(SCIMSYNC_OP_CREATE_USER, "create user", "create_user", SS_KIND_USER, SS_ACT_CREATED,
        users_create, users_created, 0),
    ROW(SCIMSYNC_OP_UPDATE_USER, "update user", "update_user", SS_KIND_USER, SS_ACT_UPDATED,
        users_update, users_updated, 0),
    ROW(SCIMSYNC_OP_DEACTIVATE_USER, "deactivate user", "deactivate_user", SS_KIND_USER,
        SS_ACT_DEACTIVATED, users_deactivate, users_deactivated, 0),
    ROW(SCIMSYNC_OP_DELETE_USER, "delete user", "delete_user", SS_KIND_USER, SS_ACT_DELETED,
        users_delete, users_deleted, 0),
    ROW(SCIMSYNC_OP_CREATE_GROUP, "create group", "create_group", SS_KIND_GROUP, SS_ACT_CREATED,
        groups_create, groups_created, 0),
    ROW(SCIMSYNC_OP_RENAME_GROUP, "rename group", "rename_group", SS_KIND_GROUP, SS_ACT_UPDATED,
        groups_rename, groups_updated, 0),
    ROW(SCIMSYNC_OP_DELETE_GROUP, "delete group", "delete_group", SS_KIND_GROUP, SS_ACT_DELETED,
        groups_delete, groups_deleted, 0),
    ROW(SCIMSYNC_OP_ADD_MEMBERS, "add members to group", "add_members", SS_KIND_MEMBERSHIP,
        SS_ACT_CREATED, members_add, members_added, 1),
    ROW(SCIMSYNC_OP_REMOVE_MEMBERS, "remove members from group", "remove_members",
        SS_KIND_MEMBERSHIP, SS_ACT_DELETED, members_remove, members_removed, 1),
};

const struct ss_op_kind_desc *ss_op_kind(enum scimsync_op_kind k)
{
    if ((size_t)k >= sizeof kinds / sizeof kinds[0] || !kinds[k].verb)
        return NULL;
    return &kinds[k];
}

const char *ss_op_verb(enum scimsync_op_kind k)
{
    const struct ss_op_kind_desc *d = ss_op_kind(k);
    return d ? d->verb : "?";
}

const char *ss_op_json_name(enum scimsync_op_kind k)
{
    const struct ss_op_kind_desc *d = ss_op_kind(k);
    return d ? d->json : "?";
}
