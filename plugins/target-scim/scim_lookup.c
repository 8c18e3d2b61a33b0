/* The lookup entry (ABI 1.2): chosen users or groups read by id (GET
 * /Users/<id>: a 404 is "not there") or by externalId / name (a filter on
 * the attribute, which Identity Center supports on exactly these), many
 * keys concurrently.  A failed request fails the whole lookup: a caller
 * deciding whether an object is still as it was must never mistake a
 * failure for "gone". */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scim_filter.h"
#include "scim_parse.h"
#include "scim_target.h"

/* A filter on a unique attribute answers at most a few objects. */
#define LOOKUP_PAGE 100

static const char *by_attr(enum scimsync_entry_kind kind, enum scimsync_lookup_by by)
{
    if (by == SCIMSYNC_LOOKUP_EXTERNAL_ID)
        return "externalId";
    return kind == SCIMSYNC_ENTRY_USER ? "userName" : "displayName";
}

static enum scim_job_result lookup_fail(struct scim *s, struct scim_job *j, int code,
                                        const char *fmt, ...) SCIMSYNC_PRINTF(4, 5);

static enum scim_job_result lookup_fail(struct scim *s, struct scim_job *j, int code,
                                        const char *fmt, ...)
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

/* One resource to the caller; nonzero stops the lookup. */
static int deliver(struct scim_job *j, json_object *res)
{
    if (j->state == SCIMSYNC_ENTRY_USER) {
        struct scimsync_user u;
        if (scim_parse_user(res, &u) < 0)
            return SCIMSYNC_ERR_IO;
        return j->cb.user(j->cb_ctx, &u);
    }
    struct scimsync_group g;
    if (scim_parse_group(res, &g) < 0)
        return SCIMSYNC_ERR_IO;
    return j->cb.group(j->cb_ctx, &g);
}

static enum scim_job_result on_lookup(struct scim *s, struct scim_job *j)
{
    const char *what = j->state == SCIMSYNC_ENTRY_USER ? "user" : "group";
    enum scim_job_result res = SCIM_JOB_FAIL;
    json_object *obj = NULL;
    struct scim_error e;
    char why[640];
    int r;

    /* by id: 404 says the object is not there */
    if (j->req.status == 404 && !j->filter)
        return SCIM_JOB_DONE;
    if (j->req.status != 200) {
        scim_req_describe(s, &j->req, why, sizeof(why));
        return lookup_fail(s, j, SCIMSYNC_ERR_IO, "looking up a %s: GET %s%s failed: %s", what,
                           s->url.base, j->req.path, why);
    }
    obj = scim_parse_body(j->req.resp, j->req.resp_len);
    if (!obj) {
        res = lookup_fail(s, j, SCIMSYNC_ERR_IO,
                          "looking up a %s: GET %s: the response is not JSON", what, j->req.path);
        goto out;
    }
    if (!j->filter) {
        if (scim_body_error(obj, &e)) {
            res = lookup_fail(s, j, SCIMSYNC_ERR_IO,
                              "looking up a %s: GET %s: HTTP %ld with a SCIM error (status %d: %s)",
                              what, j->req.path, j->req.status, e.status, e.detail);
            goto out;
        }
        r = deliver(j, obj);
    } else {
        struct scim_page page;
        if (scim_parse_list(obj, &page, why, sizeof(why)) < 0) {
            res = lookup_fail(s, j, SCIMSYNC_ERR_IO, "looking up a %s: GET %s: %s", what,
                              j->req.path, why);
            goto out;
        }
        if (page.count >= LOOKUP_PAGE) {
            res = lookup_fail(s, j, SCIMSYNC_ERR_IO,
                              "looking up a %s: GET %s: %zu answers to a filter on a unique "
                              "attribute",
                              what, j->req.path, page.count);
            goto out;
        }
        r = 0;
        for (size_t i = 0; i < page.count && !r; i++)
            r = deliver(j, json_object_array_get_idx(page.resources, i));
    }
    if (r == SCIMSYNC_ERR_IO) {
        res = lookup_fail(s, j, r, "looking up a %s: GET %s: a resource without id", what,
                          j->req.path);
        goto out;
    }
    if (r) {
        j->result = r;
        goto out;
    }
    res = SCIM_JOB_DONE;
out:
    json_object_put(obj);
    return res;
}

int scim_lookup(void *inst, enum scimsync_entry_kind kind, enum scimsync_lookup_by by,
                const char *const *keys, size_t n, scimsync_user_cb user_cb,
                scimsync_group_cb group_cb, void *ctx)
{
    struct scim *s = inst;
    const char *res = kind == SCIMSYNC_ENTRY_USER ? "/Users" : "/Groups";
    struct scim_job *jobs;
    int rc;

    if (kind != SCIMSYNC_ENTRY_USER && kind != SCIMSYNC_ENTRY_GROUP)
        return SCIMSYNC_ERR_CONFIG;
    if (by != SCIMSYNC_LOOKUP_ID && by != SCIMSYNC_LOOKUP_EXTERNAL_ID && by != SCIMSYNC_LOOKUP_NAME)
        return SCIMSYNC_ERR_CONFIG;
    if ((kind == SCIMSYNC_ENTRY_USER && !user_cb) || (kind == SCIMSYNC_ENTRY_GROUP && !group_cb))
        return SCIMSYNC_ERR_CONFIG;
    if (s->auth_failed)
        return SCIMSYNC_ERR_AUTH;
    if (n == 0)
        return 0;
    if ((rc = scim_profile_ready(s)) < 0)
        return rc;
    jobs = calloc(n, sizeof(*jobs));
    if (!jobs)
        return SCIMSYNC_ERR_NOMEM;
    rc = SCIMSYNC_ERR_NOMEM;
    for (size_t i = 0; i < n; i++) {
        struct scim_job *j = &jobs[i];
        char *path;
        j->index = i;
        j->state = (int)kind;
        j->on_response = on_lookup;
        j->cb_ctx = ctx;
        if (kind == SCIMSYNC_ENTRY_USER)
            j->cb.user = user_cb;
        else
            j->cb.group = group_cb;
        if (by == SCIMSYNC_LOOKUP_ID) {
            path = scim_object_path(res, keys[i] ? keys[i] : "");
        } else {
            j->filter = scim_filter_eq(by_attr(kind, by), keys[i] ? keys[i] : "");
            if (!j->filter)
                goto out;
            path = scim_list_path(res, j->filter, NULL, 0, LOOKUP_PAGE);
        }
        if (scim_req_set(&j->req, "GET", path, NULL) < 0)
            goto out;
    }
    rc = scim_run(s, jobs, n);
    scim_log_stats(s, kind == SCIMSYNC_ENTRY_USER ? "looking up users" : "looking up groups");
out:
    for (size_t i = 0; i < n; i++)
        scim_job_free(&jobs[i]);
    free(jobs);
    return rc;
}
