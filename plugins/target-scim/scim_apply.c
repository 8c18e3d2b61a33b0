/* Applying operations: each op becomes one job (member changes one job
 * per PATCH of at most 100 values); the jobs run concurrently through the
 * paced runner.  A 409 on create looks the object up and adopts it only
 * when it is ours, or when asked to adopt an object without externalId;
 * an object the listing did not contain stops the apply (the listing was
 * incomplete, so the plan built on it cannot be trusted).  A 2xx whose
 * body is a SCIM Error is a failure. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "scim_extra.h"
#include "scim_filter.h"
#include "scim_json.h"
#include "scim_parse.h"
#include "scim_target.h"

enum op_state { ST_MAIN = 0, ST_LOOKUP, ST_LOOKUP_EXT, ST_ADOPT };

static int is_user_op(enum scimsync_op_kind k)
{
    return k == SCIMSYNC_OP_CREATE_USER || k == SCIMSYNC_OP_UPDATE_USER ||
           k == SCIMSYNC_OP_DEACTIVATE_USER || k == SCIMSYNC_OP_DELETE_USER;
}

static int is_member_op(enum scimsync_op_kind k)
{
    return k == SCIMSYNC_OP_ADD_MEMBERS || k == SCIMSYNC_OP_REMOVE_MEMBERS;
}

/* "user alice@example.com" / "group aws-admins" for messages. */
static void op_label(const struct scimsync_op *op, char *buf, size_t cap)
{
    const char *name = NULL;
    if (op->user && op->user->field[SCIMSYNC_F_USER_NAME])
        name = op->user->field[SCIMSYNC_F_USER_NAME];
    else if (op->group && op->group->display_name)
        name = op->group->display_name;
    else
        name = op->target_id;
    snprintf(buf, cap, "%s %s", is_user_op(op->kind) ? "user" : "group", name ? name : "?");
}

static void op_fail(struct scim *s, struct scim_job *j, int status, const char *fmt, ...)
    SCIMSYNC_PRINTF(4, 5);

/* Records the op's failure; the first failure of a split op wins. */
static void op_fail(struct scim *s, struct scim_job *j, int status, const char *fmt, ...)
{
    struct scimsync_op *op = j->op;
    char prefix[64] = "";
    va_list ap;
    if (op->status != 0)
        return;
    if (is_member_op(op->kind) && op->nmembers > SCIM_MEMBERS_PER_PATCH)
        snprintf(prefix, sizeof(prefix), "members %zu-%zu of %zu: ", j->index + 1,
                 j->index + j->chunk_len, op->nmembers);
    op->status = status;
    size_t pl = strlen(prefix);
    memcpy(op->error, prefix, pl + 1);
    va_start(ap, fmt);
    vsnprintf(op->error + pl, sizeof(op->error) - pl, fmt, ap);
    va_end(ap);
    scim_redact(s, op->error);
}

static int status_code(long http)
{
    switch (http) {
    case 400:
        return SCIMSYNC_ERR_INVALID;
    case 404:
        return SCIMSYNC_ERR_NOTFOUND;
    case 409:
        return SCIMSYNC_ERR_CONFLICT;
    default:
        return SCIMSYNC_ERR_IO;
    }
}

static enum scim_job_result http_fail(struct scim *s, struct scim_job *j)
{
    char why[256], label[160];
    op_label(j->op, label, sizeof(label));
    scim_req_describe(s, &j->req, why, sizeof(why));
    if (j->req.status == 400)
        op_fail(s, j, SCIMSYNC_ERR_INVALID, "%s rejected by the target (%s)", label, why);
    else if (j->req.gave_up == SCIM_RETRY_AFTER_TOO_LONG || j->req.gave_up == SCIM_RETRY_DEADLINE)
        op_fail(s, j, SCIMSYNC_ERR_IO, "%s %s: %s", j->req.method, j->req.path, why);
    else
        op_fail(s, j, status_code(j->req.status), "%s", why);
    return SCIM_JOB_DONE;
}

/* A 2xx carrying a SCIM Error body: the op fails with the body's detail.
 * 1 when it did. */
