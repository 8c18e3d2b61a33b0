/* Configuration helpers of the source plugins (ssp_conf.h). */
#include "ssp_conf.h"

int ssp_conf_int(const struct scimsync_host *h, const char *key, long min, long max, long *out)
{
    int ret = h->config_get_int(h, key, out);
    if (ret < 0)
        return ret;
    if (*out < min || *out > max) {
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: %s: must be between %ld and %ld",
               h->config_where(h, key), key, min, max);
        return SCIMSYNC_ERR_CONFIG;
    }
    return 0;
}

const char *ssp_conf_str(const struct scimsync_host *h, const char *key)
{
    const char *v = h->config_get(h, key);
    return v && *v ? v : NULL;
}
