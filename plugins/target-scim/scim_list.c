/* Reading the target: every user and group page by page, and the members
 * of many groups concurrently.  A listing that ends early is an error. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ss/arena.h>
#include <ss/hmap.h>

#include "scim_extra.h"
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
static int deliver(struct scim *s, struct scim_job *j, json_object *res)
{
    if (j->state == LIST_USERS) {
        struct scimsync_user u;
        struct scimsync_extra x[SCIM_EXTRA_MAX];
        if (scim_parse_user(res, &u) < 0)
            return SCIMSYNC_ERR_IO;
        /* the extra attributes the mappings use, as the host asked */
        if (SCIMSYNC_HOST_HAS(s->h, extra_names)) {
            u.nextra = scim_extras_parse(res, s->h->extra_names(s->h), s->custom_schema, x,
                                         SCIM_EXTRA_MAX);
            u.extra = u.nextra ? x : NULL;
        }
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
        int r = deliver(s, j, json_object_array_get_idx(page.resources, i));
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

/* The members of one group, as a job: a filter on groups.value at
 * Identity Center (which never returns members with a group), else a read
 * of the group.  -1 on no memory. */
static int init_member_job(struct scim *s, struct scim_job *j, const char *group_id)
{
    j->start_index = 1;
    j->on_response = on_page;
    scim_guard_init(&j->guard, NULL);
    j->guarded = 1;
    if (s->profile == SCIM_PROFILE_IDENTITY_CENTER) {
        j->state = LIST_MEMBERS_FILTER;
        j->filter = scim_filter_eq("groups.value", group_id);
        return j->filter && scim_req_set(&j->req, "GET", page_path(s, j), NULL) == 0 ? 0 : -1;
    }
    j->state = LIST_MEMBERS_GROUP;
    return scim_req_set(&j->req, "GET", scim_object_path("/Groups", group_id), NULL);
}

/* ------------------------------------------------------------------ */
/* Read-ahead of a full read.  The user listing is a cursor chain: one
 * request at a time, far below the read budget.  Once it goes past its
 * first page (a check that stops after one user costs one request), the
 * group listing runs beside it in the same transport run, and the members
 * of each group with an externalId (the groups the engine manages; others,
 * adopted by name, are read when asked) are read as the groups are listed.
 * list_groups and list_members then answer from what was read. */

#define PF_BLOCK 256 /* member jobs a block: their addresses must not move */

struct pf_group {
    const char *id, *external_id, *display_name;
    int fetched; /* its members were read ahead */
};

struct scim_prefetch {
    int started, done; /* the group listing was started / every read ended well */
    struct scim_job groups;
    struct ss_arena arena;
    struct pf_group *g;
    size_t ng, gcap;
    struct ss_hmap gid; /* group id -> position in g */
    struct scim_job **blocks;
    size_t nblocks, njobs;
    struct ss_hmap uid; /* member user id -> position in uids */
    const char **uids;
    size_t nuids, ucap;
    uint32_t *pairs; /* (group position, user position) a membership */
    size_t npairs, pcap;
};

void scim_prefetch_free(struct scim *s)
{
    struct scim_prefetch *pf = s->prefetch;
    if (!pf)
        return;
    scim_job_free(&pf->groups);
    for (size_t i = 0; i < pf->njobs; i++)
        scim_job_free(&pf->blocks[i / PF_BLOCK][i % PF_BLOCK]);
    for (size_t b = 0; b < pf->nblocks; b++)
        free(pf->blocks[b]);
    free(pf->blocks);
    ss_hmap_free(&pf->gid);
    ss_hmap_free(&pf->uid);
    ss_arena_free(&pf->arena);
    free(pf->g);
    free(pf->uids);
    free(pf->pairs);
    free(pf);
    s->prefetch = NULL;
}

static int grow(void *pv, size_t *cap, size_t need, size_t size)
{
    void **p = pv;
    if (need <= *cap)
        return 0;
    size_t nc = *cap ? 2 * *cap : 256;
    while (nc < need)
        nc *= 2;
    void *n = realloc(*p, nc * size);
    if (!n)
        return -1;
    *p = n;
    *cap = nc;
    return 0;
}

