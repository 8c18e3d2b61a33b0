/* Reading the target: every user and group page by page, and the members
 * of many groups concurrently.  A listing that ends early is an error. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scim_filter.h"
#include "scim_parse.h"
#include "scim_target.h"

/* 100 per page: ten million objects.  Beyond that a server loops. */
#define MAX_PAGES 100000

enum list_kind { LIST_USERS = 1, LIST_GROUPS, LIST_MEMBERS_FILTER, LIST_MEMBERS_GROUP };

static const char *kind_name(int kind)
{
    switch (kind) {
    case LIST_USERS:
        return "users";
    case LIST_GROUPS:
        return "groups";
    default:
        return "group members";
    }
}

static int use_cursor(const struct scim *s)
{
    return s->profile == SCIM_PROFILE_IDENTITY_CENTER;
}

static char *page_path(const struct scim *s, const struct scim_job *j)
{
    const char *res = j->state == LIST_GROUPS ? "/Groups" : "/Users";
    if (use_cursor(s))
        return scim_list_path(res, j->filter, j->cursor ? j->cursor : "", 0, SCIM_PAGE_SIZE);
    return scim_list_path(res, j->filter, NULL, j->start_index, SCIM_PAGE_SIZE);
}

static enum scim_job_result fail(struct scim *s, struct scim_job *j, int code, const char *fmt,
                                 ...) SCIMSYNC_PRINTF(4, 5);

