/* The service account key file and the signed JWT that Google's token
 * endpoint exchanges for an access token (RFC 7523, RS256 over OpenSSL's
 * EVP API).  The private key is never copied into a message. */
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "gw_util.h"
#include "ssp_jwt.h"

const char gw_scopes[] = "https://www.googleapis.com/auth/admin.directory.user.readonly "
                         "https://www.googleapis.com/auth/admin.directory.group.readonly "
                         "https://www.googleapis.com/auth/admin.directory.group.member.readonly";

void gw_key_free(struct gw_key *k)
{
    free(k->client_email);
    if (k->private_key) {
        OPENSSL_cleanse(k->private_key, strlen(k->private_key));
        free(k->private_key);
    }
    free(k->token_uri);
    memset(k, 0, sizeof *k);
}

static const char *str_field(json_object *o, const char *name)
{
    json_object *v;
    if (!json_object_object_get_ex(o, name, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    const char *s = json_object_get_string(v);
    return *s ? s : NULL;
}

int gw_key_parse(const char *json, struct gw_key *k, char *err, size_t errlen)
{
    json_object *root = NULL;
    enum json_tokener_error jerr = json_tokener_success;
    int ret = -1;
    memset(k, 0, sizeof *k);
    root = json_tokener_parse_verbose(json, &jerr);
    if (!root || !json_object_is_type(root, json_type_object)) {
        /* json-c's messages name a position, never the content */
        snprintf(err, errlen, "not a JSON object (%s)",
                 root ? "another JSON type" : json_tokener_error_desc(jerr));
        goto out;
    }
    const char *type = str_field(root, "type");
    if (type && strcmp(type, "service_account") != 0) {
        snprintf(err, errlen, "type is \"%.40s\", not \"service_account\" (a service account key "
                 "file is needed, not an OAuth client)", type);
        goto out;
    }
    const char *email = str_field(root, "client_email");
    const char *pem = str_field(root, "private_key");
    const char *uri = str_field(root, "token_uri");
    if (!email || !pem) {
        snprintf(err, errlen, "%s is missing", !email ? "client_email" : "private_key");
        goto out;
    }
    k->client_email = strdup(email);
    k->private_key = strdup(pem);
    k->token_uri = strdup(uri ? uri : "https://oauth2.googleapis.com/token");
    if (!k->client_email || !k->private_key || !k->token_uri) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    ret = 0;
out:
    if (ret < 0)
        gw_key_free(k);
    json_object_put(root);
    return ret;
}

static void ossl_reason(char *err, size_t errlen, const char *what)
{
    unsigned long e = ERR_get_error();
    char buf[256] = "";
    if (e)
        ERR_error_string_n(e, buf, sizeof buf);
    ERR_clear_error();
    snprintf(err, errlen, "%s%s%s", what, *buf ? ": " : "", buf);
}

int gw_jwt_build(const char *pem, const char *iss, const char *sub, const char *scope,
                 const char *aud, time_t iat, char **out, char *err, size_t errlen)
{
    json_object *hdr = json_object_new_object(), *cl = json_object_new_object();
    BIO *bio = NULL;
    EVP_PKEY *pkey = NULL;
    int ret = -1;

    *out = NULL;
    if (!hdr || !cl || json_object_object_add(hdr, "alg", json_object_new_string("RS256")) ||
        json_object_object_add(hdr, "typ", json_object_new_string("JWT")) ||
        json_object_object_add(cl, "iss", json_object_new_string(iss)) ||
        (sub && json_object_object_add(cl, "sub", json_object_new_string(sub))) ||
        json_object_object_add(cl, "scope", json_object_new_string(scope)) ||
        json_object_object_add(cl, "aud", json_object_new_string(aud)) ||
        json_object_object_add(cl, "iat", json_object_new_int64((int64_t)iat)) ||
        json_object_object_add(cl, "exp", json_object_new_int64((int64_t)iat + 3600))) {
        snprintf(err, errlen, "out of memory");
        goto out;
    }
    ERR_clear_error();
    if (!(bio = BIO_new_mem_buf(pem, -1)) ||
        !(pkey = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL))) {
        ossl_reason(err, errlen, "private_key is not a readable PEM private key");
        goto out;
    }
    if (EVP_PKEY_get_base_id(pkey) != EVP_PKEY_RSA) {
        snprintf(err, errlen, "private_key is not an RSA key (RS256 needs one)");
        goto out;
    }
    int rc = ssp_jwt_sign_rs256(pkey, hdr, cl, out);
    if (rc == SSP_JWT_SIGN)
        ossl_reason(err, errlen, "signing the JWT failed");
    else if (rc < 0)
        snprintf(err, errlen, "out of memory");
    else
        ret = 0;
out:
    json_object_put(hdr);
    json_object_put(cl);
    EVP_PKEY_free(pkey);
    BIO_free(bio);
    return ret;
}
