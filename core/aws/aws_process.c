/*
 * credential_process: an external command that prints credentials as JSON.
 *
 * The SDKs hand the command line to a shell (sh -c) or split it like one
 * (botocore).  We split it with wordexp(3) and WRDE_NOCMD and run the
 * program directly (posix_spawnp): quotes, backslashes, ~ and $VARIABLES
 * work as in a shell, while command substitution, pipes, redirections and
 * `;` are refused, so a profile line cannot start a shell pipeline inside
 * a long-running daemon.  Write a small script for anything fancier.
 */
#include "aws_providers.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <wordexp.h>

#include "log.h"

extern char **environ;

#define PROCESS_MAX_OUTPUT (64 * 1024)
#define PROCESS_TIMEOUT_MS (60 * 1000)

int ss_aws_process_parse(const char *json, size_t len, struct ss_aws_creds *out, char *err,
                         size_t errlen)
{
    static const char what[] = "credential_process output";
    static const char *const names[4] = {"AccessKeyId", "SecretAccessKey", "SessionToken",
                                         "Expiration"};
    struct json_object *doc = ss_aws_json_object(json, len), *v;
    int rc = -1;

    memset(out, 0, sizeof(*out));
    if (!doc) {
        snprintf(err, errlen, "%s is not a JSON object", what);
        goto out;
    }
    if (!json_object_object_get_ex(doc, "Version", &v) || !json_object_is_type(v, json_type_int) ||
        json_object_get_int64(v) != 1) {
        snprintf(err, errlen, "%s: Version must be the number 1", what);
        goto out;
    }
    rc = ss_aws_creds_take(doc, what, names, out, err, errlen);
out:
    if (doc)
        json_object_put(doc);
    return rc;
}

static const char *wordexp_error(int e)
{
    switch (e) {
    case WRDE_BADCHAR:
        return "holds | & ; < > ( ) { } or a newline outside quotes (no shell is used)";
    case WRDE_CMDSUB:
        return "uses command substitution, which is not supported";
    case WRDE_SYNTAX:
        return "has unbalanced quotes";
    case WRDE_NOSPACE:
        return "out of memory";
    default:
        return "cannot be split into words";
    }
}

/* Reads the child's stdout until EOF, the cap or the deadline. */
static int read_output(int fd, char *buf, size_t cap, size_t *len, char *err, size_t errlen)
{
    struct timespec start, now;
    long left;

    clock_gettime(CLOCK_MONOTONIC, &start);
    *len = 0;
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        ssize_t n;

        clock_gettime(CLOCK_MONOTONIC, &now);
        left = PROCESS_TIMEOUT_MS -
               ((now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000);
        if (left <= 0) {
            snprintf(err, errlen, "credential_process gave no complete answer within %d s",
                     PROCESS_TIMEOUT_MS / 1000);
            return -1;
        }
        if (poll(&pfd, 1, (int)left) < 0) {
            if (errno == EINTR)
                continue;
            snprintf(err, errlen, "credential_process: poll: %s", strerror(errno));
            return -1;
        }
        if (!pfd.revents)
            continue;
        n = read(fd, buf + *len, cap - *len);
        if (n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            snprintf(err, errlen, "credential_process: read: %s", strerror(errno));
            return -1;
        }
        if (n == 0)
            return 0;
        *len += (size_t)n;
        if (*len == cap) {
            snprintf(err, errlen, "credential_process printed more than %d bytes",
                     PROCESS_MAX_OUTPUT);
            return -1;
        }
    }
}

int ss_aws_process_run(const char *cmd, struct ss_aws_creds *out, char *err, size_t errlen)
{
    posix_spawn_file_actions_t fa;
    wordexp_t we;
    int pipefd[2] = {-1, -1}, fa_ok = 0, we_ok = 0, status = 0, e, rc = -1;
    pid_t pid = -1;
    char *buf = NULL, why[256];
    size_t len = 0;

    memset(out, 0, sizeof(*out));
    e = wordexp(cmd, &we, WRDE_NOCMD);
    if (e != 0) {
        snprintf(err, errlen, "credential_process %s", wordexp_error(e));
        if (e == WRDE_NOSPACE)
            wordfree(&we);
        goto out;
    }
    we_ok = 1;
    if (we.we_wordc == 0) {
        snprintf(err, errlen, "credential_process is empty");
        goto out;
    }
    if (!(buf = malloc(PROCESS_MAX_OUTPUT + 1))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    if (pipe(pipefd) < 0 || fcntl(pipefd[0], F_SETFD, FD_CLOEXEC) < 0 ||
        fcntl(pipefd[1], F_SETFD, FD_CLOEXEC) < 0 || posix_spawn_file_actions_init(&fa) != 0) {
        snprintf(err, errlen, "credential_process: %s", strerror(errno));
        goto out;
    }
    fa_ok = 1;
    if (posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0) != 0 ||
        posix_spawn_file_actions_adddup2(&fa, pipefd[1], 1) != 0) {
        snprintf(err, errlen, "credential_process: out of memory");
        goto out;
    }
    e = posix_spawnp(&pid, we.we_wordv[0], &fa, NULL, we.we_wordv, environ);
    if (e != 0) {
        pid = -1;
        snprintf(err, errlen, "credential_process: cannot run %.200s: %s", we.we_wordv[0],
                 strerror(e));
        goto out;
    }
    close(pipefd[1]);
    pipefd[1] = -1;
    if (read_output(pipefd[0], buf, PROCESS_MAX_OUTPUT, &len, err, errlen) < 0) {
        kill(pid, SIGKILL);
        goto out;
    }
    buf[len] = '\0';
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
        ;
    pid = -1;
    if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
        if (WIFEXITED(status))
            snprintf(err, errlen, "credential_process %.200s exited with status %d", we.we_wordv[0],
                     WEXITSTATUS(status));
        else
            snprintf(err, errlen, "credential_process %.200s was killed by signal %d",
                     we.we_wordv[0], WIFSIGNALED(status) ? WTERMSIG(status) : 0);
        goto out;
    }
    if (ss_aws_process_parse(buf, len, out, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%.200s: %s", we.we_wordv[0], why);
        goto out;
    }
    rc = 0;
out:
    if (pid > 0)
        while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
            ;
    if (pipefd[0] >= 0)
        close(pipefd[0]);
    if (pipefd[1] >= 0)
        close(pipefd[1]);
    if (fa_ok)
        posix_spawn_file_actions_destroy(&fa);
    if (we_ok)
        wordfree(&we);
    if (buf) {
        explicit_bzero(buf, PROCESS_MAX_OUTPUT + 1);
        free(buf);
    }
    return rc;
}
