/* CSV table (plugins/source-csv/csv_table.c) as the plugin reads a users
 * or groups file: header checks, one field per column, UTF-8 on every
 * field, ids collected in the duplicate-id set (csv_idset.c). */
#include <stdio.h>

#include "csv_idset.h"
#include "csv_table.h"
#include "fuzz_util.h"
#include <ss/utf8.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[CSV_ERR_MAX];
    struct csv_table *t = NULL;
    struct csv_record rec;
    struct csv_idset ids;
    FILE *f = fmemopen((void *)data, size, "r");
    long id_col;
    size_t ncols;
    int rc;

    if (!f)
        return 0;
    csv_idset_init(&ids, &csv_libc_alloc);
    if (csv_table_open_stream(f, 0, "users.csv", NULL, NULL, &t, err, sizeof(err)) < 0) {
        FUZZ_CHECK(strncmp(err, "users.csv", 9) == 0);
        goto out;
    }
    ncols = csv_table_ncolumns(t);
    FUZZ_CHECK(ncols >= 1);
    for (size_t i = 0; i < ncols; i++) {
        const char *name = csv_table_column(t, i);
        size_t n = strlen(name);
        FUZZ_CHECK(n > 0 && name[0] != ' ' && name[n - 1] != ' ');
        FUZZ_CHECK(ss_utf8_check(name, n, NULL) == 0);
        FUZZ_CHECK(csv_table_find(t, name) == (long)i); /* names are unique */
    }
    FUZZ_CHECK(csv_table_column(t, ncols) == NULL);
    id_col = csv_table_find(t, "id");
    if (id_col < 0)
        id_col = 0;
    while ((rc = csv_table_next(t, &rec)) == 1) {
        const struct csv_idset_slot *prev;
        FUZZ_CHECK(rec.nfields == ncols);
        for (size_t i = 0; i < rec.nfields; i++)
            FUZZ_CHECK(ss_utf8_check(rec.fields[i], strlen(rec.fields[i]), NULL) == 0);
        int added = csv_idset_add(&ids, rec.fields[id_col], "users.csv", rec.line, &prev);
        FUZZ_CHECK(added == 0 || added == 1);
        if (added == 1)
            FUZZ_CHECK(prev && prev->line < rec.line && !strcmp(prev->id, rec.fields[id_col]));
    }
    if (rc < 0) {
        FUZZ_CHECK(strncmp(csv_table_error(t), "users.csv:", 10) == 0);
        FUZZ_CHECK(csv_table_next(t, &rec) == rc);
    }
    csv_table_close(t);
out:
    csv_idset_clear(&ids);
    fclose(f);
    return 0;
}
