/* The source drivers' shared part (dump_source.h). */
#include "dump_source.h"

#include <dlfcn.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dump_parse_args(int argc, char **argv, struct dump_args *a, dump_option_fn option, void *ctx,
                    const char *usage)
{
    memset(a, 0, sizeof *a);
    for (int i = 1; i < argc; i++) {
        if (!strcmp(argv[i], "--count")) {
            a->count_only = 1;
        } else if (option && option(argc, argv, &i, ctx)) {
            continue;
        } else if (argv[i][0] == '-' || (a->so_path && a->npairs == DUMP_MAX_ARGS)) {
            a->so_path = NULL;
            break;
        } else if (!a->so_path) {
            a->so_path = argv[i];
        } else {
            a->pairs[a->npairs++] = argv[i];
        }
    }
    if (!a->so_path) {
        fprintf(stderr, "usage: %s\n", usage);
        return -1;
    }
    return 0;
}

const struct scimsync_plugin *dump_load(const char *so_path)
{
    void *so = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (!so) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return NULL;
    }
    /* no dlclose: leak reports must be able to name the plugin's frames */
    const struct scimsync_plugin *p = dlsym(so, SCIMSYNC_PLUGIN_SYMBOL);
    if (!p || p->abi_major != SCIMSYNC_ABI_MAJOR || p->kind != SCIMSYNC_PLUGIN_SOURCE) {
        fprintf(stderr, "not a source plugin of ABI %d\n", SCIMSYNC_ABI_MAJOR);
        return NULL;
    }
    return p;
}

int dump_configure(struct test_host *t, const struct scimsync_plugin *p, char **args, int nargs,
                   const char *debug_env)
{
    test_host_init(t, p);
    t->log_stderr = 1;
    t->log_level = getenv(debug_env) ? SCIMSYNC_LOG_DEBUG : SCIMSYNC_LOG_INFO;
    for (int i = 0; i < nargs; i++) {
        if (test_host_set_arg(t, args[i]) < 0) {
            fprintf(stderr, "bad argument (unknown key, or a secret that does not resolve): %s\n",
                    args[i]);
            return -1;
        }
    }
    return 0;
}

static void dump_entry(const struct scimsync_entry *e)
{
    json_object *o = json_object_new_object();
    json_object_object_add(
        o, "kind", json_object_new_string(e->kind == SCIMSYNC_ENTRY_USER ? "user" : "group"));
    json_object_object_add(o, "helper", json_object_new_boolean(e->flags & SCIMSYNC_ENTRY_HELPER));
    json_object_object_add(o, "id", json_object_new_string(e->id));
    json_object_object_add(o, "ref", e->ref ? json_object_new_string(e->ref) : NULL);
    json_object_object_add(o, "where", e->where ? json_object_new_string(e->where) : NULL);
    json_object *attrs = json_object_new_object();
    for (size_t i = 0; i < e->nattrs; i++) {
        json_object *vals = json_object_new_array();
        for (size_t k = 0; k < e->attrs[i].nvalues; k++)
            json_object_array_add(vals, json_object_new_string(e->attrs[i].values[k]));
        json_object_object_add(attrs, e->attrs[i].name, vals);
    }
    json_object_object_add(o, "attrs", attrs);
    json_object *members = json_object_new_array();
    for (size_t i = 0; i < e->nmembers; i++)
        json_object_array_add(members, json_object_new_string(e->members[i]));
    json_object_object_add(o, "members", members);
    puts(
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE));
    json_object_put(o);
}

int dump_read(struct test_host *t, int count_only, dump_after_fn after, void *ctx)
{
    const struct scimsync_plugin *p = t->plugin;
    void *inst = NULL;
    int rc = p->create(&t->h, &inst);
    if (rc < 0) {
        fprintf(stderr, "create failed: %d\n", rc);
        return 1;
    }
    rc = p->source->open(inst);
    unsigned long users = 0, groups = 0, helpers = 0, n = 0;
    const struct scimsync_entry *e;
    while (rc == 0 && (rc = p->source->next(inst, &e)) == 1) {
        if (e->kind == SCIMSYNC_ENTRY_USER)
            users++;
        else if (e->flags & SCIMSYNC_ENTRY_HELPER)
            helpers++;
        else
            groups++;
        if (!count_only)
            dump_entry(e);
        if (after)
            after(++n, ctx);
        rc = 0;
    }
    p->source->close(inst);
    p->destroy(inst);
    if (count_only)
        printf("users %lu groups %lu helpers %lu\n", users, groups, helpers);
    if (rc < 0) {
        fprintf(stderr, "source failed: %d\n", rc);
        return 2;
    }
    return 0;
}
