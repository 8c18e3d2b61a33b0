#include "apply.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "op_kinds.h"
#include "progress.h"
#include "stop.h"
#include "warncap.h"

/* Per-wave scratch: the ABI ops and what they point to. */
struct wave_buf {
    struct scimsync_op *ops;
    struct ss_plan_op **plan_ops;
    struct scimsync_user *users;
    struct scimsync_group *groups;
    struct scimsync_extra *extras; /* n * nx: the extra attributes of users[i] */
    size_t n, nx;
};

/* The apply() call in progress, for the plugin's op_done callbacks. */
static struct {
    const struct scimsync_op *ops;
    struct ss_plan_op **plan_ops;
    size_t n, reported;
} g_call;

void ss_apply_op_done(const struct scimsync_op *op, long http_status)
{
    if (!g_call.ops || op < g_call.ops || op >= g_call.ops + g_call.n)
        return; /* not an op of this call: ignored */
    struct ss_plan_op *po = g_call.plan_ops[op - g_call.ops];
    if (po->state != SS_OP_PENDING || g_call.reported >= g_call.n)
        return; /* finished already, or more reports than ops */
    po->http_status = http_status > 0 ? http_status : 0;
    g_call.reported++;
    ss_progress_add(1);
}

struct applier {
    struct ss_plan *p;
    const struct ss_engine_target *t;
    struct ss_summary *sum;
    struct ss_warncap w_fail;
    int stopped;
    const struct ss_apply_hook *hook; /* NULL: one apply() call a batch */
    int interrupted;                  /* stopped by a signal: what did not run is "not started" */
};

static const char *op_object(const struct ss_plan *p, const struct ss_plan_op *op)
{
    switch (op->kind) {
    case SCIMSYNC_OP_CREATE_USER:
    case SCIMSYNC_OP_UPDATE_USER:
        return p->src->users[op->user].field[SCIMSYNC_F_USER_NAME];
    case SCIMSYNC_OP_DEACTIVATE_USER:
    case SCIMSYNC_OP_DELETE_USER: {
        const struct ss_user_rec *u = &p->tgt->users[op->user];
        return u->field[SCIMSYNC_F_USER_NAME] ? u->field[SCIMSYNC_F_USER_NAME] : u->id;
    }
    case SCIMSYNC_OP_DELETE_GROUP: {
        const struct ss_group_rec *g = &p->tgt->groups[op->group];
        return g->display_name ? g->display_name : g->id;
    }
    default:
        return p->src->groups[op->group].display_name;
    }
}

static void fail_op(struct applier *a, struct ss_plan_op *op, enum ss_op_state st, const char *why)
{
    op->state = st;
    op->error = ss_arena_strdup(&a->p->arena, why);
    a->sum->failed++;
    if (!ss_warncap_take(&a->w_fail))
        return;
    const char *state = st == SS_OP_FAILED ? "failed" : "not attempted";
    struct ss_log_field f[] = {
        SS_LF_S("operation", ss_op_verb(op->kind)),
        SS_LF_S("object", op_object(a->p, op)),
        SS_LF_S("result", st == SS_OP_FAILED ? "failed" : "not_attempted"),
        SS_LF_S("error", why),
        SS_LF_I("http_status", op->http_status), /* last: 0 left out */
    };
    ss_log_event(a->w_fail.level, NULL, "operation_failed", f, op->http_status > 0 ? 5 : 4,
                 "%s %s %s: %s", ss_op_verb(op->kind), op_object(a->p, op), state, why);
}

/* The error text of ops a signal kept from starting (compared by address). */
static const char not_started_text[] = "not started (interrupted)";

/* An op a signal kept from starting: not a failure, left for the next run. */
static void not_started(struct applier *a, struct ss_plan_op *op)
{
    op->state = SS_OP_NOT_ATTEMPTED;
    op->error = not_started_text;
    op->not_started = 1; /* the run report counts it apart from failures */
    a->sum->not_started++;
    ss_debug("%s %s: not started (interrupted)", ss_op_verb(op->kind), op_object(a->p, op));
}

void ss_apply_print_not_started(const struct ss_plan *p, FILE *out)
{
    size_t n[SCIMSYNC_OP_REMOVE_MEMBERS + 1] = {0}, total = 0;
    const char *sep = "";

    for (int w = 0; w < SS_WAVE_COUNT; w++) {
        for (size_t i = 0; i < p->nops[w]; i++) {
            const struct ss_plan_op *op = &p->ops[w][i];
            if (op->state == SS_OP_NOT_ATTEMPTED && op->error == not_started_text &&
                (unsigned)op->kind <= SCIMSYNC_OP_REMOVE_MEMBERS) {
                n[op->kind]++;
                total++;
            }
        }
    }
    if (!total)
        return;
    fputs("Not started:", out);
    for (int k = SCIMSYNC_OP_CREATE_USER; k <= SCIMSYNC_OP_REMOVE_MEMBERS; k++) {
        if (n[k]) {
            fprintf(out, "%s %zu %s", sep, n[k], ss_op_verb((enum scimsync_op_kind)k));
            sep = ",";
        }
    }
    fputs(".\n", out);
}

