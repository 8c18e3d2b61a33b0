/* The scimsync command line: options, commands, exit codes. */
#ifndef SS_CLI_H
#define SS_CLI_H

#include <scimsync/plugin.h>
#include <stdio.h>

int ss_cli_main(int argc, char **argv);

/* Help texts (cli_help.c).  cmd NULL: the global help.  Returns 0, or -1
 * for an unknown command. */
int ss_cli_print_help(FILE *out, const char *cmd);
/* The key table of a plugin (core keys first), fluent-bit style. */
void ss_cli_print_keys(FILE *out, const struct scimsync_config_key *core,
                       const struct scimsync_config_key *keys);

#endif
