/* Resolvers behind the scheme table in secrets.c: one file per scheme. */
#ifndef SS_SECRETS_SCHEMES_H
#define SS_SECRETS_SCHEMES_H

#include <stddef.h>

/* Largest secret value accepted from any scheme. */
#define SS_SECRET_MAX (64 * 1024)

int ss_secret_env_resolve(const char *body, char **out, char *err, size_t errlen);
int ss_secret_file_resolve(const char *body, char **out, char *err, size_t errlen);

#endif