static int pf_member(void *ctx, size_t index, const char *user_id)
{
    struct scim_prefetch *pf = ctx;
    uint32_t u = UINT32_MAX; /* an entry without id: delivered as such */
    if (user_id) {
        struct ss_hmap_slot *slot;
        const char *key = ss_arena_strdup(&pf->arena, user_id);
        int r = key ? ss_hmap_insert(&pf->uid, key, &slot) : -1;
        if (r < 0)
            return SCIMSYNC_ERR_NOMEM;
        if (r == 0) {
            if (grow(&pf->uids, &pf->ucap, pf->nuids + 1, sizeof(*pf->uids)) < 0)
                return SCIMSYNC_ERR_NOMEM;
            slot->val = (uint32_t)pf->nuids;
            pf->uids[pf->nuids++] = key;
        }
        u = slot->val;
    }
    if (grow(&pf->pairs, &pf->pcap, 2 * (pf->npairs + 1), sizeof(*pf->pairs)) < 0)
        return SCIMSYNC_ERR_NOMEM;
    pf->pairs[2 * pf->npairs] = (uint32_t)index;
    pf->pairs[2 * pf->npairs + 1] = u;
    pf->npairs++;
    return 0;
}

static struct scim_job *pf_new_job(struct scim_prefetch *pf)
{
    if (pf->njobs == pf->nblocks * PF_BLOCK) {
        struct scim_job **b = realloc(pf->blocks, (pf->nblocks + 1) * sizeof(*b));
        if (!b)
            return NULL;
        pf->blocks = b;
        b[pf->nblocks] = calloc(PF_BLOCK, sizeof(**b));
        if (!b[pf->nblocks])
            return NULL;
        pf->nblocks++;
    }
    struct scim_job *j = &pf->blocks[pf->njobs / PF_BLOCK][pf->njobs % PF_BLOCK];
    pf->njobs++;
    return j;
}

static int pf_group(void *ctx, const struct scimsync_group *g)
{
    struct scim *s = ctx;
    struct scim_prefetch *pf = s->prefetch;
    struct ss_hmap_slot *slot;
    struct pf_group *e;
    if (grow(&pf->g, &pf->gcap, pf->ng + 1, sizeof(*pf->g)) < 0)
        return SCIMSYNC_ERR_NOMEM;
    e = &pf->g[pf->ng];
    memset(e, 0, sizeof(*e));
    e->id = ss_arena_strdup(&pf->arena, g->id);
    e->external_id = g->external_id ? ss_arena_strdup(&pf->arena, g->external_id) : NULL;
    e->display_name = g->display_name ? ss_arena_strdup(&pf->arena, g->display_name) : NULL;
    if (!e->id || (g->external_id && !e->external_id) || (g->display_name && !e->display_name))
        return SCIMSYNC_ERR_NOMEM;
    int r = ss_hmap_insert(&pf->gid, e->id, &slot);
    if (r < 0)
        return SCIMSYNC_ERR_NOMEM;
    if (r == 1)
        return 0; /* listed twice (the guard lets no such page through) */
    slot->val = (uint32_t)pf->ng;
    pf->ng++;
    if (!e->external_id || !*e->external_id)
        return 0;
    struct scim_job *j = pf_new_job(pf);
    if (!j)
        return SCIMSYNC_ERR_NOMEM;
    j->index = pf->ng - 1;
    j->cb.member = pf_member;
    j->cb_ctx = pf;
    if (init_member_job(s, j, e->id) < 0 || scim_run_add(s, j) < 0)
        return SCIMSYNC_ERR_NOMEM;
    e->fetched = 1;
    return 0;
}

static int pf_start(struct scim *s)
{
    struct scim_prefetch *pf = s->prefetch;
    pf->started = 1;
    if (init_list_job(s, &pf->groups, LIST_GROUPS) < 0)
        return -1;
    pf->groups.chain = 1;
    pf->groups.cb.group = pf_group;
    pf->groups.cb_ctx = s;
    return scim_run_add(s, &pf->groups);
}

