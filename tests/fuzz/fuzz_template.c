/* Mapping templates (core/engine/template.c): parse any text; render what parses
 * against an entry whose values include the input itself. */
#include "fuzz_util.h"
#include "template.h"

static int is_blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\v' || c == '\f';
}

static void check_render(const struct ss_template *t, const struct scimsync_entry *e,
                         size_t bufsz)
{
    static char buf[SS_VALUE_MAX + 1];
    long n = ss_template_render(t, e, buf, bufsz);

    if (n < 0)
        return; /* longer than the buffer: refused, not cut */
    FUZZ_CHECK((size_t)n < bufsz && strlen(buf) <= (size_t)n);
    if (n > 0 && memchr(buf, '\0', (size_t)n) == NULL)
        FUZZ_CHECK(!is_blank(buf[0]) && !is_blank(buf[n - 1]));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char err[160];
    struct ss_template t;
    char *text = fuzz_cstr(data, size);

    if (!text)
        return 0;

    const char *raw[] = {text};
    const char *given[] = {"  Ana  "};
    const char *sn[] = {"M\xc3\xbcller", "second value"};
    const char *mail[] = {"ANA.MULLER@EXAMPLE.COM"};
    const struct scimsync_attr attrs[] = {
        {"raw", raw, 1},   {"givenName", given, 1}, {"sn", sn, 2},
        {"mail", mail, 1}, {"empty", NULL, 0},      {NULL, raw, 1},
    };
    const struct scimsync_entry e = {.kind = SCIMSYNC_ENTRY_USER,
                                     .id = "u-1",
                                     .attrs = attrs,
                                     .nattrs = sizeof(attrs) / sizeof(attrs[0])};

    if (ss_template_parse(text, &t, err, sizeof(err)) == 0) {
        for (size_t i = 0; i < t.nparts; i++) {
            FUZZ_CHECK(t.parts[i].text && strlen(t.parts[i].text) == t.parts[i].len);
            FUZZ_CHECK(t.parts[i].nx <= SS_TPL_MAX_XFORMS);
            if (t.parts[i].is_attr)
                FUZZ_CHECK(t.parts[i].len > 0);
        }
        check_render(&t, &e, SS_VALUE_MAX + 1);
        check_render(&t, &e, 8);
        check_render(&t, &e, 1);
        ss_template_free(&t);
    } else {
        FUZZ_CHECK(err[0] != '\0');
    }

    /* the transforms on the raw bytes: ASCII only, UTF-8 left intact */
    size_t n = strlen(text);
    char *copy = malloc(n + 1);
    if (copy) {
        memcpy(copy, text, n + 1);
        ss_ascii_lower(copy, n);
        for (size_t i = 0; i < n; i++) {
            FUZZ_CHECK(!(copy[i] >= 'A' && copy[i] <= 'Z'));
            if ((unsigned char)text[i] >= 0x80)
                FUZZ_CHECK(copy[i] == text[i]);
        }
        FUZZ_CHECK(ss_utf8_valid(copy, n) == ss_utf8_valid(text, n));
        ss_ascii_upper(copy, n);
        size_t m = ss_ascii_trim(copy, n);
        FUZZ_CHECK(m <= n && copy[m] == '\0');
        FUZZ_CHECK(ss_ascii_trim(copy, m) == m);
        free(copy);
    }
    free(text);
    return 0;
}
