/* file:/path — the content of a file, one trailing newline removed. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "secrets_schemes.h"

int ss_secret_file_resolve(const char *body, char **out, char *err, size_t errlen)
{
    struct stat st;
    char *buf = NULL;
    size_t len = 0;
    int fd = -1;
    int rc = -1;

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
    buf = malloc(SS_SECRET_MAX + 2);
    if (!buf) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    for (;;) {
        ssize_t n = read(fd, buf + len, SS_SECRET_MAX + 1 - len);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "cannot read %s: %s", body, strerror(errno));
            goto out;
        }
        if (n == 0)
            break;
        len += (size_t)n;
        if (len > SS_SECRET_MAX) {
            snprintf(err, errlen, "%s is larger than %d bytes", body, SS_SECRET_MAX);
            goto out;
        }
    }
    if (len > 0 && buf[len - 1] == '\n') {
        len--;
        if (len > 0 && buf[len - 1] == '\r')
            len--;
    }
    buf[len] = '\0';
    if (len == 0 || strlen(buf) != len) {
        snprintf(err, errlen, "%s is empty or contains a NUL byte", body);
        goto out;
    }
    *out = buf;
    buf = NULL;
    rc = 0;
out:
    if (buf) {
        /* Scrub whatever part of the secret was read before failing. */
        explicit_bzero(buf, SS_SECRET_MAX + 2);
        free(buf);
    }
    if (fd >= 0)
        close(fd);
    return rc;
}
