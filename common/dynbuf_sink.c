#include "ss/dynbuf_sink.h"

void ss_dynbuf_sink_init(struct ss_dynbuf_sink *k, size_t max, int secret)
{
    if (secret)
        ss_dynbuf_init_secret(&k->buf, max);
    else
        ss_dynbuf_init(&k->buf, max);
    k->too_big = 0;
}

void ss_dynbuf_sink_reset(struct ss_dynbuf_sink *k)
{
    ss_dynbuf_reset(&k->buf);
    k->too_big = 0;
}

void ss_dynbuf_sink_free(struct ss_dynbuf_sink *k)
{
    ss_dynbuf_free(&k->buf);
    k->too_big = 0;
}

size_t ss_dynbuf_sink_write(char *data, size_t size, size_t nmemb, void *userp)
{
    struct ss_dynbuf_sink *k = userp;
    size_t n = size * nmemb;
    int rc;

    if (size && n / size != nmemb) {
        k->too_big = 1;
        return 0;
    }
    rc = ss_dynbuf_add(&k->buf, data, n);
    if (rc == SS_DYNBUF_TOO_BIG)
        k->too_big = 1;
    return rc < 0 ? 0 : n;
}
