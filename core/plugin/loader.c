/* dlopen, descriptor checks and the plugin search path. */
#define _GNU_SOURCE /* dladdr1: the size of the descriptor symbol */
#include "loader.h"

#include <dlfcn.h>
#include <errno.h>
#include <limits.h>
#include <link.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

const char *ss_plugin_kind_name(int kind)
{
    switch (kind) {
    case SCIMSYNC_PLUGIN_SOURCE:
        return "source";
    case SCIMSYNC_PLUGIN_TARGET:
        return "target";
    default:
        return "unknown";
    }
}

static int is_dir(const char *p)
{
    struct stat st;
    return stat(p, &st) == 0 && S_ISDIR(st.st_mode);
}

static int add_dir(struct ss_search_path *sp, const char *given, size_t len)
{
    char buf[PATH_MAX], real[PATH_MAX];
    const char *dir = given;
    char *d;

    if (len == 0)
        return 0;
    /* One spelling per folder, so duplicates and shadowing are real. */
    if (len < sizeof(buf)) {
        memcpy(buf, given, len);
        buf[len] = '\0';
        if (realpath(buf, real)) {
            dir = real;
            len = strlen(real);
        }
    }
    for (size_t i = 0; i < sp->n; i++) {
        if (strlen(sp->dirs[i]) == len && strncmp(sp->dirs[i], dir, len) == 0)
            return 0;
    }
    if (sp->n >= SS_LOADER_MAX_DIRS) {
        ss_warn("plugin search path: more than %d folders, ignoring the rest", SS_LOADER_MAX_DIRS);
        return 0;
    }
    d = strndup(dir, len);
    if (!d)
        return -1;
    sp->dirs[sp->n++] = d;
    return 0;
}

static int add_list(struct ss_search_path *sp, const char *list)
{
    while (list && *list) {
        const char *colon = strchr(list, ':');
        size_t len = colon ? (size_t)(colon - list) : strlen(list);
        if (add_dir(sp, list, len) < 0)
            return -1;
        list = colon ? colon + 1 : NULL;
    }
    return 0;
}

int ss_loader_search_path(const char *config_path, struct ss_search_path *sp)
{
    char exe[PATH_MAX];
    ssize_t n;

    memset(sp, 0, sizeof(*sp));
    if (add_list(sp, getenv("SCIMSYNC_PLUGIN_PATH")) < 0 || add_list(sp, config_path) < 0)
        goto oom;
    n = readlink("/proc/self/exe", exe, sizeof(exe) - 1);
    if (n > 0) {
        char *slash;
        char build[PATH_MAX + 16];
        exe[n] = '\0';
        slash = strrchr(exe, '/');
        if (slash) {
            *slash = '\0';
            snprintf(build, sizeof(build), "%s/../plugins", exe);
            if (is_dir(build) && add_dir(sp, build, strlen(build)) < 0)
                goto oom;
        }
    }
#ifdef SCIMSYNC_DEFAULT_PLUGIN_DIR
    if (add_dir(sp, SCIMSYNC_DEFAULT_PLUGIN_DIR, strlen(SCIMSYNC_DEFAULT_PLUGIN_DIR)) < 0)
        goto oom;
#endif
    return 0;
oom:
    ss_error("out of memory");
    ss_loader_search_path_free(sp);
    return -1;
}

void ss_loader_search_path_free(struct ss_search_path *sp)
{
    for (size_t i = 0; i < sp->n; i++)
        free(sp->dirs[i]);
    sp->n = 0;
}

static int plain_name(const char *s)
{
    if (!*s)
        return 0;
    for (; *s; s++) {
        if (!(*s >= 'a' && *s <= 'z') && !(*s >= 'A' && *s <= 'Z') && !(*s >= '0' && *s <= '9') &&
            *s != '_' && *s != '-' && *s != '.')
            return 0;
    }
    return 1;
}

char *ss_loader_find(const struct ss_search_path *sp, const char *spec, const char *base_file,
                     char *err, size_t errlen)
{
    char path[PATH_MAX];

    if (strchr(spec, '/')) {
        char *p = ss_config_resolve_path(spec, base_file);
        if (p && access(p, F_OK) != 0) {
            snprintf(err, errlen, "%s: %s", p, strerror(errno));
            free(p);
            return NULL;
        }
        if (!p)
            snprintf(err, errlen, "out of memory");
        return p;
    }
    if (!plain_name(spec)) {
        snprintf(err, errlen, "'%.64s' is neither a plugin name nor a path", spec);
        return NULL;
    }
    for (size_t i = 0; i < sp->n; i++) {
        int n = snprintf(path, sizeof(path), "%s/%s.so", sp->dirs[i], spec);
        if (n > 0 && (size_t)n < sizeof(path) && access(path, F_OK) == 0) {
            char *p = strdup(path);
            if (!p)
                snprintf(err, errlen, "out of memory");
            return p;
        }
    }
    {
        size_t off = (size_t)snprintf(err, errlen, "no plugin %s.so in the search path (", spec);
        for (size_t i = 0; i < sp->n && off < errlen; i++)
            off += (size_t)snprintf(err + off, errlen - off, "%s%s", i ? ":" : "", sp->dirs[i]);
        if (off < errlen)
            snprintf(err + off, errlen - off, ")");
    }
    return NULL;
}

