/*
 * Plugin loading: the search path, dlopen, and the descriptor checks made
 * before anything in the plugin is called.
 */
#ifndef SS_LOADER_H
#define SS_LOADER_H

#include <scimsync/plugin.h>
#include <ss/common.h>
#include <stddef.h>

#define SS_LOADER_MAX_DIRS 64

struct ss_search_path {
    char *dirs[SS_LOADER_MAX_DIRS];
    size_t n;
};

struct ss_plugin_handle {
    void *dl;
    const struct scimsync_plugin *desc;
    char *path;
};

/* $SCIMSYNC_PLUGIN_PATH, then config_path (both colon-separated), then
 * <folder of the binary>/../plugins when it exists, then the install dir. */
int ss_loader_search_path(const char *config_path, struct ss_search_path *sp);
void ss_loader_search_path_free(struct ss_search_path *sp);

/* Where `plugin = spec` points: a name ("csv" -> first csv.so on the
 * path) or a path to a .so (relative paths against base_file's folder).
 * Returns a malloc'd path, or NULL with a reason in err. */
SS_NODISCARD char *ss_loader_find(const struct ss_search_path *sp, const char *spec,
                                  const char *base_file, char *err, size_t errlen);

/* dlopen + descriptor checks (symbol, ABI, size, kind when want_kind is
 * nonzero, mandatory functions).  On failure err holds one line naming
 * the file and the reason, and nothing of the plugin has run except its
 * loader-level constructors. */
int ss_loader_open(const char *path, int want_kind, struct ss_plugin_handle *h, char *err,
                   size_t errlen);
void ss_loader_close(struct ss_plugin_handle *h);

const char *ss_plugin_kind_name(int kind);

#endif
