/*
 * The LDAP / AD source instance: configuration, connection and the read
 * state machine shared by the files of the plugin.
 */
#ifndef LSRC_SOURCE_H
#define LSRC_SOURCE_H

#include <ldap.h>
#include <scimsync/plugin.h>

#include "ldap_util.h"
#include "ssp_entry.h"
#include "ssp_select.h"

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

struct lsrc_source;
struct lsrc_dialect_opts;

/* One search, read one entry at a time through the source's directory
 * backend (ldap_dir.h).  Paged (RFC 2696) for listings, one request for
 * lookups by DN. */
struct lsrc_search {
    char *base, *filter;
    int scope;
    char **attrs; /* borrowed */
    int paged;
    int done;
    unsigned long pages, entries;
    char what[1024]; /* "search FILTER under BASE", for messages */
    /* libldap backend (ldap_pager.c) */
    struct berval *cookie; /* from the last page; NULL before the first */
    int msgid;             /* the request being received, -1 between pages */
    LDAPMessage *msg;      /* the entry handed out last */
    char *dn;              /* its DN, from ldap_get_dn */
    int last_page;         /* the last request's result came: no more */
    /* other backends (unit tests) */
    void *priv;
    size_t pos;
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
    const char *uri;                       /* the server in use, for messages */
    const struct lsrc_dir *dir;            /* the directory backend (ldap_dir.h) */
    int connected;                         /* dir->connect succeeded */
    enum lsrc_dialect dialect;             /* resolved */
    const struct lsrc_dialect_opts *dopts; /* its table (ldap_dialect.h) */
    char *base_dn;                         /* resolved (config or RootDSE) */
    const char *id_attr;                   /* objectGUID / objectSid are decoded like any value */
    const char *login_attr;
    char *user_attrs[LSRC_MAX_ATTRS + 32];
    char *group_attrs[LSRC_MAX_ATTRS + 32];
    char *scope_group_dn; /* users_from_group resolved to a DN */
    enum lsrc_phase phase;
    struct lsrc_search pager;
    struct ssp_entry_builder eb;
    struct ssp_map user_ids;   /* canonical user DN -> external id */
    struct ssp_map uid_dns;    /* uid -> canonical user DN (posixGroup) */
    struct ssp_map scope_dns;  /* OpenLDAP users_from_group: canonical DNs */
    struct ssp_map scope_uids; /*   ... and memberUid values */
    int scope_walked;
    struct ssp_map group_index; /* canonical DNs of every group (nesting) */
    struct ssp_map emitted;     /* groups already streamed */
    struct ssp_map queued;      /* groups queued as nesting helpers */
    char **helper_queue;
    size_t nhelpers, helpers_cap, helper_pos;
    struct scimsync_entry **deferred; /* users whose manager was not read yet */
    size_t ndeferred, deferred_cap, deferred_pos;
    unsigned long dropped_members;
    int failed; /* the error that ended this read, sticky */
    time_t now;
    /* ABI 1.2 open_selection (sel.kind 0: a full read), and what the read
     * found for it: the users' DNs then their groups' DNs, their uids. */
    struct ssp_selection sel;
    char **sel_dns, **sel_uids;
    size_t nsel_dns, sel_dns_cap, nsel_uids, sel_uids_cap;
    /* --group: sel_dns holds the groups (the first nsel_named by name,
     * then the nested ones), sel_udns the member DNs that are not groups */
    size_t nsel_named;
    struct ssp_map sel_seen; /* canonical DNs of the groups in sel_dns */
    char **sel_udns;
    size_t nsel_udns, sel_udns_cap;
};

/* ldap_error.c */
/* Logs an LDAP failure once: "uri: what: reason (diagnostic)".  Returns
 * the scimsync error matching rc. */
int lsrc_fail(struct lsrc_source *s, const char *what, int rc, const char *diag);

/* ldap_conn.c: the libldap connection (no searches) */
int lsrc_connect(struct lsrc_source *s);
/* Protocol, timeouts and TLS options of the configuration on a new handle. */
int lsrc_set_options(struct lsrc_source *s, LDAP *ld);
/* The TLS handshake (ldaps: the connect, else StartTLS), libldap's TLS
 * trace lines collected in notes (what a failure was about). */
int lsrc_tls_handshake(LDAP *ld, int ldaps, struct lsrc_tls_notes *notes);
void lsrc_disconnect(struct lsrc_source *s);
/* Frees a diagnostic message and unbinds a handle (either may be NULL). */
void lsrc_release(LDAP *ld, char *diag);

/* ldap_check.c: the plugin's check entry (ABI 1.1) */
int lsrc_check(void *inst, unsigned flags, scimsync_check_report report, void *ctx);

/* ldap_conf.c: reading the configuration keys */
int lsrc_conf_read(const struct scimsync_host *h, struct lsrc_conf *c);
void lsrc_conf_free(struct lsrc_conf *c);

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
/* The groups phase's extra clause: --user: the groups with one of the
 * users (or, with nested_groups, one of the groups above them) as a
 * member; --group: the group and the groups nested in it. */
int lsrc_select_groups_clause(struct lsrc_source *s, const char *base, char **out);
/* --group, before the users phase: the group by name (cn) or id, the
 * groups nested in it and its members.  0, or <0 (logged). */
int lsrc_select_group_prepare(struct lsrc_source *s);

/* ldap_reader.c */
int lsrc_read_open(struct lsrc_source *s);
/* next and close take the instance as the source ops do (inst: an
 * lsrc_source), so the descriptor points at them directly. */
int lsrc_read_next(void *inst, const struct scimsync_entry **out);
void lsrc_read_close(void *inst);

#include "ldap_dir.h"

#endif
