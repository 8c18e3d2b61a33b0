/* aws-secretsmanager: and aws-ssm: secret references. */
#include "secrets_aws.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <json-c/json.h>

#include "aws_credentials.h"
#include "aws_request.h"
#include "log.h"
#include "secrets_schemes.h"

/* Refresh credentials this long before they expire. */
#define CREDS_MARGIN_S SS_AWS_CREDS_REFRESH_S
#define NAME_MAX_LEN 2048
#define REGION_MAX 64

struct cached_value {
    char *key; /* "sm:NAME" / "ssm:NAME" */
    char *value;
};

static struct cached_value cache[SS_AWS_CACHE_MAX];
static size_t ncache;
static struct ss_aws_creds creds;
static int have_creds;

static void wipe_free(char *s)
{
    if (s) {
        explicit_bzero(s, strlen(s));
        free(s);
    }
}

void ss_secret_aws_forget(void)
{
    for (size_t i = 0; i < ncache; i++) {
        free(cache[i].key);
        wipe_free(cache[i].value);
    }
    ncache = 0;
    ss_aws_creds_clear(&creds);
    have_creds = 0;
}

static const char *cache_get(const char *key)
{
    for (size_t i = 0; i < ncache; i++)
        if (!strcmp(cache[i].key, key))
            return cache[i].value;
    return NULL;
}

/* Takes ownership of value (wiped and freed on failure). */
static const char *cache_put(const char *key, char *value, char *err, size_t errlen)
{
    char *k;

    if (ncache == SS_AWS_CACHE_MAX) {
        snprintf(err, errlen, "more than %d distinct AWS secret references", SS_AWS_CACHE_MAX);
        wipe_free(value);
        return NULL;
    }
    k = strdup(key);
    if (!k) {
        snprintf(err, errlen, "out of memory");
        wipe_free(value);
        return NULL;
    }
    cache[ncache].key = k;
    cache[ncache].value = value;
    return cache[ncache++].value;
}

static const struct ss_aws_creds *get_creds(char *err, size_t errlen)
{
    if (have_creds && (!creds.expiration || creds.expiration > time(NULL) + CREDS_MARGIN_S))
        return &creds;
    ss_aws_creds_clear(&creds);
    have_creds = 0;
    if (ss_aws_creds_resolve(&creds, err, errlen) < 0)
        return NULL;
    have_creds = 1;
    return &creds;
}

int ss_aws_arn_region(const char *s, char *out, size_t outlen)
{
    const char *p = s, *end;
    size_t n;

    if (strncmp(s, "arn:", 4))
        return 0;
    /* arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE */
    for (int field = 0; field < 3; field++) {
        p = strchr(p, ':');
        if (!p)
            return -1;
        p++;
    }
    end = strchr(p, ':');
    if (!end)
        return -1;
    n = (size_t)(end - p);
    if (!n || n >= outlen)
        return -1;
    memcpy(out, p, n);
    out[n] = '\0';
    return 1;
}

static int pick_region(const char *scheme, const char *name, char *region, size_t len, char *err,
                       size_t errlen)
{
    const char *env;
    int rc = ss_aws_arn_region(name, region, len);

    if (rc > 0)
        return 0;
    if (rc < 0) {
        snprintf(err, errlen, "%s%.200s: malformed ARN", scheme, name);
        return -1;
    }
    env = ss_aws_region();
    if (!env) {
        snprintf(err, errlen,
                 "%s%.200s: no AWS region: set AWS_REGION, or region in the AWS "
                 "profile (or use a full ARN)",
                 scheme, name);
        return -1;
    }
    if (strlen(env) >= len) {
        snprintf(err, errlen, "AWS_REGION is too long");
        return -1;
    }
    strcpy(region, env);
    return 0;
}

/* One JSON 1.1 call; returns the malloc'd string at member path a[.b]. */
static int fetch_string(const char *scheme, const char *name, const struct ss_aws_call *call,
                        struct json_object *req, const char *member, const char *sub, char **out,
                        char *err, size_t errlen)
{
    const struct ss_aws_creds *c;
    struct json_object *resp = NULL, *v;
    char why[768];
    int rc = -1;

    *out = NULL;
    c = get_creds(why, sizeof(why));
    if (!c) {
        snprintf(err, errlen, "%s%.200s: %s", scheme, name, why);
        goto out;
    }
    if (ss_aws_json_call(call, c, json_object_to_json_string_ext(req, JSON_C_TO_STRING_PLAIN),
                         &resp, why, sizeof(why)) < 0) {
        snprintf(err, errlen, "%s%.200s: %s", scheme, name, why);
        goto out;
    }
    v = resp;
    if (!json_object_object_get_ex(v, member, &v) ||
        (sub && !json_object_object_get_ex(v, sub, &v))) {
        if (json_object_object_get_ex(resp, "SecretBinary", NULL))
            snprintf(err, errlen,
                     "%s%.200s: binary secrets are not supported (store a SecretString)", scheme,
                     name);
        else
            snprintf(err, errlen, "%s%.200s: response has no %s%s%s", scheme, name, member,
                     sub ? "." : "", sub ? sub : "");
        goto out;
    }
    if (!json_object_is_type(v, json_type_string)) {
        snprintf(err, errlen, "%s%.200s: %s is not a string", scheme, name, sub ? sub : member);
        goto out;
    }
    if (json_object_get_string_len(v) > SS_SECRET_MAX) {
        snprintf(err, errlen, "%s%.200s: value larger than %d bytes", scheme, name, SS_SECRET_MAX);
        goto out;
    }
    *out = strdup(json_object_get_string(v));
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    ss_debug("%s%s fetched from %s", scheme, name, call->region);
    rc = 0;
out:
    if (resp)
        json_object_put(resp);
    return rc;
}

