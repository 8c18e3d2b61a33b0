/*
 * Calls to AWS JSON 1.1 APIs (Secrets Manager, SSM) signed by libcurl's
 * SigV4 support, plus the small HTTP helper the credential providers use.
 * Endpoints follow the SDK rules: AWS_ENDPOINT_URL_<SERVICE>, then
 * AWS_ENDPOINT_URL, then https://<service>.<region>.amazonaws.com, unless
 * AWS_IGNORE_CONFIGURED_ENDPOINT_URLS is true.
 */
#ifndef SS_AWS_REQUEST_H
#define SS_AWS_REQUEST_H

#include <stddef.h>

#include <curl/curl.h>
#include <json-c/json.h>

#include "aws_credentials.h"

/* Largest response body accepted from any AWS endpoint. */
#define SS_AWS_MAX_RESPONSE (1024 * 1024)
#define SS_AWS_URL_MAX 2048

struct ss_aws_http_req {
    const char *method; /* "GET", "PUT", "POST" */
    const char *url;
    struct curl_slist *headers; /* may be NULL */
    const char *body;           /* NULL: none */
    long connect_timeout_ms;
    long timeout_ms;
    /* SigV4: "aws:amz:REGION:SERVICE" and the key pair, or NULL. */
    const char *sigv4;
    const char *access_key_id;
    const char *secret_access_key;
};

struct ss_aws_http_resp {
    long status;
    char *body; /* NUL-terminated, malloc'd; free with ss_aws_http_resp_free */
    size_t len;
};

/* 0 and *resp filled for any HTTP status; <0 with err set when no
 * response arrived (connection, timeout, oversized body). */
int ss_aws_http(const struct ss_aws_http_req *rq, struct ss_aws_http_resp *resp, char *err,
                size_t errlen);
/* Wipes and frees the body (it may hold secret material). */
void ss_aws_http_resp_free(struct ss_aws_http_resp *resp);

/* AWS_REGION, then AWS_DEFAULT_REGION, then `region` of the profile
 * (AWS_PROFILE, else default) in the shared config files; NULL when none
 * is set.  The returned string is valid until the next call. */
const char *ss_aws_region(void);

/* The endpoint URL for a service.  env_id: "SECRETS_MANAGER", "SSM";
 * host_prefix: "secretsmanager", "ssm".  Returns 0, or <0 with err set. */
int ss_aws_endpoint(const char *env_id, const char *host_prefix, const char *region, char *out,
                    size_t outlen, char *err, size_t errlen);

/* "Code: message" from an AWS JSON error body (the "__type" suffix after
 * '#' and "message"/"Message").  Sets *auth when the code means the
 * credentials were refused. */
void ss_aws_error_text(long status, const char *body, size_t len, char *out, size_t outlen,
                       int *auth);

struct ss_aws_call {
    const char *service;     /* signing name: "secretsmanager", "ssm" */
    const char *endpoint_id; /* "SECRETS_MANAGER", "SSM" */
    const char *target;      /* X-Amz-Target: "secretsmanager.GetSecretValue" */
    const char *region;
};

/* POSTs body to the service, retrying throttling, 5xx and transport
 * errors a few times.  0 and *out (caller puts it), or <0 with err set to
 * a message without secret material. */
int ss_aws_json_call(const struct ss_aws_call *call, const struct ss_aws_creds *creds,
                     const char *body, struct json_object **out, char *err, size_t errlen);

#endif
