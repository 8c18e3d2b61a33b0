/*
 * Where the state lives: a local file (written to a temporary file,
 * fsync'd and renamed over the old one) or an S3 object (conditional PUTs:
 * If-None-Match: * to create, If-Match on the ETag read to replace, so two
 * writers never overwrite each other silently).  The S3 store also holds
 * the run lease for containers (KEY.lock, see state_lease.c).
 */
#ifndef SS_STATE_STORE_H
#define SS_STATE_STORE_H

#include <ss/common.h>
#include <stddef.h>

#include "aws_credentials.h"

enum ss_store_kind { SS_STORE_FILE = 1, SS_STORE_S3 };

/* Largest state accepted from the store. */
#define SS_STATE_MAX_BYTES ((size_t)1 << 30)

struct ss_state_store {
    enum ss_store_kind kind;
    char *path;         /* file */
    char *bucket, *key; /* s3 */
    int path_style;     /* s3: https://endpoint/BUCKET/KEY instead of BUCKET.endpoint */
    const char *region;
    struct ss_aws_creds creds;
    int have_creds;
    char etag[160]; /* ETag of the object read or last written; "" none */
    int exists;     /* the object exists (as far as we know) */
    char *where;    /* "file:/path" / "s3://b/k" for messages */
};

/* Store results beside 0 / -1. */
#define SS_STORE_CONFLICT (-2) /* S3 412: someone else wrote the state meanwhile */

/* Parses "file:/path" or "s3://BUCKET/KEY".  0, or <0 with err set. */
int ss_store_open(struct ss_state_store *s, const char *url, int path_style, char *err,
                  size_t errlen);
void ss_store_close(struct ss_state_store *s);

/* 1 and *buf (malloc'd) when the state exists, 0 when it does not, <0 with
 * err set when it could not be read. */
SS_NODISCARD int ss_store_load(struct ss_state_store *s, char **buf, size_t *len, char *err,
                               size_t errlen);
/* Writes buf atomically.  0; SS_STORE_CONFLICT or -1 with err set. */
int ss_store_save(struct ss_state_store *s, const char *buf, size_t len, char *err, size_t errlen);

/* file backend */
int ss_store_file_load(struct ss_state_store *s, char **buf, size_t *len, char *err, size_t errlen);
int ss_store_file_save(struct ss_state_store *s, const char *buf, size_t len, char *err,
                       size_t errlen);

/* S3 backend (state_s3.c): one object.  cond: NULL (none), "*" (create
 * only: If-None-Match: *) or an ETag (If-Match).  GET: 1 found, 0 absent;
 * PUT / DELETE: 0, SS_STORE_CONFLICT on 412; -1 with err set. */
int ss_s3_get(struct ss_state_store *s, const char *key, char **buf, size_t *len, char *etag,
              size_t etaglen, char *err, size_t errlen);
int ss_s3_put(struct ss_state_store *s, const char *key, const char *buf, size_t len,
              const char *cond, char *etag, size_t etaglen, char *err, size_t errlen);
int ss_s3_delete(struct ss_state_store *s, const char *key, const char *if_match, char *err,
                 size_t errlen);

#endif
