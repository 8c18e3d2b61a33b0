#include "warncap.h"

#include <stdarg.h>

#include "log.h"

void ss_warncap_log(struct ss_warncap *w, const char *fmt, ...)
{
    if (w->count++ >= w->limit)
        return;
    va_list ap;
    va_start(ap, fmt);
    ss_logv(w->level, NULL, fmt, ap);
    va_end(ap);
}

int ss_warncap_take(struct ss_warncap *w)
{
    return w->count++ < w->limit;
}

void ss_warncap_total(const struct ss_warncap *w)
{
    if (w->count > w->limit)
        ss_log(w->level, NULL, "%zu %s in total (%zu not shown)", w->count, w->what,
               w->count - w->limit);
}