static int error_in_body(struct scim *s, struct scim_job *j)
{
    json_object *obj = scim_parse_body(scim_req_body(&j->req), scim_req_body_len(&j->req));
    struct scim_error e;
    int bad = scim_body_error(obj, &e);

    json_object_put(obj);
    if (!bad)
        return 0;
    op_fail(s, j, e.status ? status_code(e.status) : SCIMSYNC_ERR_IO,
            "%s %s answered HTTP %ld with a SCIM error (status %d: %s)", j->req.method,
            j->req.path, j->req.status, e.status, e.detail);
    return 1;
}

static enum scim_job_result nomem(struct scim *s, struct scim_job *j)
{
    op_fail(s, j, SCIMSYNC_ERR_NOMEM, "out of memory");
    return SCIM_JOB_DONE;
}

/* Sets the request from a json-c body (consumed). */
static int set_json(struct scim_req *r, const char *method, char *path, json_object *body)
{
    char *text = NULL;
    if (body) {
        const char *t = scim_json_text(body);
        text = t ? strdup(t) : NULL;
        json_object_put(body);
        if (!text) {
            free(path);
            return -1;
        }
    }
    if (!path) {
        free(text);
        return -1;
    }
    return scim_req_set(r, method, path, text);
}

static int copy_id(struct scimsync_op *op, const char *id)
{
    size_t n = id ? strlen(id) : 0;
    if (n == 0 || n >= SCIMSYNC_ID_MAX)
        return -1;
    memcpy(op->new_id, id, n + 1);
    return 0;
}

static enum scim_job_result take_new_id(struct scim *s, struct scim_job *j)
{
    json_object *obj = scim_parse_body(scim_req_body(&j->req), scim_req_body_len(&j->req)), *id = NULL;
    int ok = obj && json_object_object_get_ex(obj, "id", &id) &&
             json_object_is_type(id, json_type_string) &&
             copy_id(j->op, json_object_get_string(id)) == 0;
    json_object_put(obj);
    if (!ok)
        op_fail(s, j, SCIMSYNC_ERR_IO, "HTTP %ld without a usable id in the response",
                j->req.status);
    return SCIM_JOB_DONE;
}

static const char *lookup_attr(const struct scimsync_op *op, int by_external)
{
    if (by_external)
        return "externalId";
    return op->kind == SCIMSYNC_OP_CREATE_USER ? "userName" : "displayName";
}

static const char *own_name(const struct scimsync_op *op)
{
    return op->kind == SCIMSYNC_OP_CREATE_USER ? op->user->field[SCIMSYNC_F_USER_NAME]
                                               : op->group->display_name;
}

static const char *own_external_id(const struct scimsync_op *op)
{
    const char *e = op->kind == SCIMSYNC_OP_CREATE_USER ? op->user->external_id
                                                        : op->group->external_id;
    return e && *e ? e : NULL;
}

static enum scim_job_result start_lookup(struct scim *s, struct scim_job *j, int by_external)
{
    struct scimsync_op *op = j->op;
    const char *value = by_external ? own_external_id(op) : own_name(op);
    char *filter = scim_filter_eq(lookup_attr(op, by_external), value ? value : "");
    char *path = filter ? scim_list_path(op->kind == SCIMSYNC_OP_CREATE_USER ? "/Users" : "/Groups",
                                         filter, NULL, 0, 0)
                        : NULL;
    (void)s;
    free(filter);
    if (scim_req_set(&j->req, "GET", path, NULL) < 0)
        return nomem(s, j);
    j->state = by_external ? ST_LOOKUP_EXT : ST_LOOKUP;
    return SCIM_JOB_AGAIN;
}

/* op's user record when it carries extra attributes (the host says its
 * records have them), else NULL. */
static const struct scimsync_user *extra_user(const struct scim *s, const struct scimsync_op *op)
{
    return SCIMSYNC_HOST_USER_HAS_EXTRA(s->h) ? op->user : NULL;
}

/* The adoption PATCH: the desired attributes (and our externalId when
 * the object has none). */
