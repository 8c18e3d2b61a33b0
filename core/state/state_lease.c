/* The run lease of an S3 state, for containers that share no file system:
 * the object KEY.lock, created with If-None-Match: * and holding its
 * holder and expiry, renewed (If-Match on its ETag) while the run lasts,
 * taken over (If-Match on the expired lease's ETag) once expired, deleted
 * (If-Match) at the end.  Every write is conditional, so of two runs that
 * race, exactly one holds it. */
#include "state_lease.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "log.h"

static char *lease_key(const struct ss_state_store *s)
{
    size_t n = strlen(s->key) + sizeof(".lock");
    char *k = malloc(n);
    if (k)
        snprintf(k, n, "%s.lock", s->key);
    return k;
}

static void iso_utc(time_t t, char *out, size_t len)
{
    struct tm tm;
    gmtime_r(&t, &tm);
    strftime(out, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static char *lease_body(const struct ss_lease *l, time_t now)
{
    char host[128] = "", started[32], expires[32];
    json_object *o = json_object_new_object();
    char *out = NULL;
    if (!o)
        return NULL;
    gethostname(host, sizeof host - 1);
    iso_utc(l->started, started, sizeof started);
    iso_utc(now + l->ttl, expires, sizeof expires);
    json_object_object_add(o, "host", json_object_new_string(host));
    json_object_object_add(o, "pid", json_object_new_int64((int64_t)getpid()));
    json_object_object_add(o, "command", json_object_new_string(l->command));
    json_object_object_add(o, "started", json_object_new_string(started));
    json_object_object_add(o, "expires", json_object_new_int64((int64_t)(now + l->ttl)));
    json_object_object_add(o, "expires_at", json_object_new_string(expires));
    out = strdup(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN));
    json_object_put(o);
    return out;
}

int ss_lease_parse(const char *buf, size_t len, char *holder, size_t hlen, long long *expires)
{
    struct json_tokener *tok = json_tokener_new();
    json_object *o = tok ? json_tokener_parse_ex(tok, buf, (int)len) : NULL, *v;
    const char *host = "?", *cmd = "?", *started = "?";
    long long pid = 0;
    int rc = -1;
    *expires = 0;
    snprintf(holder, hlen, "an unknown holder (the lease cannot be read)");
    if (o && json_object_is_type(o, json_type_object) &&
        json_object_object_get_ex(o, "expires", &v) && json_object_is_type(v, json_type_int)) {
        *expires = json_object_get_int64(v);
        if (json_object_object_get_ex(o, "host", &v) && json_object_is_type(v, json_type_string))
            host = json_object_get_string(v);
        if (json_object_object_get_ex(o, "command", &v) && json_object_is_type(v, json_type_string))
            cmd = json_object_get_string(v);
        if (json_object_object_get_ex(o, "started", &v) && json_object_is_type(v, json_type_string))
            started = json_object_get_string(v);
        if (json_object_object_get_ex(o, "pid", &v))
            pid = json_object_get_int64(v);
        char exp[32];
        iso_utc((time_t)*expires, exp, sizeof exp);
        snprintf(holder, hlen, "host %.100s, pid %lld, %.20s started %.32s, lease until %s", host,
                 pid, cmd, started, exp);
        rc = 0;
    }
    json_object_put(o);
    if (tok)
        json_tokener_free(tok);
    return rc;
}

static int put_lease(struct ss_lease *l, const char *cond, char *err, size_t errlen)
{
    time_t now = time(NULL);
    char *body = lease_body(l, now);
    if (!body) {
        snprintf(err, errlen, "out of memory");
        return -1;
    }
    int r =
        ss_s3_put(l->store, l->key, body, strlen(body), cond, l->etag, sizeof l->etag, err, errlen);
    free(body);
    if (r == 0)
        l->renewed = now;
    return r;
}

enum ss_lease_result ss_lease_acquire(struct ss_lease *l, struct ss_state_store *s,
                                      const char *command, long ttl, char *holder, size_t hlen,
                                      char *err, size_t errlen)
{
    memset(l, 0, sizeof(*l));
    l->store = s;
    l->ttl = ttl;
    l->started = time(NULL);
    snprintf(l->command, sizeof l->command, "%s", command);
    l->key = lease_key(s);
    if (!l->key) {
        snprintf(err, errlen, "out of memory");
        return SS_LEASE_ERROR;
    }
    for (int round = 0; round < 3; round++) {
        int r = put_lease(l, "*", err, errlen);
        if (r == 0) {
            l->held = 1;
            return SS_LEASE_HELD;
        }
        if (r != SS_STORE_CONFLICT)
            return SS_LEASE_ERROR;
        /* Someone holds it: alive, or expired and ours to take over. */
        char *b = NULL, tag[160] = "";
        size_t bl = 0;
        long long expires = 0;
        int g = ss_s3_get(s, l->key, &b, &bl, tag, sizeof tag, err, errlen);
        if (g < 0)
            return SS_LEASE_ERROR;
        if (g == 0)
            continue; /* released meanwhile */
        int parsed = ss_lease_parse(b, bl, holder, hlen, &expires);
        free(b);
        if (parsed == 0 && expires > (long long)time(NULL))
            return SS_LEASE_BUSY;
        ss_warn("state: the run lease s3://%s/%s of %s has expired: taking it over", s->bucket,
                l->key, holder);
        r = put_lease(l, tag, err, errlen);
        if (r == 0) {
            l->held = 1;
            return SS_LEASE_HELD;
        }
        if (r != SS_STORE_CONFLICT)
            return SS_LEASE_ERROR;
        /* Another run took it over first: look again. */
    }
    snprintf(holder, hlen, "another run (the lease changed hands while we looked)");
    return SS_LEASE_BUSY;
}

int ss_lease_renew(struct ss_lease *l, int force, char *err, size_t errlen)
{
    if (!l->held)
        return 0;
    if (!force && time(NULL) - l->renewed < l->ttl / 3)
        return 0;
    char tag[160];
    snprintf(tag, sizeof tag, "%s", l->etag);
    int r = put_lease(l, tag, err, errlen);
    if (r == SS_STORE_CONFLICT) {
        snprintf(err, errlen,
                 "the run lease s3://%s/%s was taken over by another run (it "
                 "expired: raise lock_lease?)",
                 l->store->bucket, l->key);
        l->held = 0;
    }
    return r;
}

void ss_lease_release(struct ss_lease *l)
{
    char err[512];
    if (l->held && ss_s3_delete(l->store, l->key, l->etag, err, sizeof err) < 0)
        ss_warn("state: releasing the run lease: %s (it expires by itself)", err);
    l->held = 0;
    free(l->key);
    l->key = NULL;
}
