/*
 * Builds one struct scimsync_entry at a time.  Every string and array of
 * the entry lives in the builder's arena, so an entry handed to the host
 * stays valid until the next reset (the ABI's "valid until the next call").
 */
#ifndef SSP_ENTRY_H
#define SSP_ENTRY_H

#include <scimsync/plugin.h>
#include <ss/arena.h>
#include <stddef.h>

struct ssp_entry_builder {
    struct ss_arena arena; /* capped; its oldest chunk is kept on reset */
    struct scimsync_attr *attrs;
    size_t nattrs, attrs_cap;
    const char **members;
    size_t nmembers, members_cap;
    size_t members_limit;
    struct scimsync_entry entry;
};

/* Limits: arena bytes per entry and members per group. */
void ssp_eb_init(struct ssp_entry_builder *eb, size_t arena_limit, size_t members_limit);
void ssp_eb_free(struct ssp_entry_builder *eb);
void ssp_eb_reset(struct ssp_entry_builder *eb);

/* Copies into the arena.  NULL when the arena limit is reached or memory
 * runs out. */
char *ssp_eb_strndup(struct ssp_entry_builder *eb, const char *s, size_t n);
char *ssp_eb_strdup(struct ssp_entry_builder *eb, const char *s);

/* Adds an attribute; values are copied.  0 or -1. */
int ssp_eb_add_attr(struct ssp_entry_builder *eb, const char *name, const char *const *values,
                    size_t nvalues);
int ssp_eb_add_attr1(struct ssp_entry_builder *eb, const char *name, const char *value);
/* Zero-copy variant: vals (from ssp_eb_values) and the strings in it
 * must already live in the arena. */
const char **ssp_eb_values(struct ssp_entry_builder *eb, size_t n);
int ssp_eb_attach_attr(struct ssp_entry_builder *eb, const char *name, const char **vals,
                       size_t nvalues);
/* Appends one value to attribute name (exact name), adding the attribute
 * when it is not there yet; both copied.  Attributes keep the order of
 * their first value.  0 or -1. */
int ssp_eb_add_value(struct ssp_entry_builder *eb, const char *name, const char *value);
/* First value of an attribute (exact name, case-insensitive), or NULL. */
const char *ssp_eb_get1(const struct ssp_entry_builder *eb, const char *name);
/* Appends a member ref (copied).  0, -1 out of memory, -2 members_limit. */
int ssp_eb_add_member(struct ssp_entry_builder *eb, const char *ref);

/* Points entry.attrs / entry.members at the collected data and returns the
 * entry (kind, id, ref, where, flags are set by the caller). */
struct scimsync_entry *ssp_eb_finish(struct ssp_entry_builder *eb);

/* Loads a copy of e into the (reset) builder, e.g. a deferred entry. */
int ssp_eb_load(struct ssp_entry_builder *eb, const struct scimsync_entry *e);

/* A deep copy of an entry in one malloc'd block (free() it).  NULL on
 * allocation failure. */
struct scimsync_entry *ssp_entry_clone(const struct scimsync_entry *e);

#endif
