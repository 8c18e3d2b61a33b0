/* The CSV reader, header table and UTF-8 checks, over in-memory files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "csv_idset.h"
#include "csv_reader.h"
#include "csv_table.h"
#include <ss/utf8.h>

/* An anonymous temporary file holding text; removed when closed. */
static FILE *mem(const char *text, size_t len)
{
    FILE *f = tmpfile();
    assert_non_null(f);
    assert_int_equal(fwrite(text, 1, len, f), len);
    rewind(f);
    return f;
}

#define MEM(lit) mem(lit, sizeof(lit) - 1)

static struct csv_reader *reader(FILE *f, const struct csv_reader_opts *o)
{
    struct csv_reader *r;
    char err[CSV_ERR_MAX];
    assert_int_equal(csv_reader_open_stream(f, 1, "t.csv", o, NULL, &r, err, sizeof(err)), 0);
    return r;
}

static void expect_rec(struct csv_reader *r, long line, size_t n, ...)
{
    struct csv_record rec;
    va_list ap;
    int rc = csv_reader_next(r, &rec);
    if (rc != 1)
        fail_msg("expected a record at line %ld, got %d: %s", line, rc, csv_reader_error(r));
    assert_int_equal(rec.line, line);
    assert_int_equal(rec.nfields, n);
    va_start(ap, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(rec.fields[i], va_arg(ap, const char *));
    va_end(ap);
}

static void expect_end(struct csv_reader *r)
{
    struct csv_record rec;
    int rc = csv_reader_next(r, &rec);
    if (rc != 0)
        fail_msg("expected end, got %d: %s", rc, csv_reader_error(r));
}

static void expect_reader_error(struct csv_reader *r, const char *msg)
{
    struct csv_record rec;
    int rc = csv_reader_next(r, &rec);
    if (rc != CSV_ERR_DATA)
        fail_msg("expected a data error, got %d", rc);
    assert_string_equal(csv_reader_error(r), msg);
    /* Sticky: the same error again. */
    assert_int_equal(csv_reader_next(r, &rec), CSV_ERR_DATA);
    assert_string_equal(csv_reader_error(r), msg);
}

static void test_simple_lf(void **state)
{
    (void)state;
    struct csv_reader *r = reader(MEM("a,b,c\n1,2,3\n,,\n"), NULL);
    expect_rec(r, 1, 3, "a", "b", "c");
    expect_rec(r, 2, 3, "1", "2", "3");
    expect_rec(r, 3, 3, "", "", "");
    expect_end(r);
    expect_end(r);
    csv_reader_close(r);
}

static void test_crlf_and_no_final_newline(void **state)
{
    (void)state;
    struct csv_reader *r = reader(MEM("a,b\r\n1,2\r\nx,y"), NULL);
    expect_rec(r, 1, 2, "a", "b");
    expect_rec(r, 2, 2, "1", "2");
    expect_rec(r, 3, 2, "x", "y");
    expect_end(r);
    csv_reader_close(r);
}

static void test_quoted_fields(void **state)
{
    (void)state;
    struct csv_reader *r =
        reader(MEM("\"a,b\",\"say \"\"hi\"\"\",\"\"\r\n\"\"\"\",plain,\"x\"\n"), NULL);
    expect_rec(r, 1, 3, "a,b", "say \"hi\"", "");
    expect_rec(r, 2, 3, "\"", "plain", "x");
    expect_end(r);
    csv_reader_close(r);
}

static void test_embedded_newlines_line_numbers(void **state)
{
    (void)state;
    struct csv_reader *r = reader(
        MEM("id,note\n1,\"two\nlines\"\n2,\"three\r\nlines\r\nhere\"\r\n3,x\n4,a\"b\n"), NULL);
    expect_rec(r, 1, 2, "id", "note");
    expect_rec(r, 2, 2, "1", "two\nlines");
    expect_rec(r, 4, 2, "2", "three\r\nlines\r\nhere");
    expect_rec(r, 7, 2, "3", "x");
    expect_reader_error(r, "t.csv:8: quote inside unquoted field 2 (quote the whole field and "
                           "double the quote)");
    csv_reader_close(r);
}

static void test_bom(void **state)
{
    (void)state;
    struct csv_reader *r = reader(MEM("\xEF\xBB\xBFid,name\n1,x\n"), NULL);
    expect_rec(r, 1, 2, "id", "name");
    expect_rec(r, 2, 2, "1", "x");
    expect_end(r);
    csv_reader_close(r);

    /* Only at the start: a BOM later is data. */
    r = reader(MEM("id\n\xEF\xBB\xBFx\n"), NULL);
    expect_rec(r, 1, 1, "id");
    expect_rec(r, 2, 1, "\xEF\xBB\xBFx");
    csv_reader_close(r);

    /* Bytes that start like a BOM but are not one are kept. */
    r = reader(MEM("\xEF\xBB\x80x\n"), NULL);
    expect_rec(r, 1, 1, "\xEF\xBB\x80x");
    csv_reader_close(r);
    r = reader(MEM("\xEF\x62\n"), NULL);
    expect_rec(r, 1, 1, "\xEF\x62");
    csv_reader_close(r);
}

static void test_blank_lines(void **state)
{
    (void)state;
    struct csv_reader *r = reader(MEM("a\n1\n\n\r\n\n"), NULL);
    expect_rec(r, 1, 1, "a");
    expect_rec(r, 2, 1, "1");
    expect_end(r);
    csv_reader_close(r);

    r = reader(MEM("a\n1\n\n2\n"), NULL);
    expect_rec(r, 1, 1, "a");
    expect_rec(r, 2, 1, "1");
    expect_reader_error(r, "t.csv:3: blank line (blank lines are allowed only at the end of "
                           "the file)");
    csv_reader_close(r);

    /* A quoted empty field is a record, not a blank line. */
    r = reader(MEM("a\n\"\"\n"), NULL);
    expect_rec(r, 1, 1, "a");
    expect_rec(r, 2, 1, "");
    expect_end(r);
    csv_reader_close(r);
}

static void test_unterminated_quote(void **state)
{
    (void)state;
    struct csv_reader *r = reader(MEM("a,b\n1,2\n3,\"open\nstill\nopen\n"), NULL);
    expect_rec(r, 1, 2, "a", "b");
    expect_rec(r, 2, 2, "1", "2");
    expect_reader_error(
        r, "t.csv:3: unterminated quoted field (field 2 opens a quote that is never closed)");
    csv_reader_close(r);
}

static void test_after_quote_and_bare_cr(void **state)
{
    (void)state;
    struct csv_reader *r = reader(MEM("a,b\n\"x\"y,2\n"), NULL);
    expect_rec(r, 1, 2, "a", "b");
    expect_reader_error(r, "t.csv:2: unexpected character after the closing quote of field 1");
    csv_reader_close(r);

    r = reader(MEM("a,b\n1,2\rc,d\n"), NULL);
    expect_rec(r, 1, 2, "a", "b");
    expect_reader_error(r, "t.csv:2: carriage return not followed by a line feed outside "
                           "quotes");
    csv_reader_close(r);

    r = reader(mem("a\nx\0y\n", 6), NULL);
    expect_rec(r, 1, 1, "a");
    expect_reader_error(r, "t.csv:2: NUL byte in field 1");
    csv_reader_close(r);
}

static void test_delimiters(void **state)
{
    (void)state;
    struct csv_reader_opts o = {.delimiter = ';'};
    struct csv_reader *r = reader(MEM("a;b,c\n\"x;y\";2\n"), &o);
    expect_rec(r, 1, 2, "a", "b,c");
    expect_rec(r, 2, 2, "x;y", "2");
    csv_reader_close(r);

    o.delimiter = '\t';
    r = reader(MEM("a\tb\n1\t\n"), &o);
    expect_rec(r, 1, 2, "a", "b");
    expect_rec(r, 2, 2, "1", "");
    csv_reader_close(r);
}

static void test_record_cap(void **state)
{
    (void)state;
    struct csv_reader_opts o = {.max_record_bytes = 64, .max_fields = 4};
    char big[200];
    struct csv_reader *r;

    /* 63 bytes of fields + NULs fit. */
    memset(big, 'x', sizeof(big));
    memcpy(big, "a\n", 2);
    big[2 + 63] = '\n';
    r = reader(mem(big, 2 + 64), &o);
    expect_rec(r, 1, 1, "a");
    {
        struct csv_record rec;
        assert_int_equal(csv_reader_next(r, &rec), 1);
        assert_int_equal(strlen(rec.fields[0]), 63);
    }
    csv_reader_close(r);

    big[2 + 63] = 'x';
    big[2 + 150] = '\n';
    r = reader(mem(big, 2 + 151), &o);
    expect_rec(r, 1, 1, "a");
    expect_reader_error(r, "t.csv:2: record larger than 64 bytes");
    csv_reader_close(r);

    /* A quoted field that never closes stops at the cap too. */
    memset(big, '\n', sizeof(big));
    big[0] = '"';
    r = reader(mem(big, sizeof(big)), &o);
    expect_reader_error(r, "t.csv:1: record larger than 64 bytes");
    csv_reader_close(r);

    r = reader(MEM("1,2,3,4\n1,2,3,4,5\n"), &o);
    expect_rec(r, 1, 4, "1", "2", "3", "4");
    expect_reader_error(r, "t.csv:2: more than 4 fields in one record");
    csv_reader_close(r);
}

static void test_utf8(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        int ok;
        size_t bad;
    } cases[] = {
        {"plain", 1, 0},
        {"Jos\xC3\xA9 N\xC3\xBA\xC3\xB1"
         "ez",
         1, 0},
        {"\xE2\x82\xAC", 1, 0},     /* euro sign */
        {"\xF0\x9F\x98\x80", 1, 0}, /* emoji */
        {"\xF4\x8F\xBF\xBF", 1, 0}, /* U+10FFFF */
        {"\xED\x9F\xBF", 1, 0},     /* U+D7FF, just below surrogates */
        {"a\xC0\xAF", 0, 1},        /* overlong '/' */
        {"\xC1\xBF", 0, 0},         /* overlong */
        {"\xE0\x80\xAF", 0, 0},     /* overlong 3-byte */
        {"\xF0\x80\x80\xAF", 0, 0}, /* overlong 4-byte */
        {"ab\xED\xA0\x80", 0, 2},   /* high surrogate */
        {"\xED\xBF\xBF", 0, 0},     /* low surrogate */
        {"\xF4\x90\x80\x80", 0, 0}, /* above U+10FFFF */
        {"\xF5\x80\x80\x80", 0, 0},
        {"\xE2\x82", 0, 0},      /* truncated */
        {"x\xF0\x9F\x98", 0, 1}, /* truncated at end */
        {"\xE2\x82x", 0, 0},     /* truncated in the middle */
        {"\x80", 0, 0},          /* lone continuation */
        {"\xFF", 0, 0},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        size_t bad = 999;
        int rc = ss_utf8_check(cases[i].s, strlen(cases[i].s), &bad);
        if ((rc == 0) != cases[i].ok)
            fail_msg("case %zu: expected %s", i, cases[i].ok ? "valid" : "invalid");
        if (!cases[i].ok)
            assert_int_equal(bad, cases[i].bad);
    }
}

