/* ignore_users / ignore_groups / include_groups: pattern lists. */
#define _GNU_SOURCE /* FNM_CASEFOLD */
#include "scope.h"

#include <fnmatch.h>
#include <ss/ascii.h>
#include <stdlib.h>
#include <string.h>

int ss_scope_parse_list(const char *value, char ***pats, size_t *n)
{
    const char *p = value;

    while (p && *p) {
        const char *e = strchr(p, ',');
        const char *end = e ? e : p + strlen(p);
        const char *s = p;
        while (s < end && (*s == ' ' || *s == '\t'))
            s++;
        while (end > s && (end[-1] == ' ' || end[-1] == '\t'))
            end--;
        if (end > s) {
            char **np = realloc(*pats, (*n + 1) * sizeof(*np));
            if (!np)
                return -1;
            *pats = np;
            np[*n] = strndup(s, (size_t)(end - s));
            if (!np[*n])
                return -1;
            ss_ascii_lower(np[*n], (size_t)(end - s));
            (*n)++;
        }
        p = e ? e + 1 : NULL;
    }
    return 0;
}

static void free_list(char **pats, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(pats[i]);
    free(pats);
}

void ss_scope_free(struct ss_scope *s)
{
    free_list(s->ignore_users, s->nignore_users);
    free_list(s->ignore_groups, s->nignore_groups);
    free_list(s->include_groups, s->ninclude_groups);
    memset(s, 0, sizeof(*s));
}

int ss_scope_match(char *const *pats, size_t n, const char *text)
{
    if (!text || n == 0)
        return 0;
    /* Patterns are lower-cased when read; FNM_CASEFOLD folds the text. */
    for (size_t i = 0; i < n; i++) {
        if (fnmatch(pats[i], text, FNM_CASEFOLD) == 0)
            return 1;
    }
    return 0;
}

int ss_scope_user_ignored(const struct ss_scope *s, const char *user_name, const char *display_name)
{
    if (!s)
        return 0;
    return ss_scope_match(s->ignore_users, s->nignore_users, user_name) ||
           ss_scope_match(s->ignore_users, s->nignore_users, display_name);
}

int ss_scope_group_out(const struct ss_scope *s, const char *display_name)
{
    if (!s)
        return 0;
    if (ss_scope_match(s->ignore_groups, s->nignore_groups, display_name))
        return 1;
    return s->ninclude_groups &&
           !ss_scope_match(s->include_groups, s->ninclude_groups, display_name);
}
