/*
 * Reading a source plugin's configuration through the host: the helpers
 * every source wrote for itself.
 */
#ifndef SSP_CONF_H
#define SSP_CONF_H

#include <scimsync/plugin.h>

/* Integer ranges and choices are the descriptor's key_limits, checked by
 * the host before create(): read such keys with host->config_get_int. */
/* A string key, NULL when unset or empty. */
const char *ssp_conf_str(const struct scimsync_host *h, const char *key);

#endif