/* ---- table ---- */

static struct csv_table *table(FILE *f, const struct csv_reader_opts *o)
{
    struct csv_table *t;
    char err[CSV_ERR_MAX];
    int rc = csv_table_open_stream(f, 1, "users.csv", o, NULL, &t, err, sizeof(err));
    if (rc)
        fail_msg("open failed: %s", err);
    return t;
}

static void expect_table_open_error(FILE *f, const char *msg)
{
    struct csv_table *t;
    char err[CSV_ERR_MAX];
    assert_int_equal(csv_table_open_stream(f, 1, "users.csv", NULL, NULL, &t, err, sizeof(err)),
                     CSV_ERR_DATA);
    assert_null(t);
    assert_string_equal(err, msg);
}

static void expect_table_error(struct csv_table *t, const char *msg)
{
    struct csv_record rec;
    assert_int_equal(csv_table_next(t, &rec), CSV_ERR_DATA);
    assert_string_equal(csv_table_error(t), msg);
}

static void test_table_header(void **state)
{
    (void)state;
    struct csv_table *t = table(MEM("\xEF\xBB\xBF id , userName,\"email\"\n"), NULL);
    struct csv_record rec;
    assert_int_equal(csv_table_ncolumns(t), 3);
    assert_string_equal(csv_table_column(t, 0), "id");
    assert_string_equal(csv_table_column(t, 1), "userName");
    assert_string_equal(csv_table_column(t, 2), "email");
    assert_int_equal(csv_table_find(t, "email"), 2);
    assert_int_equal(csv_table_find(t, "mail"), -1);
    assert_null(csv_table_column(t, 3));
    assert_int_equal(csv_table_next(t, &rec), 0);
    csv_table_close(t);

    expect_table_open_error(MEM(""), "users.csv:1: empty file: expected a header row");
    expect_table_open_error(MEM("\n\n"), "users.csv:1: empty file: expected a header row");
    expect_table_open_error(MEM("id,,mail\n"), "users.csv:1: header column 2 has an empty name");
    expect_table_open_error(MEM("id,  \n"), "users.csv:1: header column 2 has an empty name");
    expect_table_open_error(MEM("id,mail,x, mail\n"),
                            "users.csv:1: header names column 'mail' twice (columns 2 and 4)");
    expect_table_open_error(MEM("id,m\xC3\n"),
                            "users.csv:1: header column 2: invalid UTF-8 at byte 2");
}

