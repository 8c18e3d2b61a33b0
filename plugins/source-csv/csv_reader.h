/*
 * Streaming RFC 4180 record reader.
 *
 * Reads one record at a time from a FILE: quoted fields, doubled quotes,
 * CRLF or LF line ends, line breaks inside quotes, a UTF-8 byte order mark
 * at the start.  Blank lines are accepted only at the end of the file.
 * Records and field counts are capped so a hostile file cannot make the
 * reader allocate without bound.  Errors are sticky and carry
 * "NAME:LINE: reason", LINE being the physical line where the record starts.
 */
#ifndef CSV_READER_H
#define CSV_READER_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#define CSV_ERR_MAX 512

/* Memory functions; the plugin passes the host's, tests pass failing ones. */
struct csv_alloc {
    void *(*alloc)(size_t n);
    void *(*realloc)(void *p, size_t n);
    void (*free)(void *p);
};
/* malloc / realloc / free: what a NULL csv_alloc means. */
extern const struct csv_alloc csv_libc_alloc;

struct csv_reader_opts {
    char delimiter;          /* ',' by default */
    size_t max_record_bytes; /* all field bytes of one record, NULs included */
    size_t max_fields;       /* fields in one record */
};

#define CSV_DEFAULT_MAX_RECORD_BYTES (8u * 1024 * 1024)
#define CSV_DEFAULT_MAX_FIELDS 1024u

/* One record: fields are NUL-terminated, owned by the reader and valid
 * until the next call.  Fields are writable so callers may split them. */
struct csv_record {
    char **fields;
    size_t nfields;
    long line; /* physical line where the record starts (1-based) */
};

enum csv_status {
    CSV_OK = 0,
    CSV_ERR_IO = -1,   /* cannot open / read the file */
    CSV_ERR_DATA = -2, /* malformed content */
    CSV_ERR_NOMEM = -3
};

struct csv_reader;

/* Opens path; name is used in messages (NULL: path).  On failure writes the
 * reason into err and returns <0 (CSV_ERR_IO / CSV_ERR_NOMEM). */
int csv_reader_open(const char *path, const char *name, const struct csv_reader_opts *opts,
                    const struct csv_alloc *a, struct csv_reader **out, char *err, size_t errlen);
/* Same over an open stream; the reader closes it when owns != 0. */
int csv_reader_open_stream(FILE *f, int owns, const char *name, const struct csv_reader_opts *opts,
                           const struct csv_alloc *a, struct csv_reader **out, char *err,
                           size_t errlen);
void csv_reader_close(struct csv_reader *r);

/* 1: *rec holds a record.  0: end of data.  <0: csv_status, message in
 * csv_reader_error(); every later call returns the same error. */
int csv_reader_next(struct csv_reader *r, struct csv_record *rec);

const char *csv_reader_error(const struct csv_reader *r);
/* Column names to use in messages instead of field numbers; names must
 * outlive the reader (the header table owns them). */
void csv_reader_set_names(struct csv_reader *r, char *const *names, size_t n);
const char *csv_reader_name(const struct csv_reader *r);
/* Records a data error at line (for checks made above the tokenizer, such
 * as field counts) so it is reported like the reader's own; returns
 * CSV_ERR_DATA. */
int csv_reader_fail(struct csv_reader *r, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
