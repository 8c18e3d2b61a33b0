#include "template.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "strmap.h"
#include "suggest.h"
#include "vec.h"

static int add_part(struct ss_template *t, size_t *cap, int is_attr, const char *text, size_t len)
{
    if (SS_VEC_PUSH_ROOM(t->parts, t->nparts, *cap) < 0)
        return -1;
    struct ss_tpl_part *p = &t->parts[t->nparts];
    memset(p, 0, sizeof(*p));
    p->text = malloc(len + 1);
    if (!p->text)
        return -1;
    memcpy(p->text, text, len);
    p->text[len] = '\0';
    p->len = len;
    p->is_attr = is_attr;
    t->nparts++;
    return 0;
}

static int parse_xform(const char *name, size_t len)
{
    if (len == 5 && memcmp(name, "lower", 5) == 0)
        return SS_X_LOWER;
    if (len == 5 && memcmp(name, "upper", 5) == 0)
        return SS_X_UPPER;
    if (len == 4 && memcmp(name, "trim", 4) == 0)
        return SS_X_TRIM;
    return -1;
}

static int valid_attr_char(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' ||
           c == '_' || c == '.' || c == ';' || c == ':';
}

int ss_template_parse(const char *text, struct ss_template *t, char *err, size_t errlen)
{
    size_t cap = 0;
    const char *p = text, *lit = text;
    memset(t, 0, sizeof(*t));
    while (*p) {
        if (p[0] != '$' || p[1] != '{') {
            p++;
            continue;
        }
        if (p > lit && add_part(t, &cap, 0, lit, (size_t)(p - lit)) < 0)
            goto nomem;
        const char *name = p + 2, *q = name;
        while (*q && *q != '}' && *q != '|')
            q++;
        size_t nlen = (size_t)(q - name);
        for (size_t i = 0; i < nlen; i++) {
            if (!valid_attr_char(name[i])) {
                snprintf(err, errlen, "invalid character '%c' in attribute name at column %zu",
                         name[i], (size_t)(name + i - text) + 1);
                goto fail;
            }
        }
        if (nlen == 0) {
            snprintf(err, errlen, "empty attribute name at column %zu", (size_t)(p - text) + 1);
            goto fail;
        }
        if (add_part(t, &cap, 1, name, nlen) < 0)
            goto nomem;
        struct ss_tpl_part *part = &t->parts[t->nparts - 1];
        while (*q == '|') {
            const char *xn = q + 1, *xe = xn;
            while (*xe && *xe != '}' && *xe != '|')
                xe++;
            int x = parse_xform(xn, (size_t)(xe - xn));
            if (x < 0) {
                static const char *const names[] = {"lower", "upper", "trim", NULL};
                struct ss_suggest sg;
                char word[32], hint[96];
                snprintf(word, sizeof word, "%.*s", (int)((size_t)(xe - xn) < 31 ? xe - xn : 31),
                         xn);
                ss_suggest_init(&sg, word);
                ss_suggest_add_list(&sg, names);
                snprintf(err, errlen, "unknown transform '%.*s'%s (use lower, upper, trim)",
                         (int)(xe - xn), xn, ss_suggest_text(&sg, NULL, NULL, hint, sizeof hint));
                goto fail;
            }
            if (part->nx >= SS_TPL_MAX_XFORMS) {
                snprintf(err, errlen, "more than %d transforms", SS_TPL_MAX_XFORMS);
                goto fail;
            }
            part->x[part->nx++] = (unsigned char)x;
            q = xe;
        }
        if (*q != '}') {
            snprintf(err, errlen, "unterminated '${' at column %zu", (size_t)(p - text) + 1);
            goto fail;
        }
        p = lit = q + 1;
    }
    if (p > lit && add_part(t, &cap, 0, lit, (size_t)(p - lit)) < 0)
        goto nomem;
    return 0;
nomem:
    snprintf(err, errlen, "out of memory");
fail:
    ss_template_free(t);
    return -1;
}

void ss_template_free(struct ss_template *t)
{
    for (size_t i = 0; i < t->nparts; i++)
        free(t->parts[i].text);
    free(t->parts);
    t->parts = NULL;
    t->nparts = 0;
}

/* First value of the attribute named `name` (ASCII case-insensitive: LDAP
 * attribute names are).  The entry id is available as ${id} when the
 * source has no attribute of that name. */
static const char *attr_value(const struct scimsync_entry *e, const char *name)
{
    for (size_t i = 0; i < e->nattrs; i++) {
        const struct scimsync_attr *a = &e->attrs[i];
        if (a->name && ss_ascii_casecmp(a->name, name) == 0)
            return a->nvalues > 0 && a->values ? a->values[0] : NULL;
    }
    if (strcmp(name, "id") == 0)
        return e->id;
    return NULL;
}

long ss_template_render(const struct ss_template *t, const struct scimsync_entry *e, char *buf,
                        size_t bufsz)
{
    size_t len = 0;
    for (size_t i = 0; i < t->nparts; i++) {
        const struct ss_tpl_part *p = &t->parts[i];
        const char *v = p->is_attr ? attr_value(e, p->text) : p->text;
        size_t vlen = v ? (p->is_attr ? strlen(v) : p->len) : 0;
        if (vlen >= bufsz - len)
            return -1;
        if (vlen)
            memcpy(buf + len, v, vlen);
        char *seg = buf + len;
        for (unsigned k = 0; k < p->nx; k++) {
            switch (p->x[k]) {
            case SS_X_LOWER:
                ss_ascii_lower(seg, vlen);
                break;
            case SS_X_UPPER:
                ss_ascii_upper(seg, vlen);
                break;
            case SS_X_TRIM:
                vlen = ss_ascii_trim(seg, vlen);
                break;
            }
        }
        len += vlen;
    }
    buf[len] = '\0';
    return (long)ss_ascii_trim(buf, len);
}