/* One key of a JSON object secret, as text. */
static int json_key(const char *name, const char *secret, const char *key, char **out, char *err,
                    size_t errlen)
{
    struct json_tokener *tok = json_tokener_new();
    struct json_object *doc = NULL, *v;
    int rc = -1;

    *out = NULL;
    if (!tok) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    doc = json_tokener_parse_ex(tok, secret, (int)strlen(secret));
    if (!doc || !json_object_is_type(doc, json_type_object)) {
        snprintf(err, errlen,
                 "aws-secretsmanager:%.200s: the secret is not a JSON object, so #%.100s "
                 "cannot be read from it",
                 name, key);
        goto out;
    }
    if (!json_object_object_get_ex(doc, key, &v)) {
        snprintf(err, errlen, "aws-secretsmanager:%.200s: the secret has no JSON key '%.100s'",
                 name, key);
        goto out;
    }
    if (!json_object_is_type(v, json_type_string) && !json_object_is_type(v, json_type_int) &&
        !json_object_is_type(v, json_type_double) && !json_object_is_type(v, json_type_boolean)) {
        snprintf(err, errlen,
                 "aws-secretsmanager:%.200s: JSON key '%.100s' is not a string, number or "
                 "boolean",
                 name, key);
        goto out;
    }
    *out = strdup(json_object_get_string(v));
    if (!*out) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    rc = 0;
out:
    if (doc)
        json_object_put(doc);
    if (tok)
        json_tokener_free(tok);
    return rc;
}

static int finish(const char *scheme, const char *ref, char *value, char **out, char *err,
                  size_t errlen)
{
    if (!*value) {
        snprintf(err, errlen, "%s%.200s: the value is empty", scheme, ref);
        wipe_free(value);
        return -1;
    }
    *out = value;
    return 0;
}

/* The value cached under key, or fetched with one call ({id_field: name},
 * plus WithDecryption when decrypt) and cached: each reference is read from
 * AWS once per run. */
static const char *cached_or_fetch(const char *scheme, const char *name, const char *key,
                                   const struct ss_aws_call *call, const char *id_field,
                                   int decrypt, const char *obj, const char *field, char *err,
                                   size_t errlen)
{
    const char *value = cache_get(key);
    struct json_object *req;
    char *fetched = NULL;

    if (value) {
        ss_debug("%s%s from this run's cache", scheme, name);
        return value;
    }
    req = json_object_new_object();
    if (!req || json_object_object_add(req, id_field, json_object_new_string(name)) < 0 ||
        (decrypt &&
         json_object_object_add(req, "WithDecryption", json_object_new_boolean(1)) < 0)) {
        snprintf(err, errlen, "out of memory");
    } else if (fetch_string(scheme, name, call, req, obj, field, &fetched, err, errlen) == 0) {
        value = cache_put(key, fetched, err, errlen); /* takes fetched */
        fetched = NULL;
    }
    if (req)
        json_object_put(req);
    wipe_free(fetched);
    return value;
}

int ss_secret_aws_sm_resolve(const char *body, char **out, char *err, size_t errlen)
{
    static const char scheme[] = "aws-secretsmanager:";
    char name[NAME_MAX_LEN + 1], region[REGION_MAX], key_buf[NAME_MAX_LEN + 8];
    const char *hash = strchr(body, '#'), *secret;
    size_t nlen = hash ? (size_t)(hash - body) : strlen(body);
    char *value = NULL;

    *out = NULL;
    if (!nlen || nlen > NAME_MAX_LEN || (hash && !hash[1])) {
        snprintf(err, errlen, "%s%.200s: expected NAME_OR_ARN or NAME_OR_ARN#jsonkey", scheme,
                 body);
        return -1;
    }
    memcpy(name, body, nlen);
    name[nlen] = '\0';
    if (pick_region(scheme, name, region, sizeof(region), err, errlen) < 0)
        return -1;
    snprintf(key_buf, sizeof(key_buf), "sm:%s", name);
    struct ss_aws_call call = {"secretsmanager", "SECRETS_MANAGER", "secretsmanager.GetSecretValue",
                               region};
    secret = cached_or_fetch(scheme, name, key_buf, &call, "SecretId", 0, "SecretString", NULL, err,
                             errlen);
    if (!secret)
        return -1;
    if (hash) {
        if (json_key(name, secret, hash + 1, &value, err, errlen) < 0)
            return -1;
    } else if (!(value = strdup(secret))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return finish(scheme, body, value, out, err, errlen);
}

int ss_secret_aws_ssm_resolve(const char *body, char **out, char *err, size_t errlen)
{
    static const char scheme[] = "aws-ssm:";
    char region[REGION_MAX], key_buf[NAME_MAX_LEN + 8];
    const char *cached;
    char *value;

    *out = NULL;
    if (!*body || strlen(body) > NAME_MAX_LEN) {
        snprintf(err, errlen, "%s%.200s: expected a parameter name such as /app/param", scheme,
                 body);
        return -1;
    }
    if (pick_region(scheme, body, region, sizeof(region), err, errlen) < 0)
        return -1;
    snprintf(key_buf, sizeof(key_buf), "ssm:%s", body);
    struct ss_aws_call call = {"ssm", "SSM", "AmazonSSM.GetParameter", region};
    cached =
        cached_or_fetch(scheme, body, key_buf, &call, "Name", 1, "Parameter", "Value", err, errlen);
    if (!cached)
        return -1;
    if (!(value = strdup(cached))) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    return finish(scheme, body, value, out, err, errlen);
}
