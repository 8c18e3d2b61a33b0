/*
 * Secret references served by AWS:
 *   aws-secretsmanager:NAME_OR_ARN[#jsonkey]   SecretString, or one key of it
 *   aws-ssm:/parameter/name                      parameter value, SecureString decrypted
 * Each secret / parameter is fetched once per run: values and credentials
 * are cached until ss_secret_aws_forget(), which the daemon calls between
 * runs so rotated values are picked up.  Not thread-safe: references are
 * resolved while the configuration is loaded, on one thread.
 */
#ifndef SS_SECRETS_AWS_H
#define SS_SECRETS_AWS_H

#include <stddef.h>

/* Most distinct secrets and parameters one run may reference. */
#define SS_AWS_CACHE_MAX 256

int ss_secret_aws_sm_resolve(const char *body, char **out, char *err, size_t errlen);
int ss_secret_aws_ssm_resolve(const char *body, char **out, char *err, size_t errlen);

/* Wipes and drops every cached value and the cached credentials. */
void ss_secret_aws_forget(void);

/* Region field of an ARN ("arn:aws:secretsmanager:eu-west-1:..."): 1 and
 * out set for an ARN, 0 when s is not an ARN, <0 for a malformed ARN. */
int ss_aws_arn_region(const char *s, char *out, size_t outlen);

#endif
