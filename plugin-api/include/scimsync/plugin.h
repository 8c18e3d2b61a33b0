/*
 * scimsync plugin ABI — the only header a plugin includes.
 *
 * A plugin is a shared object exporting exactly one symbol,
 * SCIMSYNC_PLUGIN_SYMBOL ("scimsync_plugin_descriptor"), a const
 * struct scimsync_plugin.  The host reads abi_major / abi_minor /
 * struct_size before touching anything else: a different abi_major is
 * refused, a newer abi_minor than the host knows is refused, and a
 * struct_size smaller than the host expects for that minor is refused.
 *
 * Compatibility rules (docs/HACKING.md has the how-to):
 *  - New members are only ever added at the END of a struct.  The host
 *    reads a descriptor member added in 1.N only when the plugin's
 *    abi_minor >= N and its struct_size covers the member
 *    (SCIMSYNC_HAS_MEMBER); a plugin calls a host service only after
 *    SCIMSYNC_HOST_HAS.  A 1.0 plugin keeps loading and simply lacks the
 *    newer entries.  A plugin built against 1.N loads in a host that
 *    speaks 1.N or later.
 *  - Structs without a size that live in arrays (scimsync_config_key,
 *    scimsync_op, scimsync_extra) never grow: the array stride is ABI.
 *    More per element means a new table named at the end of the
 *    descriptor (key_limits).
 *  - struct scimsync_user grows at its end; each side reads what the other
 *    filled only as far as the other's user_size says.  Zero-fill records.
 *  - Enum values never change; SCIMSYNC_USER_FIELDS only grows at its end,
 *    and only with a new major version (SCIMSYNC_F_COUNT sizes field[]).
 *  - Start every descriptor with SCIMSYNC_PLUGIN_V1(...).
 * History:
 *   1.1  key types SCIMSYNC_KEY_URL and SCIMSYNC_KEY_INPUT_PATH;
 *        struct scimsync_plugin: check (`scimsync check`); should_stop()
 *        returns SCIMSYNC_STOP_DRAIN or SCIMSYNC_STOP_NOW (any nonzero
 *        value still means "stop"); host: state_get, state_put,
 *        mapped_attributes, count_request, op_done.
 *   1.2  struct scimsync_plugin: open_selection (sources) and find_users /
 *        find_groups (targets), the narrowed reads of `sync --user NAME` /
 *        `sync --group NAME`; later in 1.2 (read by struct_size): descriptor
 *        key_limits, user_size, extra_check; host user_size, extra_names;
 *        struct scimsync_user extra / nextra; SCIMSYNC_F_EXTRA_BIT.
 *
 * Ownership rules (apply everywhere unless a comment says otherwise):
 *  - Pointers the host passes IN are owned by the host and valid only for
 *    the duration of the call (or, for the host table and config values,
 *    for the lifetime of the plugin instance).
 *  - Pointers a plugin passes OUT (entries, callback records) are owned by
 *    the plugin and valid until the plugin's next call on the same
 *    instance (for source entries) or until the callback returns (for
 *    target listing callbacks).  The host copies what it keeps.
 *  - Output buffers inside scimsync_op are owned by the host; the plugin
 *    writes into them.
 *
 * Threading: the host calls an instance from one thread at a time.
 * Return codes: 0 = ok, negative = one of enum scimsync_err.  A plugin logs
 * the reason once (through host->log) where it knows it best.
 */
#ifndef SCIMSYNC_PLUGIN_H
#define SCIMSYNC_PLUGIN_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SCIMSYNC_ABI_MAJOR 1
#define SCIMSYNC_ABI_MINOR 2 /* 1.2: see the history above */

#define SCIMSYNC_PLUGIN_SYMBOL "scimsync_plugin_descriptor"

#if defined(__GNUC__)
#define SCIMSYNC_PLUGIN_EXPORT __attribute__((visibility("default")))
#define SCIMSYNC_PRINTF(fmt, args) __attribute__((format(printf, fmt, args)))
#else
#define SCIMSYNC_PLUGIN_EXPORT
#define SCIMSYNC_PRINTF(fmt, args)
#endif

