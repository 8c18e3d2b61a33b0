/* The value limits a plugin declares for its keys (plugin.h, struct
 * scimsync_key_limit): checked by the host, so plugins do not repeat them. */
#ifndef SS_KEY_LIMITS_H
#define SS_KEY_LIMITS_H

#include <scimsync/plugin.h>
#include <stddef.h>

#include "config.h"

/* The limits of key in the plugin's table, or NULL (none, or a plugin
 * built before key_limits). */
const struct scimsync_key_limit *ss_key_limit_find(const struct scimsync_plugin *d,
                                                   const char *key);
/* 0 when value (of a key of type `type`) is within lim; 1 with the rule
 * ("must be between 1 and 1000", "must be one of: a, b") in why.  A value
 * that is not a number at all is left to the type check (0). */
int ss_key_limit_test(const struct scimsync_key_limit *lim, enum scimsync_key_type type,
                      const char *value, char *why, size_t whylen);
/* The rule of lim as text: "must be between 1 and 1000", "must be one of:
 * a, b". */
void ss_key_limit_text(const struct scimsync_key_limit *lim, char *buf, size_t len);
/* The plugin's key_limits table, or NULL (none, or built before it). */
const struct scimsync_key_limit *ss_key_limits_of(const struct scimsync_plugin *d);
/* Checks the literal values of section s against the plugin's limits,
 * logging "file:line: [section] key: 'value' is out of range: must be ..."
 * for each.  Values that are references are checked once resolved
 * (ss_instance_new).  Returns the number of problems. */
int ss_key_limits_check_section(const struct ss_conf_section *s, const struct scimsync_plugin *d);
/* The plugin's own tables agree: each limit names a declared key of a
 * type it fits, and each default is within its limits.  Returns 0, or -1
 * with the first problem in err. */
int ss_key_limits_check_table(const struct scimsync_plugin *d, char *err, size_t errlen);

#endif
