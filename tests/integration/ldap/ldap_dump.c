/*
 * Test driver for the ldap source plugin: loads ldap.so the way the host
 * does (dlopen, descriptor, ABI check), gives it a host table whose
 * configuration comes from key=value arguments, and writes every entry it
 * streams as one JSON object a line.
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
 * file:/path.  Exit: 0 complete, 2 the
 * source failed (its error code is printed), 1 usage.
 */
#include <dlfcn.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <scimsync/plugin.h>

#define MAX_KV 64

static char *kv_key[MAX_KV], *kv_val[MAX_KV];
static int nkv;
static const struct scimsync_plugin *plugin;

static const struct scimsync_config_key *find_key(const char *key)
{
    for (const struct scimsync_config_key *k = plugin->keys; k->name; k++)
        if (strcmp(k->name, key) == 0)
            return k;
    return NULL;
}

static char *resolve_secret(const char *ref)
{
    if (strncmp(ref, "env:", 4) == 0) {
        const char *v = getenv(ref + 4);
        return v ? strdup(v) : NULL;
    }
    if (strncmp(ref, "file:", 5) == 0) {
        FILE *f = fopen(ref + 5, "r");
        char buf[1024];
        if (!f)
            return NULL;
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        fclose(f);
        buf[n] = '\0';
        buf[strcspn(buf, "\r\n")] = '\0';
        return strdup(buf);
    }
    return NULL;
}

static const char *cfg_get(const struct scimsync_host *h, const char *key)
{
    (void)h;
    for (int i = nkv - 1; i >= 0; i--) /* a later key wins, like a later config line */
        if (strcmp(kv_key[i], key) == 0)
            return kv_val[i];
    const struct scimsync_config_key *k = find_key(key);
    return k ? k->default_value : NULL;
}

static int cfg_int(const struct scimsync_host *h, const char *key, long *out)
{
    const char *v = cfg_get(h, key);
    char *end;
    if (!v)
        return 0;
    long n = strtol(v, &end, 10);
    if (*end || !*v) {
        fprintf(stderr, "config: %s: not a number\n", key);
        return SCIMSYNC_ERR_CONFIG;
    }
    *out = n;
    return 0;
}

static int cfg_bool(const struct scimsync_host *h, const char *key, int *out)
{
    const char *v = cfg_get(h, key);
    if (!v)
        return 0;
    if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") || !strcmp(v, "1"))
        *out = 1;
    else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") ||
             !strcmp(v, "0"))
        *out = 0;
    else {
        fprintf(stderr, "config: %s: not a boolean\n", key);
        return SCIMSYNC_ERR_CONFIG;
    }
    return 0;
}

static int cfg_double(const struct scimsync_host *h, const char *key, double *out)
{
    const char *v = cfg_get(h, key);
    if (v)
        *out = strtod(v, NULL);
    return 0;
}

static const char *cfg_where(const struct scimsync_host *h, const char *key)
{
    (void)h;
    (void)key;
    return "args";
}

static void host_log(const struct scimsync_host *h, int level, const char *fmt, ...)
    SCIMSYNC_PRINTF(3, 4);
static void host_log(const struct scimsync_host *h, int level, const char *fmt, ...)
{
    static const char *names[] = {"error", "warn", "info", "debug"};
    (void)h;
    if (level > SCIMSYNC_LOG_INFO && !getenv("LDAP_DUMP_DEBUG"))
        return;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "%s: ", names[level & 3]);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

static char *mapped_names[2][65];

/* "a,b,c" -> NULL-terminated list (the text is split in place) */
static void split_mapped(char *text, char **out, size_t max)
{
    size_t n = 0;
    for (char *t = strtok(text, ","); t && n + 1 < max; t = strtok(NULL, ","))
        out[n++] = t;
    out[n] = NULL;
}

static const char *const *mapped(const struct scimsync_host *h, int kind)
{
    (void)h;
    return (const char *const *)mapped_names[kind == SCIMSYNC_ENTRY_GROUP];
}

static int never_stop(const struct scimsync_host *h)
{
    (void)h;
    return 0;
}

static void dump(const struct scimsync_entry *e)
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

