#include "csv_reader.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct csv_reader {
    FILE *f;
    int owns;
    struct csv_alloc a;
    struct csv_reader_opts opts;
    char *name;

    long line;    /* current physical line */
    int at_start; /* nothing read yet: a BOM may follow */
    int push[2];  /* bytes read while looking for a BOM */
    int npush;
    int eof;
    int status;      /* sticky error (<0) */
    long blank_line; /* first blank line seen and not yet followed by data */

    char *buf; /* field bytes of the current record, NUL-separated */
    size_t len, cap;
    size_t *offsets; /* start of each field in buf */
    char **fields;   /* pointers handed out, rebuilt per record */
    size_t nfields, fcap;

    char *const *names; /* column names for messages (not owned), or NULL */
    size_t nnames;

    char err[CSV_ERR_MAX];
    char label[160];
};

static void *def_alloc(size_t n)
{
    return malloc(n);
}
static void *def_realloc(void *p, size_t n)
{
    return realloc(p, n);
}
static void def_free(void *p)
{
    free(p);
}

const struct csv_alloc csv_libc_alloc = {def_alloc, def_realloc, def_free};

static int vfail(struct csv_reader *r, int status, long line, const char *fmt, va_list ap)
    __attribute__((format(printf, 4, 0)));
static int vfail(struct csv_reader *r, int status, long line, const char *fmt, va_list ap)
{
    int n = line > 0 ? snprintf(r->err, sizeof(r->err), "%s:%ld: ", r->name, line)
                     : snprintf(r->err, sizeof(r->err), "%s: ", r->name);
    if (n < 0 || (size_t)n >= sizeof(r->err))
        n = 0;
    vsnprintf(r->err + n, sizeof(r->err) - (size_t)n, fmt, ap);
    r->status = status;
    return status;
}

static int fail(struct csv_reader *r, int status, long line, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static int fail(struct csv_reader *r, int status, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(r, status, line, fmt, ap);
    va_end(ap);
    return status;
}

int csv_reader_fail(struct csv_reader *r, long line, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vfail(r, CSV_ERR_DATA, line, fmt, ap);
    va_end(ap);
    return CSV_ERR_DATA;
}

int csv_reader_open_stream(FILE *f, int owns, const char *name, const struct csv_reader_opts *opts,
                           const struct csv_alloc *a, struct csv_reader **out, char *err,
                           size_t errlen)
{
    struct csv_alloc al = csv_libc_alloc;
    struct csv_reader *r = NULL;
    size_t nlen;

    if (a)
        al = *a;
    *out = NULL;
    r = al.alloc(sizeof(*r));
    if (!r)
        goto nomem;
    memset(r, 0, sizeof(*r));
    r->a = al;
    r->f = f;
    r->owns = owns;
    r->opts.delimiter = ',';
    r->opts.max_record_bytes = CSV_DEFAULT_MAX_RECORD_BYTES;
    r->opts.max_fields = CSV_DEFAULT_MAX_FIELDS;
    if (opts) {
        if (opts->delimiter)
            r->opts.delimiter = opts->delimiter;
        if (opts->max_record_bytes)
            r->opts.max_record_bytes = opts->max_record_bytes;
        if (opts->max_fields)
            r->opts.max_fields = opts->max_fields;
    }
    r->line = 1;
    r->at_start = 1;
    nlen = strlen(name) + 1;
    r->name = al.alloc(nlen);
    if (!r->name)
        goto nomem;
    memcpy(r->name, name, nlen);
    *out = r;
    return CSV_OK;
nomem:
    if (r) {
        r->owns = 0; /* the caller still owns f on failure */
        csv_reader_close(r);
    }
    snprintf(err, errlen, "%s: out of memory", name);
    return CSV_ERR_NOMEM;
}

int csv_reader_open(const char *path, const char *name, const struct csv_reader_opts *opts,
                    const struct csv_alloc *a, struct csv_reader **out, char *err, size_t errlen)
{
    FILE *f;
    int rc;

    if (!name)
        name = path;
    *out = NULL;
    f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open: %s", name, strerror(errno));
        return CSV_ERR_IO;
    }
    rc = csv_reader_open_stream(f, 1, name, opts, a, out, err, errlen);
    if (rc < 0)
        fclose(f);
    return rc;
}