/* Notes a stop of the run; a signal makes it an interruption. */
static void stop_run(struct applier *a)
{
    a->stopped = 1;
    if (ss_host_interrupted())
        a->interrupted = 1;
}

/* The desired record of source user s as the target sees it. */
static void fill_user(const struct ss_plan *p, uint32_t s, struct scimsync_user *u)
{
    const struct ss_user_rec *r = &p->src->users[s];
    memset(u, 0, sizeof(*u));
    u->id = p->user_tid[s];
    u->external_id = r->external_id;
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        if ((r->managed >> f) & 1u)
            u->field[f] = r->field[f];
    }
    u->field[SCIMSYNC_F_MANAGER] = p->mgr_tid[s];
    u->active = r->active;
}

/* The extra attributes the mapping sets for source user s, into x (room
 * for nx): all of them, those of xchanged flagged SCIMSYNC_EXTRA_CHANGED.
 * A create sends only those with a value. */
static void fill_extras(const struct ss_plan *p, uint32_t s, uint32_t xchanged, int create,
                        struct scimsync_extra *x, struct scimsync_user *u)
{
    const struct ss_user_rec *r = &p->src->users[s];
    size_t n = 0;
    for (size_t k = 0; k < p->src->nx; k++) {
        const char *v = ss_user_extra(r, k);
        if (!((r->xmanaged >> k) & 1u) || (create && ss_str_empty(v)))
            continue;
        x[n++] =
            (struct scimsync_extra){.name = p->src->xnames[k],
                                    .value = ss_str_empty(v) ? NULL : v,
                                    .flags = ((xchanged >> k) & 1u) ? SCIMSYNC_EXTRA_CHANGED : 0};
    }
    u->extra = n ? x : NULL;
    u->nextra = n;
}

/* Prepares ABI op i of the wave from plan op po.  Returns 0 ready, 1 when
 * a prerequisite is missing (op marked), <0 on no memory. */
static int prepare(struct applier *a, struct wave_buf *wb, size_t i, struct ss_plan_op *po)
{
    struct ss_plan *p = a->p;
    struct scimsync_op *op = &wb->ops[i];
    memset(op, 0, sizeof(*op));
    op->kind = po->kind;
    switch (po->kind) {
    case SCIMSYNC_OP_CREATE_USER:
        fill_user(p, po->user, &wb->users[i]);
        if (po->manager != SS_NONE) {
            /* Its manager was created by an earlier call of this wave. */
            const char *m = p->user_tid[po->manager];
            if (!m)
                ss_warn("user %s: created without its manager %s, whose create failed",
                        p->src->users[po->user].field[SCIMSYNC_F_USER_NAME],
                        p->src->users[po->manager].field[SCIMSYNC_F_USER_NAME]);
            wb->users[i].field[SCIMSYNC_F_MANAGER] = m;
        }
        fill_extras(p, po->user, 0, 1, wb->extras + i * wb->nx, &wb->users[i]);
        op->user = &wb->users[i];
        op->adopt = po->adopt;
        break;
    case SCIMSYNC_OP_UPDATE_USER:
        if (!p->user_tid[po->user]) {
            fail_op(a, po, SS_OP_NOT_ATTEMPTED, "the user was not created");
            return 1;
        }
        fill_user(p, po->user, &wb->users[i]);
        if (po->fixup) {
            const char *m = p->user_tid[po->manager];
            if (!m) {
                fail_op(a, po, SS_OP_NOT_ATTEMPTED, "its manager was not created");
                return 1;
            }
            wb->users[i].field[SCIMSYNC_F_MANAGER] = m;
        }
        if (!po->fixup)
            fill_extras(p, po->user, po->xchanged, 0, wb->extras + i * wb->nx, &wb->users[i]);
        op->target_id = p->user_tid[po->user];
        op->user = &wb->users[i];
        op->changed = po->changed;
        break;
    case SCIMSYNC_OP_DEACTIVATE_USER:
    case SCIMSYNC_OP_DELETE_USER:
        op->target_id = p->tgt->users[po->user].id;
        break;
    case SCIMSYNC_OP_CREATE_GROUP:
    case SCIMSYNC_OP_RENAME_GROUP: {
        const struct ss_group_rec *g = &p->src->groups[po->group];
        wb->groups[i] =
            (struct scimsync_group){p->group_tid[po->group], g->external_id, g->display_name};
        op->group = &wb->groups[i];
        op->adopt = po->adopt;
        if (po->kind == SCIMSYNC_OP_RENAME_GROUP)
            op->target_id = p->group_tid[po->group];
        break;
    }
    case SCIMSYNC_OP_DELETE_GROUP:
        op->target_id = p->tgt->groups[po->group].id;
        break;
    case SCIMSYNC_OP_ADD_MEMBERS:
    case SCIMSYNC_OP_REMOVE_MEMBERS: {
        const char *gid = p->group_tid[po->group];
        if (!gid) {
            fail_op(a, po, SS_OP_NOT_ATTEMPTED, "the group was not created");
            return 1;
        }
        const char **ids = ss_arena_alloc(&p->arena, po->nmembers * sizeof(*ids));
        if (!ids) {
            ss_error("out of memory (apply)");
            return -1;
        }
        size_t n = 0;
        for (size_t k = 0; k < po->nmembers; k++) {
            uint32_t r = po->members[k];
            const char *id =
                r < p->src->nusers ? p->user_tid[r] : p->tgt->users[r - p->src->nusers].id;
            if (id)
                ids[n++] = id;
        }
        if (n < po->nmembers)
            ss_warn("group %s: %zu of %zu member changes left out: their user was not created",
                    p->src->groups[po->group].display_name, po->nmembers - n, po->nmembers);
        if (n == 0) {
            fail_op(a, po, SS_OP_NOT_ATTEMPTED, "none of its users were created");
            return 1;
        }
        po->members_done = n;
        op->target_id = gid;
        op->member_ids = ids;
        op->nmembers = n;
        break;
    }
    }
    return 0;
}