/* Shortest secret the host masks in a plugin's log lines, as a last line
 * of defence (plugins never pass a secret to log formatting).  Shorter
 * secrets are never searched for: "x" or "wrong" would match ordinary
 * text, corrupt the message and reveal the secret by the substitution. */
#define SCIMSYNC_SECRET_MASK_MIN 8

/* Largest target object id (including NUL) a target may return. */
#define SCIMSYNC_ID_MAX 128
/* Size of the error text buffer in a scimsync_op. */
#define SCIMSYNC_ERROR_MAX 256

enum scimsync_err {
    SCIMSYNC_OK = 0,
    SCIMSYNC_ERR = -1,          /* generic failure, already logged */
    SCIMSYNC_ERR_NOMEM = -2,
    SCIMSYNC_ERR_CONFIG = -3,   /* bad or missing configuration */
    SCIMSYNC_ERR_IO = -4,       /* network / file / server failure */
    SCIMSYNC_ERR_AUTH = -5,     /* credentials rejected: stop the run */
    SCIMSYNC_ERR_INVALID = -6,  /* the peer rejected the data (e.g. 400) */
    SCIMSYNC_ERR_CONFLICT = -7, /* object exists and is not ours */
    SCIMSYNC_ERR_NOTFOUND = -8,
    SCIMSYNC_ERR_STOPPED = -9,  /* host asked to stop (should_stop) */
    SCIMSYNC_ERR_DATA = -10     /* malformed input data (source) */
};

/* Values of should_stop() (ABI 1.1; a 1.0 host returns 1). */
#define SCIMSYNC_STOP_DRAIN 1
#define SCIMSYNC_STOP_NOW 2

enum scimsync_log_level {
    SCIMSYNC_LOG_ERROR = 0,
    SCIMSYNC_LOG_WARN = 1,
    SCIMSYNC_LOG_INFO = 2,
    SCIMSYNC_LOG_DEBUG = 3
};

enum scimsync_plugin_kind {
    SCIMSYNC_PLUGIN_SOURCE = 1,
    SCIMSYNC_PLUGIN_TARGET = 2
};

/* ------------------------------------------------------------------ */
/* Configuration keys                                                  */

enum scimsync_key_type {
    SCIMSYNC_KEY_STRING = 1,
    SCIMSYNC_KEY_INT = 2,     /* decimal, validated by the host */
    SCIMSYNC_KEY_BOOL = 3,    /* true/false/yes/no/on/off/1/0 */
    SCIMSYNC_KEY_SECRET = 4,  /* a reference (env:, file:, ...); the host
                                 resolves it and never logs the value */
    SCIMSYNC_KEY_PATH = 5,
    SCIMSYNC_KEY_DOUBLE = 6,
    /* ABI 1.1.  A URL (or space-separated URLs, or bare host names): the
     * host checks each "scheme://host..." word for a known scheme and a
     * host.  References (env:, file:, ...) as for STRING. */
    SCIMSYNC_KEY_URL = 7,
    /* ABI 1.1.  A PATH the plugin reads: validate checks that the file
     * exists and is readable.  Otherwise exactly a PATH (relative to the
     * file that set it). */
    SCIMSYNC_KEY_INPUT_PATH = 8
};

struct scimsync_config_key {
    const char *name;
    enum scimsync_key_type type;
    int required;              /* nonzero: the host refuses a config without it */
    const char *default_value; /* NULL: no default */
    const char *help;          /* one line */
};
/* struct scimsync_config_key has no size of its own: a table of them is
 * an array whose stride is ABI, so it never grows.  What a key needs more
 * goes into a parallel table named by the descriptor (key_limits). */

