/* The JWT bearer assertion: built with a key generated here, then checked
 * the way the token endpoint checks it (OpenSSL verifies the RS256
 * signature with the public key; json-c reads header and claims). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdlib.h>
#include <string.h>

#include "gw_util.h"
#include "ssp_jwt.h"

static EVP_PKEY *rsa_key;
static char *rsa_pem;

static char *pem_of(EVP_PKEY *k)
{
    BIO *b = BIO_new(BIO_s_mem());
    char *data, *out;
    assert_non_null(b);
    assert_int_equal(PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL), 1);
    long n = BIO_get_mem_data(b, &data);
    out = malloc((size_t)n + 1);
    memcpy(out, data, (size_t)n);
    out[n] = '\0';
    BIO_free(b);
    return out;
}

static int setup(void **state)
{
    (void)state;
    rsa_key = EVP_PKEY_Q_keygen(NULL, NULL, "RSA", (size_t)2048);
    if (!rsa_key)
        return -1;
    rsa_pem = pem_of(rsa_key);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    EVP_PKEY_free(rsa_key);
    free(rsa_pem);
    return 0;
}

static json_object *decode_part(const char *p, size_t n)
{
    char *s = strndup(p, n);
    size_t len;
    unsigned char *raw = ssp_b64url_decode(s, &len);
    assert_non_null(raw);
    json_object *o = json_tokener_parse((char *)raw);
    free(s);
    free(raw);
    assert_non_null(o);
    return o;
}

static const char *sfield(json_object *o, const char *k)
{
    json_object *v;
    assert_true(json_object_object_get_ex(o, k, &v));
    return json_object_get_string(v);
}

static int verify(EVP_PKEY *k, const char *jwt)
{
    const char *dot2 = strrchr(jwt, '.');
    size_t siglen;
    unsigned char *sig = ssp_b64url_decode(dot2 + 1, &siglen);
    EVP_MD_CTX *md = EVP_MD_CTX_new();
    int ok = sig && EVP_DigestVerifyInit(md, NULL, EVP_sha256(), NULL, k) == 1 &&
             EVP_DigestVerify(md, sig, siglen, (const unsigned char *)jwt,
                              (size_t)(dot2 - jwt)) == 1;
    EVP_MD_CTX_free(md);
    free(sig);
    return ok;
}

static void test_jwt_signed_and_claims(void **state)
{
    (void)state;
    char err[256], *jwt = NULL;
    assert_int_equal(gw_jwt_build(rsa_pem, "sa@p.iam.gserviceaccount.com", "admin@example.com",
                                  gw_scopes, "https://oauth2.googleapis.com/token", 1700000000,
                                  &jwt, err, sizeof err),
                     0);
    /* base64url without padding: no '=', '+', '/' */
    assert_null(strpbrk(jwt, "=+/"));
    const char *d1 = strchr(jwt, '.'), *d2 = strrchr(jwt, '.');
    assert_true(d1 && d2 && d1 < d2);

    json_object *h = decode_part(jwt, (size_t)(d1 - jwt));
    assert_int_equal(json_object_object_length(h), 2);
    assert_string_equal(sfield(h, "alg"), "RS256");
    assert_string_equal(sfield(h, "typ"), "JWT");
    json_object *c = decode_part(d1 + 1, (size_t)(d2 - d1 - 1));
    assert_string_equal(sfield(c, "iss"), "sa@p.iam.gserviceaccount.com");
    assert_string_equal(sfield(c, "sub"), "admin@example.com");
    assert_string_equal(sfield(c, "aud"), "https://oauth2.googleapis.com/token");
    assert_string_equal(sfield(c, "scope"),
                        "https://www.googleapis.com/auth/admin.directory.user.readonly "
                        "https://www.googleapis.com/auth/admin.directory.group.readonly "
                        "https://www.googleapis.com/auth/admin.directory.group.member.readonly");
    json_object *v;
    assert_true(json_object_object_get_ex(c, "iat", &v));
    assert_int_equal(json_object_get_int64(v), 1700000000);
    assert_true(json_object_object_get_ex(c, "exp", &v));
    assert_int_equal(json_object_get_int64(v), 1700000000 + 3600);
    json_object_put(h);
    json_object_put(c);

    assert_true(verify(rsa_key, jwt));
    /* any change to the signed part breaks the signature */
    jwt[5] = jwt[5] == 'A' ? 'B' : 'A';
    assert_false(verify(rsa_key, jwt));
    free(jwt);
}

