/*
 * Scope lists of [engine], independent of the source: ignore_users and
 * ignore_groups (wildcards on userName / displayName) name objects that
 * are never created, changed, deactivated, deleted or have their members
 * changed, on the source and on the target side (break-glass accounts);
 * include_groups, when set, names the only groups that are synced.
 */
#ifndef SS_SCOPE_H
#define SS_SCOPE_H

#include <stddef.h>

struct ss_scope {
    char **ignore_users; /* lower-cased fnmatch patterns */
    size_t nignore_users;
    char **ignore_groups;
    size_t nignore_groups;
    char **include_groups; /* none: every group */
    size_t ninclude_groups;
};

/* Splits a comma-separated list ("breakglass-*, Admin Team") into
 * lower-cased patterns, blanks around each trimmed, empty items dropped.
 * Returns 0 or -1 (out of memory).  Appends to *pats / *n. */
int ss_scope_parse_list(const char *value, char ***pats, size_t *n);
void ss_scope_free(struct ss_scope *s);

/* Nonzero when text matches one of the patterns (shell wildcards * ? [],
 * ASCII case-insensitive).  NULL text never matches. */
int ss_scope_match(char *const *pats, size_t n, const char *text);

/* A user with this userName / displayName is out of scope. */
int ss_scope_user_ignored(const struct ss_scope *s, const char *user_name,
                          const char *display_name);
/* A group with this displayName is out of scope: ignored, or not in a
 * non-empty include_groups. */
int ss_scope_group_out(const struct ss_scope *s, const char *display_name);

#endif
