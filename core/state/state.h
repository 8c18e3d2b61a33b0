/*
 * The state store's content: what scimsync knows of the target after its
 * last run (every user and group with id, externalId and the values last
 * read or written, the members of the managed groups) plus small opaque
 * values of the plugins.  A run with a state diffs the sources against it
 * instead of listing the target; docs/state.md has the format and rules.
 *
 * Encoded as JSON lines (one json-c value a line, so a 100,000-user state
 * is parsed one record at a time): a header object, one array a user, one
 * array a group (members as deltas between sorted user positions), a
 * trailer object with the counts.  SS_STATE_VERSION changes when the
 * meaning changes; a state of another version is ignored (full read).
 */
#ifndef SS_STATE_H
#define SS_STATE_H

#include <scimsync/plugin.h>
#include <ss/common.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "arena.h"
#include "model.h"
#include "strmap.h"

/* 2: "d" records (deactivation times, staged deletes); 1 is still read. */
#define SS_STATE_VERSION 2
#define SS_STATE_FORMAT "scimsync-state"

struct ss_state_user {
    const char *id, *external_id;
    const char *field[SCIMSYNC_F_COUNT];
    int active;
    unsigned char gone;       /* deleted this run: not written */
    long long deactivated_at; /* Unix time scimsync deactivated it (0: not known) */
};

struct ss_state_group {
    const char *id, *external_id, *display_name;
    unsigned char gone;
    unsigned char members_known; /* a managed group: members tracked */
    uint32_t *mem;               /* state user positions, sorted, unique */
    uint32_t nmem, cap;
};

struct ss_state_kv {
    const char *instance, *key, *value; /* value NULL: deleted */
};

struct ss_state {
    struct ss_arena arena;
    const char *target;   /* the target it describes ("scim https://...") */
    long long full_at;    /* unix time of the last full read of the target */
    const char *full_why; /* non-NULL: the next run reads the target in full */
    struct ss_state_user *users;
    size_t nusers, users_cap;
    struct ss_state_group *groups;
    size_t ngroups, groups_cap;
    struct ss_strmap uid, gid; /* target id -> position */
    struct ss_state_kv *kv;
    size_t nkv, kv_cap;
    int changed;     /* differs from what was loaded / last saved */
    long long clock; /* the run's clock for deactivation times (0: time()) */
};

void ss_state_init(struct ss_state *st);
void ss_state_free(struct ss_state *st);

/* Serialises st into a malloc'd buffer.  0, or <0 on no memory (logged). */
SS_NODISCARD int ss_state_encode(const struct ss_state *st, char **out, size_t *len);
/* Parses buf into st (initialised, empty).  0; <0 with why set (a line
 * number and the reason) when the text is not a complete state of this
 * version: the caller then reads the target in full. */
int ss_state_decode(struct ss_state *st, const char *buf, size_t len, char *why, size_t whylen);

/* Replaces users and groups with a full read of the target (plugin values
 * kept); sets full_at = now and clears full_why. */
int ss_state_from_dir(struct ss_state *st, const struct ss_dir *tgt, time_t now);
/* The target snapshot a run diffs against, from the state. */
int ss_state_to_dir(const struct ss_state *st, struct ss_dir *tgt);

/* Records one op the target answered.  A success updates the state; a
 * surprise (404 on an object we own, 409 / adoption on a create, an
 * answer that leaves the outcome unknown) marks the state for a full
 * read next run.  Returns 1 when the op was a surprise, 0 otherwise, <0
 * on no memory (logged). */
int ss_state_record(struct ss_state *st, const struct scimsync_op *op);
/* Sets (when != 0) or clears (when == 0) the deactivation time of user id;
 * only_unset: keep a time already there.  0 (an unknown id is no error),
 * <0 never today (kept for symmetry with the other setters). */
int ss_state_set_deactivated(struct ss_state *st, const char *id, long long when, int only_unset);
/* When scimsync deactivated user id (0: not known, or no such user). */
long long ss_state_deactivated_at(const struct ss_state *st, const char *id);
/* Marks the state for a full read next run (first reason kept). */
void ss_state_mark_full(struct ss_state *st, const char *why);

/* Whether this run must read the target in full; why gets the reason.
 * loaded: 1 state read and valid, 0 missing, -1 unreadable / other version. */
int ss_state_need_full(const struct ss_state *st, int loaded, const char *target, time_t now,
                       long interval, int forced, char *why, size_t whylen);

/* Plugin values (host state_get / state_put). */
const char *ss_state_kv_get(const struct ss_state *st, const char *instance, const char *key);
int ss_state_kv_put(struct ss_state *st, const char *instance, const char *key, const char *value);

#endif
