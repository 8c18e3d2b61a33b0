/* The state as a local file: read whole; written to PATH.tmp.PID, fsync'd,
 * renamed over PATH, and the folder fsync'd, so a crash leaves the old
 * state or the new one, never half of one. */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "state_store.h"

int ss_store_file_load(struct ss_state_store *s, char **buf, size_t *len, char *err, size_t errlen)
{
    int rc = -1;
    struct stat sb;
    char *b = NULL;
    size_t got = 0;
    int fd = open(s->path, O_RDONLY | O_CLOEXEC);

    *buf = NULL;
    *len = 0;
    if (fd < 0) {
        if (errno == ENOENT)
            return 0;
        snprintf(err, errlen, "%s: %s", s->path, strerror(errno));
        return -1;
    }
    if (fstat(fd, &sb) < 0 || !S_ISREG(sb.st_mode) || (size_t)sb.st_size > SS_STATE_MAX_BYTES) {
        snprintf(err, errlen, "%s: %s", s->path,
                 !S_ISREG(sb.st_mode) ? "not a regular file" : "too large for a state");
        goto out;
    }
    b = malloc((size_t)sb.st_size + 1);
    if (!b) {
        snprintf(err, errlen, "%s: out of memory", s->path);
        goto out;
    }
    while (got < (size_t)sb.st_size) {
        ssize_t n = read(fd, b + got, (size_t)sb.st_size - got);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            snprintf(err, errlen, "%s: %s", s->path, n < 0 ? strerror(errno) : "file shrank");
            goto out;
        }
        got += (size_t)n;
    }
    b[got] = '\0';
    *buf = b;
    *len = got;
    b = NULL;
    rc = 1;
out:
    free(b);
    close(fd);
    return rc;
}

static int write_all(int fd, const char *p, size_t n)
{
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            return -1;
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

int ss_store_file_save(struct ss_state_store *s, const char *buf, size_t len, char *err,
                       size_t errlen)
{
    int rc = -1, fd = -1;
    size_t tn = strlen(s->path) + 32;
    char *tmp = malloc(tn), *dcopy = strdup(s->path);

    if (!tmp || !dcopy) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    snprintf(tmp, tn, "%s.tmp.%ld", s->path, (long)getpid());
    /* 0600: the state names every user. */
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (write_all(fd, buf, len) < 0 || fsync(fd) < 0) {
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    if (close(fd) < 0) {
        fd = -1;
        snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
        goto out;
    }
    fd = -1;
    if (rename(tmp, s->path) < 0) {
        snprintf(err, errlen, "renaming %s to %s: %s", tmp, s->path, strerror(errno));
        goto out;
    }
    /* The rename itself is durable once the folder is. */
    int dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    s->exists = 1;
    rc = 0;
out:
    if (fd >= 0)
        close(fd);
    if (rc < 0 && tmp)
        unlink(tmp);
    free(tmp);
    free(dcopy);
    return rc;
}
