/* find_users / find_groups by target id (SCIMSYNC_FIND_ID, ABI 1.2):
 * GET /Users/<id> or /Groups/<id>, where a 404 means "none found".  apply
 * FILE reads the objects a saved plan touches this way.  Any other failure
 * fails the read: a caller deciding whether an object is still as it was
 * must never mistake a failure for "gone". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scim_filter.h"
#include "scim_parse.h"
#include "scim_target.h"

static enum scim_job_result on_object(struct scim *s, struct scim_job *j)
{
    const char *what = j->state ? "user" : "group";
    enum scim_job_result res = SCIM_JOB_FAIL;
    json_object *obj = NULL;
    struct scim_error e;
    char why[640];
    int r;

    if (j->req.status == 404)
        return SCIM_JOB_DONE; /* not there: no callback */
    if (j->req.status != 200) {
        scim_req_describe(s, &j->req, why, sizeof(why));
        scim_redact(s, why);
        s->h->log(s->h, SCIMSYNC_LOG_ERROR, "reading a %s by id: GET %s%s failed: %s", what,
                  s->url.base, j->req.path, why);
        j->result = SCIMSYNC_ERR_IO;
        return SCIM_JOB_FAIL;
    }
    obj = scim_parse_body(scim_req_body(&j->req), scim_req_body_len(&j->req));
    if (!obj || scim_body_error(obj, &e)) {
        s->h->log(s->h, SCIMSYNC_LOG_ERROR, "reading a %s by id: GET %s: %s", what, j->req.path,
                  obj ? "a SCIM error came with HTTP 200" : "the response is not JSON");
        j->result = SCIMSYNC_ERR_IO;
        goto out;
    }
    if (j->state) {
        struct scimsync_user u;
        r = scim_parse_user(obj, &u) < 0 ? SCIMSYNC_ERR_IO : j->cb.user(j->cb_ctx, &u);
    } else {
        struct scimsync_group g;
        r = scim_parse_group(obj, &g) < 0 ? SCIMSYNC_ERR_IO : j->cb.group(j->cb_ctx, &g);
    }
    if (r == SCIMSYNC_ERR_IO)
        s->h->log(s->h, SCIMSYNC_LOG_ERROR, "reading a %s by id: GET %s: a resource without id",
                  what, j->req.path);
    if (r) {
        j->result = r;
        goto out;
    }
    res = SCIM_JOB_DONE;
out:
    json_object_put(obj);
    return res;
}

int scim_find_by_id(struct scim *s, int users, const char *id, struct scim_job *j)
{
    int rc;
    if (s->auth_failed)
        return SCIMSYNC_ERR_AUTH;
    if ((rc = scim_profile_ready(s)) < 0)
        return rc;
    j->state = users;
    j->on_response = on_object;
    if (scim_req_set(&j->req, "GET", scim_object_path(users ? "/Users" : "/Groups", id ? id : ""),
                     NULL) < 0) {
        scim_job_free(j);
        return SCIMSYNC_ERR_NOMEM;
    }
    rc = scim_run(s, j, 1);
    scim_job_free(j);
    return rc;
}
