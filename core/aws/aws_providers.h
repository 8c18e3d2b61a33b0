/*
 * The pieces behind ss_aws_creds_resolve(), one file per kind of source:
 *   aws_profile.c   shared config / credentials files (inih)
 *   aws_sts.c       STS AssumeRole (signed) and AssumeRoleWithWebIdentity
 *   aws_sso.c       the `aws sso login` token cache and GetRoleCredentials
 *   aws_process.c   credential_process
 * The functions marked "pure" touch neither the network nor the
 * environment and are unit-tested directly.  Every error text is free of
 * key material.
 */
#ifndef SS_AWS_PROVIDERS_H
#define SS_AWS_PROVIDERS_H

#include <ss/common.h>
#include <stdio.h>
#include <time.h>

#include <json-c/json.h>

#include "aws_credentials.h"

/* Longest accepted key id, secret, session token or bearer token. */
#define SS_AWS_CRED_FIELD_MAX 4096
#define SS_AWS_PATH_MAX 1024
/* Largest web identity / container authorization token file. */
#define SS_AWS_TOKEN_FILE_MAX (64 * 1024)

/* ---- small helpers (aws_credentials.c) ---------------------------------- */

SS_NODISCARD char *ss_aws_strdup(const char *s);
void ss_aws_wipe_free(char *s);
/* A string member of obj: 0 and *out (NULL when absent and !required), or
 * <0 with err "WHAT: NAME ..." for a missing, non-string, empty, over-long
 * or multi-line value. */
int ss_aws_json_take(struct json_object *obj, const char *what, const char *name, int required,
                     char **out, char *err, size_t errlen);
/* len bytes of JSON that must be one complete object; NULL otherwise (or
 * on no memory).  The caller puts the result. */
SS_NODISCARD struct json_object *ss_aws_json_object(const char *json, size_t len);
/* The credential members of a JSON document whose key names differ by
 * source: names[] = {access key id, secret key, session token, ISO 8601
 * expiration}; the last two are optional.  0, or <0 with err "WHAT: ...";
 * *out is cleared on error. */
int ss_aws_creds_take(struct json_object *doc, const char *what, const char *const names[4],
                      struct ss_aws_creds *out, char *err, size_t errlen);
/* A token file written by the platform (the kubelet's projected service
 * account token, the EKS Pod Identity token): its one line, trailing
 * newline removed.  Unlike file: references, a world-readable mode is not
 * warned about: the platform, not the user, chooses it. */
