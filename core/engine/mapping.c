#include "mapping.h"

#include <ss/parse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "strmap.h"
#include "suggest.h"

const char *const ss_default_mapping[] = {
    "userName=${userName}",
    "displayName=${displayName}",
    "givenName=${givenName}",
    "familyName=${familyName}",
    "email=${email}",
    "title=${title}",
    "employeeNumber=${employeeNumber}",
    "costCenter=${costCenter}",
    "organization=${organization}",
    "division=${division}",
    "department=${department}",
    "manager=${manager}",
    "nickName=${nickName}",
    "preferredLanguage=${preferredLanguage}",
    "locale=${locale}",
    "timezone=${timezone}",
    "userType=${userType}",
    "phone=${phone}",
    "active=${active}",
    "group.displayName=${displayName}",
    NULL,
};

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

static int set_line(struct ss_mapping *m, const char *field, const char *tpl, const char *where)
{
    char err[160];
    int f = ss_mapping_field_by_name(field);
    if (f < 0) {
        struct ss_suggest sg;
        char hint[160];
        ss_suggest_init(&sg, field);
        for (int i = 0; i < SS_MAP_NFIELDS; i++)
            ss_suggest_add(&sg, map_field_name(i));
        ss_error("%s: unknown mapping field '%s'%s (user fields: userName, displayName, "
                 "givenName, familyName, email, title, employeeNumber, costCenter, "
                 "organization, division, department, manager, nickName, preferredLanguage, "
                 "locale, timezone, userType, phone, active; group field: group.displayName)",
                 where, field, ss_suggest_text(&sg, NULL, NULL, hint, sizeof hint));
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
    memset(m, 0, sizeof(*m));
}

/* Renders field f into a fresh arena string; *out NULL when empty.
 * Returns 0, 1 (skip: reason in why) or <0 (no memory). */
static int render(const struct ss_mapping *m, int f, const struct scimsync_entry *e,
                  struct ss_arena *a, const char **out, char *why, size_t whylen)
{
    char buf[SS_VALUE_MAX + 1];
    *out = NULL;
    if (!m->set[f])
        return 0;
    long n = ss_template_render(&m->tpl[f], e, buf, sizeof(buf));
    if (n < 0) {
        snprintf(why, whylen, "%s is longer than %d bytes", map_field_name(f), SS_VALUE_MAX);
        return 1;
    }
    if (!ss_utf8_valid(buf, (size_t)n)) {
        snprintf(why, whylen, "%s is not valid UTF-8", map_field_name(f));
        return 1;
    }
    if (n == 0)
        return 0;
    *out = ss_arena_strndup(a, buf, (size_t)n);
    return *out ? 0 : -1;
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
