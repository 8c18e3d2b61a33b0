/*
 * Plugin instances and the services table each one gets: logging with the
 * instance as component, its configuration (defaults applied, PATH values
 * made absolute, references resolved), allocation and the stop flag.
 */
#ifndef SS_HOST_H
#define SS_HOST_H

#include <scimsync/plugin.h>
#include <ss/common.h>

#include "config.h"
#include "engine_types.h"
#include "stop.h"

struct ss_host_value {
    const struct scimsync_config_key *decl;
    char *value;       /* NULL: unset without default (or unresolved secret) */
    const char *where; /* "file:line" or "<default>" */
    int secret;        /* a SECRET key, or read from a store of secrets: scrubbed, and
                          masked in the plugin's log lines */
};

struct ss_instance {
    struct scimsync_host host; /* host.ctx points back here */
    const struct ss_conf_section *section;
    const struct scimsync_plugin *plugin;
    struct ss_host_value *values; /* one per declared key */
    size_t nvalues;
    void *inst; /* the plugin's instance once created */
    char **mapped[2]; /* sources: attributes the mapping uses, users / groups */
    const char *const *extra_names; /* targets: NULL-terminated, not owned */
};

/* Builds the configuration view of an instance.  The section must already
 * have passed ss_config_check_section.  resolve_secrets = 0 leaves SECRET
 * keys and keys set to a reference unset (validate reads nothing).  Logs
 * and returns <0 on failure. */
SS_NODISCARD int ss_instance_new(const struct ss_conf_section *section,
                                 const struct scimsync_plugin *plugin, int resolve_secrets,
                                 struct ss_instance **out);
/* Sources: records the attributes the mapping (defaults, then the lines)
 * uses, for host->mapped_attributes.  Call before ss_instance_create.
 * Returns 0, or <0 on no memory (logged). */
int ss_instance_set_mapping(struct ss_instance *in, const char *const *defaults,
                            const struct ss_mapping_line *lines, size_t nlines);
/* Targets: the extra attribute names the mappings use, for
 * host->extra_names (NULL-terminated; must outlive the instance). */
void ss_instance_set_extra_names(struct ss_instance *in, const char *const *names);
/* plugin->create(); logs and returns <0 when the plugin refuses. */
int ss_instance_create(struct ss_instance *in);
/* destroy() when created, scrub secret values, free. */
void ss_instance_free(struct ss_instance *in);

/* Resolves the reference kv (file: paths relative to the file that set
 * it, as for a run) and forgets the value: `scimsync check`.  Returns 0, or
 * -1 with the reason (never the value) in err. */
int ss_host_check_reference(const struct ss_conf_kv *kv, char *err, size_t errlen);

#endif
