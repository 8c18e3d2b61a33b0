/* Saved plans (`plan --out FILE`, `apply FILE`, `plan --show FILE`): the
 * plan's operations plus what they were computed against, as a versioned
 * JSON document (docs/plan-file.md).  The file holds the source records
 * the operations send and, for every target object they touch, what the
 * plan expected to find there (values and a hash), so `apply` can re-read
 * exactly those objects and refuse a stale plan.  It carries no secret:
 * the target is named by its section, plugin and URL without user info,
 * and bound by a hash of its identity (plugin and resolved URL).
 *
 * Parsing logs nothing: every error fills err with "FILE: field: reason"
 * (the field as a JSON path, "plan.operations[3].user"). */
#ifndef SS_PLAN_FILE_H
#define SS_PLAN_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "arena.h"
#include "engine.h"
#include "model.h"
#include "plan.h"

#define SS_PLAN_FILE_FORMAT "scimsync-plan"
#define SS_PLAN_FILE_VERSION 1
/* Largest plan file read (a plan of 100,000 creates is ~60 MB). */
#define SS_PLAN_FILE_MAX (512u * 1024u * 1024u)

/* What apply checks a target user for. */
enum ss_pf_check {
    SS_PF_CHECK_EXISTS = 0, /* only referenced (a member, a manager): still there */
    SS_PF_CHECK_VALUES = 1  /* changed by the plan: still as the plan saw it */
};

/* A loaded plan file.  Owns everything: the two partial snapshots the
 * operations index (src: the source records the plan sends; tgt: the
 * target objects it touches), the plan over them and the metadata. */
struct ss_plan_file {
    long version;
    const char *created;     /* RFC 3339, UTC */
    const char *made_by;     /* "scimsync VERSION" */
    const char *binding;     /* "fnv1a64:HEX" of the target identity */
    const char *fingerprint; /* "fnv1a64:HEX" of the whole source snapshot */
    const char *on_missing;
    size_t source_users, source_groups, source_members;
    struct ss_endpoint_info target;
    struct ss_endpoint_info *sources;
    size_t nsources;
    struct ss_dir src, tgt;
    /* Per target user / group of tgt. */
    unsigned char *tuser_check; /* enum ss_pf_check */
    uint64_t *tuser_hash;
    uint64_t *tgroup_hash;
    /* Per target group: its members when the plan changes them (count and
     * hash of the sorted ids), else -1. */
    long *tgroup_nmembers;
    uint64_t *tgroup_members_hash;
    struct ss_plan plan;
    int have_plan;
    struct ss_arena arena; /* metadata strings */
};

/* Hash of a target user as the plan saw it: id, externalId, every field,
 * active.  The same function hashes a record read back at apply time. */
uint64_t ss_plan_file_user_hash(const char *id, const char *external_id,
                                const char *const field[SCIMSYNC_F_COUNT], int active);
/* Hash of a target group's attributes: id, externalId, displayName. */
uint64_t ss_plan_file_group_hash(const char *id, const char *external_id, const char *display_name);
/* Hash of a member list: ids sorted in place (strcmp), then hashed.
 * -1 on no memory. */
int ss_plan_file_members_hash(const char **ids, size_t n, uint64_t *out);
/* The whole source snapshot: every user (externalId, fields, active), every
 * group and its members, in order. */
uint64_t ss_plan_file_source_fingerprint(const struct ss_dir *src);
/* "fnv1a64:HEX" of a target identity (what binds the plan); len >= 25. */
void ss_plan_file_binding(const char *identity, char *out, size_t len);

/* The document for plan p (after ss_diff, before apply) computed under
 * opt (its target identity and endpoints); malloc'd, NULL on failure
 * (logged). */
SS_NODISCARD char *ss_plan_file_render(const struct ss_plan *p,
                                       const struct ss_engine_options *opt);
/* Renders and writes it to path atomically.  0, or <0 (logged). */
int ss_plan_file_write(const struct ss_plan *p, const struct ss_engine_options *opt,
                       const char *path);

/* [engine] refused_plan_dir: a sync refused by a safety limit saves its
 * plan as DIR/plan-HASH.json (HASH: the source fingerprint and the target,
 * so a daemon refused run after run rewrites one file instead of adding
 * one a run) and logs where it is and the apply command that approves it
 * (the --force-* flags of the limits in refused, bits of enum
 * ss_limit_kind).  0, or <0 (logged; the refusal stands either way). */
int ss_plan_save_refused(const struct ss_plan *p, const struct ss_engine_options *opt,
                         const char *run_id, unsigned refused);

/* Parses text (len bytes) named name in messages into pf (initialized
 * here; free it with ss_plan_file_free whatever the result).  0, or -1
 * with err set ("NAME: FIELD: reason"). */
int ss_plan_file_parse(struct ss_plan_file *pf, const char *name, const char *text, size_t len,
                       char *err, size_t errlen);
/* Reads and parses path.  0, or -1 with err set. */
int ss_plan_file_load(struct ss_plan_file *pf, const char *path, char *err, size_t errlen);
void ss_plan_file_free(struct ss_plan_file *pf);

/* 0 when the plan was made for the target of identity ("plugin url", as
 * the state store is bound), else -1 with err naming the file, the field
 * and both targets (only what the file shows: no secret). */
int ss_plan_file_check_target(const struct ss_plan_file *pf, const char *name, const char *identity,
                              const char *here, char *err, size_t errlen);

/* Name of a wave / op kind in the file ("update_users", "update_user"). */
const char *ss_plan_file_wave_name(enum ss_wave w);
const char *ss_plan_file_op_name(enum scimsync_op_kind k);

#endif