/* ABI 1.2 (descriptor member key_limits): the values a key accepts.  The
 * host checks them when it reads the configuration (`validate` and every
 * run) and refuses a value outside them with "file:line: [section] key:
 * value ...: must be ..."; a plugin reads the key afterwards without
 * checking again.  The key's default must satisfy its limits (a test
 * checks the in-tree plugins).  A value given as a reference (env:, ...)
 * is checked once resolved, when the instance is built. */
#define SCIMSYNC_LIMIT_MIN 0x1u /* INT, DOUBLE: value >= min */
#define SCIMSYNC_LIMIT_MAX 0x2u /* INT, DOUBLE: value <= max */
struct scimsync_key_limit {
    const char *key; /* a key of the plugin's table; NULL ends the list */
    unsigned flags;  /* SCIMSYNC_LIMIT_MIN | SCIMSYNC_LIMIT_MAX */
    double min, max;
    /* STRING keys: the values allowed (ASCII case-insensitive), NULL-
     * terminated; NULL: any value.  An empty value is "unset" and passes. */
    const char *const *choices;
};
/* Entries of a key_limits table. */
#define SCIMSYNC_KEY_RANGE(key_, lo, hi)                                                           \
    {.key = (key_), .flags = SCIMSYNC_LIMIT_MIN | SCIMSYNC_LIMIT_MAX, .min = (lo), .max = (hi)}
#define SCIMSYNC_KEY_AT_LEAST(key_, lo) {.key = (key_), .flags = SCIMSYNC_LIMIT_MIN, .min = (lo)}
#define SCIMSYNC_KEY_CHOICES(key_, list) {.key = (key_), .choices = (list)}
#define SCIMSYNC_KEY_LIMITS_END {.key = NULL}

/* ------------------------------------------------------------------ */
/* Services the host gives each plugin instance.  Valid for the whole
 * lifetime of the instance.  */

struct scimsync_op; /* below, with the target operations */

struct scimsync_host {
    uint32_t struct_size; /* sizeof(struct scimsync_host) of the host */
    void *ctx;            /* host-private; pass back unchanged */
    const char *instance_name; /* "[source NAME]" -> "NAME" */

    void (*log)(const struct scimsync_host *h, int level, const char *fmt, ...)
        SCIMSYNC_PRINTF(3, 4);

    /* Value of one of the plugin's declared keys after defaults and secret
     * resolution; NULL when unset and without default.  Owned by the host,
     * valid for the instance lifetime.  */
    const char *(*config_get)(const struct scimsync_host *h, const char *key);
    /* Typed helpers: return 0 and store the value, or log "file:line: key:
     * reason" and return SCIMSYNC_ERR_CONFIG.  Unset keys without default
     * leave *out untouched and return 0.  */
    int (*config_get_int)(const struct scimsync_host *h, const char *key, long *out);
    int (*config_get_bool)(const struct scimsync_host *h, const char *key, int *out);
    int (*config_get_double)(const struct scimsync_host *h, const char *key, double *out);
    /* "file:line" where the key was set (or "<default>"), for messages.  */
    const char *(*config_where)(const struct scimsync_host *h, const char *key);

    void *(*alloc)(size_t n); /* may return NULL */
    void *(*realloc)(void *p, size_t n);
    void (*free)(void *p);

    /* Nonzero when the host wants the plugin to stop (signal received,
     * deadline passed).  Long loops poll it and return SCIMSYNC_ERR_STOPPED.
     * SCIMSYNC_STOP_DRAIN: start nothing new, but let the writes already
     * in flight finish and report them; SCIMSYNC_STOP_NOW: abandon them.
     * A plugin may treat every nonzero value as STOP_NOW. */
    int (*should_stop)(const struct scimsync_host *h);

    /* --- ABI 1.1 additions (state_get, state_put, mapped_attributes, count_request,
     * op_done).
     * New services go at the end only; a plugin calls one after
     * SCIMSYNC_HOST_HAS(h, name) (a 1.0 host's table ends before it, and
     * its struct_size says so). --- */
    /* Value stored for this plugin instance under key, or NULL (none / no state store).
     * The returned string is valid until the next call on this host. */
    const char *(*state_get)(const struct scimsync_host *h, const char *key);
    /* Stores value (NULL deletes) under key; written with the state at the end of a successful
     * run, never after a failed one. Returns 0, or <0 when no state store is configured. */
    int (*state_put)(const struct scimsync_host *h, const char *key, const char *value);

