/*
 * JSON Web Tokens signed RS256 (RFC 7515 / 7519) and base64url, over
 * OpenSSL's EVP API: one implementation for the sources that authenticate
 * with a signed assertion (Google's service account, Entra ID's
 * certificate credential).
 */
#ifndef SSP_JWT_H
#define SSP_JWT_H

#include <json-c/json.h>
#include <openssl/evp.h>
#include <stddef.h>

/* base64url without padding; malloc'd, NULL on allocation failure or an
 * input over 1 GiB. */
char *ssp_b64url(const unsigned char *data, size_t len);
/* The bytes of base64url text (padding optional), NUL-terminated for
 * convenience; *len their count.  NULL on bad input or no memory. */
unsigned char *ssp_b64url_decode(const char *s, size_t *len);

#define SSP_JWT_NOMEM (-1)
#define SSP_JWT_SIGN (-2) /* OpenSSL refused; its error queue says why */

/* "b64url(hdr).b64url(claims).b64url(signature)" with key (RSA, SHA-256):
 * 0 and *out (malloc'd), or SSP_JWT_NOMEM / SSP_JWT_SIGN. */
int ssp_jwt_sign_rs256(EVP_PKEY *key, json_object *hdr, json_object *claims, char **out);

#endif
