#include "mapping.h"

#include <ss/parse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strmap.h"
#include "suggest.h"

const char *const ss_default_mapping[] = {
#define IDENTITY_LINE(id, name) name "=${" name "}",
    SCIMSYNC_USER_FIELDS(IDENTITY_LINE)
#undef IDENTITY_LINE
        "active=${active}",
    "group.displayName=${displayName}",
    NULL,
};

#define NAME_COMMA(id, name) name ", "
static const char known_fields[] =
    "user fields: " SCIMSYNC_USER_FIELDS(NAME_COMMA) "active, extra.NAME; group field: "
                                                     "group.displayName";
#undef NAME_COMMA

/* Fields SCIM requires on every user. */
static const int required_fields[] = {SCIMSYNC_F_USER_NAME, SCIMSYNC_F_GIVEN_NAME,
                                      SCIMSYNC_F_FAMILY_NAME, SCIMSYNC_F_DISPLAY_NAME};

int ss_mapping_field_by_name(const char *name)
{
    if (strcmp(name, "active") == 0)
        return SS_MAP_ACTIVE;
    if (strcmp(name, "group.displayName") == 0)
        return SS_MAP_GROUP_NAME;
    return ss_user_field_by_name(name);
}

static const char *map_field_name(int f)
{
    if (f == SS_MAP_ACTIVE)
        return "active";
    if (f == SS_MAP_GROUP_NAME)
        return "group.displayName";
    return ss_user_field_name(f);
}

static int name_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
           c == '_' || c == '-';
}

int ss_mapping_extra_name_ok(const char *name, char *why, size_t whylen)
{
    size_t n = strlen(name);
    if (n == 0 || n > SS_MAP_EXTRA_NAME_MAX) {
        snprintf(why, whylen, "an extra attribute name has 1 to %d characters",
                 SS_MAP_EXTRA_NAME_MAX);
        return -1;
    }
    for (const char *p = name; *p; p++) {
        if (!name_char(*p)) {
            snprintf(why, whylen,
                     "'%c' in an extra attribute name (letters, digits, '.', '_', '-')", *p);
            return -1;
        }
    }
    if (name[0] == '.' || name[n - 1] == '.') {
        snprintf(why, whylen, "an extra attribute name neither starts nor ends with '.'");
        return -1;
    }
    return 0;
}

/* "extra.NAME = template": add, replace, or (empty template) remove. */
static int set_extra(struct ss_mapping *m, const char *field, const char *tpl, const char *where)
{
    const char *name = field + strlen(SS_MAP_EXTRA_PREFIX);
    char err[160];
    size_t i;

    if (ss_mapping_extra_name_ok(name, err, sizeof err) < 0) {
        ss_error("%s: mapping field '%s': %s", where, field, err);
        return -1;
    }
    for (i = 0; i < m->nextra && strcmp(m->extra[i].name, name) != 0; i++)
        ;
    if (i == m->nextra) {
        if (!*tpl)
            return 0;
        if (m->nextra == SS_MAX_EXTRA) {
            ss_error("%s: %s: a mapping sets at most %d extra attributes", where, field,
                     SS_MAX_EXTRA);
            return -1;
        }
        if (!(m->extra[i].name = strdup(name))) {
            ss_error("out of memory");
            return -1;
        }
        m->extra[i].x = -1;
        m->nextra++;
    }
    struct ss_mapping_extra *e = &m->extra[i];
    ss_template_free(&e->tpl);
    e->where = where;
    if (!*tpl) { /* removed: the target's value is left alone */
        free(e->name);
        memmove(e, e + 1, (m->nextra - i - 1) * sizeof(*e));
        m->nextra--;
        memset(&m->extra[m->nextra], 0, sizeof(*e));
        return 0;
    }
    if (ss_template_parse(tpl, &e->tpl, err, sizeof(err)) < 0) {
        ss_error("%s: %s: bad template \"%s\": %s", where, field, tpl, err);
        return -1;
    }
    return 0;
}