static enum scim_job_result start_adopt(struct scim *s, struct scim_job *j, int set_external)
{
    struct scimsync_op *op = j->op;
    const char *res = op->kind == SCIMSYNC_OP_CREATE_USER ? "/Users" : "/Groups";
    json_object *body;
    if (op->kind == SCIMSYNC_OP_CREATE_USER) {
        uint32_t mask = SCIMSYNC_F_ACTIVE_BIT;
        size_t nops;
        for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
            if (op->user->field[f] && *op->user->field[f])
                mask |= 1u << f;
        }
        body = scim_user_patch_body(op->user, mask, set_external, &nops);
        if (body && scim_extras_to_patch(body, extra_user(s, op), 1, s->custom_schema, &nops) < 0) {
            json_object_put(body);
            body = NULL;
        }
    } else {
        if (!set_external) {
            op->result_flags |= SCIMSYNC_OP_ADOPTED;
            return SCIM_JOB_DONE; /* ours by externalId, same name: nothing to change */
        }
        body = scim_group_patch_body(NULL, op->group->external_id);
    }
    if (!body || set_json(&j->req, "PATCH", scim_object_path(res, op->new_id), body) < 0)
        return nomem(s, j);
    j->state = ST_ADOPT;
    return SCIM_JOB_AGAIN;
}

/* Whether the object with this id was in this run's listing (yes when
 * nothing was listed: the check needs a listing). */
static int seen_in_listing(const struct scim *s, const struct scimsync_op *op, const char *id)
{
    if (op->kind == SCIMSYNC_OP_CREATE_USER)
        return !s->listed_users_ok || scim_idset_has(&s->listed_users, id);
    return !s->listed_groups_ok || scim_idset_has(&s->listed_groups, id);
}

/* The create conflicted with an object the listing did not contain: the
 * listing was incomplete, so every other planned change (deletions of
 * what looked absent, creates of what looked missing) is suspect.  Never
 * adopt the listing's blind spot: stop the apply. */
static enum scim_job_result listing_missed(struct scim *s, struct scim_job *j, const char *id)
{
    struct scimsync_op *op = j->op;
    int user = op->kind == SCIMSYNC_OP_CREATE_USER;

    op->new_id[0] = '\0';
    op_fail(s, j, SCIMSYNC_ERR_CONFLICT,
            "POST %s conflicted (409) with an existing %s (%s \"%s\", id %s) the listing did "
            "not contain: the listing was incomplete; stopping, nothing more applied; rerun",
            user ? "/Users" : "/Groups", user ? "user" : "group", user ? "userName" : "displayName",
            own_name(op), id);
    if (!s->listing_suspect)
        s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s", op->error);
    s->listing_suspect = 1;
    j->result = SCIMSYNC_ERR_CONFLICT;
    return SCIM_JOB_FAIL;
}

static enum scim_job_result on_lookup(struct scim *s, struct scim_job *j)
{
    struct scimsync_op *op = j->op;
    json_object *obj = NULL, *found = NULL;
    struct scim_page page;
    char label[160], why[256];
    enum scim_job_result res = SCIM_JOB_DONE;
    const char *ours = own_external_id(op), *name = own_name(op);
    const char *attr = op->kind == SCIMSYNC_OP_CREATE_USER ? "userName" : "displayName";

