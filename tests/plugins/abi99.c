/* A plugin built for an ABI this host does not speak: must be refused
 * before any of its functions is called. */
#include <stdlib.h>

#include <scimsync/plugin.h>

static int never_create(const struct scimsync_host *host, void **inst)
{
    (void)host;
    (void)inst;
    abort(); /* the loader must refuse this plugin before calling anything */
}

static void never_destroy(void *inst)
{
    (void)inst;
    abort();
}

SCIMSYNC_PLUGIN_DEFINE = {
    .abi_major = 99,
    .abi_minor = 0,
    .struct_size = sizeof(struct scimsync_plugin),
    .kind = SCIMSYNC_PLUGIN_TARGET,
    .name = "abi99",
    .version = "0.0.1",
    .description = "test plugin built for ABI 99.0",
    .create = never_create,
    .destroy = never_destroy,
};