static void test_table_rows(void **state)
{
    (void)state;
    struct csv_table *t = table(MEM("id,name,note\n"
                                    "1,Jos\xC3\xA9,\"a\nb\"\n"
                                    "2,Zo\xC3\xAB,\n"
                                    "3,x\n"),
                                NULL);
    struct csv_record rec;
    assert_int_equal(csv_table_next(t, &rec), 1);
    assert_int_equal(rec.line, 2);
    assert_string_equal(rec.fields[1], "Jos\xC3\xA9");
    assert_int_equal(csv_table_next(t, &rec), 1);
    assert_int_equal(rec.line, 4);
    expect_table_error(t, "users.csv:5: 2 fields, but the header has 3 columns");
    csv_table_close(t);

    t = table(MEM("id,name\n1,ok\n2,a\xED\xA0\x80z\n"), NULL);
    assert_int_equal(csv_table_next(t, &rec), 1);
    expect_table_error(t, "users.csv:3: column 'name': invalid UTF-8 at byte 2");
    csv_table_close(t);

    t = table(MEM("id,name\n1,\"multi\nline\"\n2,\xC0\xAF\n"), NULL);
    assert_int_equal(csv_table_next(t, &rec), 1);
    expect_table_error(t, "users.csv:4: column 'name': invalid UTF-8 at byte 1");
    csv_table_close(t);

    /* Tokenizer errors name the column once the header is known. */
    t = table(MEM("id,name\n1,\"a\nb\"\n2,x\"y\n"), NULL);
    assert_int_equal(csv_table_next(t, &rec), 1);
    expect_table_error(t, "users.csv:4: quote inside unquoted column 'name' (quote the whole "
                          "field and double the quote)");
    csv_table_close(t);
    t = table(MEM("id,name\n1,a,\"b\n"), NULL);
    expect_table_error(t, "users.csv:2: unterminated quoted field (field 3 opens a quote that "
                          "is never closed)");
    csv_table_close(t);

    t = table(MEM("id,name\n1,x,y\n"), NULL);
    expect_table_error(t, "users.csv:2: 3 fields, but the header has 2 columns");
    csv_table_close(t);
}