    op_label(op, label, sizeof(label));
    if (j->req.status != 200) {
        scim_req_describe(s, &j->req, why, sizeof(why));
        op_fail(s, j, SCIMSYNC_ERR_CONFLICT,
                "%s exists in the target (HTTP 409: %s); looking it up failed: %s", label,
                j->conflict ? j->conflict : "", why);
        return SCIM_JOB_DONE;
    }
    obj = scim_parse_body(scim_req_body(&j->req), scim_req_body_len(&j->req));
    if (scim_parse_list(obj, &page, why, sizeof(why)) < 0) {
        op_fail(s, j, SCIMSYNC_ERR_CONFLICT,
                "%s exists in the target (HTTP 409: %s); looking it up failed: GET %s: %s", label,
                j->conflict ? j->conflict : "", j->req.path, why);
        goto out;
    }
    for (size_t i = 0; i < page.count && !found; i++) {
        json_object *r = json_object_array_get_idx(page.resources, i), *v;
        if (!json_object_is_type(r, json_type_object))
            continue;
        if (j->state == ST_LOOKUP_EXT) {
            found = r;
        } else if (json_object_object_get_ex(r, attr, &v) &&
                   json_object_is_type(v, json_type_string) &&
                   !strcasecmp(json_object_get_string(v), name)) {
            found = r;
        }
    }
    if (!found) {
        if (j->state == ST_LOOKUP && ours) {
            res = start_lookup(s, j, 1);
            goto out;
        }
        op_fail(s, j, SCIMSYNC_ERR_CONFLICT,
                "%s conflicts with an existing object that could not be found by %s "
                "(HTTP 409: %s)",
                label, attr, j->conflict ? j->conflict : "");
        goto out;
    }
    json_object *idv, *extv;
    const char *id = json_object_object_get_ex(found, "id", &idv) &&
                             json_object_is_type(idv, json_type_string)
                         ? json_object_get_string(idv)
                         : NULL;
    const char *ext = json_object_object_get_ex(found, "externalId", &extv) &&
                              json_object_is_type(extv, json_type_string)
                          ? json_object_get_string(extv)
                          : NULL;
    if (ext && !*ext)
        ext = NULL;
    if (copy_id(op, id) < 0) {
        op_fail(s, j, SCIMSYNC_ERR_IO, "%s: the existing object has no usable id", label);
        goto out;
    }
    if (!seen_in_listing(s, op, id) &&
        !(j->post_retried && ext && ours && !strcmp(ext, ours))) {
        res = listing_missed(s, j, id);
        goto out;
    }
    if (ext && ours && !strcmp(ext, ours)) {
        s->h->log(s->h, SCIMSYNC_LOG_INFO, "%s already exists with our externalId: taking it",
                  label);
        res = start_adopt(s, j, 0);
    } else if (!ext && op->adopt) {
        res = start_adopt(s, j, 1);
    } else {
        op->new_id[0] = '\0';
        if (ext)
            op_fail(s, j, SCIMSYNC_ERR_CONFLICT,
                    "%s already exists in the target with another externalId; it is not ours "
                    "to change",
                    label);
        else
            op_fail(s, j, SCIMSYNC_ERR_CONFLICT,
                    "%s already exists in the target without externalId (created by hand); set "
                    "adopt = true to take it over",
                    label);
    }
out:
    json_object_put(obj);
    return res;
}

static enum scim_job_result on_op(struct scim *s, struct scim_job *j)
{
    struct scimsync_op *op = j->op;
    long st = j->req.status;
    int ok = st >= 200 && st < 300;

    switch (j->state) {
    case ST_MAIN:
        if (ok && error_in_body(s, j))
            return SCIM_JOB_DONE;
        if (op->kind == SCIMSYNC_OP_CREATE_USER || op->kind == SCIMSYNC_OP_CREATE_GROUP) {
            if (ok)
                return take_new_id(s, j);
            if (st == 409) {
                struct scim_error e;
                scim_parse_error(scim_req_body(&j->req), scim_req_body_len(&j->req), st, &e);
                free(j->conflict);
                if (!(j->conflict = strdup(e.detail)))
                    return nomem(s, j);
                j->post_retried = j->req.attempt > 0;
                return start_lookup(s, j, 0);
            }
            return http_fail(s, j);
        }
        /* deleting what is already gone is done */
        if (ok || (st == 404 && (op->kind == SCIMSYNC_OP_DELETE_USER ||
                                 op->kind == SCIMSYNC_OP_DELETE_GROUP)))
            return SCIM_JOB_DONE;
        return http_fail(s, j);
    case ST_LOOKUP:
    case ST_LOOKUP_EXT:
        return on_lookup(s, j);
    case ST_ADOPT:
        if (!ok || error_in_body(s, j)) {
            op->new_id[0] = '\0';
            return ok ? SCIM_JOB_DONE : http_fail(s, j);
        }
        op->result_flags |= SCIMSYNC_OP_ADOPTED;
        return SCIM_JOB_DONE;
    }
    return SCIM_JOB_DONE;
}

/* The ops of one apply() call, for telling the host when each is done
 * (a member op split into several PATCHes: when the last one is). */
struct apply_ctx {
    struct scimsync_op *ops;
    size_t *pending; /* per op: jobs not finished */
    struct scim *s;
};