static void count_done(struct applier *a, const struct ss_plan_op *po)
{
    const struct ss_op_kind_desc *d = ss_op_kind(po->kind);
    if (d)
        ss_op_count_add(a->sum, d->applied, d->per_member ? po->members_done : 1);
}

/* Records the result of one attempted op. */
static int record(struct applier *a, struct scimsync_op *op, struct ss_plan_op *po)
{
    struct ss_plan *p = a->p;
    op->error[SCIMSYNC_ERROR_MAX - 1] = '\0';
    if (op->status == SCIMSYNC_ERR_STOPPED && a->stopped) {
        if (a->interrupted)
            not_started(a, po);
        else
            fail_op(a, po, SS_OP_NOT_ATTEMPTED, "the run stopped");
        return 0;
    }
    if (op->status != 0) {
        if (op->status == SCIMSYNC_ERR_AUTH)
            a->stopped = 1;
        fail_op(a, po, SS_OP_FAILED, op->error[0] ? op->error : "error");
        return 0;
    }
    if (po->kind == SCIMSYNC_OP_CREATE_USER || po->kind == SCIMSYNC_OP_CREATE_GROUP) {
        op->new_id[SCIMSYNC_ID_MAX - 1] = '\0';
        if (!op->new_id[0]) {
            fail_op(a, po, SS_OP_FAILED, "the target returned no id for the new object");
            return 0;
        }
        const char *id = ss_arena_strdup(&p->arena, op->new_id);
        if (!id) {
            ss_error("out of memory (apply)");
            return -1;
        }
        if (po->kind == SCIMSYNC_OP_CREATE_USER)
            p->user_tid[po->user] = id;
        else
            p->group_tid[po->group] = id;
        if (op->result_flags & SCIMSYNC_OP_ADOPTED)
            ss_info("%s %s: adopted the existing object", ss_op_verb(po->kind), op_object(p, po));
    }
    po->state = SS_OP_DONE;
    count_done(a, po);
    return 0;
}

/* One apply() call: the ops of wave w at the given level (user creates
 * come in levels, managers first; every other wave has level 0 only). */