    /* Sources: the attribute names the mapping templates of this source
     * use for entries of `kind` (SCIMSYNC_ENTRY_USER: every user field and
     * active; SCIMSYNC_ENTRY_GROUP: group.displayName), after the plugin's
     * default_mapping and the [mapping] lines: NULL-terminated, each name
     * once (ASCII case-insensitive), as written in the templates ("id",
     * the entry id, included).  A source that must ask its server for
     * attributes by name (LDAP) reads these plus what it needs itself, so
     * a mapping can use any attribute with no list to keep in step.
     * Owned by the host, valid for the instance lifetime; NULL when the
     * host has none (not a source). */
    const char *const *(*mapped_attributes)(const struct scimsync_host *h, int kind);

    /* Target plugins, optional (they feed the run report, the metrics
     * and the progress line, not the sync): one request attempt got its
     * outcome.  method is "GET", "POST", ...; status the protocol status
     * (HTTP), 0 when no answer arrived (connection failure, timeout);
     * retry_in the seconds until the same request is tried again, or < 0
     * when it is not retried (its outcome is final).  Called on the
     * thread that called the plugin. */
    void (*count_request)(const struct scimsync_host *h, const char *method, long status,
                          double retry_in);
    /* Target plugins, inside apply(): op (an element of the array apply()
     * received) is finished and its status / error are set; http_status
     * is the protocol status of its last answer (0: none).  At most once
     * per op; ops never reported are counted when apply() returns. */
    void (*op_done)(const struct scimsync_host *h, const struct scimsync_op *op,
                    long http_status);

    /* sizeof(struct scimsync_user) of the host: which members of the
     * user records it passes are there (SCIMSYNC_HOST_USER_HAS_EXTRA). */
    uint32_t user_size;
    /* Targets: the extra attribute names (after "extra.") the mapping of
     * any source uses, NULL-terminated, each once; what list_users should
     * read back.  Owned by the host, valid for the instance lifetime. */
    const char *const *(*extra_names)(const struct scimsync_host *h);
};

/* Nonzero when the host table h has the service `member` (added after
 * ABI 1.0) and it is set. */
#define SCIMSYNC_HOST_HAS(h, member)                                                               \
    ((h)->struct_size >= offsetof(struct scimsync_host, member) + sizeof((h)->member) &&          \
     (h)->member != NULL)

/* Nonzero when the user records host h passes carry extra / nextra. */
#define SCIMSYNC_HOST_USER_HAS_EXTRA(h)                                                            \
    ((h)->struct_size >= offsetof(struct scimsync_host, user_size) + sizeof((h)->user_size) &&    \
     SCIMSYNC_USER_SIZE_HAS((h)->user_size, nextra))

/* ------------------------------------------------------------------ */
/* Sources: stream raw entries, one at a time.                         */

enum scimsync_entry_kind {
    SCIMSYNC_ENTRY_USER = 1,
    SCIMSYNC_ENTRY_GROUP = 2
};

/* Entry flags */
/* A group used only to resolve nested membership (e.g. an AD group outside
 * group_name_pattern that sits between two synced groups).  The host
 * flattens through it but never syncs it. */
#define SCIMSYNC_ENTRY_HELPER 0x1u

struct scimsync_attr {
    const char *name;           /* attribute name as the source knows it */
    const char *const *values;  /* UTF-8 strings (binary decoded by the plugin) */
    size_t nvalues;
};

