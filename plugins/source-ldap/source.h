/*
 * The LDAP / AD source instance: configuration, connection and the read
 * state machine shared by the files of the plugin.
 */
#ifndef LSRC_SOURCE_H
#define LSRC_SOURCE_H

#include <ldap.h>
#include <scimsync/plugin.h>

#include "entry_builder.h"
#include "ldap_util.h"

#define LSRC_MAX_URIS 8
#define LSRC_MAX_ATTRS 64

enum lsrc_dialect { LSRC_DIALECT_AUTO = 0, LSRC_DIALECT_AD, LSRC_DIALECT_OPENLDAP };

struct lsrc_conf {
    char *uris[LSRC_MAX_URIS];
    int nuris;
    const char *bind_dn;
    const char *bind_password; /* never logged */
    int start_tls, verify_tls;
    const char *ca_file;
    const char *base_dn, *group_base_dn;
    const char *user_filter, *group_filter;
    long page_size, timeout, member_range_step;
    enum lsrc_dialect dialect;
    const char *external_id; /* NULL: dialect default */
    const char *login_attribute;
    int nested_groups;
    const char *users_from_group, *group_name_pattern;
    char *extra_attrs[LSRC_MAX_ATTRS];
    int nextra_attrs;
};

/* A paged search (RFC 2696), read one entry at a time. */
struct lsrc_pager {
    char *base, *filter;
    int scope;
    char **attrs;          /* borrowed */
    struct berval *cookie; /* from the last page; NULL before the first */
    int msgid;             /* the page being received, -1 between pages */
    LDAPMessage *msg;      /* the entry handed out last */
    int done;
    unsigned long pages, entries;
    char what[1024]; /* "search FILTER under BASE", for messages */
};

enum lsrc_phase {
    LSRC_PH_USERS = 0,
    LSRC_PH_DEFERRED,
    LSRC_PH_GROUPS,
    LSRC_PH_HELPERS,
    LSRC_PH_DONE
};

struct lsrc_source {
    const struct scimsync_host *host;
    struct lsrc_conf conf;
    /* per read */
    LDAP *ld;
    const char *uri;           /* the server in use, for messages */
    enum lsrc_dialect dialect; /* resolved */
    char *base_dn;             /* resolved (config or RootDSE) */
    const char *id_attr;       /* objectGUID / objectSid are decoded like any value */
    const char *login_attr;
    char *user_attrs[LSRC_MAX_ATTRS + 32];
    char *group_attrs[LSRC_MAX_ATTRS + 32];
    char *scope_group_dn; /* users_from_group resolved to a DN */
    enum lsrc_phase phase;
    struct lsrc_pager pager;
    struct lsrc_entry_builder eb;
    struct lsrc_map user_ids;   /* canonical user DN -> external id */
    struct lsrc_map uid_dns;    /* uid -> canonical user DN (posixGroup) */
    struct lsrc_map scope_dns;  /* OpenLDAP users_from_group: canonical DNs */
    struct lsrc_map scope_uids; /*   ... and memberUid values */
    int scope_walked;
    struct lsrc_map group_index; /* canonical DNs of every group (nesting) */
    struct lsrc_map emitted;     /* groups already streamed */
    struct lsrc_map queued;      /* groups queued as nesting helpers */
    char **helper_queue;
    size_t nhelpers, helpers_cap, helper_pos;
    struct scimsync_entry **deferred; /* users whose manager was not read yet */
    size_t ndeferred, deferred_cap, deferred_pos;
    unsigned long dropped_members;
    int failed; /* the error that ended this read, sticky */
    time_t now;
    /* ABI 1.2 open_selection (sel_kind 0: a full read), and what the read
     * found for it: the users' DNs then their groups' DNs, their uids. */
    int sel_kind;
    char *sel_name, *sel_ext;
    char **sel_dns, **sel_uids;
    size_t nsel_dns, sel_dns_cap, nsel_uids, sel_uids_cap;
};

/* ldap_conn.c */
int lsrc_connect(struct lsrc_source *s);
/* Protocol, timeouts and TLS options of the configuration on a new handle. */
int lsrc_set_options(struct lsrc_source *s, LDAP *ld);
/* The TLS handshake (ldaps: the connect, else StartTLS), libldap's TLS
 * trace lines collected in notes (what a failure was about). */
int lsrc_tls_handshake(LDAP *ld, int ldaps, struct lsrc_tls_notes *notes);
void lsrc_disconnect(struct lsrc_source *s);
/* Reads the RootDSE: dialect (when auto) and default base DN. */
int lsrc_read_rootdse(struct lsrc_source *s);
/* Logs an LDAP failure once: "uri: what: reason (diagnostic)".  Returns
 * the scimsync error matching rc. */
int lsrc_fail(struct lsrc_source *s, const char *what, int rc, const char *diag);

/* ldap_pager.c */
int lsrc_pager_start(struct lsrc_source *s, struct lsrc_pager *p, const char *base, int scope,
                     const char *filter, char **attrs);
/* 1 and *e (valid until the next call), 0 at the end, <0 error (logged). */
int lsrc_pager_next(struct lsrc_source *s, struct lsrc_pager *p, LDAPMessage **e);
void lsrc_pager_end(struct lsrc_source *s, struct lsrc_pager *p);
/* One synchronous search whose whole result is small (base lookups). */
int lsrc_search_small(struct lsrc_source *s, const char *base, int scope, const char *filter,
                      char **attrs, LDAPMessage **res);

/* ldap_check.c: the plugin's check entry (ABI 1.1) */
int lsrc_check(void *inst, unsigned flags, scimsync_check_report report, void *ctx);

/* ldap_select.c: `sync --user` (ABI 1.2).  set: what open_selection asked
 * for (SCIMSYNC_ERR_CONFIG for what the source cannot select, logged);
 * clear: back to full reads. */
int lsrc_select_set(struct lsrc_source *s, const struct scimsync_selection *sel);
void lsrc_select_clear(struct lsrc_source *s);
void lsrc_select_read_free(struct lsrc_source *s);
/* The users phase's extra clause (malloc'd, NULL on no memory). */
char *lsrc_select_users_clause(struct lsrc_source *s);
/* A user the users phase returned. */
int lsrc_select_note_user(struct lsrc_source *s, const char *dn, const char *uid);
/* The groups phase's extra clause: the groups with one of the users (or,
 * with nested_groups, one of the groups above them) as a member. */
int lsrc_select_groups_clause(struct lsrc_source *s, const char *base, char **out);

/* ldap_reader.c */
int lsrc_read_open(struct lsrc_source *s);
int lsrc_read_next(struct lsrc_source *s, const struct scimsync_entry **out);
void lsrc_read_close(struct lsrc_source *s);

#endif
