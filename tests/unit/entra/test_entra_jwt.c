/* The client assertion: built by the plugin, checked here with OpenSSL
 * independently (thumbprint from the DER, signature with the certificate's
 * public key, claims).  Keys and certificates are made at test time. */
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "entra_logic.h"
#include "ssp_jwt.h"

static char *pem_of_key(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *out;
    assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL), 1);
    long n = BIO_get_mem_data(b, &data);
    out = strndup(data, (size_t)n);
    BIO_free(b);
    return out;
}

static X509 *self_signed(EVP_PKEY *k)
{
    X509 *x = X509_new();
    X509_set_version(x, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(x), 42);
    X509_gmtime_adj(X509_getm_notBefore(x), 0);
    X509_gmtime_adj(X509_getm_notAfter(x), 86400);
    X509_set_pubkey(x, k);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"scimsync-test", -1,
                               -1, 0);
    X509_set_issuer_name(x, name);
    assert_true(X509_sign(x, k, EVP_sha256()) > 0);
    return x;
}

static char *pem_of_cert(X509 *x)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *out;
    assert_int_equal(PEM_write_bio_X509(b, x), 1);
    long n = BIO_get_mem_data(b, &data);
    out = strndup(data, (size_t)n);
    BIO_free(b);
    return out;
}

/* base64url -> bytes, through OpenSSL's decoder */
static unsigned char *unb64url(const char *s, size_t n, size_t *outlen)
{
    char *t = calloc(1, n + 4);
    memcpy(t, s, n);
    for (size_t i = 0; i < n; i++)
        t[i] = t[i] == '-' ? '+' : t[i] == '_' ? '/' : t[i];
    size_t pad = (4 - n % 4) % 4;
    for (size_t i = 0; i < pad; i++)
        t[n + i] = '=';
    unsigned char *out = calloc(1, n + 4);
    int len = EVP_DecodeBlock(out, (unsigned char *)t, (int)(n + pad));
    assert_true(len >= 0);
    *outlen = (size_t)len - pad;
    free(t);
    return out;
}

static json_object *part_json(const char *s, size_t n)
{
    size_t len;
    unsigned char *raw = unb64url(s, n, &len);
    json_object *o = json_tokener_parse((char *)raw);
    free(raw);
    assert_non_null(o);
    return o;
}

static const char *str(json_object *o, const char *k)
{
    json_object *v;
    assert_true(json_object_object_get_ex(o, k, &v));
    return json_object_get_string(v);
}

struct keys {
    EVP_PKEY *key;
    X509 *cert;
    char *key_pem, *cert_pem;
};

static void make_keys(struct keys *k, int rsa)
{
    k->key = rsa ? EVP_RSA_gen(2048) : EVP_EC_gen("P-256");
    assert_non_null(k->key);
    k->cert = self_signed(k->key);
    k->key_pem = pem_of_key(k->key);
    k->cert_pem = pem_of_cert(k->cert);
}

static void free_keys(struct keys *k)
{
    EVP_PKEY_free(k->key);
    X509_free(k->cert);
    free(k->key_pem);
    free(k->cert_pem);
}

static void test_b64url(void **st)
{
    (void)st;
    char *s = ssp_b64url((const unsigned char *)"", 0);
    assert_string_equal(s, "");
    free(s);
    s = ssp_b64url((const unsigned char *)"f", 1);
    assert_string_equal(s, "Zg");
    free(s);
    s = ssp_b64url((const unsigned char *)"\xfb\xff\xfe", 3);
    assert_string_equal(s, "-__-");
    free(s);
}