struct scimsync_entry {
    enum scimsync_entry_kind kind;
    unsigned flags;
    const char *id;    /* stable source key, becomes externalId; required */
    const char *ref;   /* how group members name this entry (a DN, a CSV id);
                          NULL means the same as id */
    const char *where; /* where it came from, for messages ("users.csv:12", a DN) */
    const struct scimsync_attr *attrs;
    size_t nattrs;
    /* Groups: refs of direct members (users or groups).  Refs that name
     * nothing the source returned are reported by the host. */
    const char *const *members;
    size_t nmembers;
};

struct scimsync_source_ops {
    /* Start a read.  */
    int (*open)(void *inst);
    /* 1 and *out set: one entry, valid until the next call on inst.
     * 0: end of data (complete).  <0: error; the run aborts. */
    int (*next)(void *inst, const struct scimsync_entry **out);
    void (*close)(void *inst);
    /* Default mapping for this source kind: "field=template" lines,
     * NULL-terminated; may be NULL (host defaults apply). */
    const char *const *default_mapping;
};

/* ------------------------------------------------------------------ */
/* The common schema, as seen by targets.                              */

/* The schema fields, in enum order: X(ID, "name") gives SCIMSYNC_F_ID and
 * its schema name (the name in [mapping] lines, plan output, the state
 * file and the docs).  The one list: core, the test plugins and a docs
 * test expand or check it.  New fields go at the END only (the enum values
 * are ABI); a field added means a new SCIMSYNC_F_COUNT, hence a new
 * struct scimsync_user layout: only with a new major version.
 * MANAGER: on the target side, the manager's TARGET id. */
#define SCIMSYNC_USER_FIELDS(X)                                                                    \
    X(USER_NAME, "userName")                                                                       \
    X(DISPLAY_NAME, "displayName")                                                                 \
    X(GIVEN_NAME, "givenName")                                                                     \
    X(FAMILY_NAME, "familyName")                                                                   \
    X(EMAIL, "email")                                                                              \
    X(TITLE, "title")                                                                              \
    X(EMPLOYEE_NUMBER, "employeeNumber")                                                           \
    X(COST_CENTER, "costCenter")                                                                   \
    X(ORGANIZATION, "organization")                                                                \
    X(DIVISION, "division")                                                                        \
    X(DEPARTMENT, "department")                                                                    \
    X(MANAGER, "manager")                                                                          \
    X(NICK_NAME, "nickName")                                                                       \
    X(PREFERRED_LANGUAGE, "preferredLanguage")                                                     \
    X(LOCALE, "locale")                                                                            \
    X(TIMEZONE, "timezone")                                                                        \
    X(USER_TYPE, "userType")                                                                       \
    X(PHONE, "phone")

#define SCIMSYNC_F_ENUM_(id, name) SCIMSYNC_F_##id,
enum scimsync_user_field {
    SCIMSYNC_USER_FIELDS(SCIMSYNC_F_ENUM_)
    SCIMSYNC_F_COUNT
};
#undef SCIMSYNC_F_ENUM_
/* Bit for `active` in a change mask (fields use bit (1u << field)). */
#define SCIMSYNC_F_ACTIVE_BIT (1u << SCIMSYNC_F_COUNT)

/* ABI 1.2: an attribute the common schema does not name, from a
 * `extra.NAME = template` mapping line.  NAME is the target's business
 * (the SCIM target: a core attribute, `enterprise.ATTR`, `custom.ATTR`);
 * the host only moves and diffs it.  This struct never grows. */
struct scimsync_extra {
    const char *name;  /* NAME as written after "extra." */
    const char *value; /* UTF-8; NULL: absent (a change that clears it) */
    unsigned flags;    /* SCIMSYNC_EXTRA_CHANGED (update operations) */
};
#define SCIMSYNC_EXTRA_CHANGED 0x1u

