/*
 * Test host for the entra source plugin (tests/support/dump_source.h):
 * writes every entry it streams as one JSON object a line.  With --state
 * FILE it also offers the
 * state store services (state_get / state_put) the way the host's state
 * store does: values read from FILE (a JSON object) at the start, written
 * back only after a complete read.
 *
 *   entra_dump [--count] [--state FILE] PLUGIN.so key=value...
 *
 * --count        print only "users N groups M helpers K"
 * A key given twice: the later one wins.  Secret keys accept env:VAR and
 * file:/path.  ENTRA_DUMP_DEBUG set: debug lines too.  Exit: 0 complete, 2 the
 * source failed (its error code is printed), 1 usage.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "dump_source.h"

static json_object *state;    /* key -> value; NULL without --state */
static struct test_host host; /* static: it holds a log buffer */

static const char *st_get(const struct scimsync_host *h, const char *key)
{
    json_object *v;
    (void)h;
    if (!state || !json_object_object_get_ex(state, key, &v))
        return NULL;
    return json_object_get_string(v);
}

static int st_put(const struct scimsync_host *h, const char *key, const char *value)
{
    (void)h;
    if (!state)
        return SCIMSYNC_ERR;
    if (value)
        json_object_object_add(state, key, json_object_new_string(value));
    else
        json_object_object_del(state, key);
    return 0;
}

static int option(int argc, char **argv, int *i, void *ctx)
{
    if (!strcmp(argv[*i], "--state") && *i + 1 < argc) {
        *(const char **)ctx = argv[++*i];
        return 1;
    }
    return 0;
}

int main(int argc, char **argv)
{
    int ret = 1;
    const char *state_file = NULL;
    struct dump_args a;
    if (dump_parse_args(argc, argv, &a, option, &state_file,
                        "entra_dump [--count] [--state FILE] PLUGIN.so key=value...") < 0)
        return 1;
    const struct scimsync_plugin *plugin = dump_load(a.so_path);
    if (!plugin || dump_configure(&host, plugin, a.pairs, a.npairs, "ENTRA_DUMP_DEBUG") < 0)
        goto out;
    if (state_file) {
        state = access(state_file, F_OK) == 0 ? json_object_from_file(state_file)
                                              : json_object_new_object();
        if (!state) {
            fprintf(stderr, "%s: not a JSON state file\n", state_file);
            goto out;
        }
    }
    host.h.state_get = st_get;
    host.h.state_put = st_put;
    if ((ret = dump_read(&host, a.count_only, NULL, NULL)) != 0)
        goto out;
    if (state && json_object_to_file_ext(state_file, state, JSON_C_TO_STRING_PLAIN) < 0) {
        fprintf(stderr, "%s: cannot write the state\n", state_file);
        ret = 1;
    }
out:
    json_object_put(state);
    test_host_free(&host);
    return ret;
}
