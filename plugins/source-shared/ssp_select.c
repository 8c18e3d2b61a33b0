#include "ssp_select.h"

#include <stdlib.h>
#include <string.h>

void ssp_selection_clear(struct ssp_selection *s)
{
    free(s->name);
    free(s->external_id);
    s->name = s->external_id = NULL;
    s->kind = 0;
}

int ssp_selection_set(struct ssp_selection *out, const struct scimsync_host *h, const char *plugin,
                      const char *conflicting_key, const struct scimsync_selection *sel)
{
    ssp_selection_clear(out);
    if (sel->kind != SCIMSYNC_ENTRY_USER && sel->kind != SCIMSYNC_ENTRY_GROUP)
        return SCIMSYNC_ERR_CONFIG;
    if (conflicting_key) {
        h->log(h, SCIMSYNC_LOG_ERROR,
               "%s: %s: the %s source does not combine it with --%s; run a full sync",
               h->config_where(h, conflicting_key), conflicting_key, plugin,
               sel->kind == SCIMSYNC_ENTRY_USER ? "user" : "group");
        return SCIMSYNC_ERR_CONFIG;
    }
    out->name = strdup(sel->name ? sel->name : "");
    out->external_id = sel->external_id ? strdup(sel->external_id) : NULL;
    if (!out->name || (sel->external_id && !out->external_id)) {
        ssp_selection_clear(out);
        return SCIMSYNC_ERR_NOMEM;
    }
    out->kind = sel->kind;
    return 0;
}