struct scimsync_user {
    const char *id;          /* target id; NULL on the source side */
    const char *external_id; /* NULL / "" when the target object has none */
    const char *field[SCIMSYNC_F_COUNT]; /* NULL = absent */
    int active;              /* 1 active, 0 inactive */
    /* ---- ABI 1.2: present only when the side that filled the record
     * says so: a target reads them in a record of the host when
     * SCIMSYNC_HOST_USER_HAS_EXTRA(h); the host reads them in a record of
     * the target when the descriptor's user_size covers them. ---- */
    /* Extra attributes, each name once.  In an update operation, every
     * extra attribute the mapping sets, those to send flagged
     * SCIMSYNC_EXTRA_CHANGED (value NULL: remove).  Listing: whatever the
     * target can read back of the names the mapping uses (see
     * extra_names of the host). */
    const struct scimsync_extra *extra;
    size_t nextra;
};
/* Bit of a change mask: some extra attribute changed (those flagged
 * SCIMSYNC_EXTRA_CHANGED). */
#define SCIMSYNC_F_EXTRA_BIT (1u << (SCIMSYNC_F_COUNT + 1))
/* Nonzero when a struct scimsync_user of `size` bytes has member m. */
#define SCIMSYNC_USER_SIZE_HAS(size, m)                                                            \
    ((size) >= offsetof(struct scimsync_user, m) + sizeof(((struct scimsync_user *)0)->m))

struct scimsync_group {
    const char *id;          /* target id; NULL on the source side */
    const char *external_id;
    const char *display_name;
};

/* ------------------------------------------------------------------ */
/* Targets: read current state, apply batches of operations.           */

enum scimsync_op_kind {
    SCIMSYNC_OP_CREATE_USER = 1,
    SCIMSYNC_OP_UPDATE_USER,     /* send only fields in `changed` */
    SCIMSYNC_OP_DEACTIVATE_USER,
    SCIMSYNC_OP_DELETE_USER,
    SCIMSYNC_OP_CREATE_GROUP,
    SCIMSYNC_OP_RENAME_GROUP,
    SCIMSYNC_OP_DELETE_GROUP,
    SCIMSYNC_OP_ADD_MEMBERS,     /* any count: the plugin splits it */
    SCIMSYNC_OP_REMOVE_MEMBERS
};

/* Result flags set by the target */
#define SCIMSYNC_OP_ADOPTED 0x1u /* create hit an existing object it adopted */

struct scimsync_op {
    /* in (host-owned, valid during apply) */
    enum scimsync_op_kind kind;
    const char *target_id;              /* existing object: update/deactivate/
                                           delete/rename/members */
    const struct scimsync_user *user;   /* create/update: desired record */
    uint32_t changed;                   /* update: (1u << field) | ACTIVE_BIT */
    const struct scimsync_group *group; /* create/rename: desired group */
    const char *const *member_ids;      /* members: target user ids */
    size_t nmembers;
    int adopt;                          /* create: on conflict, adopt an
                                           existing object that has no
                                           externalId (ours by name) */
    /* out (written by the plugin) */
    int status;                         /* 0 ok, <0 scimsync_err */
    unsigned result_flags;
    char new_id[SCIMSYNC_ID_MAX];       /* create: the target id */
    char error[SCIMSYNC_ERROR_MAX];     /* failure text, no secrets */
};

typedef int (*scimsync_user_cb)(void *ctx, const struct scimsync_user *u);
typedef int (*scimsync_group_cb)(void *ctx, const struct scimsync_group *g);
/* index: position of the group in the group_ids array passed in. */
typedef int (*scimsync_member_cb)(void *ctx, size_t index, const char *user_id);

struct scimsync_target_ops {
    /* Every user / group the target holds, page by page.  A callback
     * returning nonzero stops the listing with that value.  An
     * incomplete listing is an error, never a short success. */
    int (*list_users)(void *inst, scimsync_user_cb cb, void *ctx);
    int (*list_groups)(void *inst, scimsync_group_cb cb, void *ctx);
    /* User-id members of each of the n groups (the plugin may read them
     * concurrently). */
    int (*list_members)(void *inst, const char *const *group_ids, size_t n,
                        scimsync_member_cb cb, void *ctx);
    /* Apply n independent operations (the plugin may run them
     * concurrently, paced to its rate limit).  Each op gets its own
     * status.  Returns 0 when every op was attempted, or <0 when the run
     * must stop (e.g. SCIMSYNC_ERR_AUTH); ops not attempted then carry
     * SCIMSYNC_ERR_STOPPED. */
    int (*apply)(void *inst, struct scimsync_op *ops, size_t nops);
};