static void check_assertion(int sha256)
{
    struct keys k;
    char *jwt = NULL, err[256] = "";
    make_keys(&k, 1);
    const char *aud = "https://login.microsoftonline.com/contoso/oauth2/v2.0/token";
    assert_int_equal(entra_client_assertion(k.cert_pem, k.key_pem, sha256, "client-1", aud,
                                            1700000000, 600, "jti-1", &jwt, err, sizeof err),
                     0);
    const char *d1 = strchr(jwt, '.'), *d2 = strchr(d1 + 1, '.');
    assert_non_null(d2);
    json_object *hdr = part_json(jwt, (size_t)(d1 - jwt));
    json_object *cl = part_json(d1 + 1, (size_t)(d2 - d1 - 1));
    assert_string_equal(str(hdr, "alg"), "RS256");
    assert_string_equal(str(hdr, "typ"), "JWT");
    /* the thumbprint: digest of the DER certificate, computed here apart */
    unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
    unsigned int mdlen;
    int dlen = i2d_X509(k.cert, &der);
    EVP_Digest(der, (size_t)dlen, md, &mdlen, sha256 ? EVP_sha256() : EVP_sha1(), NULL);
    char *want = ssp_b64url(md, mdlen);
    assert_string_equal(str(hdr, sha256 ? "x5t#S256" : "x5t"), want);
    assert_false(json_object_object_get_ex(hdr, sha256 ? "x5t" : "x5t#S256", NULL));
    assert_string_equal(str(cl, "aud"), aud);
    assert_string_equal(str(cl, "iss"), "client-1");
    assert_string_equal(str(cl, "sub"), "client-1");
    assert_string_equal(str(cl, "jti"), "jti-1");
    assert_string_equal(str(cl, "nbf"), "1700000000");
    assert_string_equal(str(cl, "exp"), "1700000600");
    /* the signature verifies with the certificate's key over header.claims */
    size_t siglen;
    unsigned char *sig = unb64url(d2 + 1, strlen(d2 + 1), &siglen);
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    assert_int_equal(EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, X509_get0_pubkey(k.cert)),
                     1);
    assert_int_equal(
        EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)jwt, (size_t)(d2 - jwt)), 1);
    /* and not over anything else */
    jwt[(d1 - jwt) + 3] ^= 1;
    EVP_MD_CTX_reset(ctx);
    EVP_DigestVerifyInit(ctx, NULL, EVP_sha256(), NULL, X509_get0_pubkey(k.cert));
    assert_int_not_equal(
        EVP_DigestVerify(ctx, sig, siglen, (const unsigned char *)jwt, (size_t)(d2 - jwt)), 1);
    EVP_MD_CTX_free(ctx);
    OPENSSL_free(der);
    free(sig);
    free(want);
    json_object_put(hdr);
    json_object_put(cl);
    free(jwt);
    free_keys(&k);
}

static void test_assertion_sha1(void **st)
{
    (void)st;
    check_assertion(0);
}

static void test_assertion_sha256(void **st)
{
    (void)st;
    check_assertion(1);
}

static void test_random_jti(void **st)
{
    (void)st;
    struct keys k;
    char *a = NULL, *b = NULL, err[256];
    make_keys(&k, 1);
    assert_int_equal(entra_client_assertion(k.cert_pem, k.key_pem, 0, "c", "aud", 1, 60, NULL, &a,
                                            err, sizeof err),
                     0);
    assert_int_equal(entra_client_assertion(k.cert_pem, k.key_pem, 0, "c", "aud", 1, 60, NULL, &b,
                                            err, sizeof err),
                     0);
    const char *d1a = strchr(a, '.'), *d1b = strchr(b, '.');
    json_object *ca = part_json(d1a + 1, (size_t)(strchr(d1a + 1, '.') - d1a - 1));
    json_object *cb = part_json(d1b + 1, (size_t)(strchr(d1b + 1, '.') - d1b - 1));
    assert_int_equal(strlen(str(ca, "jti")), 32);
    assert_string_not_equal(str(ca, "jti"), str(cb, "jti"));
    json_object_put(ca);
    json_object_put(cb);
    free(a);
    free(b);
    free_keys(&k);
}

static void test_refusals(void **st)
{
    (void)st;
    struct keys k, other, ec;
    char *jwt = NULL, err[256];
    make_keys(&k, 1);
    make_keys(&other, 1);
    make_keys(&ec, 0);
    assert_int_equal(entra_client_assertion(k.cert_pem, other.key_pem, 0, "c", "aud", 1, 60, NULL,
                                            &jwt, err, sizeof err),
                     -1);
    assert_null(jwt);
    assert_string_equal(err, "private_key: does not belong to the certificate");
    assert_int_equal(entra_client_assertion(ec.cert_pem, ec.key_pem, 0, "c", "aud", 1, 60, NULL,
                                            &jwt, err, sizeof err),
                     -1);
    assert_string_equal(err, "private_key: not an RSA key (Entra ID signs RS256)");
    assert_int_equal(entra_client_assertion("not pem", k.key_pem, 0, "c", "aud", 1, 60, NULL, &jwt,
                                            err, sizeof err),
                     -1);
    assert_string_equal(err, "certificate: not a PEM certificate");
    assert_int_equal(entra_client_assertion(k.cert_pem, "-----BEGIN PRIVATE KEY-----\nxx\n", 0, "c",
                                            "aud", 1, 60, NULL, &jwt, err, sizeof err),
                     -1);
    assert_string_equal(err, "private_key: not an unencrypted PEM private key");
    char *tp = NULL;
    assert_int_equal(entra_cert_thumbprint(k.cert_pem, 0, &tp, err, sizeof err), 0);
    assert_int_equal(strlen(tp), 27); /* 20 bytes */
    free(tp);
    assert_int_equal(entra_cert_thumbprint("x", 1, &tp, err, sizeof err), -1);
    free_keys(&k);
    free_keys(&other);
    free_keys(&ec);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_b64url),           cmocka_unit_test(test_assertion_sha1),
        cmocka_unit_test(test_assertion_sha256), cmocka_unit_test(test_random_jti),
        cmocka_unit_test(test_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
