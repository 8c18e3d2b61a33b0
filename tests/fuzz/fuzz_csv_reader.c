/* CSV record reader (plugins/source-csv/csv_reader.c): any byte string is
 * either records or one sticky "NAME:LINE: reason" error, within the caps. */
#include <stdio.h>

#include "csv_reader.h"
#include "fuzz_util.h"

static void read_all(const uint8_t *data, size_t size, const struct csv_reader_opts *o)
{
    char err[CSV_ERR_MAX];
    struct csv_reader *r = NULL;
    struct csv_record rec;
    FILE *f = fmemopen((void *)data, size, "r");
    long last_line = 0;
    int rc;

    if (!f)
        return;
    if (csv_reader_open_stream(f, 0, "fuzz.csv", o, NULL, &r, err, sizeof(err)) < 0)
        goto out;
    while ((rc = csv_reader_next(r, &rec)) == 1) {
        size_t bytes = 0;
        FUZZ_CHECK(rec.nfields >= 1 && rec.nfields <= o->max_fields);
        FUZZ_CHECK(rec.line > last_line);
        last_line = rec.line;
        for (size_t i = 0; i < rec.nfields; i++)
            bytes += strlen(rec.fields[i]) + 1;
        FUZZ_CHECK(bytes <= o->max_record_bytes);
    }
    if (rc < 0) {
        const char *msg = csv_reader_error(r);
        FUZZ_CHECK(rc == CSV_ERR_DATA || rc == CSV_ERR_NOMEM || rc == CSV_ERR_IO);
        FUZZ_CHECK(msg && strncmp(msg, "fuzz.csv:", 9) == 0);
        FUZZ_CHECK(csv_reader_next(r, &rec) == rc); /* errors are sticky */
    } else {
        FUZZ_CHECK(csv_reader_next(r, &rec) == 0);
    }
    csv_reader_close(r);
out:
    fclose(f);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    /* the plugin's defaults, then small caps and another delimiter so the
     * limits are reached by inputs of a few hundred bytes */
    struct csv_reader_opts dflt = {',', CSV_DEFAULT_MAX_RECORD_BYTES, CSV_DEFAULT_MAX_FIELDS};
    struct csv_reader_opts small = {';', 64, 8};

    read_all(data, size, &dflt);
    read_all(data, size, &small);
    return 0;
}
