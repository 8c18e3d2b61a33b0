/* Mapping: "schemaField = template" lines turned into compiled templates,
 * and their application to one raw source entry. */
#ifndef SS_MAPPING_H
#define SS_MAPPING_H

#include <scimsync/plugin.h>
#include <stddef.h>

#include "arena.h"
#include "engine_types.h"
#include "model.h"
#include "template.h"

/* Pseudo field indexes beside the user fields. */
#define SS_MAP_ACTIVE SCIMSYNC_F_COUNT
#define SS_MAP_GROUP_NAME (SCIMSYNC_F_COUNT + 1)
#define SS_MAP_NFIELDS (SCIMSYNC_F_COUNT + 2)

/* Prefix of the mapping lines of extra attributes: "extra.NAME = ...". */
#define SS_MAP_EXTRA_PREFIX "extra."
/* Longest NAME of an extra attribute. */
#define SS_MAP_EXTRA_NAME_MAX 64

struct ss_mapping_extra {
    char *name; /* NAME of "extra.NAME" */
    struct ss_template tpl;
    const char *where;
    int x; /* index in the run's extra names (ss_mapping_bind_extras), -1 before */
};

struct ss_mapping {
    struct ss_template tpl[SS_MAP_NFIELDS];
    unsigned char set[SS_MAP_NFIELDS]; /* nonzero: the field has a template */
    const char *where[SS_MAP_NFIELDS]; /* where the template came from */
    uint32_t managed;                  /* user field bits the mapping sets */
    struct ss_mapping_extra extra[SS_MAX_EXTRA];
    size_t nextra;
    size_t nx; /* number of the run's extra names (ss_mapping_bind_extras) */
};

/* The mapping used when a source plugin gives none: identity on the schema
 * names.  NULL-terminated "field=template" lines. */
extern const char *const ss_default_mapping[];

/* Field index (0..SS_MAP_NFIELDS-1) of a mapping field name, or -1. */
int ss_mapping_field_by_name(const char *name);

/* Builds a mapping from the defaults (plugin's, or ss_default_mapping when
 * NULL), then the override lines.  An override with an empty template
 * removes the field from the mapping (it is then left alone in the target).
 * Errors (unknown field, bad template, missing required field) are logged
 * with their `where`; returns 0 or <0.  `source` names the source in
 * messages. */
int ss_mapping_build(struct ss_mapping *m, const char *source, const char *const *defaults,
                     const struct ss_mapping_line *lines, size_t nlines);
void ss_mapping_free(struct ss_mapping *m);

/* 0 when NAME (after "extra.") is a usable extra attribute name: 1 to
 * SS_MAP_EXTRA_NAME_MAX letters, digits, '.', '_', '-', not starting or
 * ending with '.'; else -1 with the reason in why. */
int ss_mapping_extra_name_ok(const char *name, char *why, size_t whylen);
/* The sorted union of the extra names of the mappings into names (room
 * for SS_MAX_EXTRA; pointers into the mappings) and binds each mapping to
 * it.  Returns the number of names, or -1 (logged) when there are more
 * than SS_MAX_EXTRA. */
int ss_mapping_bind_extras(struct ss_mapping *maps, size_t nmaps, const char **names);

/* Maps a user entry into u (strings copied into a); extra attributes
 * into u->xval (m->nx values) once the mapping is bound.  Returns 0 on success;
 * 1 when the entry must be skipped, with the reason in why (naming the
 * field); <0 on no memory.  Does not log. */
int ss_mapping_user(const struct ss_mapping *m, const struct scimsync_entry *e, struct ss_arena *a,
                    struct ss_user_rec *u, char *why, size_t whylen);
/* Same for a group: only its display name. */
int ss_mapping_group(const struct ss_mapping *m, const struct scimsync_entry *e, struct ss_arena *a,
                     struct ss_group_rec *g, char *why, size_t whylen);

#endif