/* Logs "listing <what>..." once and stops the run with code. */
static enum scim_job_result fail(struct scim *s, struct scim_job *j, int code, const char *fmt,
                                 ...)
{
    char msg[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    scim_redact(s, msg);
    s->h->log(s->h, SCIMSYNC_LOG_ERROR, "%s", msg);
    j->result = code;
    return SCIM_JOB_FAIL;
}

static int member_cb(void *ctx, const char *id)
{
    struct scim_job *j = ctx;
    return j->cb.member(j->cb_ctx, j->index, id);
}

/* The id of a listed resource, or NULL. */
static const char *res_id(json_object *res)
{
    json_object *id;
    if (!json_object_is_type(res, json_type_object) ||
        !json_object_object_get_ex(res, "id", &id) || !json_object_is_type(id, json_type_string) ||
        !*json_object_get_string(id))
        return NULL;
    return json_object_get_string(id);
}

/* Hands one resource to the caller's callback; nonzero stops. */
static int deliver(struct scim_job *j, json_object *res)
{
    if (j->state == LIST_USERS) {
        struct scimsync_user u;
        if (scim_parse_user(res, &u) < 0)
            return SCIMSYNC_ERR_IO;
        return j->cb.user(j->cb_ctx, &u);
    }
    if (j->state == LIST_GROUPS) {
        struct scimsync_group g;
        if (scim_parse_group(res, &g) < 0)
            return SCIMSYNC_ERR_IO;
        return j->cb.group(j->cb_ctx, &g);
    }
    return j->cb.member(j->cb_ctx, j->index, res_id(res));
}

/* The members of one group read as GET /Groups/<id> (generic profile):
 * the answer must be that Group, not an Error that came with a 200. */
static enum scim_job_result on_group_read(struct scim *s, struct scim_job *j, json_object *obj)
{
    struct scim_error e;
    int r;

    if (!obj)
        return fail(s, j, SCIMSYNC_ERR_IO, "listing %s: GET %s: the response is not JSON",
                    kind_name(j->state), j->req.path);
    if (scim_body_error(obj, &e))
        return fail(s, j, SCIMSYNC_ERR_IO,
                    "listing %s: GET %s: HTTP %ld with a SCIM error (status %d: %s)",
                    kind_name(j->state), j->req.path, j->req.status, e.status, e.detail);
    if (!res_id(obj))
        return fail(s, j, SCIMSYNC_ERR_IO, "listing %s: GET %s: the response is not a Group (no id)",
                    kind_name(j->state), j->req.path);
    r = scim_each_member(obj, member_cb, j);
    if (r) {
        j->result = r;
        return SCIM_JOB_FAIL;
    }
    return SCIM_JOB_DONE;
}

/* Sets the request for the next page.  SCIM_JOB_AGAIN, or a failure. */
static enum scim_job_result next_page(struct scim *s, struct scim_job *j)
{
    if (scim_req_set(&j->req, "GET", page_path(s, j), NULL) < 0)
        return fail(s, j, SCIMSYNC_ERR_NOMEM, "listing %s: out of memory", kind_name(j->state));
    return SCIM_JOB_AGAIN;
}

static enum scim_job_result on_page(struct scim *s, struct scim_job *j)
{
    char why[640];
    struct scim_page page;
    enum scim_job_result res = SCIM_JOB_FAIL;
    json_object *obj = NULL;
    const char **ids = NULL;
    unsigned char *fresh = NULL;
    size_t dups = 0;

    if (j->req.status != 200) {
        char hint[200];
        int collection = j->state == LIST_USERS || j->state == LIST_GROUPS;
        scim_req_describe(s, &j->req, why, sizeof(why));
        scim_list_hint(j->req.status, collection, strstr(j->req.path, "startIndex=") != NULL,
                       hint, sizeof(hint));
        return fail(s, j, j->req.status == 404 ? SCIMSYNC_ERR_NOTFOUND : SCIMSYNC_ERR_IO,
                    "listing %s failed: %s%s (GET %s%s)", kind_name(j->state), why, hint,
                    s->url.base, j->req.path);
    }
    obj = scim_parse_body(scim_req_body(&j->req), scim_req_body_len(&j->req));
    if (j->state == LIST_MEMBERS_GROUP) {
        res = on_group_read(s, j, obj);
        goto out;
    }
    if (scim_parse_list(obj, &page, why, sizeof(why)) < 0) {
        res = fail(s, j, SCIMSYNC_ERR_IO, "listing %s: GET %s: %s", kind_name(j->state),
                   j->req.path, why);
        goto out;
    }
    ids = calloc(page.count ? page.count : 1, sizeof(*ids));
    fresh = calloc(page.count ? page.count : 1, 1);
    if (!ids || !fresh) {
        res = fail(s, j, SCIMSYNC_ERR_NOMEM, "listing %s: out of memory", kind_name(j->state));
        goto out;
    }
    for (size_t i = 0; i < page.count; i++) {
        ids[i] = res_id(json_object_array_get_idx(page.resources, i));
        if (!ids[i]) {
            res = fail(s, j, SCIMSYNC_ERR_IO, "listing %s: GET %s: an entry without id",
                       kind_name(j->state), j->req.path);
            goto out;
        }
    }
    /* the whole page is checked before anything in it is used */
    int g = scim_guard_page(&j->guard, ids, page.count, &page, use_cursor(s), fresh, why,
                            sizeof(why));
    if (g == -2) {
        res = fail(s, j, SCIMSYNC_ERR_NOMEM, "listing %s: out of memory", kind_name(j->state));
        goto out;
    }
    if (g < 0) {
        res = fail(s, j, SCIMSYNC_ERR_IO, "listing %s: GET %s: %s; refusing the listing",
                   kind_name(j->state), j->req.path, why);
        goto out;
    }
    for (size_t i = 0; i < page.count; i++) {
        if (!fresh[i]) { /* listed on an earlier page: deliver it once */
            dups++;
            continue;
        }
        int r = deliver(j, json_object_array_get_idx(page.resources, i));
        if (r == SCIMSYNC_ERR_IO) {
            res = fail(s, j, r, "listing %s: GET %s: an entry without id", kind_name(j->state),
                       j->req.path);
            goto out;
        }
        if (r) {
            j->result = r;
            goto out;
        }
    }
    if (dups && !j->skipped_dups)
        s->h->log(s->h, SCIMSYNC_LOG_WARN,
                  "listing %s: GET %s: %zu resources were already listed on an earlier page; "
                  "each is taken once", kind_name(j->state), j->req.path, dups);
    j->skipped_dups += dups;
    if (j->guard.pages > MAX_PAGES) {
        res = fail(s, j, SCIMSYNC_ERR_IO, "listing %s: more than %d pages; giving up",
                   kind_name(j->state), MAX_PAGES);
        goto out;
    }
    if (use_cursor(s)) {
        if (page.next_cursor) {
            free(j->cursor);
            j->cursor = strdup(page.next_cursor);
            res = j->cursor ? next_page(s, j)
                            : fail(s, j, SCIMSYNC_ERR_NOMEM, "listing %s: out of memory",
                                   kind_name(j->state));
            goto out;
        }
        if (page.items_per_page < 0 && page.count >= 50) {
            /* an endpoint that ignores cursor paging caps lists silently */
            res = fail(s, j, SCIMSYNC_ERR_IO,
                       "listing %s: the endpoint does not page with cursors; refusing a "
                       "listing that may be truncated", kind_name(j->state));
            goto out;
        }
    } else if (page.count > 0 &&
               (page.total_results < 0 || j->guard.received < (size_t)page.total_results)) {
        j->start_index += (long)page.count;
        res = next_page(s, j);
        goto out;
    }
    if (scim_guard_end(&j->guard, &page, why, sizeof(why)) < 0) {
        res = fail(s, j, SCIMSYNC_ERR_IO, "listing %s ended early: %s; refusing an incomplete "
                   "listing", kind_name(j->state), why);
        goto out;
    }
    res = SCIM_JOB_DONE;
out:
    free(ids);
    free(fresh);
    json_object_put(obj);
    return res;
}

static int init_list_job(struct scim *s, struct scim_job *j, int kind)
{
    memset(j, 0, sizeof(*j));
    j->state = kind;
    j->start_index = 1;
    j->on_response = on_page;
    /* users and groups: what was listed stays for apply to consult */
    scim_guard_init(&j->guard, kind == LIST_USERS ? &s->listed_users : &s->listed_groups);
    j->guarded = 1;
    return scim_req_set(&j->req, "GET", page_path(s, j), NULL);
}

void scim_listed_reset(struct scim *s)
{
    scim_idset_free(&s->listed_users);
    scim_idset_free(&s->listed_groups);
    s->listed_users_ok = s->listed_groups_ok = 0;
}

static void log_stats_at(struct scim *s, const char *what, int level);

void scim_log_stats(struct scim *s, const char *what)
{
    log_stats_at(s, what, SCIMSYNC_LOG_INFO);
}

/* A narrowed run makes a handful of small reads: their rates at debug. */
static void log_stats_at(struct scim *s, const char *what, int level)
{
    struct scim_stats *st = &s->stats;
    if (s->pacer_ready) {
        struct scim_rate_report rep;
        char text[768];
        scim_pacer_report(&s->pacer, 0, &rep);
        scim_rate_report_text(&rep, text, sizeof(text));
        if (*text)
            s->h->log(s->h, level, "%s: effective rates: %s", what, text);
        scim_pacer_begin(&s->pacer, 0);
    }
    if (st->throttled || st->server_errors || st->conn_errors) /* always worth a line */
        s->h->log(s->h, SCIMSYNC_LOG_INFO,
                  "%s: %lu requests, retried %lu throttled (429), %lu server errors, %lu "
                  "connection failures; %lu gave up",
                  what, st->requests, st->throttled, st->server_errors, st->conn_errors,
                  st->gave_up);
    else
        s->h->log(s->h, SCIMSYNC_LOG_DEBUG, "%s: %lu requests", what, st->requests);
    memset(st, 0, sizeof(*st));
}

static int list_all(struct scim *s, int kind, struct scim_job *j)
{
    int rc;
    if (s->auth_failed)
        return SCIMSYNC_ERR_AUTH;
    if (s->pacer_ready && kind == LIST_USERS)
        scim_pacer_begin(&s->pacer, 1); /* a run starts with the user listing */
    rc = scim_run(s, j, 1);
    scim_job_free(j);
    scim_log_stats(s, kind == LIST_USERS ? "listing users" : "listing groups");
    return rc;
}

int scim_list_users(void *inst, scimsync_user_cb cb, void *ctx)
{
    struct scim *s = inst;
    struct scim_job j;
    int rc;
    /* A run starts with the user listing: a daemon's next run tries the
     * token again instead of inheriting the last run's 401, and forgets
     * what the last run listed. */
    s->auth_failed = 0;
    s->listing_suspect = 0;
    s->retries_logged = 0;
    scim_listed_reset(s);
    if ((rc = scim_profile_ready(s)) < 0)
        return rc;
    if (init_list_job(s, &j, LIST_USERS) < 0) {
        scim_job_free(&j);
        return SCIMSYNC_ERR_NOMEM;
    }
    j.cb.user = cb;
    j.cb_ctx = ctx;
    rc = list_all(s, LIST_USERS, &j);
    s->listed_users_ok = rc == 0;
    return rc;
}

int scim_list_groups(void *inst, scimsync_group_cb cb, void *ctx)
{
    struct scim *s = inst;
    struct scim_job j;
    int rc;
    s->listed_groups_ok = 0;
    if (s->auth_failed)
        return SCIMSYNC_ERR_AUTH;
    if ((rc = scim_profile_ready(s)) < 0)
        return rc;
    if (init_list_job(s, &j, LIST_GROUPS) < 0) {
        scim_job_free(&j);
        return SCIMSYNC_ERR_NOMEM;
    }
    j.cb.group = cb;
    j.cb_ctx = ctx;
    rc = list_all(s, LIST_GROUPS, &j);
    s->listed_groups_ok = rc == 0;
    return rc;
}

int scim_list_members(void *inst, const char *const *group_ids, size_t n, scimsync_member_cb cb,
                      void *ctx)
{
    struct scim *s = inst;
    struct scim_job *jobs;
    int rc = SCIMSYNC_ERR_NOMEM;

    if (s->auth_failed)
        return SCIMSYNC_ERR_AUTH;
    if (n == 0)
        return 0;
    if ((rc = scim_profile_ready(s)) < 0)
        return rc;
    rc = SCIMSYNC_ERR_NOMEM;
    jobs = calloc(n, sizeof(*jobs));
    if (!jobs)
        return SCIMSYNC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        struct scim_job *j = &jobs[i];
        j->index = i;
        j->cb.member = cb;
        j->cb_ctx = ctx;
        j->start_index = 1;
        j->on_response = on_page;
        scim_guard_init(&j->guard, NULL);
        j->guarded = 1;
        if (s->profile == SCIM_PROFILE_IDENTITY_CENTER) {
            /* Identity Center never returns members with a group */
            j->state = LIST_MEMBERS_FILTER;
            j->filter = scim_filter_eq("groups.value", group_ids[i]);
            if (!j->filter || scim_req_set(&j->req, "GET", page_path(s, j), NULL) < 0)
                goto out;
        } else {
            j->state = LIST_MEMBERS_GROUP;
            if (scim_req_set(&j->req, "GET", scim_object_path("/Groups", group_ids[i]), NULL) < 0)
                goto out;
        }
    }
    rc = scim_run(s, jobs, n);
    scim_log_stats(s, "listing group members");
out:
    for (size_t i = 0; i < n; i++)
        scim_job_free(&jobs[i]);
    free(jobs);
    return rc;
}

