/* A run with a state store ([engine] state): load it (and take the S3 run
 * lease), give the diff a target snapshot from it or from a full read,
 * record the ops as they are answered with checkpoints, save it at the
 * end.  engine.c calls these; with no state configured they do nothing
 * and the target is read in full as before. */
#ifndef SS_STATE_RUN_H
#define SS_STATE_RUN_H

#include <scimsync/plugin.h>

#include "apply.h"
#include "engine_types.h"
#include "model.h"
#include "plan.h"

struct ss_state_run;

/* *out = NULL when no state is configured.  Returns an ss_exit code:
 * OK, USAGE (bad state URL), LOCKED (another run holds the lease),
 * READ (the lease could not be taken). */
int ss_state_run_open(struct ss_state_run **out, const struct ss_engine_options *opt);
/* The pre-flight with a usable state: the first user the target lists
 * (one request) proves the token and is compared with the state; a
 * target reset or not the one the state describes makes this run read
 * in full.  1 done, 0 not for the state to do (no state, or a full read
 * due: the plugin's own check applies), <0 the read failed (logged). */
int ss_state_run_precheck(struct ss_state_run *sr, const struct ss_engine_target *t);
/* The target snapshot: from the state, or from a full read (ss_target_read)
 * when one is due.  0, or <0 when the read failed (logged). */
int ss_state_run_read_target(struct ss_state_run *sr, const struct ss_engine_target *t,
                             const struct ss_dir *src, int adopt, struct ss_dir *tgt);
/* The apply hook that records ops and checkpoints the state. */
void ss_state_run_apply_hook(struct ss_state_run *sr, struct ss_apply_hook *hook);
/* After apply, staged deletes: the deactivation times the plan implies
 * (ss_staged_note_state).  0, or <0 (logged). */
int ss_state_run_note_staged(struct ss_state_run *sr, const struct ss_plan *p, int clear_returned);
/* A target snapshot read without the state (sync --user / --group): the
 * deactivation times the state knows for its inactive users. */
void ss_state_run_fill_deactivated(struct ss_state_run *sr, struct ss_dir *tgt);
/* Saves the state (plugin values only when ok).  0, or <0 (logged). */
int ss_state_run_finish(struct ss_state_run *sr, int ok);
void ss_state_run_close(struct ss_state_run *sr);

/* Host state_get / state_put of the current run (NULL / <0 without one). */
const char *ss_state_run_kv_get(const char *instance, const char *key);
int ss_state_run_kv_put(const char *instance, const char *key, const char *value);

#endif
