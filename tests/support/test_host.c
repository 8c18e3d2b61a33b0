/* The test host table (test_host.h). */
#include "test_host.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static struct test_host *T(const struct scimsync_host *h)
{
    return (struct test_host *)(void *)h; /* h is the first member */
}

static const struct scimsync_config_key *find_key(const struct test_host *t, const char *key)
{
    for (const struct scimsync_config_key *k = t->plugin->keys; k && k->name; k++)
        if (strcmp(k->name, key) == 0)
            return k;
    return NULL;
}

static const char *cfg_get(const struct scimsync_host *h, const char *key)
{
    const struct test_host *t = T(h);
    for (int i = t->nkv - 1; i >= 0; i--) /* a later key wins, like a later config line */
        if (strcmp(t->key[i], key) == 0)
            return t->val[i];
    const struct scimsync_config_key *k = find_key(t, key);
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
        h->log(h, SCIMSYNC_LOG_ERROR, "args: %s: not a number", key);
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
        h->log(h, SCIMSYNC_LOG_ERROR, "args: %s: not a boolean", key);
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
    struct test_host *t = T(h);
    char line[4096];
    va_list ap;
    if (level > t->log_level)
        return;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (t->log_stderr)
        fprintf(stderr, "%s: %s\n", names[level & 3], line);
    int n =
        snprintf(t->log + t->loglen, sizeof t->log - t->loglen, "%s: %s\n", names[level & 3], line);
    if (n > 0 && (size_t)n < sizeof t->log - t->loglen)
        t->loglen += (size_t)n;
}

static int stop(const struct scimsync_host *h)
{
    struct test_host *t = T(h);
    return t->stop_after >= 0 && t->polls++ >= t->stop_after;
}

static const char *const *mapped(const struct scimsync_host *h, int kind)
{
    return T(h)->mapped[kind == SCIMSYNC_ENTRY_GROUP];
}

void test_host_init(struct test_host *t, const struct scimsync_plugin *p)
{
    memset(t, 0, sizeof *t);
    t->plugin = p;
    t->log_level = SCIMSYNC_LOG_INFO;
    t->stop_after = -1;
    t->h = (struct scimsync_host){
        .struct_size = sizeof t->h,
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
        .should_stop = stop,
    };
}

void test_host_free(struct test_host *t)
{
    for (int i = 0; i < t->nkv; i++) {
        free(t->key[i]);
        free(t->val[i]);
    }
    t->nkv = 0;
}

static int add(struct test_host *t, const char *key, size_t klen, char *val)
{
    char *k = strndup(key, klen);
    if (!val || !k || t->nkv == TEST_HOST_MAX_KV || !find_key(t, k)) {
        free(k);
        free(val);
        return -1;
    }
    t->key[t->nkv] = k;
    t->val[t->nkv++] = val;
    return 0;
}

int test_host_set(struct test_host *t, const char *key, const char *val)
{
    return add(t, key, strlen(key), strdup(val));
}

static char *resolve_secret(const char *ref)
{
    if (strncmp(ref, "env:", 4) == 0) {
        const char *v = getenv(ref + 4);
        return v ? strdup(v) : NULL;
    }
    if (strncmp(ref, "file:", 5) != 0)
        return NULL;
    /* the whole file, one trailing newline removed, as the host does (a
     * PEM certificate or key spans many lines) */
    FILE *f = fopen(ref + 5, "r");
    char *buf = f ? calloc(1, 65536) : NULL;
    size_t n = buf ? fread(buf, 1, 65535, f) : 0;
    if (f)
        fclose(f);
    if (n > 0 && buf[n - 1] == '\n')
        buf[n - 1] = '\0';
    return buf;
}

int test_host_set_arg(struct test_host *t, const char *arg)
{
    const char *eq = strchr(arg, '=');
    if (!eq)
        return -1;
    char name[128];
    snprintf(name, sizeof name, "%.*s", (int)(eq - arg), arg);
    const struct scimsync_config_key *k = find_key(t, name);
    if (!k)
        return -1;
    if (k->type == SCIMSYNC_KEY_SECRET) {
        char *v = resolve_secret(eq + 1);
        if (!v)
            fprintf(stderr, "%s: cannot resolve the secret reference\n", name);
        return add(t, arg, (size_t)(eq - arg), v);
    }
    return add(t, arg, (size_t)(eq - arg), strdup(eq + 1));
}

void test_host_map(struct test_host *t, const char *const *users, const char *const *groups)
{
    t->mapped[0] = users;
    t->mapped[1] = groups;
    t->h.mapped_attributes = mapped;
}

int test_host_logged(const struct test_host *t, const char *text)
{
    return strstr(t->log, text) != NULL;
}

void test_host_clear_log(struct test_host *t)
{
    t->loglen = 0;
    t->log[0] = '\0';
}
