/* The run lock as a file with flock(2).  flock, not fcntl locks: it
 * belongs to the open file, so it is dropped exactly when the holder's
 * process ends (a crash or kill -9 included), never by an unrelated close
 * in the same process; a lock left by a dead holder is therefore free
 * and simply taken. */
#include "lock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

unsigned long long ss_lock_hash(const char *s)
{
    unsigned long long h = 1469598103934665603ULL;
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= 1099511628211ULL;
    }
    return h;
}

/* A folder we can use: it exists and we may create files in it. */
static int usable_dir(const char *dir)
{
    struct stat st;
    return stat(dir, &st) == 0 && S_ISDIR(st.st_mode) && access(dir, W_OK | X_OK) == 0;
}

char *ss_lock_default_path(const char *target_identity)
{
    char dir[512], *out;
    const char *rd = getenv("RUNTIME_DIRECTORY"); /* systemd RuntimeDirectory= */
    const char *xdg = getenv("XDG_RUNTIME_DIR");
    size_t n;

    /* The first that exists: a container may have no /run, a service
     * no $XDG_RUNTIME_DIR. */
    if (geteuid() == 0 && (usable_dir("/run/scimsync") || usable_dir("/run")))
        snprintf(dir, sizeof dir, "/run/scimsync");
    else if (rd && rd[0] == '/' && !strchr(rd, ':') && usable_dir(rd))
        snprintf(dir, sizeof dir, "%s", rd);
    else if (xdg && xdg[0] == '/' && usable_dir(xdg))
        snprintf(dir, sizeof dir, "%s/scimsync", xdg);
    else
        snprintf(dir, sizeof dir, "/tmp/scimsync-%lu", (unsigned long)geteuid());
    n = strlen(dir) + 32;
    out = malloc(n);
    if (out)
        snprintf(out, n, "%s/%016llx.lock", dir, ss_lock_hash(target_identity));
    return out;
}

void ss_lock_holder_parse(const char *text, struct ss_lock_holder *h)
{
    memset(h, 0, sizeof(*h));
    while (text && *text) {
        const char *eol = strchr(text, '\n'), *eq = strchr(text, '=');
        size_t len = eol ? (size_t)(eol - text) : strlen(text);
        if (eq && (size_t)(eq - text) < len) {
            size_t klen = (size_t)(eq - text), vlen = len - klen - 1;
            const char *v = eq + 1;
            char *dst = NULL;
            size_t cap = 0;
            if (klen == 4 && !memcmp(text, "host", 4)) {
                dst = h->host;
                cap = sizeof h->host;
            } else if (klen == 7 && !memcmp(text, "started", 7)) {
                dst = h->started;
                cap = sizeof h->started;
            } else if (klen == 7 && !memcmp(text, "command", 7)) {
                dst = h->command;
                cap = sizeof h->command;
            } else if (klen == 3 && !memcmp(text, "pid", 3)) {
                h->pid = strtol(v, NULL, 10);
            }
            if (dst) {
                if (vlen >= cap)
                    vlen = cap - 1;
                memcpy(dst, v, vlen);
                dst[vlen] = '\0';
            }
        }
        text = eol ? eol + 1 : NULL;
    }
}

void ss_lock_holder_describe(const struct ss_lock_holder *h, char *buf, size_t len)
{
    if (!h->pid && !h->host[0]) {
        snprintf(buf, len, "a process that has not recorded itself yet");
        return;
    }
    snprintf(buf, len, "%s pid %ld on host %s, started %s", h->command[0] ? h->command : "run",
             h->pid, h->host[0] ? h->host : "?", h->started[0] ? h->started : "?");
}

/* The folder is created on first use; it must be writable by nobody but
 * its owner (unless sticky, like /tmp), or anyone could swap the file under
 * us.  Its owner may be another account: the service's (systemd
 * RuntimeDirectory=) for a manual run as root. */
static int check_parent(const char *path)
{
    char dir[1024];
    const char *slash = strrchr(path, '/');
    struct stat st;
    size_t n = slash ? (size_t)(slash - path) : 0;

    if (!slash)
        return 0;
    if (n == 0 || n >= sizeof dir)
        return 0;
    memcpy(dir, path, n);
    dir[n] = '\0';
    if (mkdir(dir, geteuid() == 0 ? 0755 : 0700) < 0 && errno != EEXIST) {
        ss_error("lock file %s: cannot create the folder %s: %s (set [engine] lock_file)", path,
                 dir, strerror(errno));
        return -1;
    }
    if (stat(dir, &st) < 0) {
        ss_error("lock file %s: %s: %s", path, dir, strerror(errno));
        return -1;
    }
    if ((st.st_mode & 022) && !(st.st_mode & S_ISVTX)) {
        ss_error("lock file %s: the folder %s is writable by other accounts (set [engine] "
                 "lock_file to a folder only its owner can write)",
                 path, dir);
        return -1;
    }
    return 0;
}

