/* The client assertion of the certificate credential: a JWT signed RS256
 * with OpenSSL's EVP API, its x5t header naming the certificate. */
#include "entra_logic.h"
#include "ssp_jwt.h"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static X509 *read_cert(const char *pem)
{
    BIO *bio = BIO_new_mem_buf(pem, -1);
    X509 *cert = bio ? PEM_read_bio_X509(bio, NULL, NULL, NULL) : NULL;
    BIO_free(bio);
    return cert;
}

static int thumbprint(X509 *cert, int sha256, char **out)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (!X509_digest(cert, sha256 ? EVP_sha256() : EVP_sha1(), md, &len))
        return -1;
    *out = ssp_b64url(md, len);
    return *out ? 0 : -1;
}

int entra_cert_thumbprint(const char *cert_pem, int sha256, char **out, char *err, size_t errlen)
{
    *out = NULL;
    X509 *cert = read_cert(cert_pem);
    if (!cert) {
        snprintf(err, errlen, "certificate: not a PEM certificate");
        ERR_clear_error();
        return -1;
    }
    int ret = thumbprint(cert, sha256, out);
    if (ret < 0)
        snprintf(err, errlen, "certificate: cannot compute its thumbprint");
    X509_free(cert);
    return ret;
}

int entra_client_assertion(const char *cert_pem, const char *key_pem, int sha256,
                           const char *client_id, const char *token_url, time_t now, long lifetime,
                           const char *jti, char **out, char *err, size_t errlen)
{
    int ret = -1;
    X509 *cert = NULL;
    EVP_PKEY *key = NULL;
    BIO *bio = NULL;
    json_object *hdr = NULL, *claims = NULL;
    char *x5t = NULL;
    char jti_hex[33];
    *out = NULL;

    if (!(cert = read_cert(cert_pem))) {
        snprintf(err, errlen, "certificate: not a PEM certificate");
        goto out;
    }
    bio = BIO_new_mem_buf(key_pem, -1);
    if (!bio || !(key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL))) {
        snprintf(err, errlen, "private_key: not an unencrypted PEM private key");
        goto out;
    }
    if (EVP_PKEY_get_base_id(key) != EVP_PKEY_RSA) {
        snprintf(err, errlen, "private_key: not an RSA key (Entra ID signs RS256)");
        goto out;
    }
    if (X509_check_private_key(cert, key) != 1) {
        snprintf(err, errlen, "private_key: does not belong to the certificate");
        goto out;
    }
    if (thumbprint(cert, sha256, &x5t) < 0) {
        snprintf(err, errlen, "certificate: cannot compute its thumbprint");
        goto out;
    }
    if (!jti) {
        unsigned char rnd[16];
        if (RAND_bytes(rnd, sizeof rnd) != 1) {
            snprintf(err, errlen, "no random bytes for the assertion id");
            goto out;
        }
        for (size_t i = 0; i < sizeof rnd; i++)
            snprintf(jti_hex + 2 * i, 3, "%02x", rnd[i]);
        jti = jti_hex;
    }
    hdr = json_object_new_object();
    claims = json_object_new_object();
    if (!hdr || !claims)
        goto nomem;
    json_object_object_add(hdr, "alg", json_object_new_string("RS256"));
    json_object_object_add(hdr, "typ", json_object_new_string("JWT"));
    json_object_object_add(hdr, sha256 ? "x5t#S256" : "x5t", json_object_new_string(x5t));
    json_object_object_add(claims, "aud", json_object_new_string(token_url));
    json_object_object_add(claims, "iss", json_object_new_string(client_id));
    json_object_object_add(claims, "sub", json_object_new_string(client_id));
    json_object_object_add(claims, "jti", json_object_new_string(jti));
    json_object_object_add(claims, "iat", json_object_new_int64((int64_t)now));
    json_object_object_add(claims, "nbf", json_object_new_int64((int64_t)now));
    json_object_object_add(claims, "exp", json_object_new_int64((int64_t)now + lifetime));
    int rc = ssp_jwt_sign_rs256(key, hdr, claims, out);
    if (rc == SSP_JWT_SIGN) {
        snprintf(err, errlen, "signing the client assertion failed");
        goto out;
    }
    if (rc < 0)
        goto nomem;
    ret = 0;
    goto out;
nomem:
    snprintf(err, errlen, "out of memory");
out:
    ERR_clear_error();
    json_object_put(hdr);
    json_object_put(claims);
    EVP_PKEY_free(key);
    BIO_free(bio);
    X509_free(cert);
    free(x5t);
    return ret;
}
