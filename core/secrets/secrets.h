/* References: "env:VAR", "file:/path", and more schemes registered in the
 * table in secrets.c.  A value without a known scheme prefix is an error
 * for SECRET keys: literals are not accepted.  STRING and PATH keys take a
 * reference too, or a literal; "literal:" in front keeps a literal value
 * that would otherwise read as a reference.  Resolved secrets are never
 * logged. */
#ifndef SS_SECRETS_H
#define SS_SECRETS_H

#include <ss/common.h>
#include <stddef.h>

struct ss_secret_scheme {
    const char *prefix; /* "env:" */
    /* body: the reference without its prefix.  On success *out is a
     * malloc'd NUL-terminated value.  On failure writes a message (no
     * secret material) into err and returns <0. */
    int (*resolve)(const char *body, char **out, char *err, size_t errlen);
    /* Values from this scheme are secret whatever the key's type: a store
     * made for secrets may hold a user name next to its password. */
    int always_secret; /* Optional (NULL): drops what the scheme caches (values, credentials),
                        * so the next resolve fetches afresh: ss_secrets_forget(). */
    void (*forget)(void);
};

/* Escape for a STRING / PATH value that starts with a scheme prefix. */
#define SS_LITERAL_PREFIX "literal:"

/* Resolve a reference.  Returns 0 and a malloc'd *out, or <0 with err set. */
SS_NODISCARD int ss_secret_resolve(const char *ref, char **out, char *err, size_t errlen);
/* Nonzero when ref starts with a known scheme prefix. */
int ss_secret_is_reference(const char *ref);
/* Nonzero when ref's scheme always yields secrets (aws-secretsmanager:). */
int ss_secret_ref_is_secret(const char *ref);
/* The scheme of ref, NULL when none. */
const struct ss_secret_scheme *ss_secret_scheme_of(const char *ref);
/* Calls every scheme's forget hook: the daemon does before each reload, so
 * rotated values are fetched again. */
void ss_secrets_forget(void);

#endif
