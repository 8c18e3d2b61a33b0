/* The profile probe: with no `profile` key and a host name that does not
 * say Identity Center, the first run asks the server how it pages
 * (scim_profile.c reads the answers) and logs the choice and why.  At
 * most three requests, each stopping the probe once it has an answer:
 * GET /Users?count=1&cursor=, GET /ServiceProviderConfig, GET
 * /Users?count=1&startIndex=1.  A decision holds for the instance's
 * life; an undecided probe (an empty server that answers everything)
 * leaves the generic profile for this run and asks again next run. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "scim_filter.h"
#include "scim_profile.h"
#include "scim_target.h"

typedef enum scim_probe_verdict (*probe_reader)(long, const char *, size_t, char *, size_t);

static const probe_reader readers[] = {scim_probe_users, scim_probe_spc, scim_probe_index};

static char *probe_path(int step)
{
    switch (step) {
    case 0:
        return scim_list_path("/Users", NULL, "", 0, 1);
    case 1:
        return strdup("/ServiceProviderConfig");
    default:
        return scim_list_path("/Users", NULL, NULL, 1, 1);
    }
}

static enum scim_job_result on_probe(struct scim *s, struct scim_job *j)
{
    struct scim_req *r = &j->req;
    char why[256];

    if (r->status == 0 || r->status >= 500) {
        scim_req_describe(s, r, why, sizeof(why));
        s->h->log(s->h, SCIMSYNC_LOG_ERROR, "probing %s for its SCIM profile: GET %s failed: %s",
                  s->url.base, r->path, why);
        j->result = SCIMSYNC_ERR_IO;
        return SCIM_JOB_FAIL;
    }
    j->state =
        (int)readers[j->index](r->status, scim_req_body(r), scim_req_body_len(r), why, sizeof(why));
    scim_redact(s, why);
    free(j->conflict);
    j->conflict = strdup(why);
    return SCIM_JOB_DONE;
}

int scim_profile_ready(struct scim *s)
{
    char reasons[800] = "";
    enum scim_probe_verdict v = SCIM_PROBE_UNSURE;
    int rc = 0;

    if (!s->profile_auto || s->profile_probed == 1)
        return 0;
    if (s->profile_probed == 2 && s->listed_users_ok)
        return 0; /* undecided this run already: the run keeps its profile */
    for (size_t step = 0; step < sizeof(readers) / sizeof(*readers) && v == SCIM_PROBE_UNSURE;
         step++) {
        struct scim_job j;
        size_t len = strlen(reasons);
        memset(&j, 0, sizeof(j));
        j.index = step;
        j.on_response = on_probe;
        if (scim_req_set(&j.req, "GET", probe_path((int)step), NULL) < 0) {
            scim_job_free(&j);
            return SCIMSYNC_ERR_NOMEM;
        }
        rc = scim_run(s, &j, 1);
        if (rc == 0 && j.finished) {
            v = (enum scim_probe_verdict)j.state;
            snprintf(reasons + len, sizeof(reasons) - len, "%s%s", len ? "; " : "",
                     j.conflict ? j.conflict : "?");
        }
        scim_job_free(&j);
        if (rc < 0)
            return rc;
    }
    scim_log_stats(s, "probing the profile");
    s->profile = v == SCIM_PROBE_CURSOR ? SCIM_PROFILE_IDENTITY_CENTER : SCIM_PROFILE_GENERIC;
    s->profile_probed = v == SCIM_PROBE_UNSURE ? 2 : 1;
    s->pacer_ready = 0; /* the budgets follow the profile's defaults */
    s->h->log(s->h, SCIMSYNC_LOG_INFO, "%s: profile %s (probed: %s)%s", s->url.base,
              s->profile == SCIM_PROFILE_IDENTITY_CENTER ? "identity-center" : "generic", reasons,
              v == SCIM_PROBE_UNSURE
                  ? "; nothing told the paging apart, so the probe runs again next run; set "
                    "profile = identity-center or generic to choose"
                  : "; set profile = identity-center or generic to skip the probe");
    return 0;
}
