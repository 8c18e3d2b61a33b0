/* env:VAR — the value of an environment variable. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secrets_schemes.h"

int ss_secret_env_resolve(const char *body, char **out, char *err, size_t errlen)
{
    const char *v = getenv(body);

    if (!v) {
        snprintf(err, errlen, "environment variable %s is not set", body);
        return -1;
    }
    if (!*v) {
        snprintf(err, errlen, "environment variable %s is empty", body);
        return -1;
    }
    if (strlen(v) > SS_SECRET_MAX) {
        snprintf(err, errlen, "environment variable %s is longer than %d bytes", body,
                 SS_SECRET_MAX);
        return -1;
    }
    *out = strdup(v);
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return 0;
}
