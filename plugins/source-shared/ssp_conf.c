/* Configuration helpers of the source plugins (ssp_conf.h). */
#include "ssp_conf.h"

const char *ssp_conf_str(const struct scimsync_host *h, const char *key)
{
    const char *v = h->config_get(h, key);
    return v && *v ? v : NULL;
}
