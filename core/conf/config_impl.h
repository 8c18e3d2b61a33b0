/* Between the files of the configuration (core/conf/config*.c) only. */
#ifndef SS_CONFIG_IMPL_H
#define SS_CONFIG_IMPL_H

#include "config.h"

/* The key named name in a table ending in a NULL name; NULL when absent
 * (keys may be NULL).  config_check.c */
const struct scimsync_config_key *ss_config_find_key(const struct scimsync_config_key *keys,
                                                     const char *name);
/* [engine] into cfg->engine, its keys checked; <0 after logging every
 * problem.  config.c */
int ss_config_engine(struct ss_config *cfg);
/* Sources, the target and mapping references that must hold together;
 * <0 after logging.  config_check.c */
int ss_config_check_layout(const struct ss_config *cfg);

#endif
