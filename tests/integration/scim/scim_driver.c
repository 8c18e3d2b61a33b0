/* Drives scim.so directly through its descriptor with a minimal host
 * table, for behaviours the engine never asks for on its own (a 409 on an
 * object that is already ours, a 400 detail, a failing member listing).
 *
 * Usage: scim_driver PLUGIN.so key=value... -- COMMAND ARGS...
 *   list-users
 *   create-user USERNAME EXTERNAL_ID ADOPT(0|1) FAMILY_NAME(- = absent)
 *   create-group NAME EXTERNAL_ID ADOPT(0|1)
 *   members GROUP_ID...
 *   create-many N          N users at once; with SCIM_DRIVER_STOP_AFTER=S
 *                          the host asks to stop after S seconds
 * Prints one line a result; exit 0 when the call returned 0. */
#include <dlfcn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <scimsync/plugin.h>

#define MAXKV 32

static const char *keys[MAXKV], *vals[MAXKV];
static size_t nkv;
static const struct scimsync_plugin *plugin;

static void h_log(const struct scimsync_host *h, int level, const char *fmt, ...)
    SCIMSYNC_PRINTF(3, 4);
static void h_log(const struct scimsync_host *h, int level, const char *fmt, ...)
{
    static const char *const names[] = {"error", "warn", "info", "debug"};
    va_list ap;
    (void)h;
    fprintf(stderr, "%s ", level >= 0 && level <= 3 ? names[level] : "?");
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

static const char *h_get(const struct scimsync_host *h, const char *key)
{
    (void)h;
    for (size_t i = 0; i < nkv; i++) {
        if (!strcmp(keys[i], key))
            return vals[i];
    }
    for (const struct scimsync_config_key *k = plugin->keys; k->name; k++) {
        if (!strcmp(k->name, key))
            return k->default_value;
    }
    return NULL;
}

static int h_int(const struct scimsync_host *h, const char *key, long *out)
{
    const char *v = h_get(h, key);
    if (v)
        *out = strtol(v, NULL, 10);
    return 0;
}

static int h_bool(const struct scimsync_host *h, const char *key, int *out)
{
    const char *v = h_get(h, key);
    if (v)
        *out = !strcmp(v, "true") || !strcmp(v, "1") || !strcmp(v, "on") || !strcmp(v, "yes");
    return 0;
}

static int h_double(const struct scimsync_host *h, const char *key, double *out)
{
    const char *v = h_get(h, key);
    if (v)
        *out = strtod(v, NULL);
    return 0;
}

static const char *h_where(const struct scimsync_host *h, const char *key)
{
    (void)h;
    (void)key;
    return "driver.ini:1";
}

static double stop_at; /* CLOCK_MONOTONIC seconds; 0: never */

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static int h_stop(const struct scimsync_host *h)
{
    (void)h;
    return stop_at > 0 && now_s() >= stop_at;
}

static int on_user(void *ctx, const struct scimsync_user *u)
{
    (void)u;
    (*(size_t *)ctx)++;
    return 0;
}

static size_t member_counts[64];

static int on_member(void *ctx, size_t index, const char *id)
{
    (void)ctx;
    (void)id;
    if (index < 64)
        member_counts[index]++;
    return 0;
}

static void print_op(const struct scimsync_op *op)
{
    printf("status %d flags %u id %s error %s\n", op->status, op->result_flags,
           op->new_id[0] ? op->new_id : "-", op->error[0] ? op->error : "-");
}

int main(int argc, char **argv)
{
    struct scimsync_host host = {
        .struct_size = sizeof(host),
        .instance_name = "driver",
        .log = h_log,
        .config_get = h_get,
        .config_get_int = h_int,
        .config_get_bool = h_bool,
        .config_get_double = h_double,
        .config_where = h_where,
        .alloc = malloc,
        .realloc = realloc,
        .free = free,
        .should_stop = h_stop,
    };
    void *dl, *inst = NULL;
    int i, rc;

    if (argc < 4) {
        fprintf(stderr, "usage: scim_driver PLUGIN.so key=value... -- COMMAND ARGS...\n");
        return 2;
    }
    dl = dlopen(argv[1], RTLD_NOW | RTLD_LOCAL);
    if (!dl || !(plugin = dlsym(dl, SCIMSYNC_PLUGIN_SYMBOL))) {
        fprintf(stderr, "cannot load %s: %s\n", argv[1], dlerror());
        return 2;
    }
    for (i = 2; i < argc && strcmp(argv[i], "--") != 0 && nkv < MAXKV; i++) {
        char *eq = strchr(argv[i], '=');
        if (!eq)
            return 2;
        *eq = '\0';
        keys[nkv] = argv[i];
        vals[nkv++] = eq + 1;
    }
    if (++i >= argc)
        return 2;
    rc = plugin->create(&host, &inst);
    if (rc < 0) {
        printf("create failed %d\n", rc);
        return 1;
    }
    const char *cmd = argv[i++];
    if (!strcmp(cmd, "list-users")) {
        size_t n = 0;
        rc = plugin->target->list_users(inst, on_user, &n);
        printf("rc %d users %zu\n", rc, n);
    } else if (!strcmp(cmd, "create-user") && argc - i == 4) {
        struct scimsync_user u = {0};
        struct scimsync_op op = {0};
        u.external_id = argv[i + 1];
        u.field[SCIMSYNC_F_USER_NAME] = argv[i];
        u.field[SCIMSYNC_F_DISPLAY_NAME] = "Driver User";
        u.field[SCIMSYNC_F_GIVEN_NAME] = "Driver";
        u.field[SCIMSYNC_F_FAMILY_NAME] = strcmp(argv[i + 3], "-") ? argv[i + 3] : NULL;
        u.active = 1;
        op.kind = SCIMSYNC_OP_CREATE_USER;
        op.user = &u;
        op.adopt = atoi(argv[i + 2]);
        rc = plugin->target->apply(inst, &op, 1);
        print_op(&op);
    } else if (!strcmp(cmd, "create-group") && argc - i == 3) {
        struct scimsync_group g = {NULL, argv[i + 1], argv[i]};
        struct scimsync_op op = {0};
        op.kind = SCIMSYNC_OP_CREATE_GROUP;
        op.group = &g;
        op.adopt = atoi(argv[i + 2]);
        rc = plugin->target->apply(inst, &op, 1);
        print_op(&op);
    } else if (!strcmp(cmd, "create-many") && argc - i == 1) {
        size_t n = (size_t)atoi(argv[i]), done = 0, stopped = 0;
        struct scimsync_user *u = calloc(n, sizeof(*u));
        struct scimsync_op *ops = calloc(n, sizeof(*ops));
        char(*names)[48] = calloc(n, sizeof(*names));
        const char *stop = getenv("SCIM_DRIVER_STOP_AFTER");
        if (!u || !ops || !names)
            return 2;
        for (size_t k = 0; k < n; k++) {
            snprintf(names[k], sizeof(names[k]), "many%zu@example.com", k);
            u[k].external_id = names[k];
            u[k].field[SCIMSYNC_F_USER_NAME] = names[k];
            u[k].field[SCIMSYNC_F_DISPLAY_NAME] = "Many";
            u[k].field[SCIMSYNC_F_GIVEN_NAME] = "Ma";
            u[k].field[SCIMSYNC_F_FAMILY_NAME] = "Ny";
            u[k].active = 1;
            ops[k].kind = SCIMSYNC_OP_CREATE_USER;
            ops[k].user = &u[k];
        }
        if (stop)
            stop_at = now_s() + atof(stop);
        rc = plugin->target->apply(inst, ops, n);
        for (size_t k = 0; k < n; k++) {
            done += ops[k].status == 0 && ops[k].new_id[0];
            stopped += ops[k].status == SCIMSYNC_ERR_STOPPED;
        }
        printf("rc %d done %zu stopped %zu\n", rc, done, stopped);
        free(u);
        free(ops);
        free(names);
    } else if (!strcmp(cmd, "members") && argc - i >= 1 && argc - i <= 64) {
        rc = plugin->target->list_members(inst, (const char *const *)argv + i, (size_t)(argc - i),
                                          on_member, NULL);
        printf("rc %d", rc);
        for (int k = 0; k < argc - i; k++)
            printf(" %zu", member_counts[k]);
        printf("\n");
    } else {
        fprintf(stderr, "unknown command %s\n", cmd);
        rc = 2;
    }
    plugin->destroy(inst);
    dlclose(dl);
    return rc == 0 ? 0 : 1;
}
