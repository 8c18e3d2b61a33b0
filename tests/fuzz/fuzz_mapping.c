/* Mapping lines (core/engine/mapping.c): "field = template" lines as a [mapping]
 * section gives them, built over the defaults and applied to an entry. */
#include "arena.h"
#include "fuzz_util.h"
#include "mapping.h"
#include "model.h"

#define MAX_LINES 64

static void trim(char **s, char **e)
{
    while (*s < *e && (**s == ' ' || **s == '\t'))
        (*s)++;
    while (*e > *s && ((*e)[-1] == ' ' || (*e)[-1] == '\t' || (*e)[-1] == '\r'))
        (*e)--;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ss_mapping_line lines[MAX_LINES];
    struct ss_mapping m;
    size_t nlines = 0;
    char *text = fuzz_cstr(data, size);

    if (!text)
        return 0;
    /* split as inih does: one key per line, the first '=' separates */
    for (char *line = text; line && nlines < MAX_LINES;) {
        char *nl = strchr(line, '\n'), *end = nl ? nl : line + strlen(line);
        char *eq = memchr(line, '=', (size_t)(end - line));
        char *next = nl ? nl + 1 : NULL;
        if (eq) {
            char *fs = line, *fe = eq, *ts = eq + 1, *te = end;
            trim(&fs, &fe);
            trim(&ts, &te);
            *fe = '\0';
            *te = '\0';
            lines[nlines].field = fs;
            lines[nlines].template = ts;
            lines[nlines].where = "fuzz.ini:1";
            nlines++;
        }
        line = next;
    }

    const char *raw[] = {text};
    const char *given[] = {"Ana"};
    const char *sn[] = {"M\xc3\xbcller"};
    const char *yes[] = {"TRUE"};
    const char *bad[] = {"\xc3"};
    const struct scimsync_attr attrs[] = {
        {"raw", raw, 1},           {"userName", given, 1}, {"displayName", given, 1},
        {"givenName", given, 1},   {"familyName", sn, 1},  {"active", yes, 1},
        {"broken", bad, 1},
    };
    const struct scimsync_entry e = {.kind = SCIMSYNC_ENTRY_USER,
                                     .id = "u-1",
                                     .attrs = attrs,
                                     .nattrs = sizeof(attrs) / sizeof(attrs[0])};

    if (ss_mapping_build(&m, "fuzz", NULL, lines, nlines) == 0) {
        struct ss_arena a;
        struct ss_user_rec u;
        struct ss_group_rec g;
        char why[256];
        int rc;

        ss_arena_init(&a, (size_t)1 << 24);
        memset(&u, 0, sizeof(u));
        rc = ss_mapping_user(&m, &e, &a, &u, why, sizeof(why));
        FUZZ_CHECK(rc == 0 || rc == 1);
        if (rc == 0) {
            FUZZ_CHECK(u.field[SCIMSYNC_F_USER_NAME] && u.field[SCIMSYNC_F_DISPLAY_NAME]);
            FUZZ_CHECK(u.field[SCIMSYNC_F_GIVEN_NAME] && u.field[SCIMSYNC_F_FAMILY_NAME]);
            FUZZ_CHECK(u.active == 0 || u.active == 1);
            for (int f = 0; f < SCIMSYNC_F_COUNT; f++) {
                const char *v = u.field[f];
                if (v) {
                    FUZZ_CHECK(*v && strlen(v) <= SS_VALUE_MAX);
                    FUZZ_CHECK(ss_utf8_valid(v, strlen(v)));
                }
                FUZZ_CHECK(!v || (m.managed & (1u << f)));
            }
        } else {
            FUZZ_CHECK(why[0] != '\0');
        }
        memset(&g, 0, sizeof(g));
        rc = ss_mapping_group(&m, &e, &a, &g, why, sizeof(why));
        FUZZ_CHECK(rc == 0 || rc == 1);
        if (rc == 0)
            FUZZ_CHECK(g.display_name && ss_utf8_valid(g.display_name, strlen(g.display_name)));
        ss_arena_free(&a);
        ss_mapping_free(&m);
    }
    free(text);
    return 0;
}