static void test_open_missing_file(void **state)
{
    (void)state;
    struct csv_table *t;
    char err[CSV_ERR_MAX];
    assert_int_equal(
        csv_table_open("/nonexistent/dir/u.csv", NULL, NULL, NULL, &t, err, sizeof(err)),
        CSV_ERR_IO);
    assert_string_equal(err, "/nonexistent/dir/u.csv: cannot open: No such file or directory");
}

/* ---- allocation failures: every allocation fails in turn ---- */

static long alloc_budget = -1;
static void *fail_alloc(size_t n)
{
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return malloc(n);
}
static void *fail_realloc(void *p, size_t n)
{
    if (alloc_budget == 0)
        return NULL;
    if (alloc_budget > 0)
        alloc_budget--;
    return realloc(p, n);
}
static void test_alloc_failures(void **state)
{
    (void)state;
    static const char text[] = "id,name,note\n1,a,\"quoted\nfield\"\n2,b,c\n";
    struct csv_alloc a = {fail_alloc, fail_realloc, free};
    int completed = 0;

    for (long budget = 0; budget < 64 && !completed; budget++) {
        struct csv_table *t = NULL;
        struct csv_record rec;
        char err[CSV_ERR_MAX];
        FILE *f = MEM(text);
        int rc, rows = 0;

        alloc_budget = budget;
        rc = csv_table_open_stream(f, 1, "t.csv", NULL, &a, &t, err, sizeof(err));
        if (rc < 0) {
            assert_int_equal(rc, CSV_ERR_NOMEM);
            if (!t && strstr(err, "out of memory") == NULL)
                fail_msg("budget %ld: %s", budget, err);
            continue;
        }
        while ((rc = csv_table_next(t, &rec)) == 1)
            rows++;
        if (rc == 0) {
            assert_int_equal(rows, 2);
            completed = 1;
        } else {
            assert_int_equal(rc, CSV_ERR_NOMEM);
        }
        csv_table_close(t);
    }
    alloc_budget = -1;
    assert_true(completed);
}

