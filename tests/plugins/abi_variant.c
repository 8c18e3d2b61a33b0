/* Plugins whose descriptor header this host must refuse before calling
 * any of their functions.  Built several times with different
 * VARIANT_MAJOR / VARIANT_MINOR / VARIANT_SIZE (see CMakeLists.txt). */
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
    .abi_major = VARIANT_MAJOR,
    .abi_minor = VARIANT_MINOR,
    .struct_size = VARIANT_SIZE,
    .kind = SCIMSYNC_PLUGIN_TARGET,
    .name = VARIANT_NAME,
    .version = "0.0.1",
    .description = "test plugin with a descriptor header the host refuses",
    .create = never_create,
    .destroy = never_destroy,
};
