/*
 * Reading a source plugin's configuration through the host: the helpers
 * every source wrote for itself.
 */
#ifndef SSP_CONF_H
#define SSP_CONF_H

#include <scimsync/plugin.h>

/* An integer key within [min, max]: 0 and *out, or SCIMSYNC_ERR_CONFIG
 * (logged "where: key: must be between min and max"). */
int ssp_conf_int(const struct scimsync_host *h, const char *key, long min, long max, long *out);
/* A string key, NULL when unset or empty. */
const char *ssp_conf_str(const struct scimsync_host *h, const char *key);

#endif
