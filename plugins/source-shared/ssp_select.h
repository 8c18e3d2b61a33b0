/*
 * The selection of a web API source (sync --user NAME / --group NAME): a
 * copy of what open_selection was given, owned by the plugin, and the
 * refusal of a setting the plugin's lookups cannot honour.
 */
#ifndef SSP_SELECT_H
#define SSP_SELECT_H

#include <scimsync/plugin.h>

struct ssp_selection {
    enum scimsync_entry_kind kind; /* 0: no selection (a full read) */
    char *name;
    char *external_id; /* NULL: match by name only */
};

/* Copies sel into *out (cleared first).  conflicting_key: a configured
 * key that selects a set the lookups cannot reproduce (NULL: none); it is
 * refused with an error naming where it is set.  plugin: the source's
 * name for that message.  0, SCIMSYNC_ERR_CONFIG, SCIMSYNC_ERR_NOMEM. */
int ssp_selection_set(struct ssp_selection *out, const struct scimsync_host *h, const char *plugin,
                      const char *conflicting_key, const struct scimsync_selection *sel);
void ssp_selection_clear(struct ssp_selection *s);

#endif
