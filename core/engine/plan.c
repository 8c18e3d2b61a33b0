#include "plan.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "op_kinds.h"
#include "vec.h"

int ss_plan_init(struct ss_plan *p, const struct ss_dir *src, const struct ss_dir *tgt)
{
    memset(p, 0, sizeof(*p));
    p->src = src;
    p->tgt = tgt;
    ss_arena_init(&p->arena, 0);
    p->user_tid = calloc(src->nusers ? src->nusers : 1, sizeof(*p->user_tid));
    p->group_tid = calloc(src->ngroups ? src->ngroups : 1, sizeof(*p->group_tid));
    p->mgr_tid = calloc(src->nusers ? src->nusers : 1, sizeof(*p->mgr_tid));
    if (!p->user_tid || !p->group_tid || !p->mgr_tid) {
        ss_error("out of memory (plan)");
        ss_plan_free(p);
        return -1;
    }
    return 0;
}

void ss_plan_free(struct ss_plan *p)
{
    for (int w = 0; w < SS_WAVE_COUNT; w++)
        free(p->ops[w]);
    free(p->user_tid);
    free(p->group_tid);
    free(p->mgr_tid);
    free(p->losses);
    free(p->pending);
    ss_arena_free(&p->arena);
    memset(p, 0, sizeof(*p));
}

struct ss_plan_op *ss_plan_add(struct ss_plan *p, enum ss_wave w, enum scimsync_op_kind kind)
{
    if (SS_VEC_PUSH_ROOM(p->ops[w], p->nops[w], p->cap[w]) < 0) {
        ss_error("out of memory (plan)");
        return NULL;
    }
    struct ss_plan_op *op = &p->ops[w][p->nops[w]++];
    memset(op, 0, sizeof(*op));
    op->kind = kind;
    op->user = op->tuser = op->group = op->tgroup = op->manager = SS_NONE;
    return op;
}

/* Fields an update empties: the target holds a value, the source none. */
static void count_cleared(const struct ss_plan *p, const struct ss_plan_op *op,
                          struct ss_plan_counts *c)
{
    const struct ss_user_rec *u = &p->src->users[op->user];
    const struct ss_user_rec *t = &p->tgt->users[op->tuser];
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        if (!((op->changed >> f) & 1u) || ss_str_empty(t->field[f]))
            continue;
        /* The manager goes out as a target id (mgr_tid), not the source's. */
        const char *now = f == SCIMSYNC_F_MANAGER ? p->mgr_tid[op->user] : u->field[f];
        if (ss_str_empty(now))
            c->fields_cleared[f]++;
    }
    for (size_t k = 0; k < p->src->nx; k++) {
        if (((op->xchanged >> k) & 1u) && !ss_str_empty(ss_user_extra(t, k)) &&
            ss_str_empty(ss_user_extra(u, k)))
            c->extras_cleared[k]++;
    }
}

void ss_plan_count(const struct ss_plan *p, struct ss_plan_counts *c)
{
    memset(c, 0, sizeof(*c));
    c->owned_users = p->owned_users;
    c->owned_groups = p->owned_groups;
    c->managed_members = p->managed_members;
    c->group_losses = p->losses;
    c->ngroup_losses = p->nlosses;
    c->users_pending_delete = p->npending;
    c->extra_names = p->src ? p->src->xnames : NULL;
    c->nextra = p->src ? p->src->nx : 0;
    for (int w = 0; w < SS_WAVE_COUNT; w++) {
        for (size_t i = 0; i < p->nops[w]; i++) {
            const struct ss_plan_op *op = &p->ops[w][i];
            c->total_ops++;
            const struct ss_op_kind_desc *d = ss_op_kind(op->kind);
            if (!d)
                continue;
            if (op->kind == SCIMSYNC_OP_UPDATE_USER && op->fixup) {
                c->manager_fixups++; /* not a change of its own */
                continue;
            }
            ss_op_count_add(c, d->planned, d->per_member ? op->nmembers : 1);
            if (op->kind == SCIMSYNC_OP_UPDATE_USER)
                count_cleared(p, op, c);
        }
    }
}

const char *ss_plan_member_name(const struct ss_plan *p, uint32_t ref)
{
    const struct ss_user_rec *u =
        ref < p->src->nusers ? &p->src->users[ref] : &p->tgt->users[ref - p->src->nusers];
    if (u->field[SCIMSYNC_F_USER_NAME])
        return u->field[SCIMSYNC_F_USER_NAME];
    return u->id ? u->id : "?";
}