static void write_holder(int fd, const char *command)
{
    char host[128] = "", started[32] = "", text[512];
    time_t now = time(NULL);
    struct tm tm;
    int n;

    if (gethostname(host, sizeof host - 1) < 0)
        snprintf(host, sizeof host, "?");
    host[sizeof host - 1] = '\0';
    if (gmtime_r(&now, &tm))
        strftime(started, sizeof started, "%Y-%m-%dT%H:%M:%SZ", &tm);
    n = snprintf(text, sizeof text, "host=%s\npid=%ld\nstarted=%s\ncommand=%s\n", host,
                 (long)getpid(), started, command ? command : "run");
    /* Best effort: the lock is the flock, the text only names its holder. */
    if (ftruncate(fd, 0) == 0 && n > 0 && pwrite(fd, text, (size_t)n, 0) < 0)
        ss_debug("lock file: cannot record the holder: %s", strerror(errno));
}

static void read_holder(int fd, struct ss_lock_holder *holder)
{
    char text[512];
    ssize_t n = pread(fd, text, sizeof text - 1, 0);

    text[n > 0 ? n : 0] = '\0';
    ss_lock_holder_parse(text, holder);
}

/* Opens path and tries the lock once.  Returns HELD with *fd set, BUSY
 * with *fd set (the caller reads the holder), ERROR (logged), or -2 when
 * the file was removed by its releasing holder between our open and our
 * flock: a lock on that orphan would exclude nobody, so try again. */
static int try_once(const char *path, int *fd)
{
    struct stat a, b;

    *fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
    if (*fd < 0 && errno == EACCES) /* another account's lock: we can still wait our turn */
        *fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (*fd < 0) {
        ss_error("lock file %s: %s (set [engine] lock_file)", path, strerror(errno));
        return SS_LOCK_ERROR;
    }
    if (flock(*fd, LOCK_EX | LOCK_NB) < 0) {
        int err = errno;
        if (err == EWOULDBLOCK)
            return SS_LOCK_BUSY;
        ss_error("lock file %s: %s", path, strerror(err));
        close(*fd);
        *fd = -1;
        return SS_LOCK_ERROR;
    }
    if (fstat(*fd, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev && a.st_ino == b.st_ino)
        return SS_LOCK_HELD;
    close(*fd);
    *fd = -1;
    return -2;
}

enum ss_lock_result ss_lock_acquire(struct ss_lock *l, const char *path, const char *command,
                                    struct ss_lock_holder *holder)
{
    int fd = -1, r = -2;

    l->fd = -1;
    l->path = NULL;
    memset(holder, 0, sizeof(*holder));
    if (check_parent(path) < 0)
        return SS_LOCK_ERROR;
    for (int i = 0; i < 100 && r == -2; i++)
        r = try_once(path, &fd);
    if (r == -2) {
        ss_error("lock file %s: replaced while being taken, 100 times", path);
        return SS_LOCK_ERROR;
    }
    if (r == SS_LOCK_BUSY) {
        /* The holder writes who it is just after taking the lock: a run
         * that arrives in between waits a moment for that record. */
        read_holder(fd, holder);
        for (int i = 0; i < 50 && holder->pid == 0; i++) {
            struct timespec pause = {0, 20 * 1000 * 1000};
            nanosleep(&pause, NULL);
            read_holder(fd, holder);
        }
        close(fd);
        return SS_LOCK_BUSY;
    }
    if (r != SS_LOCK_HELD)
        return SS_LOCK_ERROR;
    l->path = strdup(path);
    if (!l->path) {
        ss_error("out of memory");
        close(fd);
        return SS_LOCK_ERROR;
    }
    l->fd = fd;
    write_holder(fd, command);
    ss_debug("lock file %s taken", path);
    return SS_LOCK_HELD;
}

void ss_lock_release(struct ss_lock *l)
{
    if (l->fd >= 0) {
        /* Removed while still ours (a newcomer that opened it meanwhile
         * sees the file replaced and tries again), so nothing is left
         * behind and nobody reads a stale holder. */
        if (unlink(l->path) < 0)
            ss_debug("lock file %s: %s", l->path, strerror(errno));
        close(l->fd);
        ss_debug("lock file %s released", l->path);
    }
    free(l->path);
    l->fd = -1;
    l->path = NULL;
}
