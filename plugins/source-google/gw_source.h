/*
 * The Google Workspace source instance: configuration, the HTTP transport
 * with its access token, and the read state machine.
 */
#ifndef GW_SOURCE_H
#define GW_SOURCE_H

#include <curl/curl.h>
#include <scimsync/plugin.h>

#include "gw_util.h"
#include "ssp_http.h"
#include "ssp_map.h"
#include "ssp_select.h"

struct gw_conf {
    const char *credentials; /* the key file JSON: never logged */
    const char *subject;
    const char *customer, *domain;
    const char *user_query, *group_query;
    const char *users_from_group, *group_name_pattern;
    const char *token_url, *api_url;
    const char *ca_file;
    int verify_tls, nested_groups;
    long page_size, retries, timeout, request_deadline;
    double rate_limit; /* requests a second, 0 = unpaced */
};

/* One HTTP answer. */
enum gw_phase { GW_PH_USERS = 0, GW_PH_DEFERRED, GW_PH_GROUPS, GW_PH_HELPERS, GW_PH_DONE };

/* A paged list being read: the page in hand and where to go next. */
struct gw_list {
    char *path; /* e.g. /admin/directory/v1/users */
    const char *items_key;
    struct gw_param params[6];
    size_t nparams;
    long max_results;
    char max_buf[24];
    struct gw_cursor cursor;
    int quiet_missing; /* a 403 / 404 on the first page is the caller's to report */
    json_object *page;
    json_object *items;
    size_t pos;
    const char *what; /* "users.list" ..., for messages */
};

struct gw_group {
    char *id, *email, *name;
};

struct gw_source {
    const struct scimsync_host *host;
    struct gw_conf conf;
    struct gw_key key;
    /* transport */
    CURL *curl;
    char *token;          /* access token: never logged */
    double token_expires; /* monotonic seconds */
    double next_slot;     /* earliest start of the next request (pacing) */
    unsigned long requests, retried, token_requests;
    long last_status; /* of the last API answer */
    unsigned rand_state;
    /* per read */
    enum gw_phase phase;
    struct gw_list list;
    struct ssp_entry_builder eb;
    struct ssp_map user_ids; /* ids of the users returned */
    struct ssp_map emails;   /* every address of a returned user -> its id */
    struct ssp_map scope;    /* users_from_group: user ids in scope */
    int scoped;
    char **deferred; /* users (their JSON) whose manager was not read yet */
    size_t ndeferred, deferred_cap, deferred_pos;
    struct gw_group *groups; /* every group groups.list returned */
    size_t ngroups, groups_cap, group_pos;
    struct ssp_map synced;  /* ids of groups to sync */
    struct ssp_map emitted; /* ids of groups already streamed (synced or helpers) */
    char **helpers;         /* ids of groups queued for nesting only */
    size_t nhelpers, helpers_cap, helper_pos;
    unsigned long dropped_members, users_out, groups_out;
    int failed; /* the error that ended this read, sticky */
    /* sync --user / --group (open_selection); sel.kind 0: a full read */
    struct ssp_selection sel;
    struct ssp_map sel_groups; /* ids of the groups the selection walked */
};

/* gw_http.c */
int gw_http_init(struct gw_source *s);
void gw_http_cleanup(struct gw_source *s);
/* One request with pacing, retries (connection failures, 429, 5xx, 403
 * rate limits) and the request deadline.  form: a POST body, else GET.
 * 0 with r->status (final, not retryable) and r->body, or <0 (logged). */
int gw_http_call(struct gw_source *s, const char *what, const char *url, const char *form,
                 const char *bearer, struct ssp_resp *r);

/* gw_auth.c */
/* A valid access token (fetched or refreshed as needed).  0 or <0 (logged). */
int gw_auth_token(struct gw_source *s);
void gw_auth_forget(struct gw_source *s);
/* GET an API URL with the token: 0 and *root (parsed list page), or <0
 * (logged, naming what; with quiet_missing a 403 or 404 is not logged).
 * s->last_status holds the HTTP status. */
int gw_api_get_page(struct gw_source *s, const char *what, const char *url, const char *items_key,
                    json_object **root, json_object **items, const char **next, int quiet_missing);

/* gw_reader.c */
int gw_read_open(struct gw_source *s);
/* next and close take the instance as the source ops do (inst: a
 * gw_source), so the descriptor points at them directly. */
/* Shared with gw_select.c. */
int gw_no_memory(struct gw_source *s, const char *where);
int gw_room_for(void **arr, size_t *cap, size_t n, size_t elem);
void gw_list_end(struct gw_list *l);
int gw_list_start(struct gw_source *s, struct gw_list *l, const char *what, const char *path,
                  const char *items_key, long max);
int gw_list_members(struct gw_source *s, struct gw_list *l, const char *group_key);
/* 1 and *item (valid until the next call), 0 at the end, <0 error. */
int gw_list_next(struct gw_source *s, struct gw_list *l, json_object **item, const char *context);
const char *gw_str_field(json_object *o, const char *name);
int gw_map_put(struct gw_source *s, struct ssp_map *m, const char *key, const char *val);
int gw_defer_user(struct gw_source *s, json_object *u, const char *where);
/* A group resource into s->groups (and s->synced when group_name_pattern
 * keeps it).  0 or <0 (logged). */
int gw_add_group(struct gw_source *s, json_object *g, const char *what);

/* gw_select.c */
/* Keeps what open_selection asked for; SCIMSYNC_ERR_CONFIG (logged) for
 * what this source cannot narrow. */
int gw_select_set(struct gw_source *s, const struct scimsync_selection *sel);
void gw_select_clear(struct gw_source *s);
/* The narrowed read's lookups: the users into s->deferred and
 * s->user_ids, the groups into s->groups, then the read goes on at
 * GW_PH_DEFERRED.  0 or <0 (logged). */
int gw_select_read(struct gw_source *s);

int gw_read_next(void *inst, const struct scimsync_entry **out);
void gw_read_close(void *inst);

#endif