static void note_op_done(struct scim *s, struct scim_job *j)
{
    struct apply_ctx *ctx = j->cb_ctx;
    size_t i;
    if (!ctx || !ctx->pending)
        return;
    i = (size_t)(j->op - ctx->ops);
    if (ctx->pending[i] == 0 || --ctx->pending[i] > 0 || !SCIMSYNC_HOST_HAS(s->h, op_done))
        return;
    long st = j->req.status ? j->req.status : j->req.cut_status;
    if (j->op->status != 0 && j->conflict)
        st = 409; /* failed after the lookup a conflict started */
    s->h->op_done(s->h, j->op, st);
}

static enum scim_job_result on_op_reported(struct scim *s, struct scim_job *j)
{
    enum scim_job_result res = on_op(s, j);
    if (res == SCIM_JOB_DONE)
        note_op_done(s, j);
    return res;
}

/* Sets the first request of job j for op (chunk from `start` for members).
 * 0 ready, 1 nothing to send (op done), -1 no memory. */
static int first_request(struct scim *s, struct scim_job *j, struct scimsync_op *op)
{
    struct scim_req *r = &j->req;
    size_t nops;
    switch (op->kind) {
    case SCIMSYNC_OP_CREATE_USER: {
        json_object *b = scim_user_create_body(op->user);
        if (b && scim_extras_to_create(b, extra_user(s, op), s->custom_schema) < 0) {
            json_object_put(b);
            b = NULL;
        }
        return set_json(r, "POST", strdup("/Users"), b);
    }
    case SCIMSYNC_OP_UPDATE_USER: {
        json_object *b = scim_user_patch_body(op->user, op->changed, 0, &nops);
        if (b && (op->changed & SCIMSYNC_F_EXTRA_BIT) &&
            scim_extras_to_patch(b, extra_user(s, op), 0, s->custom_schema, &nops) < 0) {
            json_object_put(b);
            b = NULL;
        }
        if (b && nops == 0) {
            json_object_put(b);
            return 1;
        }
        return set_json(r, "PATCH", scim_object_path("/Users", op->target_id), b);
    }
    case SCIMSYNC_OP_DEACTIVATE_USER:
        return set_json(r, "PATCH", scim_object_path("/Users", op->target_id),
                        scim_user_deactivate_body());
    case SCIMSYNC_OP_DELETE_USER:
        return set_json(r, "DELETE", scim_object_path("/Users", op->target_id), NULL);
    case SCIMSYNC_OP_CREATE_GROUP:
        return set_json(r, "POST", strdup("/Groups"), scim_group_create_body(op->group));
    case SCIMSYNC_OP_RENAME_GROUP:
        return set_json(r, "PATCH", scim_object_path("/Groups", op->target_id),
                        scim_group_patch_body(op->group->display_name, NULL));
    case SCIMSYNC_OP_DELETE_GROUP:
        return set_json(r, "DELETE", scim_object_path("/Groups", op->target_id), NULL);
    case SCIMSYNC_OP_ADD_MEMBERS:
    case SCIMSYNC_OP_REMOVE_MEMBERS: {
        int rc = set_json(r, "PATCH", scim_object_path("/Groups", op->target_id),
                          scim_members_patch_body(op->kind == SCIMSYNC_OP_ADD_MEMBERS ? "add"
                                                                                      : "remove",
                                                  op->member_ids + j->index, j->chunk_len));
        /* each value counts against member_op_rate: the whole chunk at once */
        r->member_values = rc == 0 ? j->chunk_len : 0;
        return rc;
    }
    }
    return -1;
}

static int prepare_op(struct scim_job *j)
{
    const struct apply_ctx *ctx = j->cb_ctx;
    return first_request(ctx->s, j, j->op);
}

static int op_valid(const struct scimsync_op *op)
{
    switch (op->kind) {
    case SCIMSYNC_OP_CREATE_USER:
        return op->user != NULL;
    case SCIMSYNC_OP_UPDATE_USER:
        return op->user && op->target_id;
    case SCIMSYNC_OP_CREATE_GROUP:
        return op->group != NULL;
    case SCIMSYNC_OP_RENAME_GROUP:
        return op->group && op->target_id;
    case SCIMSYNC_OP_ADD_MEMBERS:
    case SCIMSYNC_OP_REMOVE_MEMBERS:
        return op->target_id && (op->nmembers == 0 || op->member_ids);
    default:
        return op->target_id != NULL;
    }
}

