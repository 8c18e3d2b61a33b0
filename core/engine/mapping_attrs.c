#include "mapping_attrs.h"

#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strmap.h"
#include "template.h"
#include "vec.h"

/* The kind of entry a mapping field is rendered for. */
static enum scimsync_entry_kind field_kind(int f)
{
    return f == SS_MAP_GROUP_NAME ? SCIMSYNC_ENTRY_GROUP : SCIMSYNC_ENTRY_USER;
}

static const char *field_name(int f)
{
    if (f == SS_MAP_ACTIVE)
        return "active";
    if (f == SS_MAP_GROUP_NAME)
        return "group.displayName";
    return ss_user_field_name(f);
}

/* Adds the attribute names of text to *names (unique); 0 or <0 no memory.
 * A template that does not parse adds nothing. */
static int add_names(char ***names, size_t *n, size_t *cap, const char *text)
{
    struct ss_template t;
    char err[160];
    int rc = 0;

    if (ss_template_parse(text, &t, err, sizeof err) < 0)
        return 0;
    for (size_t i = 0; i < t.nparts && rc == 0; i++) {
        size_t k = 0;
        if (!t.parts[i].is_attr)
            continue;
        while (k < *n && ss_ascii_casecmp((*names)[k], t.parts[i].text) != 0)
            k++;
        if (k < *n)
            continue;
        /* room for the name and the terminating NULL */
        if (ss_vec_reserve((void **)names, cap, *n + 2, sizeof(**names)) < 0 ||
            !((*names)[*n] = strdup(t.parts[i].text))) {
            rc = -1;
            break;
        }
        (*names)[++*n] = NULL;
    }
    ss_template_free(&t);
    return rc;
}

char **ss_mapping_attrs(const char *const *defaults, const struct ss_mapping_line *lines,
                        size_t nlines, enum scimsync_entry_kind kind)
{
    const char *text[SS_MAP_NFIELDS] = {0};
    char **names = NULL, field[64];
    size_t n = 0, cap = 0;

    if (!defaults)
        defaults = ss_default_mapping;
    for (size_t i = 0; defaults[i]; i++) {
        const char *eq = strchr(defaults[i], '=');
        size_t len = eq ? (size_t)(eq - defaults[i]) : 0;
        int f;
        while (len && (defaults[i][len - 1] == ' ' || defaults[i][len - 1] == '\t'))
            len--;
        if (!eq || len >= sizeof field)
            continue;
        memcpy(field, defaults[i], len);
        field[len] = '\0';
        if ((f = ss_mapping_field_by_name(field)) >= 0)
            text[f] = eq + 1;
    }
    for (size_t i = 0; i < nlines; i++) {
        int f = lines[i].field ? ss_mapping_field_by_name(lines[i].field) : -1;
        if (f >= 0 && lines[i].template)
            text[f] = lines[i].template; /* "" removes the field */
    }
    if (ss_vec_reserve((void **)&names, &cap, 1, sizeof(*names)) < 0)
        return NULL;
    names[0] = NULL;
    for (int f = 0; f < SS_MAP_NFIELDS; f++) {
        if (!text[f] || field_kind(f) != kind)
            continue;
        if (add_names(&names, &n, &cap, text[f]) < 0) {
            ss_mapping_attrs_free(names);
            return NULL;
        }
    }
    /* extra.NAME lines: user attributes too */
    for (size_t i = 0; kind == SCIMSYNC_ENTRY_USER && i < nlines; i++) {
        if (!lines[i].field || !lines[i].template ||
            strncmp(lines[i].field, SS_MAP_EXTRA_PREFIX, strlen(SS_MAP_EXTRA_PREFIX)) != 0)
            continue;
        if (add_names(&names, &n, &cap, lines[i].template) < 0) {
            ss_mapping_attrs_free(names);
            return NULL;
        }
    }
    return names;
}

void ss_mapping_attrs_free(char **names)
{
    for (size_t i = 0; names && names[i]; i++)
        free(names[i]);
    free(names);
}

int ss_attr_usage_init(struct ss_attr_usage *u, const struct ss_mapping *m)
{
    size_t cap = 0;

    memset(u, 0, sizeof(*u));
    for (int f = 0; f < SS_MAP_NFIELDS; f++) {
        const struct ss_template *t = &m->tpl[f];
        size_t first = u->n;
        if (!m->set[f])
            continue;
        for (size_t i = 0; i < t->nparts; i++) {
            const char *a = t->parts[i].text;
            size_t k = first;
            if (!t->parts[i].is_attr || strcmp(a, "id") == 0)
                continue;
            while (k < u->n && ss_ascii_casecmp(u->v[k].attr, a) != 0)
                k++;
            if (k < u->n)
                continue;
            if (SS_VEC_PUSH_ROOM(u->v, u->n, cap) < 0) {
                ss_attr_usage_free(u);
                return -1;
            }
            u->v[u->n++] = (struct ss_attr_use){.attr = a, .field = f};
        }
    }
    u->unseen = u->n;
    return 0;
}

void ss_attr_usage_note(struct ss_attr_usage *u, const struct scimsync_entry *e)
{
    if (e->kind == SCIMSYNC_ENTRY_USER)
        u->nusers++;
    else if (e->kind == SCIMSYNC_ENTRY_GROUP)
        u->ngroups++;
    else
        return;
    /* once every attribute was seen, an entry costs nothing more */
    for (size_t k = 0; u->unseen && k < u->n; k++) {
        struct ss_attr_use *a = &u->v[k];
        if (a->seen || field_kind(a->field) != e->kind)
            continue;
        for (size_t i = 0; i < e->nattrs; i++) {
            if (e->attrs[i].name && ss_ascii_casecmp(e->attrs[i].name, a->attr) == 0) {
                a->seen = 1;
                u->unseen--;
                break;
            }
        }
    }
}

/* The configured line that set field f last, NULL when it comes from the
 * default mapping. */
static const struct ss_mapping_line *line_of(const struct ss_mapping_line *lines, size_t nlines,
                                             int f)
{
    const struct ss_mapping_line *found = NULL;
    for (size_t i = 0; i < nlines; i++) {
        if (lines[i].field && ss_mapping_field_by_name(lines[i].field) == f)
            found = &lines[i];
    }
    return found;
}

size_t ss_attr_usage_report(const struct ss_attr_usage *u, const struct ss_mapping *m,
                            const char *source, const char *section,
                            const struct ss_mapping_line *lines, size_t nlines)
{
    size_t warned = 0;

    for (size_t k = 0; u->unseen && k < u->n; k++) {
        const struct ss_attr_use *a = &u->v[k];
        const struct ss_mapping_line *l = line_of(lines, nlines, a->field);
        size_t read = field_kind(a->field) == SCIMSYNC_ENTRY_GROUP ? u->ngroups : u->nusers;
        const char *kind = field_kind(a->field) == SCIMSYNC_ENTRY_GROUP ? "group" : "user";
        if (a->seen || read == 0)
            continue;
        if (l) {
            ss_warn("%s: %s%s%s = %s: no entry of source %s carried attribute \"%s\" (%zu %s "
                    "entries read; a misspelt attribute name? the field stays empty)",
                    l->where ? l->where : m->where[a->field], section ? section : "",
                    section ? " " : "", field_name(a->field), l->template, source, a->attr, read,
                    kind);
            warned++;
        } else {
            ss_debug("source %s: default mapping %s: no entry carried attribute \"%s\"", source,
                     field_name(a->field), a->attr);
        }
    }
    return warned;
}

void ss_attr_usage_free(struct ss_attr_usage *u)
{
    free(u->v);
    memset(u, 0, sizeof(*u));
}