int ss_aws_read_token_file(const char *path, char **out, char *err, size_t errlen);
/* Sets c->source with printf formatting. */
void ss_aws_creds_set_source(struct ss_aws_creds *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* The environment / container / IMDS providers, also used as a profile's
 * credential_source: 1 found, 0 not configured (why set), <0 error. */
int ss_aws_from_env(struct ss_aws_creds *out, char *why, size_t whylen);
int ss_aws_from_container(struct ss_aws_creds *out, char *why, size_t whylen);
int ss_aws_from_imds(struct ss_aws_creds *out, char *why, size_t whylen);

/* ---- shared config and credentials files (aws_profile.c) ---------------- */

enum ss_aws_pkey {
    SS_AWS_P_ACCESS_KEY_ID,
    SS_AWS_P_SECRET_ACCESS_KEY,
    SS_AWS_P_SESSION_TOKEN,
    SS_AWS_P_REGION,
    SS_AWS_P_CREDENTIAL_PROCESS,
    SS_AWS_P_ROLE_ARN,
    SS_AWS_P_SOURCE_PROFILE,
    SS_AWS_P_CREDENTIAL_SOURCE,
    SS_AWS_P_ROLE_SESSION_NAME,
    SS_AWS_P_EXTERNAL_ID,
    SS_AWS_P_DURATION_SECONDS,
    SS_AWS_P_WEB_IDENTITY_TOKEN_FILE,
    SS_AWS_P_MFA_SERIAL,
    SS_AWS_P_SSO_SESSION,
    SS_AWS_P_SSO_START_URL,
    SS_AWS_P_SSO_REGION,
    SS_AWS_P_SSO_ACCOUNT_ID,
    SS_AWS_P_SSO_ROLE_NAME,
    SS_AWS_P_NKEYS
};

/* Name of a key as written in the files ("aws_access_key_id"). */
const char *ss_aws_pkey_name(enum ss_aws_pkey k);

/* One [profile NAME] (merged with [NAME] of the credentials file) or one
 * [sso-session NAME]. */
struct ss_aws_profile {
    int found;                           /* a section of that name was seen */
    char *v[SS_AWS_P_NKEYS];             /* values, NULL when absent */
    unsigned char vfrom[SS_AWS_P_NKEYS]; /* where each was read: index in path */
    int vline[SS_AWS_P_NKEYS];
    char path[2][SS_AWS_PATH_MAX]; /* [0] config file, [1] credentials file */
    int where;                     /* index in path of the first file holding it */
    int exists[2];                 /* whether each file exists */
};
/* "FILE:LINE" of key k (for messages). */
void ss_aws_profile_where(const struct ss_aws_profile *p, enum ss_aws_pkey k, char *out,
                          size_t outlen);

void ss_aws_profile_free(struct ss_aws_profile *p);
/* HOME, else the user's home directory from the password database. */
int ss_aws_home_dir(char *out, size_t outlen, char *err, size_t errlen);
/* AWS_PROFILE, else "default". */
const char *ss_aws_profile_name(void);
/* AWS_CONFIG_FILE / AWS_SHARED_CREDENTIALS_FILE (a leading ~/ expanded),
 * else ~/.aws/config and ~/.aws/credentials.  0, or <0 with err set. */
int ss_aws_config_paths(char *config, size_t clen, char *creds, size_t crlen, char *err,
                        size_t errlen);
/* Pure: merges section `kind NAME` of one open file into *p (later values
 * win).  kind: "profile" or "sso-session".  In a credentials file
 * (is_config 0) a profile's section is [NAME]; in a config file it is
 * [profile NAME], or [default] for the default profile.  Indented lines
 * under a key (the `s3 =` sub-sections) are skipped.  0, or <0 with err
 * naming path:line. */
int ss_aws_profile_parse(FILE *fp, const char *path, int is_config, const char *kind,
                         const char *name, struct ss_aws_profile *p, char *err, size_t errlen);
/* Both files (the credentials file only for kind "profile"; its values
 * win).  1 found, 0 no such section (or no files), <0 error. */
int ss_aws_profile_load(const char *kind, const char *name, struct ss_aws_profile *p, char *err,
                        size_t errlen);
/* `region` of the active profile into out: 1, 0 when none, <0 on a bad
 * file (err set). */
int ss_aws_profile_region(char *out, size_t outlen, char *err, size_t errlen);

/* ---- STS (aws_sts.c) ---------------------------------------------------- */

struct ss_aws_sts_req {
    const char *action; /* "AssumeRole" or "AssumeRoleWithWebIdentity" */
    const char *role_arn;
    const char *session_name;          /* NULL: scimsync-<time> */
    const char *external_id;           /* NULL: none */
    const char *duration;              /* NULL: STS default (1 h) */
    const char *web_identity_token;    /* AssumeRoleWithWebIdentity only */
    const struct ss_aws_creds *signer; /* AssumeRole only */
};

/* Calls STS (AWS_ENDPOINT_URL_STS, AWS_ENDPOINT_URL, or the regional
 * endpoint of ss_aws_region(), us-east-1 without one).  0 and *out, or <0
 * with err "STS ACTION: ...". */
int ss_aws_sts_assume(const struct ss_aws_sts_req *rq, struct ss_aws_creds *out, char *err,
                      size_t errlen);
/* Pure: the text of the single <elem>...</elem> in xml[0..len) with the
 * five predefined XML entities decoded; 1 and *out (malloc'd), 0 when the
 * element is absent, <0 when it is repeated, nested, holds markup or is
 * longer than max. */
int ss_aws_xml_text(const char *xml, size_t len, const char *elem, size_t max, char **out);
/* Pure: the <Credentials> of an ACTIONResponse.  0, or <0 with err. */
int ss_aws_sts_parse(const char *xml, size_t len, const char *action, struct ss_aws_creds *out,
                     char *err, size_t errlen);
/* Pure: "Code: Message" of an STS <ErrorResponse>, else "HTTP status". */
void ss_aws_sts_error(long status, const char *xml, size_t len, char *out, size_t outlen);
/* Pure: 1 when s is a valid RoleSessionName (2-64 of [A-Za-z0-9+=,.@_-]). */
int ss_aws_session_name_ok(const char *s);

/* ---- IAM Identity Center (aws_sso.c) ------------------------------------ */

/* Pure: lower-case hex SHA-1 of s (the cache file's base name). */
int ss_aws_sha1_hex(const char *s, char out[41]);
/* ~/.aws/sso/cache/<sha1 of key>.json; 0 or <0 with err. */
int ss_aws_sso_cache_path(const char *key, char *out, size_t outlen, char *err, size_t errlen);
/* Pure: accessToken of a cache file, checked against expiresAt and now.
 * 0 and *token, -1 malformed, -2 expired (err says when). */
int ss_aws_sso_token_parse(const char *json, size_t len, time_t now, char **token, time_t *expires,
                           char *err, size_t errlen);
/* Pure: the roleCredentials of a GetRoleCredentials answer. */
int ss_aws_sso_creds_parse(const char *json, size_t len, struct ss_aws_creds *out, char *err,
                           size_t errlen);
/* The SSO provider for a loaded profile (and its sso-session, if any). */
int ss_aws_sso_resolve(const char *profile, const struct ss_aws_profile *p,
                       struct ss_aws_creds *out, char *err, size_t errlen);

/* ---- credential_process (aws_process.c) --------------------------------- */

/* Pure: the process's JSON output (Version 1). */
int ss_aws_process_parse(const char *json, size_t len, struct ss_aws_creds *out, char *err,
                         size_t errlen);
/* Runs cmd (split into words by wordexp(3), no shell, no command
 * substitution) and parses its standard output. */
int ss_aws_process_run(const char *cmd, struct ss_aws_creds *out, char *err, size_t errlen);

#endif
