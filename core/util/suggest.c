/* "Did you mean": edit distance and the closest names. */
#include "suggest.h"

#include <ss/ascii.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define WORD_MAX 64

size_t ss_edit_distance(const char *a, const char *b)
{
    size_t n = strlen(a), m = strlen(b);
    /* Three rows: two back is needed for transpositions. */
    size_t rows[3][WORD_MAX + 1];
    size_t *pp = rows[0], *p = rows[1], *c = rows[2];

    if (n > WORD_MAX || m > WORD_MAX)
        return SIZE_MAX;
    for (size_t j = 0; j <= m; j++)
        p[j] = j;
    for (size_t i = 1; i <= n; i++) {
        c[0] = i;
        for (size_t j = 1; j <= m; j++) {
            size_t cost = ss_ascii_tolower((unsigned char)a[i - 1]) !=
                          ss_ascii_tolower((unsigned char)b[j - 1]);
            size_t v = p[j] + 1;
            if (c[j - 1] + 1 < v)
                v = c[j - 1] + 1;
            if (p[j - 1] + cost < v)
                v = p[j - 1] + cost;
            if (i > 1 && j > 1 &&
                ss_ascii_tolower((unsigned char)a[i - 1]) ==
                    ss_ascii_tolower((unsigned char)b[j - 2]) &&
                ss_ascii_tolower((unsigned char)a[i - 2]) ==
                    ss_ascii_tolower((unsigned char)b[j - 1]) &&
                pp[j - 2] + 1 < v)
                v = pp[j - 2] + 1;
            c[j] = v;
        }
        size_t *t = pp;
        pp = p;
        p = c;
        c = t;
    }
    return p[m];
}

void ss_suggest_init(struct ss_suggest *s, const char *word)
{
    memset(s, 0, sizeof(*s));
    s->word = word;
    s->best = SIZE_MAX;
}

/* Edits allowed for a word of len bytes: short words need a close match
 * or every name would be "close". */
static size_t allowed(size_t len)
{
    if (len <= 2)
        return 0;
    if (len <= 4)
        return 1;
    if (len <= 8)
        return 2;
    return 3;
}

static int starts_with_ci(const char *name, const char *word)
{
    for (; *word; word++, name++) {
        if (!*name ||
            ss_ascii_tolower((unsigned char)*name) != ss_ascii_tolower((unsigned char)*word))
            return 0;
    }
    return 1;
}

void ss_suggest_add(struct ss_suggest *s, const char *name)
{
    size_t len, d;

    if (!s->word || !name || !*name || strcmp(s->word, name) == 0)
        return;
    len = strlen(s->word);
    d = ss_edit_distance(s->word, name);
    if (d > allowed(len)) {
        if (len < 3 || !starts_with_ci(name, s->word))
            return;
        d = allowed(len) + 1; /* a prefix ranks after every true near miss */
    }
    if (d > s->best)
        return;
    if (d < s->best) {
        s->best = d;
        s->n = 0;
    }
    for (size_t i = 0; i < s->n; i++) {
        if (strcmp(s->names[i], name) == 0)
            return;
    }
    if (s->n < SS_SUGGEST_MAX)
        s->names[s->n++] = name;
}

void ss_suggest_add_list(struct ss_suggest *s, const char *const *names)
{
    for (; names && *names; names++)
        ss_suggest_add(s, *names);
}

const char *ss_suggest_text(const struct ss_suggest *s, const char *prefix, const char *suffix,
                            char *buf, size_t len)
{
    size_t used = 0;

    if (!len)
        return buf;
    buf[0] = '\0';
    if (!s->n)
        return buf;
    for (size_t i = 0; i < s->n && used < len; i++) {
        int w = snprintf(buf + used, len - used, "%s'%s%s%s'",
                         i == 0          ? " (did you mean "
                         : i + 1 == s->n ? " or "
                                         : ", ",
                         prefix ? prefix : "", s->names[i], suffix ? suffix : "");
        if (w < 0)
            break;
        used += (size_t)w;
    }
    if (used < len)
        snprintf(buf + used, len - used, "?)");
    return buf;
}
