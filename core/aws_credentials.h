/*
 * AWS credentials in the SDKs' standard order: environment
 * (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN), ECS
 * container credentials (AWS_CONTAINER_CREDENTIALS_RELATIVE_URI, or
 * _FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE]), then EC2
 * IMDSv2 (AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the address,
 * AWS_EC2_METADATA_DISABLED=true skips it).
 */
#ifndef SS_AWS_CREDENTIALS_H
#define SS_AWS_CREDENTIALS_H

#include <stddef.h>
#include <time.h>

struct ss_aws_creds {
    char *access_key_id;
    char *secret_access_key;
    char *session_token; /* NULL: none */
    time_t expiration;   /* 0: does not expire */
    const char *source;  /* "environment", "container", "imds" */
};

/* Finds credentials.  0 and *out filled, or <0 with err set (never
 * containing key material).  Expired credentials are an error. */
int ss_aws_creds_resolve(struct ss_aws_creds *out, char *err, size_t errlen);
/* Wipes and frees; *c becomes empty. */
void ss_aws_creds_clear(struct ss_aws_creds *c);

/* Pure pieces, unit-tested. */
/* Credentials document of the container endpoint or IMDS. */
int ss_aws_creds_from_json(const char *json, size_t len, struct ss_aws_creds *out, char *err,
                           size_t errlen);
/* "2026-11-28T13:00:00Z" (fractions and +00:00 accepted) to time_t. */
int ss_aws_parse_time(const char *iso, time_t *out);
/* URL of the container credentials endpoint from the environment; 1 when
 * set, 0 when the container provider does not apply, <0 on a bad value
 * (a FULL_URI must be https, loopback, or the ECS/EKS agent address). */
int ss_aws_container_url(char *out, size_t outlen, char *err, size_t errlen);

#endif
