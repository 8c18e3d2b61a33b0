/*
 * The Entra ID source instance: configuration, the Graph transport with
 * its token, and the read that fills the directory model.
 */
#ifndef ENTRA_H
#define ENTRA_H

#include <curl/curl.h>
#include <scimsync/plugin.h>

#include "entra_logic.h"
#include "ssp_http.h"
#include "ssp_select.h"

#define ENTRA_STATE_KEY "graph"

struct entra_conf {
    const char *tenant_id, *client_id;
    const char *client_secret;             /* never logged */
    const char *certificate, *private_key; /* PEM text; the key never logged */
    int thumb_sha256;
    const char *login_url, *graph_url, *scope, *ca_file;
    const char *user_filter, *user_search, *group_filter, *group_search;
    const char *users_from_group, *group_name_pattern;
    int immutable_id; /* externalId from onPremisesImmutableId */
    int manager;
    int delta;
    long page_size, request_timeout, retries, full_reconcile_interval;
    char *select; /* users' $select (without manager) */
    char *token_url;
};

struct entra_http {
    const struct scimsync_host *host;
    const struct entra_conf *conf;
    CURL *curl;
    char *token; /* never logged */
    time_t token_renew_at;
    unsigned long requests, retried;
};

int entra_http_init(struct entra_http *h, const struct scimsync_host *host,
                    const struct entra_conf *conf);
void entra_http_cleanup(struct entra_http *h);

/* GET url (Graph) as JSON, retrying 429 / 503 after Retry-After and
 * other 5xx and transport errors with backoff, within request_timeout.
 * 0 and *out; <0 otherwise, *status the last HTTP status (0: none).  A
 * 410 is returned without a log line (the caller falls back). */
int entra_get(struct entra_http *h, const char *url, int eventual, json_object **out, long *status);

/* Reading: fills s->dir, the scope, and the groups to emit. */
struct entra_source {
    const struct scimsync_host *host;
    struct entra_conf conf;
    struct entra_http http;
    struct entra_dir dir;
    int have_dir;
    json_object *user_scope; /* set of user ids, NULL: every user read */
    json_object *synced, *helpers;
    /* emission */
    int phase;
    struct lh_entry *cursor;
    struct scimsync_entry entry;
    struct scimsync_attr *attrs;
    size_t nattrs, cap_attrs;
    const char **values;
    size_t nvalues, cap_values;
    const char **members;
    size_t cap_members;
    char *id_buf, *where_buf;
    unsigned long skipped_no_id;
    /* sync --user / --group (open_selection); sel.kind 0: a full read */
    struct ssp_selection sel;
};

int entra_read(struct entra_source *s);

/* Shared by entra_read.c and entra_select.c. */
typedef int (*entra_item_fn)(struct entra_source *s, json_object *item, void *ctx);
/* Every page from url on: fn for each element of "value"; the final
 * page's @odata.deltaLink into *delta_link when asked.  0 or <0 (logged). */
int entra_read_pages(struct entra_source *s, const char *url, int eventual, entra_item_fn fn,
                     void *ctx, char **delta_link, const char *what);
/* graph_url + path + the pairs; NULL (logged) on error. */
char *entra_graph_url(struct entra_source *s, const char *path, const char *const *pairs);
/* users_from_group: a group id as is, or the one group of that name. */
int entra_resolve_group(struct entra_source *s, char **gid);

/* entra_select.c: the narrowed reads of open_selection. */
/* Keeps what was asked; SCIMSYNC_ERR_CONFIG (logged) for what this source
 * cannot narrow. */
int entra_select_set(struct entra_source *s, const struct scimsync_selection *sel);
void entra_select_clear(struct entra_source *s);
/* Fills s->dir with the selected user and its groups, or the selected
 * group and its users, by lookups; the delta state is neither read nor
 * written.  0 or <0 (logged). */
int entra_select_read(struct entra_source *s);

#endif
