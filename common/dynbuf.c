#include "ss/dynbuf.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define FIRST_ALLOC 64

void ss_dynbuf_init(struct ss_dynbuf *b, size_t max)
{
    b->buf = NULL;
    b->len = 0;
    b->alloc = 0;
    b->max = max;
    b->secret = 0;
}

void ss_dynbuf_init_secret(struct ss_dynbuf *b, size_t max)
{
    ss_dynbuf_init(b, max);
    b->secret = 1;
}

/* Room for n more content bytes plus the terminator. */
static int room(struct ss_dynbuf *b, size_t n)
{
    if (n > b->max || b->len > b->max - n)
        return SS_DYNBUF_TOO_BIG;
    size_t need = b->len + n + 1;
    if (need <= b->alloc)
        return 0;
    size_t na = b->alloc ? b->alloc : FIRST_ALLOC;
    while (na < need)
        na = na > SIZE_MAX / 2 ? need : na * 2;
    if (na > b->max + 1)
        na = b->max + 1;
    char *p;
    if (b->secret) {
        if (!(p = malloc(na)))
            return -1;
        if (b->buf) {
            memcpy(p, b->buf, b->len + 1);
            explicit_bzero(b->buf, b->alloc);
            free(b->buf);
        }
    } else if (!(p = realloc(b->buf, na))) {
        return -1;
    }
    b->buf = p;
    b->alloc = na;
    return 0;
}

int ss_dynbuf_add(struct ss_dynbuf *b, const void *mem, size_t n)
{
    int rc = room(b, n);
    if (rc < 0)
        return rc;
    if (n)
        memcpy(b->buf + b->len, mem, n);
    b->len += n;
    b->buf[b->len] = '\0';
    return 0;
}

int ss_dynbuf_addstr(struct ss_dynbuf *b, const char *s)
{
    return ss_dynbuf_add(b, s, strlen(s));
}

int ss_dynbuf_addc(struct ss_dynbuf *b, char c)
{
    return ss_dynbuf_add(b, &c, 1);
}

int ss_dynbuf_vaddf(struct ss_dynbuf *b, const char *fmt, va_list ap)
{
    va_list ap2;
    va_copy(ap2, ap);
    int n = vsnprintf(NULL, 0, fmt, ap2);
    va_end(ap2);
    if (n < 0)
        return -1;
    int rc = room(b, (size_t)n);
    if (rc < 0)
        return rc;
    vsnprintf(b->buf + b->len, (size_t)n + 1, fmt, ap);
    b->len += (size_t)n;
    return 0;
}

int ss_dynbuf_addf(struct ss_dynbuf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = ss_dynbuf_vaddf(b, fmt, ap);
    va_end(ap);
    return rc;
}

int ss_dynbuf_read_fd(struct ss_dynbuf *b, int fd)
{
    char tmp[4096];
    int rc;

    for (;;) {
        ssize_t n = read(fd, tmp, sizeof(tmp));
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            rc = n < 0 ? -1 : 0;
            break;
        }
        rc = ss_dynbuf_add(b, tmp, (size_t)n);
        if (rc < 0) {
            if (rc == -1)
                errno = ENOMEM;
            break;
        }
    }
    if (b->secret)
        explicit_bzero(tmp, sizeof(tmp));
    return rc;
}

int ss_dynbuf_read_fd_err(struct ss_dynbuf *b, int fd, const char *name, char *err, size_t errlen)
{
    int rc = ss_dynbuf_read_fd(b, fd);
    if (rc == SS_DYNBUF_TOO_BIG)
        snprintf(err, errlen, "%s is larger than %zu bytes", name, b->max);
    else if (rc < 0 && errno == ENOMEM)
        snprintf(err, errlen, "out of memory");
    else if (rc < 0)
        snprintf(err, errlen, "cannot read %s: %s", name, strerror(errno));
    return rc;
}

const char *ss_dynbuf_str(const struct ss_dynbuf *b)
{
    return b->buf ? b->buf : "";
}

void ss_dynbuf_shrink(struct ss_dynbuf *b, size_t n)
{
    size_t len = n > b->len ? 0 : b->len - n;
    if (!b->buf)
        return;
    if (b->secret)
        explicit_bzero(b->buf + len, b->len - len);
    b->len = len;
    b->buf[len] = '\0';
}

void ss_dynbuf_reset(struct ss_dynbuf *b)
{
    ss_dynbuf_shrink(b, b->len);
}

char *ss_dynbuf_take(struct ss_dynbuf *b)
{
    char *p = b->buf;
    if (!p && !(p = calloc(1, 1)))
        return NULL;
    b->buf = NULL;
    b->len = b->alloc = 0;
    return p;
}

void ss_dynbuf_free(struct ss_dynbuf *b)
{
    if (b->buf && b->secret)
        explicit_bzero(b->buf, b->alloc);
    free(b->buf);
    b->buf = NULL;
    b->len = b->alloc = 0;
}