int main(int argc, char **argv)
{
    int count_only = 0, ret = 1, use_mapped = 0;
    long pause_after = -1;
    const char *pause_file = NULL;
    /* options may come anywhere; the first other argument is the plugin */
    const char *so_path = NULL;
    char *pairs[MAX_KV];
    int npairs = 0;
    for (int a = 1; a < argc; a++) {
        if (!strcmp(argv[a], "--count")) {
            count_only = 1;
        } else if (!strcmp(argv[a], "--mapped") && a + 2 < argc) {
            use_mapped = 1;
            split_mapped(argv[++a], mapped_names[0], 65);
            split_mapped(argv[++a], mapped_names[1], 65);
        } else if (!strcmp(argv[a], "--pause-after") && a + 2 < argc) {
            pause_after = atol(argv[++a]);
            pause_file = argv[++a];
        } else if (argv[a][0] == '-' || (so_path && npairs == MAX_KV)) {
            so_path = NULL;
            break;
        } else if (!so_path) {
            so_path = argv[a];
        } else {
            pairs[npairs++] = argv[a];
        }
    }
    if (!so_path) {
        fprintf(stderr,
                "usage: ldap_dump [--count] [--pause-after N FILE] [--mapped USERS GROUPS] "
                "PLUGIN.so key=value...\n");
        return 1;
    }
    void *so = dlopen(so_path, RTLD_NOW | RTLD_LOCAL);
    if (!so) {
        fprintf(stderr, "dlopen: %s\n", dlerror());
        return 1;
    }
    plugin = dlsym(so, SCIMSYNC_PLUGIN_SYMBOL);
    if (!plugin || plugin->abi_major != SCIMSYNC_ABI_MAJOR ||
        plugin->kind != SCIMSYNC_PLUGIN_SOURCE) {
        fprintf(stderr, "not a source plugin of ABI %d\n", SCIMSYNC_ABI_MAJOR);
        goto out;
    }
    for (int p = 0; p < npairs; p++) {
        char *eq = strchr(pairs[p], '=');
        if (!eq || !find_key((*eq = '\0', pairs[p]))) {
            fprintf(stderr, "unknown key: %s\n", pairs[p]);
            goto out;
        }
        kv_key[nkv] = pairs[p];
        kv_val[nkv] = eq + 1;
        if (find_key(pairs[p])->type == SCIMSYNC_KEY_SECRET) {
            kv_val[nkv] = resolve_secret(eq + 1);
            if (!kv_val[nkv]) {
                fprintf(stderr, "%s: cannot resolve the secret reference\n", pairs[p]);
                goto out;
            }
        }
        nkv++;
    }
    struct scimsync_host host = {
        .struct_size = sizeof host,
        .instance_name = "test",
        .log = host_log,
        .config_get = cfg_get,
        .config_get_int = cfg_int,
        .config_get_bool = cfg_bool,
        .config_get_double = cfg_double,
        .config_where = cfg_where,
        .alloc = malloc,
        .realloc = realloc,
        .free = free,
        .should_stop = never_stop,
        .mapped_attributes = use_mapped ? mapped : NULL,
    };
    void *inst = NULL;
    int rc = plugin->create(&host, &inst);
    if (rc < 0) {
        fprintf(stderr, "create failed: %d\n", rc);
        goto out;
    }
    rc = plugin->source->open(inst);
    unsigned long users = 0, groups = 0, helpers = 0, n = 0;
    const struct scimsync_entry *e;
    while (rc == 0 && (rc = plugin->source->next(inst, &e)) == 1) {
        if (e->kind == SCIMSYNC_ENTRY_USER)
            users++;
        else if (e->flags & SCIMSYNC_ENTRY_HELPER)
            helpers++;
        else
            groups++;
        if (!count_only)
            dump(e);
        if (++n == (unsigned long)pause_after) {
            char marker[4096];
            snprintf(marker, sizeof marker, "%s.paused", pause_file);
            fclose(fopen(marker, "w"));
            while (access(pause_file, F_OK) != 0)
                usleep(50000);
        }
        rc = 0;
    }
    if (rc == 1)
        rc = 0;
    plugin->source->close(inst);
    plugin->destroy(inst);
    if (count_only)
        printf("users %lu groups %lu helpers %lu\n", users, groups, helpers);
    if (rc < 0) {
        fprintf(stderr, "source failed: %d\n", rc);
        ret = 2;
        goto out;
    }
    ret = 0;
out:
    for (int k = 0; k < nkv; k++)
        if (find_key(kv_key[k]) && find_key(kv_key[k])->type == SCIMSYNC_KEY_SECRET)
            free(kv_val[k]);
    /* no dlclose: leak reports must be able to name the plugin's frames */
    (void)so;
    return ret;
}