/* ------------------------------------------------------------------ */
/* Checks (ABI 1.1): `scimsync check` and the pre-flight of plan / sync. */

enum scimsync_check_status {
    SCIMSYNC_CHECK_PASS = 0,
    SCIMSYNC_CHECK_WARN = 1,
    SCIMSYNC_CHECK_FAIL = 2
};

/* One check line.  what: short name of the step ("tls", "bind", "token");
 * detail: what was found (never a secret value); hint: on FAIL, what to
 * fix, naming the configuration key (may be NULL).  The strings are only
 * valid during the call. */
typedef void (*scimsync_check_report)(void *ctx, enum scimsync_check_status status,
                                      const char *what, const char *detail, const char *hint);

/* Flags of check(). */
/* Only what proves the run can start (a target: URL and token, one cheap
 * authenticated request); report only failures. */
#define SCIMSYNC_CHECK_QUICK 0x1u

/* ------------------------------------------------------------------ */
/* One user or group (ABI 1.2): `sync --user NAME` / `--group NAME`.   */

/* What a narrowed source read must return. */
struct scimsync_selection {
    /* SCIMSYNC_ENTRY_USER: the users whose login name (what the default
     * mapping makes userName) is `name` or whose id is `external_id`, and
     * every group that has one of them as a member, directly or through
     * nested groups.  SCIMSYNC_ENTRY_GROUP: the groups whose name (what
     * the default mapping makes group.displayName) is `name` or whose id is
     * `external_id`, and their members, users and nested groups, down to
     * the users. */
    enum scimsync_entry_kind kind;
    const char *name;
    const char *external_id; /* NULL: match by name only */
};

/* What a narrowed target read looks for (find_users / find_groups). */
enum scimsync_find_by {
    SCIMSYNC_FIND_USER_NAME = 1, /* users: userName equals value */
    SCIMSYNC_FIND_EXTERNAL_ID,   /* users or groups: externalId equals value */
    SCIMSYNC_FIND_DISPLAY_NAME,  /* groups: displayName equals value */
    SCIMSYNC_FIND_MEMBER_OF,     /* users: the members of the group whose target id is value */
    SCIMSYNC_FIND_HAS_MEMBER     /* groups: the groups the user whose target id is value is in */
};

/* ------------------------------------------------------------------ */
/* The descriptor                                                      */

struct scimsync_plugin {
    uint32_t abi_major;   /* SCIMSYNC_ABI_MAJOR */
    uint32_t abi_minor;   /* SCIMSYNC_ABI_MINOR */
    uint32_t struct_size; /* sizeof(struct scimsync_plugin) */
    enum scimsync_plugin_kind kind;
    const char *name;     /* "csv", "ldap", "scim", ... */
    const char *version;
    const char *description; /* one line */
    const struct scimsync_config_key *keys; /* terminated by {NULL} */

    /* Create an instance from its configuration (read through host).
     * Must not do network I/O.  host outlives the instance. */
    int (*create)(const struct scimsync_host *host, void **inst);
    void (*destroy)(void *inst);

    const struct scimsync_source_ops *source; /* kind == SOURCE */
    const struct scimsync_target_ops *target; /* kind == TARGET */

    /* ---- ABI 1.1 (read only when abi_minor >= 1; see the top) ---- */

    /* Optional (NULL: the host says the plugin has no checks).  Checks
     * what a run needs without writing anything: name resolution,
     * connection, TLS, credentials, a bounded read.  Calls report once per
     * step; every network step has a bounded timeout.  Returns 0 when
     * nothing failed, <0 otherwise (SCIMSYNC_ERR_AUTH when credentials were
     * rejected). */
    int (*check)(void *inst, unsigned flags, scimsync_check_report report, void *ctx);

