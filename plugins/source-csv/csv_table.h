/*
 * A CSV file with a header row: the header names the columns (trimmed of
 * surrounding spaces, non-empty, unique), every record has exactly one
 * field per column and every field is valid UTF-8.
 */
#ifndef CSV_TABLE_H
#define CSV_TABLE_H

#include "csv_reader.h"

struct csv_table;

/* Opens path and reads its header.  On failure writes "NAME:LINE: reason"
 * into err and returns <0 (csv_status). */
int csv_table_open(const char *path, const char *name, const struct csv_reader_opts *opts,
                   const struct csv_alloc *a, struct csv_table **out, char *err, size_t errlen);
/* Same over a stream (tests); the table closes it when owns != 0. */
int csv_table_open_stream(FILE *f, int owns, const char *name, const struct csv_reader_opts *opts,
                          const struct csv_alloc *a, struct csv_table **out, char *err,
                          size_t errlen);
void csv_table_close(struct csv_table *t);

size_t csv_table_ncolumns(const struct csv_table *t);
const char *csv_table_column(const struct csv_table *t, size_t i);
/* Index of the column called name, or -1. */
long csv_table_find(const struct csv_table *t, const char *name);

/* 1: one data record (rec->nfields == ncolumns).  0: end.  <0: error, see
 * csv_table_error(); later calls return the same error. */
int csv_table_next(struct csv_table *t, struct csv_record *rec);
const char *csv_table_error(const struct csv_table *t);
/* Records a data error at line; returns CSV_ERR_DATA. */
int csv_table_fail(struct csv_table *t, long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

#endif
