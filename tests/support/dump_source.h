/*
 * The integration tests' source drivers (ldap_dump, entra_dump): load a
 * source plugin the way the host does (dlopen, descriptor, ABI check),
 * configure it from key=value arguments through the test host, and write
 * every entry it streams as one JSON object a line (or count them).
 */
#ifndef SS_TEST_DUMP_SOURCE_H
#define SS_TEST_DUMP_SOURCE_H

#include "test_host.h"

#define DUMP_MAX_ARGS 64

/* The command line: options anywhere, the first other argument the plugin,
 * the rest key=value. */
struct dump_args {
    int count_only; /* --count */
    const char *so_path;
    char *pairs[DUMP_MAX_ARGS];
    int npairs;
};

/* A driver's own options: at argv[*i]; 1 taken (*i moved past its
 * values), 0 not one of them. */
typedef int (*dump_option_fn)(int argc, char **argv, int *i, void *ctx);

/* 0, or -1 (usage printed). */
int dump_parse_args(int argc, char **argv, struct dump_args *a, dump_option_fn option, void *ctx,
                    const char *usage);

/* The source plugin in so_path, or NULL (the reason printed). */
const struct scimsync_plugin *dump_load(const char *so_path);

/* Sets up t for plugin p from the key=value arguments: log lines on
 * stderr, debug ones too when the environment variable debug_env is set.
 * 0, or -1 (the bad argument printed). */
int dump_configure(struct test_host *t, const struct scimsync_plugin *p, char **args, int nargs,
                   const char *debug_env);

/* Called after each entry (n: entries so far). */
typedef void (*dump_after_fn)(unsigned long n, void *ctx);

/* create, open, every entry, close, destroy.  count_only: print only
 * "users N groups M helpers K".  Returns 0 (complete), 2 (the source
 * failed: its error printed) or 1 (create failed). */
int dump_read(struct test_host *t, int count_only, dump_after_fn after, void *ctx);

#endif
