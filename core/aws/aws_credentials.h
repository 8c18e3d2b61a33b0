/*
 * AWS credentials in the order of the AWS SDKs' default chain:
 *   1. environment: AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN
 *   2. web identity: AWS_WEB_IDENTITY_TOKEN_FILE + AWS_ROLE_ARN
 *      (+ AWS_ROLE_SESSION_NAME) -> STS AssumeRoleWithWebIdentity (EKS IRSA)
 *   3. the profile (AWS_PROFILE, else "default") of the shared config and
 *      credentials files: role_arn (source_profile, credential_source or
 *      web_identity_token_file), IAM Identity Center (sso_session /
 *      sso_start_url), static keys, credential_process
 *   4. container credentials: AWS_CONTAINER_CREDENTIALS_RELATIVE_URI (ECS),
 *      or _FULL_URI with AWS_CONTAINER_AUTHORIZATION_TOKEN[_FILE] (EKS Pod
 *      Identity)
 *   5. EC2 IMDSv2 (AWS_EC2_METADATA_SERVICE_ENDPOINT overrides the address,
 *      AWS_EC2_METADATA_DISABLED=true skips it).
 * The first source that is configured gives the credentials, or the error:
 * a configured source that fails is not silently passed over.  When none
 * is configured the error lists each source and why it was skipped.
 * Providers live in aws_profile.c, aws_sts.c, aws_sso.c, aws_process.c.
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
    char source[200];    /* where they came from, for messages: "environment",
                            "profile \"dev\" (role ...)", ... */
};

/* Finds credentials.  0 and *out filled, or <0 with err set (never
 * containing key material).  Expired credentials are an error.  Callers
 * keep them while expiration is more than SS_AWS_CREDS_REFRESH_S away. */
#define SS_AWS_CREDS_REFRESH_S 300
int ss_aws_creds_resolve(struct ss_aws_creds *out, char *err, size_t errlen);
/* Wipes and frees; *c becomes empty. */
void ss_aws_creds_clear(struct ss_aws_creds *c);

/* Pure pieces, unit-tested. */
/* Credentials document of the container endpoint or IMDS. */
int ss_aws_creds_from_json(const char *json, size_t len, struct ss_aws_creds *out, char *err,
                           size_t errlen);
/* 1 when host (as curl_url gives it) may serve container credentials
 * over plain http: a loopback address or the ECS / EKS agent address. */
int ss_aws_container_host_ok(const char *host);
/* "2026-11-28T13:00:00Z" (fractions and +00:00 accepted) to time_t. */
int ss_aws_parse_time(const char *iso, time_t *out);
/* URL of the container credentials endpoint from the environment; 1 when
 * set, 0 when the container provider does not apply, <0 on a bad value
 * (a FULL_URI must be https, loopback, or the ECS/EKS agent address). */
int ss_aws_container_url(char *out, size_t outlen, char *err, size_t errlen);

#endif
