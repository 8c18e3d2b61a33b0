/* Files that readers must never see half-written: the run report and the
 * metrics textfile. */
#include "atomic_file.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

int ss_write_file_atomic(const char *path, const char *text, const char *what)
{
    size_t plen = strlen(path), len = strlen(text);
    char *tmp = malloc(plen + 16);
    int fd = -1, rc = -1;

    if (!tmp) {
        ss_error("%s %s: out of memory", what, path);
        return -1;
    }
    /* same folder: rename() is atomic only within one filesystem */
    snprintf(tmp, plen + 16, "%s.tmpXXXXXX", path);
    fd = mkstemp(tmp);
    if (fd < 0) {
        ss_error("%s %s: cannot create a temporary file beside it: %s", what, path,
                 strerror(errno));
        goto out;
    }
    for (size_t off = 0; off < len;) {
        ssize_t w = write(fd, text + off, len - off);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0) {
            ss_error("%s %s: write failed: %s", what, tmp, strerror(errno));
            goto out;
        }
        off += (size_t)w;
    }
    /* the mode any new file would get (mkstemp makes it 0600): a
     * collector running as another user can read it, a umask still rules */
    mode_t um = umask(0);
    umask(um);
    if (fchmod(fd, 0666 & ~um) < 0 || fsync(fd) < 0) {
        ss_error("%s %s: %s", what, tmp, strerror(errno));
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        ss_error("%s %s: close failed: %s", what, tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, path) < 0) {
        ss_error("%s %s: rename failed: %s", what, path, strerror(errno));
        goto out;
    }
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0)
        unlink(tmp);
    free(tmp);
    return rc;
}
