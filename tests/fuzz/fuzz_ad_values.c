/* Active Directory values (plugins/source-ldap/ad_values.c, text.c): the
 * binary objectGUID and objectSid as the server sends them, the numeric
 * accountExpires / userAccountControl strings, and base64 for opaque
 * binary ids.  Whole input = one attribute value. */
#include <stdio.h>

#include "fuzz_util.h"
#include "ldap_util.h"

static int hexval(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

static void check_guid(const uint8_t *b, size_t len)
{
    /* byte order of the canonical form: Data1..3 little-endian */
    static const int order[16] = {3, 2, 1, 0, 5, 4, 7, 6, 8, 9, 10, 11, 12, 13, 14, 15};
    char out[LSRC_GUID_STR];
    int k = 0;

    if (lsrc_guid_to_string(b, len, out) < 0) {
        FUZZ_CHECK(len != 16);
        return;
    }
    FUZZ_CHECK(len == 16 && strlen(out) == 36);
    for (int i = 0; i < 36; i++) {
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            FUZZ_CHECK(out[i] == '-');
            continue;
        }
        FUZZ_CHECK(hexval(out[i]) >= 0 && hexval(out[i + 1]) >= 0);
        FUZZ_CHECK(hexval(out[i]) * 16 + hexval(out[i + 1]) == b[order[k++]]);
        i++;
    }
}

static void check_sid(const uint8_t *b, size_t len)
{
    char out[LSRC_SID_STR];
    size_t dashes = 0;

    if (lsrc_sid_to_string(b, len, out) < 0)
        return;
    FUZZ_CHECK(len >= 8 && len == 8 + 4 * (size_t)b[1]);
    FUZZ_CHECK(strncmp(out, "S-1-", 4) == 0 && strlen(out) < LSRC_SID_STR);
    for (const char *p = out; *p; p++)
        dashes += *p == '-';
    FUZZ_CHECK(dashes == 2 + (size_t)b[1]);
}

static void check_base64(const uint8_t *b, size_t len)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    char *s = lsrc_base64(b, len);
    size_t n;

    FUZZ_CHECK(s != NULL);
    n = strlen(s);
    FUZZ_CHECK(n == (len + 2) / 3 * 4);
    /* decode and compare */
    for (size_t i = 0, o = 0; i < n; i += 4) {
        unsigned v = 0, pad = 0;
        for (size_t k = 0; k < 4; k++) {
            const char *c = s[i + k] == '=' ? NULL : strchr(tab, s[i + k]);
            FUZZ_CHECK(c || (s[i + k] == '=' && i + 4 == n && k >= 2));
            pad += !c;
            v = v << 6 | (c ? (unsigned)(c - tab) : 0);
        }
        for (size_t k = 0; k < 3 - pad; k++, o++)
            FUZZ_CHECK(o < len && (uint8_t)(v >> (16 - 8 * k)) == b[o]);
        if (i + 4 == n)
            FUZZ_CHECK(o == len);
    }
    free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *s;
    int flag = -1;

    check_guid(data, size);
    check_sid(data, size);
    check_base64(data, size);

    s = fuzz_cstr(data, size);
    if (!s)
        return 0;
    if (lsrc_ad_account_expired(s, (time_t)1767225600, &flag) == 0)
        FUZZ_CHECK(flag == 0 || flag == 1);
    flag = -1;
    if (lsrc_ad_uac_disabled(s, &flag) == 0)
        FUZZ_CHECK(flag == 0 || flag == 1);
    free(s);
    return 0;
}
