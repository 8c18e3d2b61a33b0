/* In-process fake plugins for engine tests: a source that streams entries
 * built in the test, and a target that keeps users, groups and memberships
 * in memory and can be told to fail.  Plain function-pointer tables, the
 * same ABI real plugins implement. */
#ifndef SS_TEST_FAKES_H
#define SS_TEST_FAKES_H

#include <scimsync/plugin.h>
#include <stddef.h>

#include "engine.h"

#define FAKE_MAX 512

struct fake_source {
    struct scimsync_entry entries[FAKE_MAX];
    size_t n, pos;
    int fail_open;
    long fail_at;    /* next() returns an error at this position; -1: never */
    int stop_at_end; /* next() returns SCIMSYNC_ERR_STOPPED instead of 0 */
    const char *const *default_mapping;
};

/* Adds a user entry.  Variadic: attribute name, value pairs, NULL. */
void fake_source_user(struct fake_source *s, const char *id, ...);
/* Adds a group entry: id, display name, flags, member refs..., NULL. */
void fake_source_group(struct fake_source *s, const char *id, const char *name, unsigned flags,
                       ...);
void fake_source_reset(struct fake_source *s);
void fake_source_free(struct fake_source *s);

struct fake_tuser {
    int live;
    char id[32];
    char *ext;
    char *field[SCIMSYNC_F_COUNT];
    int active;
};

struct fake_tgroup {
    int live;
    char id[32];
    char *ext, *name;
    unsigned char member[FAKE_MAX]; /* by user slot */
};

struct fake_target {
    struct fake_tuser users[FAKE_MAX];
    size_t nusers;
    struct fake_tgroup groups[FAKE_MAX];
    size_t ngroups;
    int next_id;
    const char *fail_user;  /* userName whose create / update fails */
    const char *fail_group; /* displayName whose create fails */
    int auth_fail_kind;     /* op kind that gets SCIMSYNC_ERR_AUTH */
    int fail_list_users, fail_list_members;
    int list_twice;          /* listings repeat every object (page overlap) */
    int stop_on_list;        /* a signal arrives while listing groups */
    size_t stop_after_calls; /* ... or after this many apply calls (0: never) */
    int wait_deadline_on_list;         /* listing groups outlasts max_run_time */
    size_t wait_deadline_after_calls;  /* ... or this many apply calls do (0: never) */
    size_t apply_calls, ops_seen;
    size_t kinds_per_call[32]; /* distinct op kinds in each apply call */
    size_t calls_recorded;
};

/* Direct state helpers (return the slot index). */
size_t fake_target_add_user(struct fake_target *t, const char *ext, const char *user_name,
                            const char *given, const char *family, const char *display, int active);
size_t fake_target_add_group(struct fake_target *t, const char *ext, const char *name);
void fake_target_add_member(struct fake_target *t, size_t group, size_t user);
struct fake_tuser *fake_target_user_by_name(struct fake_target *t, const char *user_name);
struct fake_tgroup *fake_target_group_by_name(struct fake_target *t, const char *name);
int fake_target_is_member(struct fake_target *t, const char *group, const char *user_name);
size_t fake_target_live_users(const struct fake_target *t);
size_t fake_target_live_groups(const struct fake_target *t);
void fake_target_free(struct fake_target *t);

extern const struct scimsync_plugin fake_source_plugin;
extern const struct scimsync_plugin fake_target_plugin;

/* Engine inputs around the fakes; output goes to a memory stream. */
struct fake_run {
    struct ss_engine_source src;
    struct ss_engine_target tgt;
    struct ss_engine_options opt;
    struct ss_summary sum;
    char *out;
    size_t outlen;
};
void fake_run_init(struct fake_run *r, struct fake_source *s, struct fake_target *t);
/* Runs the engine; r->out holds what it printed (freed on the next run). */
int fake_run(struct fake_run *r);
void fake_run_free(struct fake_run *r);

/* A source, a target and a run over them: the fixture of the engine tests
 * (cmocka setup / teardown; *state is the struct fake_world). */
struct fake_world {
    struct fake_source src;
    struct fake_target tgt;
    struct fake_run run;
};
int fake_world_setup(void **state);
int fake_world_teardown(void **state);

#endif