void csv_reader_close(struct csv_reader *r)
{
    if (!r)
        return;
    if (r->owns && r->f)
        fclose(r->f);
    r->a.free(r->buf);
    r->a.free(r->offsets);
    r->a.free(r->fields);
    r->a.free(r->name);
    r->a.free(r);
}

const char *csv_reader_error(const struct csv_reader *r)
{
    return r->status < 0 ? r->err : "";
}

const char *csv_reader_name(const struct csv_reader *r)
{
    return r->name;
}

void csv_reader_set_names(struct csv_reader *r, char *const *names, size_t n)
{
    r->names = names;
    r->nnames = n;
}

/* "column 'title'" once the header is known, "field 7" before or beyond it. */
static const char *field_label(struct csv_reader *r)
{
    size_t i = r->nfields; /* 1-based index of the field being read */

    if (i >= 1 && i <= r->nnames)
        snprintf(r->label, sizeof(r->label), "column '%.100s'", r->names[i - 1]);
    else
        snprintf(r->label, sizeof(r->label), "field %zu", i);
    return r->label;
}

/* Appends one byte to the record, growing the buffer up to the cap. */
static int put(struct csv_reader *r, char c, long start)
{
    if (r->len == r->cap) {
        size_t ncap = r->cap ? r->cap * 2 : 4096;
        char *nb;
        if (r->len >= r->opts.max_record_bytes)
            return fail(r, CSV_ERR_DATA, start, "record larger than %zu bytes",
                        r->opts.max_record_bytes);
        if (ncap > r->opts.max_record_bytes)
            ncap = r->opts.max_record_bytes;
        nb = r->a.realloc(r->buf, ncap);
        if (!nb)
            return fail(r, CSV_ERR_NOMEM, start, "out of memory");
        r->buf = nb;
        r->cap = ncap;
    }
    r->buf[r->len++] = c;
    return 0;
}

static int begin_field(struct csv_reader *r, long start)
{
    if (r->nfields == r->fcap) {
        size_t ncap = r->fcap ? r->fcap * 2 : 16;
        size_t *no;
        char **nf;
        if (r->nfields >= r->opts.max_fields)
            return fail(r, CSV_ERR_DATA, start, "more than %zu fields in one record",
                        r->opts.max_fields);
        if (ncap > r->opts.max_fields)
            ncap = r->opts.max_fields;
        no = r->a.realloc(r->offsets, ncap * sizeof(*no));
        if (!no)
            return fail(r, CSV_ERR_NOMEM, start, "out of memory");
        r->offsets = no;
        nf = r->a.realloc(r->fields, ncap * sizeof(*nf));
        if (!nf)
            return fail(r, CSV_ERR_NOMEM, start, "out of memory");
        r->fields = nf;
        r->fcap = ncap;
    }
    r->offsets[r->nfields++] = r->len;
    return 0;
}

static int end_field(struct csv_reader *r, long start)
{
    return put(r, '\0', start);
}

static int raw_get(struct csv_reader *r)
{
    if (r->npush)
        return r->push[--r->npush];
    return getc_unlocked(r->f);
}

static void unget(struct csv_reader *r, int c)
{
    if (c != EOF)
        r->push[r->npush++] = c;
}

/* Reads one byte; skips a UTF-8 BOM at the very start of the file. */
static int get(struct csv_reader *r)
{
    int c1, c2, c3;

    if (!r->at_start)
        return raw_get(r);
    r->at_start = 0;
    c1 = raw_get(r);
    if (c1 != 0xEF)
        return c1;
    c2 = raw_get(r);
    if (c2 == 0xBB) {
        c3 = raw_get(r);
        if (c3 == 0xBF)
            return raw_get(r);
        unget(r, c3);
    }
    unget(r, c2);
    return c1;
}