/* Mandatory members for the plugin's kind; NULL when all are there. */
static const char *missing_member(const struct scimsync_plugin *d)
{
    if (!d->name || !*d->name)
        return "name";
    if (!d->create)
        return "create";
    if (!d->destroy)
        return "destroy";
    if (d->kind == SCIMSYNC_PLUGIN_SOURCE) {
        if (!d->source)
            return "source operations";
        if (!d->source->open || !d->source->next || !d->source->close)
            return "source open/next/close";
    } else {
        if (!d->target)
            return "target operations";
        if (!d->target->list_users || !d->target->list_groups || !d->target->list_members ||
            !d->target->apply)
            return "target list_users/list_groups/list_members/apply";
    }
    return NULL;
}

int ss_loader_open(const char *path, int want_kind, struct ss_plugin_handle *h, char *err,
                   size_t errlen)
{
    const struct scimsync_plugin *d;
    const char *missing;
    size_t min_size;
    void *dl;

    memset(h, 0, sizeof(*h));
    dlerror();
    dl = dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (!dl) {
        const char *why = dlerror();
        if (!why)
            why = "unknown dlopen error";
        /* dlerror names the file itself, or only a missing dependency. */
        if (strncmp(why, path, strlen(path)) == 0)
            snprintf(err, errlen, "%s", why);
        else
            snprintf(err, errlen, "%s: cannot load plugin: %s", path, why);
        return -1;
    }
    dlerror();
    d = dlsym(dl, SCIMSYNC_PLUGIN_SYMBOL);
    if (!d) {
        snprintf(err, errlen, "%s: not a scimsync plugin (no %s symbol)", path,
                 SCIMSYNC_PLUGIN_SYMBOL);
        goto fail;
    }
    {
        /* The symbol's own size, when the ELF table has it: never read past
         * a descriptor that is smaller than the fields it claims. */
        Dl_info info;
        const ElfW(Sym) *sym = NULL;
        if (dladdr1(d, &info, (void **)&sym, RTLD_DL_SYMENT) && sym && sym->st_size &&
            sym->st_size < 3 * sizeof(uint32_t)) {
            snprintf(err, errlen, "%s: %s is %zu bytes, too small to be a descriptor", path,
                     SCIMSYNC_PLUGIN_SYMBOL, (size_t)sym->st_size);
            goto fail;
        }
        if (sym && sym->st_size && sym->st_size < d->struct_size) {
            snprintf(err, errlen, "%s: descriptor claims %u bytes but the symbol has %zu", path,
                     (unsigned)d->struct_size, (size_t)sym->st_size);
            goto fail;
        }
    }
    if (d->abi_major != SCIMSYNC_ABI_MAJOR || d->abi_minor > SCIMSYNC_ABI_MINOR) {
        snprintf(err, errlen, "%s: built for ABI %u.%u, this scimsync speaks %d.%d", path,
                 (unsigned)d->abi_major, (unsigned)d->abi_minor, SCIMSYNC_ABI_MAJOR,
                 SCIMSYNC_ABI_MINOR);
        goto fail;
    }
    /* A 1.N descriptor ends before the members 1.N+1 added; a 1.2 one may
     * end right after find_groups (the later 1.2 members are read only
     * when struct_size covers them: plugin.h). */
    min_size = d->abi_minor >= 2
                   ? offsetof(struct scimsync_plugin, find_groups) + sizeof(d->find_groups)
               : d->abi_minor == 1 ? offsetof(struct scimsync_plugin, open_selection)
                                   : offsetof(struct scimsync_plugin, check);
    if (d->struct_size < min_size) {
        snprintf(err, errlen, "%s: descriptor is %u bytes, ABI %u.%u needs at least %zu", path,
                 (unsigned)d->struct_size, (unsigned)d->abi_major, (unsigned)d->abi_minor,
                 min_size);
        goto fail;
    }
    if (d->kind != SCIMSYNC_PLUGIN_SOURCE && d->kind != SCIMSYNC_PLUGIN_TARGET) {
        snprintf(err, errlen, "%s: unknown plugin kind %d", path, (int)d->kind);
        goto fail;
    }
    if (want_kind && (int)d->kind != want_kind) {
        snprintf(err, errlen, "%s: '%s' is a %s plugin, a %s plugin is needed here", path,
                 d->name ? d->name : "?", ss_plugin_kind_name(d->kind),
                 ss_plugin_kind_name(want_kind));
        goto fail;
    }
    missing = missing_member(d);
    if (missing) {
        snprintf(err, errlen, "%s: incomplete descriptor (no %s)", path, missing);
        goto fail;
    }
    h->path = strdup(path);
    if (!h->path) {
        snprintf(err, errlen, "out of memory");
        goto fail;
    }
    h->dl = dl;
    h->desc = d;
    return 0;
fail:
    dlclose(dl);
    return -1;
}

void ss_loader_close(struct ss_plugin_handle *h)
{
    if (h->dl)
        dlclose(h->dl);
    free(h->path);
    memset(h, 0, sizeof(*h));
}
