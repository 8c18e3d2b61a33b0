/*
 * Canned directories for the reader tests (test_reader.c) and the
 * allocation-failure run over the same reads (test_reader_alloc.c).
 */
#ifndef READER_FIXTURE_H
#define READER_FIXTURE_H

#include "fake_dir.h"
#include "test_host.h"

extern const struct scimsync_plugin scimsync_plugin_descriptor;
#define PLUGIN (&scimsync_plugin_descriptor)

/* An OpenLDAP directory: 3 users (one deferred for its manager, one
 * locked), groupOfNames / groupOfUniqueNames / posixGroup, a nested group
 * read as a helper, members outside the scope. */
extern const struct fake_search ol_searches[];
/* An Active Directory: binary ids, userAccountControl, a big group read
 * in member ranges of 2. */
extern const struct fake_search ad_searches[];

/* Creates the plugin over host t with the fake directory f; reads every
 * entry with on_entry (may be NULL) and closes.  Returns the first error,
 * 0 when the read ended normally; *n the entries read. */
int fixture_read(struct test_host *t, struct fake_dir *f,
                 void (*on_entry)(const struct scimsync_entry *e, void *ctx), void *ctx, int *n);

#endif