static int run_batch(struct applier *a, enum ss_wave w, uint32_t level)
{
    struct ss_plan *p = a->p;
    size_t n = p->nops[w], ready = 0;
    int rc = -1;
    struct wave_buf wb = {0};
    if (!a->stopped && ss_host_run_should_stop()) {
        char why[64];
        ss_host_stop_reason(why, sizeof why);
        stop_run(a);
        if (a->interrupted)
            ss_warn("%s; no further operation starts", why);
        else
            ss_error("%s; the remaining operations are not attempted", why);
    }
    if (a->stopped) {
        for (size_t i = 0; i < n; i++) {
            if (p->ops[w][i].level != level)
                continue;
            if (a->interrupted)
                not_started(a, &p->ops[w][i]);
            else
                fail_op(a, &p->ops[w][i], SS_OP_NOT_ATTEMPTED, "the run stopped");
            ss_progress_add(1);
        }
        return 0;
    }
    wb.ops = calloc(n, sizeof(*wb.ops));
    wb.plan_ops = calloc(n, sizeof(*wb.plan_ops));
    wb.users = calloc(n, sizeof(*wb.users));
    wb.groups = calloc(n, sizeof(*wb.groups));
    wb.nx = p->src->nx;
    wb.extras = calloc(wb.nx ? n * wb.nx : 1, sizeof(*wb.extras));
    if (!wb.ops || !wb.plan_ops || !wb.users || !wb.groups || !wb.extras) {
        ss_error("out of memory (apply)");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        struct ss_plan_op *po = &p->ops[w][i];
        if (po->level != level)
            continue;
        int r = prepare(a, &wb, ready, po);
        if (r < 0)
            goto out;
        if (r == 0)
            wb.plan_ops[ready++] = po;
        else
            ss_progress_add(1); /* not attempted: done with */
    }
    if (ready > 0) {
        int r = 0;
        size_t chunk = a->hook && a->hook->chunk ? a->hook->chunk : ready;
        /* In chunks when hooked, so what landed is recorded as it lands. */
        for (size_t off = 0; off < ready; off += chunk) {
            size_t m = ready - off < chunk ? ready - off : chunk;
            if (r < 0) {
                for (size_t i = off; i < off + m; i++)
                    wb.ops[i].status = SCIMSYNC_ERR_STOPPED;
                ss_progress_add(m);
                continue;
            }
            g_call.ops = wb.ops + off;
            g_call.plan_ops = wb.plan_ops + off;
            g_call.n = m;
            g_call.reported = 0;
            r = a->t->plugin->target->apply(a->t->inst, wb.ops + off, m);
            /* ops the plugin did not report one by one (no op_done) */
            ss_progress_add(m - g_call.reported);
            memset(&g_call, 0, sizeof(g_call));
            if (a->hook && a->hook->after(a->hook->ctx, wb.ops + off, m) < 0)
                goto out;
        }
        if (r < 0) {
            char why[64] = "apply failed";
            a->stopped = 1;
            if (r == SCIMSYNC_ERR_AUTH)
                snprintf(why, sizeof why, "credentials rejected");
            else if (r == SCIMSYNC_ERR_STOPPED)
                ss_host_stop_reason(why, sizeof why);
            if (r == SCIMSYNC_ERR_STOPPED && ss_host_interrupted()) {
                a->interrupted = 1;
                ss_warn("target %s: %s; the requests in flight were let finish, no further "
                        "operation starts",
                        a->t->name, why);
            } else {
                ss_error("target %s: %s; the run stops here", a->t->name, why);
            }
        }
        for (size_t i = 0; i < ready; i++) {
            if (record(a, &wb.ops[i], wb.plan_ops[i]) < 0)
                goto out;
        }
        if (a->stopped && r >= 0)
            ss_error("target %s: credentials rejected; the run stops here", a->t->name);
    }
    rc = 0;
out:
    free(wb.ops);
    free(wb.plan_ops);
    free(wb.users);
    free(wb.groups);
    free(wb.extras);
    return rc;
}

static int run_wave(struct applier *a, enum ss_wave w)
{
    uint32_t top = 0;
    for (size_t i = 0; i < a->p->nops[w]; i++) {
        if (a->p->ops[w][i].level > top)
            top = a->p->ops[w][i].level;
    }
    for (uint32_t level = 0; a->p->nops[w] && level <= top; level++) {
        if (run_batch(a, w, level) < 0)
            return -1;
    }
    return 0;
}

int ss_apply(struct ss_plan *p, const struct ss_engine_target *t, struct ss_summary *sum)
{
    return ss_apply_hooked(p, t, sum, NULL);
}

int ss_apply_hooked(struct ss_plan *p, const struct ss_engine_target *t, struct ss_summary *sum,
                    const struct ss_apply_hook *hook)
{
    struct applier a = {
        .p = p,
        .t = t,
        .sum = sum,
        .hook = hook,
        .w_fail = SS_WARNCAP_INIT("failed operations", SCIMSYNC_LOG_ERROR),
    };
    int rc = 0;
    size_t failed_before = sum->failed;
    a.w_fail.limit = 50;
    for (int w = 0; w < SS_WAVE_COUNT; w++) {
        if (run_wave(&a, (enum ss_wave)w) < 0) {
            rc = -1;
            break;
        }
    }
    ss_warncap_total(&a.w_fail);
    sum->interrupted = a.interrupted;
    if (rc < 0)
        return rc;
    return sum->failed > failed_before ? 1 : 0;
}