/* The filter of one narrowed read (ABI 1.2 find_users / find_groups), or
 * NULL for a `by` that does not apply to the resource. */
static const char *find_attr(int users, enum scimsync_find_by by)
{
    switch (by) {
    case SCIMSYNC_FIND_USER_NAME:
        return users ? "userName" : NULL;
    case SCIMSYNC_FIND_EXTERNAL_ID:
        return "externalId";
    case SCIMSYNC_FIND_DISPLAY_NAME:
        return users ? NULL : "displayName";
    case SCIMSYNC_FIND_MEMBER_OF:
        return users ? "groups.value" : NULL; /* the users of a group */
    case SCIMSYNC_FIND_HAS_MEMBER:
        return users ? NULL : "members.value"; /* the groups of a user */
    }
    return NULL;
}

/* One filtered listing, paged like a full one and checked by the same
 * guard; nothing is remembered for apply (no full listing was made).  j:
 * zeroed, with its callback set. */
static int find(struct scim *s, int users, enum scimsync_find_by by, const char *value,
                struct scim_job *j)
{
    const char *attr = find_attr(users, by);
    int rc;
    if (!attr) {
        s->h->log(s->h, SCIMSYNC_LOG_ERROR, "the SCIM target cannot look %s up that way (%d)",
                  users ? "users" : "groups", (int)by);
        return SCIMSYNC_ERR_CONFIG;
    }
    /* a narrowed run starts with these reads, as a full one with its listing */
    s->auth_failed = 0;
    s->listing_suspect = 0;
    scim_listed_reset(s);
    if ((rc = scim_profile_ready(s)) < 0)
        return rc;
    j->state = users ? LIST_USERS : LIST_GROUPS;
    j->start_index = 1;
    j->on_response = on_page;
    scim_guard_init(&j->guard, NULL);
    j->guarded = 1;
    j->filter = scim_filter_eq(attr, value);
    if (!j->filter || scim_req_set(&j->req, "GET", page_path(s, j), NULL) < 0) {
        scim_job_free(j);
        return SCIMSYNC_ERR_NOMEM;
    }
    rc = scim_run(s, j, 1);
    scim_job_free(j);
    log_stats_at(s, users ? "looking users up" : "looking groups up", SCIMSYNC_LOG_DEBUG);
    return rc;
}

int scim_find_users(void *inst, enum scimsync_find_by by, const char *value, scimsync_user_cb cb,
                    void *ctx)
{
    struct scim_job j;
    memset(&j, 0, sizeof(j));
    j.cb.user = cb;
    j.cb_ctx = ctx;
    return find(inst, 1, by, value, &j);
}

int scim_find_groups(void *inst, enum scimsync_find_by by, const char *value,
                     scimsync_group_cb cb, void *ctx)
{
    struct scim_job j;
    memset(&j, 0, sizeof(j));
    j.cb.group = cb;
    j.cb_ctx = ctx;
    return find(inst, 0, by, value, &j);
}