static int set_line(struct ss_mapping *m, const char *field, const char *tpl, const char *where)
{
    char err[160];
    if (strncmp(field, SS_MAP_EXTRA_PREFIX, strlen(SS_MAP_EXTRA_PREFIX)) == 0)
        return set_extra(m, field, tpl, where);
    int f = ss_mapping_field_by_name(field);
    if (f < 0) {
        struct ss_suggest sg;
        char hint[160];
        ss_suggest_init(&sg, field);
        for (int i = 0; i < SS_MAP_NFIELDS; i++)
            ss_suggest_add(&sg, map_field_name(i));
        ss_error("%s: unknown mapping field '%s'%s (%s)", where, field,
                 ss_suggest_text(&sg, NULL, NULL, hint, sizeof hint), known_fields);
        return -1;
    }
    ss_template_free(&m->tpl[f]);
    m->set[f] = 0;
    m->where[f] = where;
    if (!*tpl)
        return 0;
    if (ss_template_parse(tpl, &m->tpl[f], err, sizeof(err)) < 0) {
        ss_error("%s: %s: bad template \"%s\": %s", where, field, tpl, err);
        return -1;
    }
    m->set[f] = 1;
    return 0;
}

/* Trims ASCII blanks of [*s, *e). */
static void trim_span(const char **s, const char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t'))
        (*e)--;
}

int ss_mapping_build(struct ss_mapping *m, const char *source, const char *const *defaults,
                     const struct ss_mapping_line *lines, size_t nlines)
{
    const char *where_default = "<default mapping>";
    int rc = -1;
    memset(m, 0, sizeof(*m));
    if (!defaults)
        defaults = ss_default_mapping;
    for (size_t i = 0; defaults[i]; i++) {
        const char *line = defaults[i], *eq = strchr(line, '=');
        char field[64];
        if (!eq) {
            ss_error("source %s: default mapping line %zu has no '=': \"%s\"", source, i + 1, line);
            goto out;
        }
        const char *fs = line, *fe = eq, *ts = eq + 1, *te = eq + strlen(eq);
        trim_span(&fs, &fe);
        trim_span(&ts, &te);
        if ((size_t)(fe - fs) >= sizeof(field)) {
            ss_error("source %s: default mapping line %zu: field name too long", source, i + 1);
            goto out;
        }
        memcpy(field, fs, (size_t)(fe - fs));
        field[fe - fs] = '\0';
        char *tpl = strndup(ts, (size_t)(te - ts));
        if (!tpl) {
            ss_error("out of memory");
            goto out;
        }
        int r = set_line(m, field, tpl, where_default);
        free(tpl);
        if (r < 0)
            goto out;
    }
    /* Every bad line is reported, not only the first. */
    int bad = 0;
    unsigned char broken[SS_MAP_NFIELDS] = {0}; /* a bad line: no "missing" error too */
    for (size_t i = 0; i < nlines; i++) {
        const char *where = lines[i].where ? lines[i].where : "<mapping>";
        if (!lines[i].field || !lines[i].template) {
            ss_error("%s: incomplete mapping line", where);
            bad = 1;
            continue;
        }
        if (set_line(m, lines[i].field, lines[i].template, where) < 0) {
            int f = ss_mapping_field_by_name(lines[i].field);
            if (f >= 0)
                broken[f] = 1;
            bad = 1;
        }
    }
    for (size_t i = 0; i < sizeof(required_fields) / sizeof(required_fields[0]); i++) {
        int f = required_fields[i];
        if (!m->set[f] && !broken[f]) {
            if (m->where[f])
                ss_error("%s: required field %s cannot be left without a template", m->where[f],
                         ss_user_field_name(f));
            else
                ss_error("source %s: the mapping has no template for required field %s", source,
                         ss_user_field_name(f));
            bad = 1;
        }
    }
    if (bad)
        goto out;
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        if (m->set[f])
            m->managed |= 1u << f;
    }
    rc = 0;
out:
    if (rc < 0)
        ss_mapping_free(m);
    return rc;
}