static void test_idset(void **state)
{
    (void)state;
    struct csv_alloc a = {malloc, realloc, free};
    struct csv_idset s;
    const struct csv_idset_slot *prev = NULL;
    char id[32];

    csv_idset_init(&s, &a);
    for (int i = 0; i < 5000; i++) {
        snprintf(id, sizeof(id), "u%05d", i);
        assert_int_equal(csv_idset_add(&s, id, "users.csv", i + 2, &prev), 0);
    }
    assert_int_equal(csv_idset_add(&s, "u01234", "groups.csv", 9, &prev), 1);
    assert_string_equal(prev->file, "users.csv");
    assert_int_equal(prev->line, 1236);
    csv_idset_clear(&s);
    assert_int_equal(csv_idset_add(&s, "u01234", "groups.csv", 9, &prev), 0);
    csv_idset_clear(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_lf),
        cmocka_unit_test(test_crlf_and_no_final_newline),
        cmocka_unit_test(test_quoted_fields),
        cmocka_unit_test(test_embedded_newlines_line_numbers),
        cmocka_unit_test(test_bom),
        cmocka_unit_test(test_blank_lines),
        cmocka_unit_test(test_unterminated_quote),
        cmocka_unit_test(test_after_quote_and_bare_cr),
        cmocka_unit_test(test_delimiters),
        cmocka_unit_test(test_record_cap),
        cmocka_unit_test(test_utf8),
        cmocka_unit_test(test_table_header),
        cmocka_unit_test(test_table_rows),
        cmocka_unit_test(test_open_missing_file),
        cmocka_unit_test(test_alloc_failures),
        cmocka_unit_test(test_idset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
