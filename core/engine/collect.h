/* Reading sources: every entry is mapped as it streams in and only the
 * normalized result (plus ids, refs and member refs) is kept. */
#ifndef SS_COLLECT_H
#define SS_COLLECT_H

#include <scimsync/plugin.h>
#include <stddef.h>
#include <stdint.h>

#include "engine_types.h"
#include "mapping.h"
#include "model.h"
#include "warncap.h"

struct ss_cuser {
    struct ss_user_rec rec; /* rec.external_id = entry id */
    const char *ref;
    uint32_t source;
    unsigned char skip; /* not synced (reported) */
};

struct ss_cgroup {
    struct ss_group_rec rec;
    const char *ref;
    uint32_t source;
    unsigned flags; /* SCIMSYNC_ENTRY_* */
    unsigned char skip;
    size_t mref_off, nmref; /* member refs in ss_collector.mrefs */
};

struct ss_collector {
    struct ss_dir *out; /* strings are allocated in out->arena */
    struct ss_cuser *users;
    size_t nusers, users_cap;
    struct ss_cgroup *groups;
    size_t ngroups, groups_cap;
    const char **mrefs;
    size_t nmrefs, mrefs_cap;
    const char **source_names; /* borrowed, one per source index */
    size_t nsources, source_names_cap;
    size_t skipped; /* entries not synced, each reported */
    struct ss_warncap w_skip;
    /* sync --user / --group: sources are opened with open_selection (NULL:
     * read in full); their groups name members the read did not return. */
    const struct scimsync_selection *selection;
    int selection_refused; /* a source cannot select that way (exit 1) */
};

void ss_collector_init(struct ss_collector *c, struct ss_dir *out);
void ss_collector_free(struct ss_collector *c);

/* Registers a source name; returns its index (or SS_NONE on no memory). */
uint32_t ss_collector_add_source(struct ss_collector *c, const char *name);

/* Copies and maps one entry.  Bad entries are reported, counted and kept as
 * skipped.  Returns 0, or <0 on no memory (logged). */
int ss_collector_add(struct ss_collector *c, uint32_t source, const struct ss_mapping *m,
                     const struct scimsync_entry *e);

/* open / next... / close of one source into c.  Returns 0 when the read was
 * complete, <0 when it failed or was partial (logged). */
int ss_collect_source(struct ss_collector *c, const struct ss_engine_source *src,
                      const struct ss_mapping *m);

#endif
