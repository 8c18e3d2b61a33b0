/* A plugin whose shared-library dependency is missing at run time. */
#include <stdlib.h>

#include <scimsync/plugin.h>

int ss_test_gone_value(void);

static int md_create(const struct scimsync_host *host, void **inst)
{
    (void)host;
    *inst = NULL;
    return ss_test_gone_value() ? SCIMSYNC_ERR : SCIMSYNC_ERR;
}

static void md_destroy(void *inst)
{
    (void)inst;
}

SCIMSYNC_PLUGIN_DEFINE = {
    SCIMSYNC_PLUGIN_V1(SCIMSYNC_PLUGIN_TARGET, "missingdep", "0.0.1",
                       "test plugin linked against a library that is not shipped"),
    .create = md_create,
    .destroy = md_destroy,
};