int scim_apply(void *inst, struct scimsync_op *ops, size_t nops)
{
    struct scim *s = inst;
    struct scim_job *jobs = NULL;
    size_t njobs = 0, cap = 0;
    int rc = 0;
    struct apply_ctx actx = {ops, calloc(nops ? nops : 1, sizeof(size_t)), s};

    for (size_t i = 0; i < nops; i++) {
        ops[i].status = 0;
        ops[i].result_flags = 0;
        ops[i].new_id[0] = '\0';
        ops[i].error[0] = '\0';
        cap += is_member_op(ops[i].kind) ? scim_member_chunks(ops[i].nmembers) : 1;
    }
    if (!actx.pending) { /* without it the host would not hear of the ops done */
        rc = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    if (s->auth_failed) {
        rc = SCIMSYNC_ERR_AUTH;
        goto out;
    }
    if ((rc = scim_profile_ready(s)) < 0)
        goto out;
    if (s->listing_suspect) {
        rc = SCIMSYNC_ERR_CONFLICT;
        goto out;
    }
    jobs = calloc(cap ? cap : 1, sizeof(*jobs));
    if (!jobs) {
        rc = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    for (size_t i = 0; i < nops; i++) {
        struct scimsync_op *op = &ops[i];
        size_t chunks = is_member_op(op->kind) ? scim_member_chunks(op->nmembers) : 1;
        if (!op_valid(op)) {
            op->status = SCIMSYNC_ERR_INVALID;
            snprintf(op->error, sizeof(op->error), "incomplete operation (no target id or data)");
            continue;
        }
        for (size_t c = 0; c < chunks; c++) {
            struct scim_job *j = &jobs[njobs];
            memset(j, 0, sizeof(*j));
            j->op = op;
            j->on_response = on_op_reported;
            j->cb_ctx = &actx;
            if (actx.pending)
                actx.pending[i]++;
            if (is_member_op(op->kind)) {
                j->index = c * SCIM_MEMBERS_PER_PATCH;
                j->chunk_len = op->nmembers - j->index < SCIM_MEMBERS_PER_PATCH
                                   ? op->nmembers - j->index
                                   : SCIM_MEMBERS_PER_PATCH;
            }
            j->prepare = prepare_op;
            njobs++;
        }
    }
    s->drain_on_fail = 1;
    rc = scim_run(s, jobs, njobs);
    s->drain_on_fail = 0;
    scim_log_stats(s, "applying changes");
    for (size_t k = 0; k < njobs; k++) {
        struct scim_job *j = &jobs[k];
        if (j->finished || j->op->status != 0)
            continue;
        if (j->got_401 || s->auth_failed) {
            j->op->status = j->got_401 ? SCIMSYNC_ERR_AUTH : SCIMSYNC_ERR_STOPPED;
            snprintf(j->op->error, sizeof(j->op->error), "%s",
                     j->got_401 ? "SCIM token rejected (expired or wrong tenant?)"
                                : "not attempted: the run stopped (token rejected)");
        } else {
            j->op->status = SCIMSYNC_ERR_STOPPED;
            snprintf(j->op->error, sizeof(j->op->error), "not attempted: the run stopped%s",
                     s->listing_suspect ? " (the listing was incomplete)" : "");
        }
        j->op->new_id[0] = '\0';
    }
out:
    if ((rc == SCIMSYNC_ERR_AUTH || rc == SCIMSYNC_ERR_CONFLICT) && !jobs) {
        for (size_t i = 0; i < nops; i++) {
            ops[i].status = SCIMSYNC_ERR_STOPPED;
            snprintf(ops[i].error, sizeof(ops[i].error), "not attempted: %s",
                     rc == SCIMSYNC_ERR_AUTH ? "the token was rejected"
                                             : "the listing was incomplete");
        }
    }
    for (size_t k = 0; k < njobs; k++)
        scim_job_free(&jobs[k]);
    free(jobs);
    free(actx.pending);
    /* per-op failures are in the ops; only a stop of the whole run is an
     * error (a 401, a stop request, no memory, an incomplete listing) */
    return rc < 0 ? rc : 0;
}
