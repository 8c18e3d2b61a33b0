#include "csv_table.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include <ss/utf8.h>

struct csv_table {
    struct csv_reader *r;
    struct csv_alloc a;
    char *names_buf; /* the header names, NUL-separated */
    char **names;
    size_t ncols;
};

int csv_table_fail(struct csv_table *t, long line, const char *fmt, ...)
{
    char msg[CSV_ERR_MAX];
    va_list ap;

    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    return csv_reader_fail(t->r, line, "%s", msg);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Copies the header record, trimmed, and checks the names. */
static int take_header(struct csv_table *t, const struct csv_record *rec)
{
    size_t total = 0, off = 0, bad;

    for (size_t i = 0; i < rec->nfields; i++)
        total += strlen(rec->fields[i]) + 1;
    t->names_buf = t->a.alloc(total);
    t->names = t->a.alloc(rec->nfields * sizeof(*t->names));
    if (!t->names_buf || !t->names)
        return csv_reader_fail(t->r, rec->line, "out of memory"), CSV_ERR_NOMEM;
    for (size_t i = 0; i < rec->nfields; i++) {
        const char *s = rec->fields[i];
        size_t n = strlen(s);

        if (ss_utf8_check(s, n, &bad) < 0)
            return csv_table_fail(t, rec->line, "header column %zu: invalid UTF-8 at byte %zu",
                                  i + 1, bad + 1);
        while (n && is_space(*s))
            s++, n--;
        while (n && is_space(s[n - 1]))
            n--;
        if (!n)
            return csv_table_fail(t, rec->line, "header column %zu has an empty name", i + 1);
        memcpy(t->names_buf + off, s, n);
        t->names_buf[off + n] = '\0';
        t->names[i] = t->names_buf + off;
        off += n + 1;
        for (size_t j = 0; j < i; j++)
            if (!strcmp(t->names[j], t->names[i]))
                return csv_table_fail(t, rec->line,
                                      "header names column '%s' twice (columns %zu and %zu)",
                                      t->names[i], j + 1, i + 1);
    }
    t->ncols = rec->nfields;
    csv_reader_set_names(t->r, t->names, t->ncols);
    return 0;
}

static int finish_open(struct csv_table *t, struct csv_table **out, char *err, size_t errlen)
{
    struct csv_record rec;
    int rc = csv_reader_next(t->r, &rec);

    if (rc == 0)
        rc = csv_reader_fail(t->r, 1, "empty file: expected a header row");
    else if (rc > 0)
        rc = take_header(t, &rec);
    if (rc < 0) {
        snprintf(err, errlen, "%s", csv_reader_error(t->r));
        csv_table_close(t);
        return rc;
    }
    *out = t;
    return 0;
}

static struct csv_table *table_new(const struct csv_alloc *a)
{
    struct csv_alloc al = csv_libc_alloc;
    struct csv_table *t;

    if (a)
        al = *a;
    t = al.alloc(sizeof(*t));
    if (t) {
        memset(t, 0, sizeof(*t));
        t->a = al;
    }
    return t;
}

int csv_table_open(const char *path, const char *name, const struct csv_reader_opts *opts,
                   const struct csv_alloc *a, struct csv_table **out, char *err, size_t errlen)
{
    struct csv_table *t = table_new(a);
    int rc;

    *out = NULL;
    if (!t) {
        snprintf(err, errlen, "%s: out of memory", name ? name : path);
        return CSV_ERR_NOMEM;
    }
    rc = csv_reader_open(path, name, opts, a, &t->r, err, errlen);
    if (rc < 0) {
        csv_table_close(t);
        return rc;
    }
    return finish_open(t, out, err, errlen);
}

int csv_table_open_stream(FILE *f, int owns, const char *name, const struct csv_reader_opts *opts,
                          const struct csv_alloc *a, struct csv_table **out, char *err,
                          size_t errlen)
{
    struct csv_table *t = table_new(a);
    int rc;

    *out = NULL;
    if (!t) {
        snprintf(err, errlen, "%s: out of memory", name);
        return CSV_ERR_NOMEM;
    }
    rc = csv_reader_open_stream(f, owns, name, opts, a, &t->r, err, errlen);
    if (rc < 0) {
        csv_table_close(t);
        return rc;
    }
    return finish_open(t, out, err, errlen);
}

void csv_table_close(struct csv_table *t)
{
    if (!t)
        return;
    csv_reader_close(t->r);
    t->a.free(t->names_buf);
    t->a.free(t->names);
    t->a.free(t);
}

size_t csv_table_ncolumns(const struct csv_table *t)
{
    return t->ncols;
}

const char *csv_table_column(const struct csv_table *t, size_t i)
{
    return i < t->ncols ? t->names[i] : NULL;
}

long csv_table_find(const struct csv_table *t, const char *name)
{
    for (size_t i = 0; i < t->ncols; i++)
        if (!strcmp(t->names[i], name))
            return (long)i;
    return -1;
}

int csv_table_next(struct csv_table *t, struct csv_record *rec)
{
    size_t bad;
    int rc = csv_reader_next(t->r, rec);

    if (rc <= 0)
        return rc;
    if (rec->nfields != t->ncols)
        return csv_table_fail(t, rec->line, "%zu fields, but the header has %zu columns",
                              rec->nfields, t->ncols);
    for (size_t i = 0; i < rec->nfields; i++)
        if (ss_utf8_check(rec->fields[i], strlen(rec->fields[i]), &bad) < 0)
            return csv_table_fail(t, rec->line, "column '%s': invalid UTF-8 at byte %zu",
                                  t->names[i], bad + 1);
    return 1;
}

const char *csv_table_error(const struct csv_table *t)
{
    return csv_reader_error(t->r);
}