void ss_mapping_free(struct ss_mapping *m)
{
    for (int f = 0; f < SS_MAP_NFIELDS; f++)
        ss_template_free(&m->tpl[f]);
    for (size_t i = 0; i < m->nextra; i++) {
        ss_template_free(&m->extra[i].tpl);
        free(m->extra[i].name);
    }
    memset(m, 0, sizeof(*m));
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

int ss_mapping_bind_extras(struct ss_mapping *maps, size_t nmaps, const char **names)
{
    size_t n = 0;
    for (size_t i = 0; i < nmaps; i++) {
        for (size_t j = 0; j < maps[i].nextra; j++) {
            const char *name = maps[i].extra[j].name;
            size_t k;
            for (k = 0; k < n && strcmp(names[k], name) != 0; k++)
                ;
            if (k < n)
                continue;
            if (n == SS_MAX_EXTRA) {
                ss_error("%s: extra.%s: the mappings set more than %d extra attributes in all",
                         maps[i].extra[j].where, name, SS_MAX_EXTRA);
                return -1;
            }
            names[n++] = name;
        }
    }
    qsort(names, n, sizeof(*names), cmp_name);
    for (size_t i = 0; i < nmaps; i++) {
        maps[i].nx = n;
        for (size_t j = 0; j < maps[i].nextra; j++) {
            const char **hit = bsearch(&maps[i].extra[j].name, names, n, sizeof(*names), cmp_name);
            maps[i].extra[j].x = (int)(hit - names);
        }
    }
    return (int)n;
}

/* Renders template t of the field prefix+label into a fresh arena string;
 * *out NULL when empty.  Returns 0, 1 (skip: reason in why) or <0 (no
 * memory). */
static int render_tpl(const struct ss_template *t, const char *prefix, const char *label,
                      const struct scimsync_entry *e, struct ss_arena *a, const char **out,
                      char *why, size_t whylen)
{
    char buf[SS_VALUE_MAX + 1];
    *out = NULL;
    long n = ss_template_render(t, e, buf, sizeof(buf));
    if (n < 0) {
        snprintf(why, whylen, "%s%s is longer than %d bytes", prefix, label, SS_VALUE_MAX);
        return 1;
    }
    if (!ss_utf8_valid(buf, (size_t)n)) {
        snprintf(why, whylen, "%s%s is not valid UTF-8", prefix, label);
        return 1;
    }
    if (n == 0)
        return 0;
    *out = ss_arena_strndup(a, buf, (size_t)n);
    return *out ? 0 : -1;
}

/* Renders field f (see render_tpl); absent when it has no template. */
static int render(const struct ss_mapping *m, int f, const struct scimsync_entry *e,
                  struct ss_arena *a, const char **out, char *why, size_t whylen)
{
    *out = NULL;
    if (!m->set[f])
        return 0;
    return render_tpl(&m->tpl[f], "", map_field_name(f), e, a, out, why, whylen);
}

static int render_extras(const struct ss_mapping *m, const struct scimsync_entry *e,
                         struct ss_arena *a, struct ss_user_rec *u, char *why, size_t whylen)
{
    int r;
    if (!m->nextra || !m->nx)
        return 0;
    u->xval = ss_arena_alloc(a, m->nx * sizeof(*u->xval));
    if (!u->xval)
        return -1;
    memset(u->xval, 0, m->nx * sizeof(*u->xval));
    for (size_t i = 0; i < m->nextra; i++) {
        const struct ss_mapping_extra *x = &m->extra[i];
        if (x->x < 0)
            continue;
        r = render_tpl(&x->tpl, SS_MAP_EXTRA_PREFIX, x->name, e, a, &u->xval[x->x], why, whylen);
        if (r != 0)
            return r;
        u->xmanaged |= 1u << x->x;
    }
    return 0;
}

int ss_mapping_user(const struct ss_mapping *m, const struct scimsync_entry *e, struct ss_arena *a,
                    struct ss_user_rec *u, char *why, size_t whylen)
{
    int r;
    for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
        if ((r = render(m, f, e, a, &u->field[f], why, whylen)) != 0)
            return r;
    }
    for (size_t i = 0; i < sizeof(required_fields) / sizeof(required_fields[0]); i++) {
        int f = required_fields[i];
        if (!u->field[f]) {
            snprintf(why, whylen, "required field %s is empty", ss_user_field_name(f));
            return 1;
        }
    }
    if ((r = render_extras(m, e, a, u, why, whylen)) != 0)
        return r;
    u->managed = m->managed;
    u->active = 1;
    if (m->set[SS_MAP_ACTIVE]) {
        const char *v;
        if ((r = render(m, SS_MAP_ACTIVE, e, a, &v, why, whylen)) != 0)
            return r;
        if (v) {
            int b;
            if (ss_parse_bool(v, &b) < 0) {
                snprintf(why, whylen, "active is \"%.40s\", not true/false/yes/no/1/0", v);
                return 1;
            }
            u->active = b;
        }
    }
    return 0;
}

int ss_mapping_group(const struct ss_mapping *m, const struct scimsync_entry *e, struct ss_arena *a,
                     struct ss_group_rec *g, char *why, size_t whylen)
{
    int r = render(m, SS_MAP_GROUP_NAME, e, a, &g->display_name, why, whylen);
    if (r != 0)
        return r;
    if (!g->display_name) {
        snprintf(why, whylen, "required field group.displayName is empty%s",
                 m->set[SS_MAP_GROUP_NAME] ? "" : " (no template)");
        return 1;
    }
    return 0;
}
