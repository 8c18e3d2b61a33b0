/*
 * CSV source read throughput: writes a users file and a groups file of the
 * requested size to a temporary folder, then reads both through csv.so
 * exactly as the engine does (descriptor, host table, open / next / close)
 * and prints entries per second, MB per second and peak memory.
 *
 *   csv_bench [USERS [GROUPS [MEMBERS_PER_GROUP]]]   (default 200000 100 2000)
 */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <scimsync/plugin.h>

static const struct scimsync_plugin *plugin;
static char users_path[256], groups_path[256];

static void host_log(const struct scimsync_host *h, int level, const char *fmt, ...)
    SCIMSYNC_PRINTF(3, 4);
static void host_log(const struct scimsync_host *h, int level, const char *fmt, ...)
{
    va_list ap;
    (void)h;
    (void)level;
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static const char *host_get(const struct scimsync_host *h, const char *key)
{
    (void)h;
    if (!strcmp(key, "users_file"))
        return users_path;
    if (!strcmp(key, "groups_file"))
        return groups_path;
    for (const struct scimsync_config_key *k = plugin->keys; k->name; k++)
        if (!strcmp(k->name, key))
            return k->default_value;
    return NULL;
}

static int host_get_int(const struct scimsync_host *h, const char *key, long *out)
{
    const char *v = host_get(h, key);
    if (v)
        *out = atol(v);
    return 0;
}

static const char *host_where(const struct scimsync_host *h, const char *key)
{
    (void)h;
    (void)key;
    return "bench";
}

static int host_stop(const struct scimsync_host *h)
{
    (void)h;
    return 0;
}

static double now(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static long file_size(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0 ? (long)st.st_size : 0;
}

static int generate(long users, long groups, long per_group)
{
    FILE *u = fopen(users_path, "w"), *g = fopen(groups_path, "w");

    if (!u || !g) {
        perror("bench: cannot write test files");
        if (u)
            fclose(u);
        if (g)
            fclose(g);
        return -1;
    }
    fputs("id,userName,givenName,familyName,displayName,email,title,department,"
          "organization,employeeNumber,manager,active\n",
          u);
    for (long i = 0; i < users; i++)
        fprintf(u,
                "u%07ld,user%ld@example.com,Zo\xC3\xAB,\xC3\x85ngstr\xC3\xB6m,"
                "\"\xC3\x85ngstr\xC3\xB6m, Zo\xC3\xAB %ld\",user%ld@example.com,Engineer,"
                "Engineering,Example Corp,E%ld,u%07ld,%s\n",
                i, i, i, i, i, i > 7 ? i - 7 : 0, i % 50 ? "true" : "false");
    fputs("id,displayName,members\n", g);
    for (long k = 0; k < groups; k++) {
        fprintf(g, "g%05ld,aws-group-%ld,", k, k);
        for (long m = 0; m < per_group && users; m++)
            fprintf(g, "%su%07ld", m ? ";" : "", (k * per_group + m) % users);
        fputc('\n', g);
    }
    fclose(u);
    fclose(g);
    return 0;
}

int main(int argc, char **argv)
{
    long users = argc > 1 ? atol(argv[1]) : 200000;
    long groups = argc > 2 ? atol(argv[2]) : 100;
    long per_group = argc > 3 ? atol(argv[3]) : 2000;
    char dir[] = "/tmp/scimsync-csv-bench.XXXXXX";
    struct scimsync_host host = {
        .struct_size = sizeof(struct scimsync_host),
        .instance_name = "bench",
        .log = host_log,
        .config_get = host_get,
        .config_get_int = host_get_int,
        .config_where = host_where,
        .alloc = malloc,
        .realloc = realloc,
        .free = free,
        .should_stop = host_stop,
    };
    const struct scimsync_entry *e;
    size_t nusers = 0, ngroups = 0, nmembers = 0;
    struct rusage ru;
    void *dl = NULL, *inst = NULL;
    double t0, t1, mb;
    int rc = 1, r;

    if (!mkdtemp(dir)) {
        perror("bench: mkdtemp");
        return 1;
    }
    snprintf(users_path, sizeof(users_path), "%s/users.csv", dir);
    snprintf(groups_path, sizeof(groups_path), "%s/groups.csv", dir);
    if (generate(users, groups, per_group) < 0)
        goto out;
    dl = dlopen(CSV_PLUGIN_SO, RTLD_NOW | RTLD_LOCAL);
    plugin = dl ? dlsym(dl, SCIMSYNC_PLUGIN_SYMBOL) : NULL;
    if (!plugin) {
        fprintf(stderr, "bench: cannot load %s: %s\n", CSV_PLUGIN_SO, dlerror());
        goto out;
    }
    if (plugin->create(&host, &inst) < 0)
        goto out;
    t0 = now();
    if (plugin->source->open(inst) < 0)
        goto out;
    while ((r = plugin->source->next(inst, &e)) == 1) {
        if (e->kind == SCIMSYNC_ENTRY_USER) {
            nusers++;
        } else {
            ngroups++;
            nmembers += e->nmembers;
        }
    }
    t1 = now();
    plugin->source->close(inst);
    if (r < 0)
        goto out;
    getrusage(RUSAGE_SELF, &ru);
    mb = (double)(file_size(users_path) + file_size(groups_path)) / 1e6;
    printf("csv read: %zu users + %zu groups (%zu member refs), %.1f MB in %.3f s: "
           "%.0f entries/s, %.1f MB/s, peak RSS %ld MB\n",
           nusers, ngroups, nmembers, mb, t1 - t0, (double)(nusers + ngroups) / (t1 - t0),
           mb / (t1 - t0), ru.ru_maxrss / 1024);
    rc = 0;
out:
    if (inst)
        plugin->destroy(inst);
    if (dl)
        dlclose(dl);
    unlink(users_path);
    unlink(groups_path);
    rmdir(dir);
    return rc;
}
