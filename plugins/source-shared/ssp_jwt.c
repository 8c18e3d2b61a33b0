/* RS256 JWTs and base64url (ssp_jwt.h). */
#include "ssp_jwt.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

char *ssp_b64url(const unsigned char *data, size_t len)
{
    if (len > (size_t)0x3fffffff)
        return NULL;
    /* EVP_EncodeBlock writes 4 bytes per 3, plus the NUL */
    char *out = malloc(4 * ((len + 2) / 3) + 1);
    if (!out)
        return NULL;
    int n = EVP_EncodeBlock((unsigned char *)out, data, (int)len);
    while (n > 0 && out[n - 1] == '=')
        n--;
    out[n] = '\0';
    for (char *p = out; *p; p++) {
        if (*p == '+')
            *p = '-';
        else if (*p == '/')
            *p = '_';
    }
    return out;
}

unsigned char *ssp_b64url_decode(const char *s, size_t *len)
{
    size_t n = strlen(s);
    while (n > 0 && s[n - 1] == '=')
        n--;
    if (n > (size_t)0x3ffffff0)
        return NULL;
    size_t padded = (n + 3) / 4 * 4;
    unsigned char *in = malloc(padded + 1), *out = malloc(padded / 4 * 3 + 1);
    unsigned char *ret = NULL;
    if (!in || !out)
        goto out;
    for (size_t i = 0; i < n; i++)
        in[i] = s[i] == '-' ? '+' : s[i] == '_' ? '/' : (unsigned char)s[i];
    size_t pad = padded - n;
    if (pad == 3)
        goto out;
    memset(in + n, '=', pad);
    in[padded] = '\0';
    int m = EVP_DecodeBlock(out, in, (int)padded);
    if (m < 0)
        goto out;
    *len = (size_t)m - pad;
    out[*len] = '\0';
    ret = out;
    out = NULL;
out:
    free(in);
    free(out);
    return ret;
}

/* base64url of a json-c object's compact text */
static char *b64url_json(json_object *o)
{
    const char *s =
        json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
    return s ? ssp_b64url((const unsigned char *)s, strlen(s)) : NULL;
}

int ssp_jwt_sign_rs256(EVP_PKEY *key, json_object *hdr, json_object *claims, char **out)
{
    char *h64 = NULL, *c64 = NULL, *s64 = NULL, *input = NULL;
    unsigned char *sig = NULL;
    size_t siglen = 0, ilen = 0;
    EVP_MD_CTX *md = NULL;
    int ret = SSP_JWT_NOMEM;
    *out = NULL;
    if (!(h64 = b64url_json(hdr)) || !(c64 = b64url_json(claims)))
        goto out;
    ilen = strlen(h64) + 1 + strlen(c64);
    if (!(input = malloc(ilen + 1)))
        goto out;
    snprintf(input, ilen + 1, "%s.%s", h64, c64);
    if (!(md = EVP_MD_CTX_new()) || EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, key) != 1 ||
        EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)input, ilen) != 1) {
        ret = SSP_JWT_SIGN;
        goto out;
    }
    if (!(sig = malloc(siglen)))
        goto out;
    if (EVP_DigestSign(md, sig, &siglen, (const unsigned char *)input, ilen) != 1) {
        ret = SSP_JWT_SIGN;
        goto out;
    }
    if (!(s64 = ssp_b64url(sig, siglen)))
        goto out;
    size_t olen = ilen + 1 + strlen(s64);
    if (!(*out = malloc(olen + 1)))
        goto out;
    snprintf(*out, olen + 1, "%s.%s", input, s64);
    ret = 0;
out:
    free(h64);
    free(c64);
    free(s64);
    free(input);
    free(sig);
    EVP_MD_CTX_free(md);
    return ret;
}
