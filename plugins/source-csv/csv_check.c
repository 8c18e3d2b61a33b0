/* `scimsync check` for the CSV source: each file readable, its header
 * holding the columns the source needs, and a full read counting the
 * rows (local files: fast, and the only way to find a bad row). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <scimsync/plugin.h>

#include "csv_check.h"

static int check_file(const struct scimsync_host *h, const char *key, scimsync_check_report report,
                      void *ctx)
{
    const char *path = h->config_get(h, key);
    char what[64], detail[600], hint[300];
    struct stat st;

    if (!path)
        return 0;
    snprintf(what, sizeof what, "%s", key);
    if (access(path, R_OK) != 0 || stat(path, &st) != 0) {
        snprintf(detail, sizeof detail, "%.400s: %s", path, strerror(errno));
        snprintf(hint, sizeof hint, "set %s (%.200s) to a file this user can read", key,
                 h->config_where(h, key));
        report(ctx, SCIMSYNC_CHECK_FAIL, what, detail, hint);
        return -1;
    }
    snprintf(detail, sizeof detail, "%.400s readable (%lld bytes)", path, (long long)st.st_size);
    report(ctx, SCIMSYNC_CHECK_PASS, what, detail, NULL);
    return 0;
}

int csv_check(void *inst, unsigned flags, scimsync_check_report report, void *ctx)
{
    const struct scimsync_host *h = csv_check_host(inst);
    const struct scimsync_source_ops *ops = csv_check_ops();
    const struct scimsync_entry *e;
    size_t users = 0, groups = 0;
    char detail[300], hint[300];
    int rc;

    if (flags & SCIMSYNC_CHECK_QUICK)
        return 0; /* local files: the read itself says what is wrong */
    /* both files are looked at, even when the first fails */
    rc = check_file(h, "users_file", report, ctx);
    if (check_file(h, "groups_file", report, ctx) < 0 || rc < 0)
        return SCIMSYNC_ERR_IO;
    rc = ops->open(inst);
    while (rc == 0 && (rc = ops->next(inst, &e)) == 1) {
        if (e->kind == SCIMSYNC_ENTRY_USER)
            users++;
        else
            groups++;
        rc = 0;
    }
    ops->close(inst);
    if (rc < 0) {
        snprintf(detail, sizeof detail, "stopped after %zu user and %zu group rows (reason above)",
                 users, groups);
        snprintf(hint, sizeof hint,
                 "fix the file named above, or id_column / members_column (%.200s)",
                 h->config_where(h, "id_column"));
        report(ctx, SCIMSYNC_CHECK_FAIL, "read", detail, hint);
        return rc;
    }
    snprintf(detail, sizeof detail, "headers valid; %zu user row(s), %zu group row(s)", users,
             groups);
    report(ctx, SCIMSYNC_CHECK_PASS, "read", detail, NULL);
    return 0;
}
