/* Test driver: resolves each reference given on the command line through
 * the core's secret table and prints one value a line (test data only).
 * On the first failure prints "error: MESSAGE" to stderr and exits 1.
 *   resolve_secret [-v] [--forget] REF...
 * -v logs at debug level; --forget drops the per-run cache after each REF. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "secrets.h"
#include "secrets_aws.h"

int main(int argc, char **argv)
{
    int forget = 0, rc = 0;

    for (int i = 1; i < argc; i++) {
        char err[1024];
        char *value = NULL;

        if (!strcmp(argv[i], "-v")) {
            ss_log_set_level(SCIMSYNC_LOG_DEBUG);
            continue;
        }
        if (!strcmp(argv[i], "--forget")) {
            forget = 1;
            continue;
        }
        if (ss_secret_resolve(argv[i], &value, err, sizeof(err)) < 0) {
            fprintf(stderr, "error: %s\n", err);
            rc = 1;
            break;
        }
        printf("%s\n", value);
        free(value);
        if (forget)
            ss_secret_aws_forget();
    }
    ss_secret_aws_forget();
    return rc;
}
