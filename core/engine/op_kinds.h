/* The operation kinds of a plan in one table: what each is called in log
 * lines and the "Not started:" line (verb), in JSON (plan --json, the run
 * report), the object and action the report counts it under, and the
 * counters it adds to when planned (struct ss_plan_counts) and when
 * applied (struct ss_summary).  A new op kind is one row here. */
#ifndef SS_OP_KINDS_H
#define SS_OP_KINDS_H

#include <scimsync/plugin.h>
#include <stddef.h>

#include "engine_types.h"
#include "plan.h"
#include "report.h"

struct ss_op_kind_desc {
    enum scimsync_op_kind kind;
    const char *verb;        /* "create user", "add members to group" */
    const char *json;        /* "create_user" */
    enum ss_obj_kind object; /* the report's counters */
    enum ss_action action;   /* ... when applied */
    size_t planned;          /* offsetof(struct ss_plan_counts, ...) */
    size_t applied;          /* offsetof(struct ss_summary, ...) */
    int per_member;          /* both counters count members, not ops */
};

/* The row of kind k; NULL when k is no op kind. */
const struct ss_op_kind_desc *ss_op_kind(enum scimsync_op_kind k);
/* Its verb / JSON name; "?" when k is no op kind. */
const char *ss_op_verb(enum scimsync_op_kind k);
const char *ss_op_json_name(enum scimsync_op_kind k);

/* Adds n to the size_t counter at offset off of the struct at base. */
static inline void ss_op_count_add(void *base, size_t off, size_t n)
{
    *(size_t *)(void *)((char *)base + off) += n;
}

#endif
