/* A response body received into a capped ss_dynbuf: the one write callback
 * of every libcurl transfer (CURLOPT_WRITEFUNCTION = ss_dynbuf_sink_write,
 * CURLOPT_WRITEDATA = the sink).  Past the cap the transfer stops
 * (CURLE_WRITE_ERROR) and too_big says why; no memory stops it the same
 * way.  Needs no libcurl header: the callback's shape is plain C. */
#ifndef SS_DYNBUF_SINK_H
#define SS_DYNBUF_SINK_H

#include <stddef.h>

#include "ss/dynbuf.h"

struct ss_dynbuf_sink {
    struct ss_dynbuf buf;
    int too_big; /* the body passed buf's cap (the buffer holds the rest) */
};

/* max: most body bytes; secret: ss_dynbuf_init_secret (credentials). */
void ss_dynbuf_sink_init(struct ss_dynbuf_sink *k, size_t max, int secret);
/* Empties the body for the next attempt, keeping its memory. */
void ss_dynbuf_sink_reset(struct ss_dynbuf_sink *k);
void ss_dynbuf_sink_free(struct ss_dynbuf_sink *k);

/* The write callback: appends size * nmemb bytes of data to userp (a
 * struct ss_dynbuf_sink *).  Returns the bytes taken, 0 to stop. */
size_t ss_dynbuf_sink_write(char *data, size_t size, size_t nmemb, void *userp);

#endif