enum state { ST_FIELD_START, ST_UNQUOTED, ST_QUOTED, ST_AFTER_QUOTE };

/* Reads the next physical record into buf/offsets.  Returns 1 for a
 * record, 2 for a blank line, 0 at end of data, <0 on error. */
static int read_record(struct csv_reader *r, long *start_out)
{
    enum state st = ST_FIELD_START;
    long start = r->line;
    int any = 0;
    int rc;

    r->len = 0;
    r->nfields = 0;
    *start_out = start;
    if ((rc = begin_field(r, start)) < 0)
        return rc;
    for (;;) {
        int c = get(r);

        if (c == EOF) {
            if (ferror(r->f))
                return fail(r, CSV_ERR_IO, start, "read error: %s", strerror(errno));
            r->eof = 1;
            if (st == ST_QUOTED)
                return fail(r, CSV_ERR_DATA, start,
                            "unterminated quoted field (%s opens a quote that is never closed)",
                            field_label(r));
            if (!any)
                return 0;
            if ((rc = end_field(r, start)) < 0)
                return rc;
            return 1;
        }
        if (c == '\0')
            return fail(r, CSV_ERR_DATA, r->line, "NUL byte in %s", field_label(r));

        switch (st) {
        case ST_QUOTED:
            if (c == '"') {
                st = ST_AFTER_QUOTE;
                continue;
            }
            if (c == '\n')
                r->line++;
            if ((rc = put(r, (char)c, start)) < 0)
                return rc;
            continue;
        case ST_AFTER_QUOTE:
            if (c == '"') {
                st = ST_QUOTED;
                if ((rc = put(r, '"', start)) < 0)
                    return rc;
                continue;
            }
            if (c != r->opts.delimiter && c != '\n' && c != '\r')
                return fail(r, CSV_ERR_DATA, r->line,
                            "unexpected character after the closing quote of %s", field_label(r));
            break; /* delimiter or line end: handled below */
        case ST_FIELD_START:
            if (c == '"') {
                st = ST_QUOTED;
                any = 1;
                continue;
            }
            /* fall through */
        case ST_UNQUOTED:
            if (c == '"')
                return fail(r, CSV_ERR_DATA, r->line,
                            "quote inside unquoted %s (quote the whole field and double "
                            "the quote)",
                            field_label(r));
            break;
        }

        if (c == r->opts.delimiter) {
            any = 1;
            if ((rc = end_field(r, start)) < 0 || (rc = begin_field(r, start)) < 0)
                return rc;
            st = ST_FIELD_START;
            continue;
        }
        if (c == '\r') {
            int n = get(r);
            if (n != '\n')
                return fail(r, CSV_ERR_DATA, r->line,
                            "carriage return not followed by a line feed outside quotes");
            c = '\n';
        }
        if (c == '\n') {
            r->line++;
            if (!any)
                return 2;
            if ((rc = end_field(r, start)) < 0)
                return rc;
            return 1;
        }
        any = 1;
        st = ST_UNQUOTED;
        if ((rc = put(r, (char)c, start)) < 0)
            return rc;
    }
}

int csv_reader_next(struct csv_reader *r, struct csv_record *rec)
{
    long start;
    int rc;

    if (r->status < 0)
        return r->status;
    for (;;) {
        if (r->eof)
            return 0;
        rc = read_record(r, &start);
        if (rc < 0)
            return rc;
        if (rc == 0)
            return 0; /* blank lines before the end are fine */
        if (rc == 2) {
            if (!r->blank_line)
                r->blank_line = start;
            continue;
        }
        if (r->blank_line)
            return fail(r, CSV_ERR_DATA, r->blank_line,
                        "blank line (blank lines are allowed only at the end of the file)");
        break;
    }
    for (size_t i = 0; i < r->nfields; i++)
        r->fields[i] = r->buf + r->offsets[i];
    rec->fields = r->fields;
    rec->nfields = r->nfields;
    rec->line = start;
    return 1;
}
