#include "state_store.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws_request.h"

int ss_store_open(struct ss_state_store *s, const char *url, int path_style, char *err,
                  size_t errlen)
{
    memset(s, 0, sizeof(*s));
    s->where = strdup(url);
    if (!s->where)
        goto nomem;
    if (!strncmp(url, "file:", 5)) {
        s->kind = SS_STORE_FILE;
        if (url[5] != '/') {
            snprintf(err, errlen,
                     "state '%.200s': file: takes an absolute path (file:/var/lib/"
                     "scimsync/state.json)",
                     url);
            return -1;
        }
        s->path = strdup(url + 5);
        return s->path ? 0 : (snprintf(err, errlen, "out of memory"), -1);
    }
    if (!strncmp(url, "s3://", 5)) {
        const char *b = url + 5, *slash = strchr(b, '/');
        if (!slash || slash == b || !slash[1] || slash[strlen(slash) - 1] == '/') {
            snprintf(err, errlen, "state '%.200s': s3:// takes s3://BUCKET/KEY", url);
            return -1;
        }
        s->kind = SS_STORE_S3;
        s->bucket = strndup(b, (size_t)(slash - b));
        s->key = strdup(slash + 1);
        s->path_style = path_style;
        if (!s->bucket || !s->key)
            goto nomem;
        if (strspn(s->bucket, "abcdefghijklmnopqrstuvwxyz0123456789.-") != strlen(s->bucket)) {
            snprintf(err, errlen, "state '%.200s': '%s' is not an S3 bucket name", url, s->bucket);
            return -1;
        }
        return 0;
    }
    snprintf(err, errlen, "state '%.200s': expected file:/PATH or s3://BUCKET/KEY", url);
    return -1;
nomem:
    snprintf(err, errlen, "out of memory");
    return -1;
}

void ss_store_close(struct ss_state_store *s)
{
    free(s->path);
    free(s->bucket);
    free(s->key);
    free(s->where);
    ss_aws_creds_clear(&s->creds);
    memset(s, 0, sizeof(*s));
}

static int s3_region(struct ss_state_store *s, char *err, size_t errlen)
{
    if (!s->region)
        s->region = ss_aws_region();
    if (!s->region) {
        snprintf(err, errlen, "%s: no AWS region (set AWS_REGION)", s->where);
        return -1;
    }
    return 0;
}

int ss_store_load(struct ss_state_store *s, char **buf, size_t *len, char *err, size_t errlen)
{
    int r;
    *buf = NULL;
    *len = 0;
    if (s->kind == SS_STORE_FILE) {
        r = ss_store_file_load(s, buf, len, err, errlen);
        s->exists = r > 0;
        return r;
    }
    if (s3_region(s, err, errlen) < 0)
        return -1;
    r = ss_s3_get(s, s->key, buf, len, s->etag, sizeof s->etag, err, errlen);
    /* Unreadable (a 403 is also what S3 answers for a missing key to a role
     * without s3:ListBucket): the save creates it with If-None-Match: *,
     * which fails rather than overwrite a state that does exist. */
    s->exists = r > 0;
    return r;
}

int ss_store_save(struct ss_state_store *s, const char *buf, size_t len, char *err, size_t errlen)
{
    if (s->kind == SS_STORE_FILE)
        return ss_store_file_save(s, buf, len, err, errlen);
    if (s3_region(s, err, errlen) < 0)
        return -1;
    int r = ss_s3_put(s, s->key, buf, len, s->exists ? s->etag : "*", s->etag, sizeof s->etag, err,
                      errlen);
    if (r == 0)
        s->exists = 1;
    return r;
}
