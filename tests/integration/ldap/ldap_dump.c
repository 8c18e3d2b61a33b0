/*
 * Test driver for the ldap source plugin (tests/support/dump_source.h):
 * writes every entry it streams as one JSON object a line.
 *
 *   ldap_dump [--count] [--pause-after N FILE] [--mapped USERS GROUPS] PLUGIN.so key=value...
 *
 * --count        print only "users N groups M helpers K" (benchmarks)
 * --mapped       offer host->mapped_attributes (ABI 1.1): the attributes a
 *                mapping uses, comma-separated, for users and for groups
 *                (without it the table is a 1.0 host's: no such service)
 * --pause-after  after N entries, create FILE.paused and wait until FILE
 *                exists (a test stops the server in between)
 * A key given twice: the later one wins.  Secret keys accept env:VAR and
 * file:/path.  LDAP_DUMP_DEBUG set: debug lines too.  Exit: 0 complete,
 * 2 the source failed (its error code is printed), 1 usage.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dump_source.h"

#define MAX_ARGS 64

static char *mapped_names[2][65];
static struct test_host host; /* static: it holds a log buffer */

/* "a,b,c" -> NULL-terminated list (the text is split in place) */
static void split_mapped(char *text, char **out, size_t max)
{
    size_t n = 0;
    for (char *t = strtok(text, ","); t && n + 1 < max; t = strtok(NULL, ","))
        out[n++] = t;
    out[n] = NULL;
}

struct pause {
    unsigned long after;
    const char *file;
};

static void maybe_pause(unsigned long n, void *ctx)
{
    const struct pause *p = ctx;
    if (!p->file || n != p->after)
        return;
    char marker[4096];
    snprintf(marker, sizeof marker, "%s.paused", p->file);
    fclose(fopen(marker, "w"));
    while (access(p->file, F_OK) != 0)
        usleep(50000);
}

int main(int argc, char **argv)
{
    int count_only = 0, use_mapped = 0, npairs = 0;
    struct pause pause = {0, NULL};
    /* options may come anywhere; the first other argument is the plugin */
    const char *so_path = NULL;
    char *pairs[MAX_ARGS];
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--count")) {
            count_only = 1;
        } else if (!strcmp(argv[a], "--mapped") && a + 2 < argc) {
            use_mapped = 1;
            split_mapped(argv[++a], mapped_names[0], 65);
            split_mapped(argv[++a], mapped_names[1], 65);
        } else if (!strcmp(argv[a], "--pause-after") && a + 2 < argc) {
            pause.after = strtoul(argv[++a], NULL, 10);
            pause.file = argv[++a];
        } else if (argv[a][0] == '-' || (so_path && npairs == MAX_ARGS)) {
            so_path = NULL;
            break;
        } else if (!so_path) {
            so_path = argv[a];
        } else {
            pairs[npairs++] = argv[a];
        }
    }
    if (!so_path) {
        fprintf(stderr, "usage: ldap_dump [--count] [--pause-after N FILE] [--mapped USERS GROUPS] "
                        "PLUGIN.so key=value...\n");
        return 1;
    }
    const struct scimsync_plugin *plugin = dump_load(so_path);
    if (!plugin || dump_configure(&host, plugin, pairs, npairs, "LDAP_DUMP_DEBUG") < 0)
        return 1;
    if (use_mapped)
        test_host_map(&host, (const char *const *)mapped_names[0],
                      (const char *const *)mapped_names[1]);
    int ret = dump_read(&host, count_only, maybe_pause, &pause);
    test_host_free(&host);
    return ret;
}
