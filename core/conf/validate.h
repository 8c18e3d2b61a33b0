/*
 * Checks of configuration values that need no network and read no secret:
 * URL shape (every run), and for `validate` the files a plugin reads,
 * env: / file: references, and credentials sent over a clear-text URL.
 */
#ifndef SS_VALIDATE_H
#define SS_VALIDATE_H

#include <scimsync/plugin.h>
#include <stddef.h>

#include "config.h"

/* Checks one URL value (space-separated URLs or bare host names allowed):
 * returns 0, or -1 with the reason in why.  The reason never repeats the
 * URL (it may carry a user name or password). */
int ss_validate_url(const char *value, char *why, size_t whylen);

/* The URL(s) of value as a plan may show them: user:password@, ?query
 * and #fragment removed from every word.  Writes into buf (cut to fit);
 * returns buf. */
const char *ss_url_display(const char *value, char *buf, size_t len);

/* validate's checks of one [source]/[target] section against its key
 * tables (either may be NULL): INPUT_PATH files exist and are readable,
 * env: variables are set, file: references exist, a secret is not sent
 * over http:// or ldap:// without start_tls (a warning).  Logs each
 * problem as "file:line: ..."; returns the number of errors. */
int ss_validate_section_offline(const struct ss_conf_section *s,
                                const struct scimsync_config_key *core,
                                const struct scimsync_config_key *keys);

#endif
