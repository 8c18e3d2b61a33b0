/* Resolvers behind the scheme table in secrets.c: one file per scheme. */
#ifndef SS_SECRETS_SCHEMES_H
#define SS_SECRETS_SCHEMES_H

#include <stddef.h>

#include "secret_file.h" /* SS_SECRET_MAX, ss_secret_file_resolve */

int ss_secret_env_resolve(const char *body, char **out, char *err, size_t errlen);

#endif
