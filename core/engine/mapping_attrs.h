/*
 * The attributes a mapping names: what a source must read (the LDAP
 * plugin asks the host for them instead of keeping its own list), and,
 * after a read, the ones no entry carried (a typo such as ${jobtitle}
 * would otherwise map to nothing on every entry, silently).
 */
#ifndef SS_MAPPING_ATTRS_H
#define SS_MAPPING_ATTRS_H

#include <scimsync/plugin.h>
#include <ss/common.h>
#include <stddef.h>

#include "engine_types.h"
#include "mapping.h"

/* Attribute names the effective templates use for entries of `kind`
 * (USER: the user fields and active; GROUP: group.displayName): the
 * defaults (ss_default_mapping when NULL) with the lines applied, each
 * name once (ASCII case-insensitive), in first-use order, NULL-terminated.
 * A line whose field or template is bad is left out (the engine reports
 * it).  malloc'd, free with ss_mapping_attrs_free; NULL on no memory. */
SS_NODISCARD char **ss_mapping_attrs(const char *const *defaults,
                                     const struct ss_mapping_line *lines, size_t nlines,
                                     enum scimsync_entry_kind kind);
void ss_mapping_attrs_free(char **names);

/* One attribute named by one mapping field, and whether an entry of the
 * field's kind carried it. */
struct ss_attr_use {
    const char *attr; /* borrowed from the mapping's template */
    int field;        /* SS_MAP_* / user field index */
    unsigned char seen;
};

/* Which attributes of a mapping the entries of one source read carried. */
struct ss_attr_usage {
    struct ss_attr_use *v;
    size_t n, unseen;
    size_t nusers, ngroups; /* entries noted, per kind */
};

/* Every (field, attribute) of m, none seen yet.  `${id}` is left out: it
 * falls back to the entry id.  Returns 0 or <0 on no memory. */
int ss_attr_usage_init(struct ss_attr_usage *u, const struct ss_mapping *m);
/* Marks the attributes e carries (by name, ASCII case-insensitive, with or
 * without values). */
void ss_attr_usage_note(struct ss_attr_usage *u, const struct scimsync_entry *e);
/* Reports each attribute no entry of its kind carried (nothing for a kind
 * the source returned no entry of): a warning naming the mapping line
 * (`file:line: [mapping hr] title = ${jobtitle}: no entry of source hr
 * carried attribute "jobtitle"`), at debug level for a line of the
 * plugin's default mapping (a directory without titles is no mistake).
 * Returns the number of warnings. */
size_t ss_attr_usage_report(const struct ss_attr_usage *u, const struct ss_mapping *m,
                            const char *source, const char *section,
                            const struct ss_mapping_line *lines, size_t nlines);
void ss_attr_usage_free(struct ss_attr_usage *u);

#endif
