/* `scimsync config`: the effective configuration, each value with the
 * file:line that set it (or "default"); secrets as their reference. */
#ifndef SS_CONFIG_PRINT_H
#define SS_CONFIG_PRINT_H

#include <stdio.h>

#include "cli_runtime.h"
#include "config.h"

/* Prints cfg; keys[i] is the key table of cfg->sections[i] (core keys
 * first, then the plugin's; NULL when unknown).  Values of SECRET keys
 * that are not references, and of unknown keys whose name looks secret,
 * are hidden; user:password@ in a URL is masked. */
void ss_config_print(FILE *out, const struct ss_config *cfg, const char *conf_dir,
                     const struct scimsync_config_key *const *core,
                     const struct scimsync_config_key *const *keys);

/* The command: loads the configuration and the plugins' key tables and
 * prints.  Returns SS_EXIT_OK, or SS_EXIT_USAGE when the configuration
 * has errors (printed as far as it was read). */
int ss_config_print_cmd(const struct ss_cli_opts *o, FILE *out);

#endif
