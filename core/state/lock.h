/*
 * One run at a time per target: a lock taken before a sync reads anything
 * and held until it ends.  Today a lock file with flock(2), for runs on
 * one host; a lease in shared storage (for containers) is meant to offer
 * the same three calls: acquire, holder, release.
 */
#ifndef SS_LOCK_H
#define SS_LOCK_H

#include <ss/common.h>
#include <stddef.h>

/* Who holds a lock, as its holder wrote it (empty strings when unknown:
 * the holder may not have written it yet). */
struct ss_lock_holder {
    char host[128];
    long pid;         /* 0: unknown */
    char started[32]; /* UTC, "2026-11-30T07:00:00Z" */
    char command[32]; /* "sync", "daemon" */
};

struct ss_lock {
    int fd; /* -1: not held */
    char *path;
};

#define SS_LOCK_INIT                                                                               \
    {                                                                                              \
        .fd = -1, .path = NULL                                                                     \
    }

enum ss_lock_result {
    SS_LOCK_ERROR = -1, /* could not even try (logged) */
    SS_LOCK_HELD = 0,   /* ours until ss_lock_release */
    SS_LOCK_BUSY = 1    /* another live process holds it: *holder filled */
};

/* Takes the lock at path without waiting, creating the file (and, for the
 * default folders, their parent) as needed, and writes our host, pid,
 * start time and command into it.  A lock whose holder is gone is free:
 * the kernel drops an flock when its process ends, however it ends. */
enum ss_lock_result ss_lock_acquire(struct ss_lock *l, const char *path, const char *command,
                                    struct ss_lock_holder *holder);
/* Drops the lock and removes the file (a dead holder's file stays until
 * the next run takes it over). */
void ss_lock_release(struct ss_lock *l);

/* Parses the text a holder wrote ("key=value" lines) into h. */
void ss_lock_holder_parse(const char *text, struct ss_lock_holder *h);
/* "host web1, pid 4242, sync started 2026-11-30T07:00:00Z", or a note that
 * the holder is unknown. */
void ss_lock_holder_describe(const struct ss_lock_holder *h, char *buf, size_t len);

/* The default lock file of a target, from a text naming it (plugin and
 * URL), in the first folder that exists: /run/scimsync/ for root;
 * $RUNTIME_DIRECTORY/ (systemd RuntimeDirectory=scimsync);
 * $XDG_RUNTIME_DIR/scimsync/; /tmp/scimsync-<uid>/.  File <hash>.lock.
 * malloc'd; NULL on no memory. */
SS_NODISCARD char *ss_lock_default_path(const char *target_identity);
/* 64-bit FNV-1a of s, for the file name (exposed for tests). */
unsigned long long ss_lock_hash(const char *s);

#endif
