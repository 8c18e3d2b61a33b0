/* file:/path — the content of a file, one trailing newline removed. */
#include <errno.h>
#include <fcntl.h>
#include <ss/dynbuf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "secret_file.h"

int ss_secret_file_resolve(const char *body, char **out, char *err, size_t errlen)
{
    struct stat st;
    struct ss_dynbuf d;
    size_t len;
    int fd = -1;
    int rc = -1;

    ss_dynbuf_init_secret(&d, SS_SECRET_MAX);

    fd = open(body, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(err, errlen, "cannot open %s: %s", body, strerror(errno));
        goto out;
    }
    if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
        snprintf(err, errlen, "%s is not a regular file", body);
        goto out;
    }
    /* Whoever can write the file chooses the credential scimsync sends. */
    if (st.st_mode & (S_IWGRP | S_IWOTH)) {
        snprintf(err, errlen,
                 "secret file %s is writable by %s (mode %03o): refused; make it writable by "
                 "its owner only (chmod go-w)",
                 body, (st.st_mode & S_IWOTH) ? "every user" : "its group",
                 (unsigned)(st.st_mode & 0777));
        goto out;
    }
    if (st.st_mode & S_IROTH)
        ss_warn("secret file %s is readable by every user (mode %03o)", body,
                (unsigned)(st.st_mode & 0777));
    /* Another account can read it and change its mode at will; a warning,
     * not a refusal: a mounted file may carry a foreign uid. */
    if (st.st_uid != 0 && st.st_uid != geteuid())
        ss_warn("secret file %s is owned by uid %u, neither root nor this user (uid %u): that "
                "account can read and replace the secret",
                body, (unsigned)st.st_uid, (unsigned)geteuid());
    if (ss_dynbuf_read_fd_err(&d, fd, body, err, errlen) < 0)
        goto out;
    len = ss_dynbuf_len(&d);
    if (len > 0 && ss_dynbuf_str(&d)[len - 1] == '\n') {
        ss_dynbuf_shrink(&d, 1);
        if (--len > 0 && ss_dynbuf_str(&d)[len - 1] == '\r')
            ss_dynbuf_shrink(&d, 1);
        len = ss_dynbuf_len(&d);
    }
    if (len == 0 || strlen(ss_dynbuf_str(&d)) != len) {
        snprintf(err, errlen, "%s is empty or contains a NUL byte", body);
        goto out;
    }
    *out = ss_dynbuf_take(&d); /* not empty: no allocation, never NULL */
    rc = 0;
out:
    /* Scrubs whatever part of the secret was read before failing. */
    ss_dynbuf_free(&d);
    if (fd >= 0)
        close(fd);
    return rc;
}
