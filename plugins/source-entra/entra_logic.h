/*
 * Pure logic of the Microsoft Entra ID source, in a static library so the
 * unit tests exercise exactly what the plugin ships: the client assertion
 * (a JWT signed with OpenSSL), URL building and the nextLink origin check,
 * Retry-After, and the directory model that full reads fill and delta
 * pages update, with its compact form for the state store.
 */
#ifndef ENTRA_LOGIC_H
#define ENTRA_LOGIC_H

#include <json-c/json.h>
#include <stddef.h>
#include <time.h>

/* ---- entra_jwt.c ------------------------------------------------- */

/* The certificate's thumbprint as the JWT header wants it: base64url of
 * the SHA-1 (sha256 = 0, header "x5t") or SHA-256 (sha256 = 1, header
 * "x5t#S256") digest of the DER certificate.  0, or <0 with err set. */
int entra_cert_thumbprint(const char *cert_pem, int sha256, char **out, char *err, size_t errlen);

/* A client assertion (RFC 7523) for the client-credentials flow: header
 * {alg RS256, typ JWT, x5t or x5t#S256}, claims aud = token_url,
 * iss = sub = client_id, jti, iat = nbf = now, exp = now + lifetime;
 * signed with the RSA key key_pem, which must match cert_pem.  jti NULL:
 * 16 random bytes in hex.  0 and *out malloc'd, or <0 with err set (never
 * naming key material). */
int entra_client_assertion(const char *cert_pem, const char *key_pem, int sha256,
                           const char *client_id, const char *token_url, time_t now, long lifetime,
                           const char *jti, char **out, char *err, size_t errlen);

/* ---- entra_url.c ------------------------------------------------- */

/* base (no trailing slash needed) + path + "?" + each "name=value" pair,
 * values URL-encoded by libcurl.  pairs: NULL-terminated, NULL entries
 * with a NULL value are skipped (pairs come as name, value, name, value).
 * malloc'd, NULL on error. */
char *entra_url(const char *base, const char *path, const char *const *pairs);

/* 1 when url has the same scheme, host and port as base (an @odata.nextLink
 * or deltaLink must stay on the configured Graph host: the bearer token
 * goes with it), 0 when not, or when either does not parse. */
int entra_same_origin(const char *base, const char *url);

/* Backoff before retry number attempt (1, 2, ...): 1 s doubling, at most
 * 30 s. */
long entra_backoff(int attempt);

/* 1 when s looks like a Graph object id (a GUID). */
int entra_is_guid(const char *s);

/* 1 when a $filter needs Graph's advanced query mode (ConsistencyLevel:
 * eventual and $count=true): ne, not(), endsWith, or $count inside. */
int entra_filter_is_advanced(const char *filter);

/* ---- entra_dir.c ------------------------------------------------- */

/* The directory as far as the plugin reads it.  users: object id ->
 * {attribute: string or array of strings}, "manager" holding the manager's
 * object id; groups: object id -> {"n": displayName, "u": {user id: 1},
 * "g": {group id: 1}}. */
struct entra_dir {
    json_object *users;
    json_object *groups;
};

int entra_dir_init(struct entra_dir *d);
void entra_dir_free(struct entra_dir *d);

/* Merge one Graph user object (list, transitiveMembers or delta page item)
 * into the model.  Properties present replace, null removes, absent stay;
 * nested objects are flattened one level ("employeeOrgData.costCenter");
 * "manager" ({id}) and "manager@delta" ([{id} or {id, @removed}]) set or
 * clear the manager; "@removed" drops the user.  0, or <0 when the object
 * has no id. */
int entra_dir_merge_user(struct entra_dir *d, json_object *obj);

/* Same for a group: displayName, and members from "members@delta" (added,
 * or removed with "@removed"; users and groups by "@odata.type", other
 * kinds ignored and counted in *ignored when not NULL). */
int entra_dir_merge_group(struct entra_dir *d, json_object *obj, size_t *ignored);

/* Add one member (an item of /groups/{id}/members) to group gid, creating
 * the group without a name when unknown.  Returns 1 added, 0 ignored kind,
 * <0 no id. */
int entra_dir_add_member(struct entra_dir *d, const char *gid, json_object *member);

/* Compact form for the state store: {"v":1, "sel":"SELECT", "full_at":T,
 * "ul":USERS_DELTALINK, "gl":GROUPS_DELTALINK, "ua":[attribute names],
 * "u":{id:[values in ua order, null when absent]},
 * "g":{id:[name,[user ids],[group ids]]}}.  malloc'd string. */
char *entra_dir_save(const struct entra_dir *d, const char *sel, time_t full_at,
                     const char *users_link, const char *groups_link);

/* The reverse.  0 and the model, select string, time and links
 * (malloc'd), or <0 when text is not a state this version wrote. */
int entra_dir_load(struct entra_dir *d, const char *text, char **sel, time_t *full_at,
                   char **users_link, char **groups_link);

/* ---- entra_scope.c ----------------------------------------------- */

/* Object ids of the users in group gid and, transitively, in the groups
 * nested in it (cycles safe), as a json object used as a set. */
json_object *entra_dir_transitive_users(const struct entra_dir *d, const char *gid);

/* Groups to emit: those whose name matches pattern (fnmatch, case
 * insensitive; NULL: all) -> 1 in *synced, and the groups nested in them
 * that do not match -> 1 in *helpers, whether the model holds them yet
 * or not (a full read fetches their members next).  Both new json
 * objects (sets). */
int entra_dir_pick_groups(const struct entra_dir *d, const char *pattern, json_object **synced,
                          json_object **helpers);

#endif
