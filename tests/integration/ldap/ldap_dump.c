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

struct options {
    int use_mapped;
    struct pause pause;
};

static int option(int argc, char **argv, int *i, void *ctx)
{
    struct options *o = ctx;
    if (!strcmp(argv[*i], "--mapped") && *i + 2 < argc) {
        o->use_mapped = 1;
        split_mapped(argv[++*i], mapped_names[0], 65);
        split_mapped(argv[++*i], mapped_names[1], 65);
        return 1;
    }
    if (!strcmp(argv[*i], "--pause-after") && *i + 2 < argc) {
        o->pause.after = strtoul(argv[++*i], NULL, 10);
        o->pause.file = argv[++*i];
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    struct options o = {0, {0, NULL}};
    struct dump_args a;
    if (dump_parse_args(argc, argv, &a, option, &o,
                        "ldap_dump [--count] [--pause-after N FILE] [--mapped USERS GROUPS] "
                        "PLUGIN.so key=value...") < 0)
        return 1;
    const struct scimsync_plugin *plugin = dump_load(a.so_path);
    if (!plugin || dump_configure(&host, plugin, a.pairs, a.npairs, "LDAP_DUMP_DEBUG") < 0)
        return 1;
    if (o.use_mapped)
        test_host_map(&host, (const char *const *)mapped_names[0],
                      (const char *const *)mapped_names[1]);
    int ret = dump_read(&host, a.count_only, maybe_pause, &o.pause);
    test_host_free(&host);
    return ret;
}