    /* ---- ABI 1.2 (read only when SCIMSYNC_HAS_MEMBER(d, 2, m)) ---- */

    /* Sources, optional (NULL: the host refuses `--user` / `--group` for
     * this source).  Like source->open, but the read that follows (next,
     * close as usual) may be limited to the entries sel names (see struct
     * scimsync_selection).  It may return more (the host keeps only what
     * was asked for), never less: an entry it cannot look up is an error,
     * not a silent omission.  SCIMSYNC_ERR_CONFIG when the source cannot
     * select that way (logged: what is not supported). */
    int (*open_selection)(void *inst, const struct scimsync_selection *sel);
    /* Targets, optional (NULL: the host refuses `--user` / `--group`).
     * The users / groups matching one condition, each once, complete (an
     * incomplete answer is an error); none found is 0 with no callback.
     * Same callbacks and return values as list_users / list_groups;
     * SCIMSYNC_ERR_CONFIG for a `by` the plugin does not support. */
    int (*find_users)(void *inst, enum scimsync_find_by by, const char *value,
                      scimsync_user_cb cb, void *ctx);
    int (*find_groups)(void *inst, enum scimsync_find_by by, const char *value,
                       scimsync_group_cb cb, void *ctx);

    /* ---- ABI 1.2, later additions: a 1.2 plugin built before them has a
     * struct_size that ends at find_groups; the host reads each one only
     * when SCIMSYNC_HAS_MEMBER(d, 2, member) says it is there. ---- */

    /* Optional: limits of the values of some keys, ended by SCIMSYNC_KEY_LIMITS_END. */
    const struct scimsync_key_limit *key_limits;
    /* sizeof(struct scimsync_user) the plugin was built with: a target's
     * listing records carry extra / nextra when it covers them. */
    uint32_t user_size;
    /* Targets, optional (NULL: no extra attributes at all): 0 when the
     * target, as configured, can store the extra attribute `name`; else
     * <0 with the reason in why (what it accepts).  Called by validate
     * and before every run, with no instance: only host->config_get and
     * config_where are usable, and a key set to a reference reads NULL. */
    int (*extra_check)(const struct scimsync_host *host, const char *name, char *why,
                       size_t whylen);
};

/* Nonzero when descriptor d (abi 1.x) carries member m: its minor is at
 * least `minor` and its struct_size covers the member. */
#define SCIMSYNC_HAS_MEMBER(d, minor, m)                                                           \
    ((d)->abi_minor >= (minor) &&                                                                  \
     (d)->struct_size >= offsetof(struct scimsync_plugin, m) + sizeof((d)->m))

/* Every plugin defines exactly this, starting with the preamble:
 *   SCIMSYNC_PLUGIN_DEFINE = {
 *       SCIMSYNC_PLUGIN_V1(SCIMSYNC_PLUGIN_SOURCE, "csv", "0.1.0", "one line"),
 *       .keys = csv_keys,
 *       .create = csv_create, ...
 *   };
 * The preamble fills the version, the sizes and the identity from the
 * header the plugin is built with, so a rebuilt plugin always tells the
 * truth about its layout. */
#define SCIMSYNC_PLUGIN_DEFINE \
    SCIMSYNC_PLUGIN_EXPORT const struct scimsync_plugin scimsync_plugin_descriptor
#define SCIMSYNC_PLUGIN_V1(kind_, name_, version_, description_)                                   \
    .abi_major = SCIMSYNC_ABI_MAJOR, .abi_minor = SCIMSYNC_ABI_MINOR,                              \
    .struct_size = sizeof(struct scimsync_plugin), .kind = (kind_), .name = (name_),               \
    .version = (version_), .description = (description_),                                          \
    .user_size = sizeof(struct scimsync_user)

#ifdef __cplusplus
}
#endif
#endif /* SCIMSYNC_PLUGIN_H */