static void test_jwt_bad_keys(void **state)
{
    (void)state;
    char err[256], *jwt = (char *)"untouched";
    const char *junk = "-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1ieXRlcw==\n"
                       "-----END PRIVATE KEY-----\n";
    assert_int_equal(gw_jwt_build(junk, "a", "b", gw_scopes, "c", 1, &jwt, err, sizeof err), -1);
    assert_null(jwt);
    assert_non_null(strstr(err, "private_key is not a readable PEM private key"));
    assert_null(strstr(err, "c2VjcmV0")); /* the key never lands in a message */

    EVP_PKEY *ec = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
    assert_non_null(ec);
    char *ec_pem = pem_of(ec);
    assert_int_equal(gw_jwt_build(ec_pem, "a", "b", gw_scopes, "c", 1, &jwt, err, sizeof err),
                     -1);
    assert_string_equal(err, "private_key is not an RSA key (RS256 needs one)");
    free(ec_pem);
    EVP_PKEY_free(ec);
}

static void test_b64url(void **state)
{
    (void)state;
    static const struct {
        const char *in, *out;
    } v[] = {{"", ""}, {"f", "Zg"}, {"fo", "Zm8"}, {"foo", "Zm9v"}, {"foob", "Zm9vYg"},
             {"\xfb\xff", "-_8"}, {"\xfb\xef\xbe", "----"}, {"\xff\xff\xff", "____"}};
    for (size_t i = 0; i < sizeof v / sizeof *v; i++) {
        char *e = ssp_b64url((const unsigned char *)v[i].in, strlen(v[i].in));
        assert_string_equal(e, v[i].out);
        size_t n;
        unsigned char *d = ssp_b64url_decode(e, &n);
        assert_non_null(d);
        assert_int_equal(n, strlen(v[i].in));
        assert_memory_equal(d, v[i].in, n);
        free(d);
        free(e);
    }
    size_t n;
    assert_null(ssp_b64url_decode("Z", &n)); /* one character left over is never valid */
    assert_null(ssp_b64url_decode("Zm9v!", &n));
}

static void test_key_parse(void **state)
{
    (void)state;
    struct gw_key k;
    char err[256];
    assert_int_equal(gw_key_parse("{\"type\":\"service_account\",\"client_email\":\"sa@p\","
                                  "\"private_key\":\"PEM\",\"token_uri\":\"http://t/token\"}",
                                  &k, err, sizeof err),
                     0);
    assert_string_equal(k.client_email, "sa@p");
    assert_string_equal(k.private_key, "PEM");
    assert_string_equal(k.token_uri, "http://t/token");
    gw_key_free(&k);

    assert_int_equal(gw_key_parse("{\"client_email\":\"sa@p\",\"private_key\":\"PEM\"}", &k, err,
                                  sizeof err),
                     0);
    assert_string_equal(k.token_uri, "https://oauth2.googleapis.com/token");
    gw_key_free(&k);

    assert_int_equal(gw_key_parse("{\"type\":\"authorized_user\",\"client_email\":\"x\","
                                  "\"private_key\":\"SECRETPEM\"}",
                                  &k, err, sizeof err),
                     -1);
    assert_non_null(strstr(err, "not \"service_account\""));
    assert_int_equal(gw_key_parse("{\"private_key\":\"SECRETPEM\"}", &k, err, sizeof err), -1);
    assert_string_equal(err, "client_email is missing");
    assert_int_equal(gw_key_parse("{\"client_email\":\"x\"}", &k, err, sizeof err), -1);
    assert_string_equal(err, "private_key is missing");
    assert_int_equal(gw_key_parse("SECRETPEM", &k, err, sizeof err), -1);
    assert_non_null(strstr(err, "not a JSON object"));
    assert_null(strstr(err, "SECRETPEM"));
    assert_int_equal(gw_key_parse("[1]", &k, err, sizeof err), -1);
    assert_null(k.client_email);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_jwt_signed_and_claims),
        cmocka_unit_test(test_jwt_bad_keys),
        cmocka_unit_test(test_b64url),
        cmocka_unit_test(test_key_parse),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
