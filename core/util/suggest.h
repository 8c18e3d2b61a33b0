/*
 * "Did you mean": the closest known name to a mistyped one (commands,
 * options, sections, keys, mapping fields, transforms).  Pure logic.
 */
#ifndef SS_SUGGEST_H
#define SS_SUGGEST_H

#include <stddef.h>

#define SS_SUGGEST_MAX 3 /* names kept when several are equally close */

/* Optimal string alignment distance (Damerau-Levenshtein where each
 * substring is edited once), ASCII case-insensitive.  Words longer than
 * 64 bytes count as far from everything (SIZE_MAX). */
size_t ss_edit_distance(const char *a, const char *b);

struct ss_suggest {
    const char *word;
    size_t best;                       /* distance of the names kept */
    const char *names[SS_SUGGEST_MAX]; /* equally close, in the order added */
    size_t n;
};

void ss_suggest_init(struct ss_suggest *s, const char *word);
/* Offers one known name; kept when it is close enough to the word and at
 * least as close as the best so far.  A name that starts with the whole
 * word (3 bytes or more) counts as close: "force" -> "force-deletes". */
void ss_suggest_add(struct ss_suggest *s, const char *name);
/* Offers every name of a NULL-terminated list. */
void ss_suggest_add_list(struct ss_suggest *s, const char *const *names);
/* " (did you mean 'a'?)", " (did you mean 'a' or 'b'?)" with each name
 * written as prefix+name+suffix, or "" when nothing was close.  Returns
 * buf. */
const char *ss_suggest_text(const struct ss_suggest *s, const char *prefix, const char *suffix,
                            char *buf, size_t len);

#endif
