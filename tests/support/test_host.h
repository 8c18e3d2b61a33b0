/*
 * A host table for driving one plugin outside the engine: configuration
 * from key=value pairs over the plugin's declared defaults, log lines to
 * stderr and / or a buffer, optional mapped attributes and a stop request
 * after N polls.  Used by the dump drivers of the integration tests and by
 * the plugin unit tests.
 */
#ifndef SS_TEST_HOST_H
#define SS_TEST_HOST_H

#include <scimsync/plugin.h>
#include <stddef.h>

#define TEST_HOST_MAX_KV 64

struct test_host {
    struct scimsync_host h; /* first: the plugin sees only this */
    const struct scimsync_plugin *plugin;
    char *key[TEST_HOST_MAX_KV], *val[TEST_HOST_MAX_KV];
    int nkv;
    int log_stderr;    /* write log lines to stderr */
    int log_level;     /* most verbose level kept (SCIMSYNC_LOG_INFO ...) */
    char log[1 << 16]; /* every line kept, '\n'-separated (cut when full) */
    size_t loglen;
    long stop_after; /* should_stop says yes from this poll on; <0 never */
    long polls;
    const char *const *mapped[2]; /* users, groups; NULL: none */
};

/* Sets up t for plugin p (its keys give the defaults): ABI 1.1 table, no
 * mapped attributes, never stops, log kept up to INFO. */
void test_host_init(struct test_host *t, const struct scimsync_plugin *p);
/* Frees what test_host_set copied. */
void test_host_free(struct test_host *t);
/* key=value (copied); a key set twice: the later one wins.  0, or -1 when
 * the plugin has no such key or the table is full. */
int test_host_set(struct test_host *t, const char *key, const char *val);
/* "key=value": as test_host_set; secret keys accept env:VAR and file:PATH
 * (the whole file, one trailing newline removed, as the host does). */
int test_host_set_arg(struct test_host *t, const char *arg);
/* Offers mapped_attributes (ABI 1.1) with these lists. */
void test_host_map(struct test_host *t, const char *const *users, const char *const *groups);
/* Nonzero when some log line contains text. */
int test_host_logged(const struct test_host *t, const char *text);
void test_host_clear_log(struct test_host *t);

#endif
