/* A growing byte buffer with a hard size cap, in the style of curl's
 * dynbuf: the cap is set at init and an append that would pass it fails
 * cleanly, leaving the content as it was.  The content is always
 * NUL-terminated (the terminator is not counted in the length or the cap). */
#ifndef SS_DYNBUF_H
#define SS_DYNBUF_H

#include <stdarg.h>
#include <stddef.h>

#include "ss/common.h"

#define SS_DYNBUF_TOO_BIG (-2) /* an append would pass the cap */

struct ss_dynbuf {
    char *buf; /* NULL until the first append */
    size_t len;
    size_t alloc;
    size_t max; /* most content bytes */
    int secret; /* wipe memory it lets go of (see ss_dynbuf_init_secret) */
};

/* max: most bytes the content may hold (> 0).  Allocates nothing. */
void ss_dynbuf_init(struct ss_dynbuf *b, size_t max);
/* The same for content that may hold a secret: growth copies instead of
 * realloc and wipes the old block, and reset / shrink / free wipe what they
 * drop, so no stale copy stays in freed memory.  ss_dynbuf_take hands the
 * duty of wiping to the caller. */
void ss_dynbuf_init_secret(struct ss_dynbuf *b, size_t max);

/* Append n bytes / a string / one byte / printf output.  0, -1 no memory,
 * SS_DYNBUF_TOO_BIG.  On failure the content is unchanged. */
SS_NODISCARD int ss_dynbuf_add(struct ss_dynbuf *b, const void *mem, size_t n);
SS_NODISCARD int ss_dynbuf_addstr(struct ss_dynbuf *b, const char *s);
SS_NODISCARD int ss_dynbuf_addc(struct ss_dynbuf *b, char c);
SS_NODISCARD SS_PRINTF(2, 3) int ss_dynbuf_addf(struct ss_dynbuf *b, const char *fmt, ...);
SS_NODISCARD SS_PRINTF(2, 0) int ss_dynbuf_vaddf(struct ss_dynbuf *b, const char *fmt, va_list ap);

/* Appends everything fd holds until end of file (read() retried on EINTR).
 * 0; SS_DYNBUF_TOO_BIG past the cap; -1 with errno set (ENOMEM for no
 * memory, or read()'s).  A secret buffer's stack copy is wiped too. */
SS_NODISCARD int ss_dynbuf_read_fd(struct ss_dynbuf *b, int fd);

/* ss_dynbuf_read_fd that says what failed in err: "NAME is larger than
 * MAX bytes", "out of memory" or "cannot read NAME: REASON".  0 or the
 * same negative values. */
SS_NODISCARD int ss_dynbuf_read_fd_err(struct ss_dynbuf *b, int fd, const char *name, char *err,
                                       size_t errlen);

/* The content ("" when empty; never NULL) and its length. */
const char *ss_dynbuf_str(const struct ss_dynbuf *b);
static inline size_t ss_dynbuf_len(const struct ss_dynbuf *b)
{
    return b->len;
}

/* Drops the last n bytes (all when n > len). */
void ss_dynbuf_shrink(struct ss_dynbuf *b, size_t n);
/* Empties the buffer, keeping its memory. */
void ss_dynbuf_reset(struct ss_dynbuf *b);
/* Hands the malloc'd content to the caller (free() it) and empties the
 * buffer.  NULL on no memory (an empty buffer yields a malloc'd ""). */
SS_NODISCARD char *ss_dynbuf_take(struct ss_dynbuf *b);
void ss_dynbuf_free(struct ss_dynbuf *b);

#endif