static enum scim_job_result on_user_page(struct scim *s, struct scim_job *j)
{
    enum scim_job_result r = on_page(s, j);
    if (r == SCIM_JOB_AGAIN && s->prefetch && !s->prefetch->started && pf_start(s) < 0)
        return fail(s, j, SCIMSYNC_ERR_NOMEM, "listing users: out of memory");
    return r;
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
    scim_log_stats(s, kind != LIST_USERS                    ? "listing groups"
                      : s->prefetch && s->prefetch->started ? "listing users, groups and members"
                                                            : "listing users");
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
    scim_prefetch_free(s);
    if ((rc = scim_profile_ready(s)) < 0)
        return rc;
    if (s->read_ahead) /* none (no memory): no read-ahead */
        s->prefetch = calloc(1, sizeof(*s->prefetch));
    if (s->prefetch) {
        ss_arena_init(&s->prefetch->arena, 0);
        ss_hmap_init(&s->prefetch->gid, 0, SIZE_MAX, NULL);
        ss_hmap_init(&s->prefetch->uid, 0, SIZE_MAX, NULL);
    }
    if (init_list_job(s, &j, LIST_USERS) < 0) {
        scim_job_free(&j);
        scim_prefetch_free(s);
        return SCIMSYNC_ERR_NOMEM;
    }
    j.chain = 1;
    j.on_response = on_user_page;
    j.cb.user = cb;
    j.cb_ctx = ctx;
    rc = list_all(s, LIST_USERS, &j);
    s->listed_users_ok = rc == 0;
    if (rc == 0 && s->prefetch && s->prefetch->started) {
        struct scim_prefetch *pf = s->prefetch;
        /* the requests are done: keep only what they read */
        scim_job_free(&pf->groups);
        for (size_t i = 0; i < pf->njobs; i++)
            scim_job_free(&pf->blocks[i / PF_BLOCK][i % PF_BLOCK]);
        pf->done = 1;
    } else {
        scim_prefetch_free(s); /* stopped, failed, or one page: nothing read ahead */
    }
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
    if (s->prefetch && s->prefetch->done) {
        const struct scim_prefetch *pf = s->prefetch;
        for (size_t i = 0; i < pf->ng; i++) {
            struct scimsync_group g = {.id = pf->g[i].id,
                                       .external_id = pf->g[i].external_id,
                                       .display_name = pf->g[i].display_name};
            if ((rc = cb(ctx, &g)) != 0)
                return rc;
        }
        s->listed_groups_ok = 1;
        return 0;
    }
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

static int read_members(struct scim *s, const char *const *group_ids, size_t n,
                        scimsync_member_cb cb, void *ctx)
{
    struct scim_job *jobs;
    int rc = SCIMSYNC_ERR_NOMEM;

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
        if (init_member_job(s, j, group_ids[i]) < 0)
            goto out;
    }
    rc = scim_run(s, jobs, n);
    scim_log_stats(s, "listing group members");
out:
    for (size_t i = 0; i < n; i++)
        scim_job_free(&jobs[i]);
    free(jobs);
    return rc;
}

/* The groups not read ahead: their index among them -> the caller's. */
struct rest_ctx {
    const size_t *index;
    scimsync_member_cb cb;
    void *ctx;
};

static int rest_member(void *vctx, size_t index, const char *user_id)
{
    const struct rest_ctx *c = vctx;
    return c->cb(c->ctx, c->index[index], user_id);
}

/* Members from the read-ahead, and the groups it did not read. */
static int prefetched_members(struct scim *s, const char *const *group_ids, size_t n,
                              scimsync_member_cb cb, void *ctx)
{
    const struct scim_prefetch *pf = s->prefetch;
    size_t *asked = malloc((pf->ng ? pf->ng : 1) * sizeof(*asked)); /* position -> index */
    size_t *rest_index = malloc(n * sizeof(*rest_index));
    const char **rest = malloc(n * sizeof(*rest));
    size_t nrest = 0;
    int rc = SCIMSYNC_ERR_NOMEM;
    if (!asked || !rest_index || !rest)
        goto out;
    for (size_t i = 0; i < pf->ng; i++)
        asked[i] = SIZE_MAX;
    for (size_t i = 0; i < n; i++) {
        const struct ss_hmap_slot *slot = ss_hmap_find(&pf->gid, group_ids[i]);
        if (slot && pf->g[slot->val].fetched) {
            asked[slot->val] = i;
        } else {
            rest_index[nrest] = i;
            rest[nrest++] = group_ids[i];
        }
    }
    for (size_t k = 0; k < pf->npairs; k++) {
        size_t i = asked[pf->pairs[2 * k]];
        uint32_t u = pf->pairs[2 * k + 1];
        if (i == SIZE_MAX)
            continue;
        if ((rc = cb(ctx, i, u == UINT32_MAX ? NULL : pf->uids[u])) != 0)
            goto out;
    }
    struct rest_ctx rc_ctx = {.index = rest_index, .cb = cb, .ctx = ctx};
    rc = read_members(s, rest, nrest, rest_member, &rc_ctx);
out:
    free(asked);
    free(rest_index);
    free(rest);
    return rc;
}

int scim_list_members(void *inst, const char *const *group_ids, size_t n, scimsync_member_cb cb,
                      void *ctx)
{
    struct scim *s = inst;
    int rc;

    if (s->auth_failed)
        return SCIMSYNC_ERR_AUTH;
    if (!s->prefetch || !s->prefetch->done)
        return read_members(s, group_ids, n, cb, ctx);
    rc = prefetched_members(s, group_ids, n, cb, ctx);
    scim_prefetch_free(s); /* answered once: the memory goes back */
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
    scim_prefetch_free(s); /* an earlier full read's, never this run's */
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
