/* scimsync: see `scimsync --help` (core/cli/cli.c). */
#include <curl/curl.h>
#include <stdio.h>

#include "cli.h"

int main(int argc, char **argv)
{
    /* Once, before any plugin starts transfers: curl_easy_init would do it
     * lazily, which is not thread-safe. */
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        fputs("scimsync: cannot initialize libcurl\n", stderr);
        return 1;
    }
    int rc = ss_cli_main(argc, argv);
    curl_global_cleanup();
    return rc;
}
