/* Active Directory value decoding: objectGUID, objectSid, accountExpires,
 * userAccountControl. */
#include "ldap_util.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int lsrc_guid_to_string(const unsigned char *b, size_t len, char out[LSRC_GUID_STR])
{
    if (len != 16)
        return -1;
    /* Data1..Data3 are stored little-endian, Data4 as bytes. */
    snprintf(out, LSRC_GUID_STR,
             "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x", b[3], b[2],
             b[1], b[0], b[5], b[4], b[7], b[6], b[8], b[9], b[10], b[11], b[12], b[13], b[14],
             b[15]);
    return 0;
}

int lsrc_sid_to_string(const unsigned char *b, size_t len, char out[LSRC_SID_STR])
{
    if (len < 8)
        return -1;
    unsigned rev = b[0], count = b[1];
    if (rev != 1 || count > 15 || len != 8 + 4 * (size_t)count)
        return -1;
    uint64_t auth = 0;
    for (int i = 2; i < 8; i++)
        auth = (auth << 8) | b[i];
    size_t o = 0;
    /* MS-DTYP 2.4.2.1: authorities >= 2^32 are printed in hex */
    if (auth >= ((uint64_t)1 << 32))
        o += (size_t)snprintf(out, LSRC_SID_STR, "S-%u-0x%012" PRIX64, rev, auth);
    else
        o += (size_t)snprintf(out, LSRC_SID_STR, "S-%u-%" PRIu64, rev, auth);
    for (unsigned i = 0; i < count; i++) {
        const unsigned char *s = b + 8 + 4 * i;
        uint32_t v =
            (uint32_t)s[0] | (uint32_t)s[1] << 8 | (uint32_t)s[2] << 16 | (uint32_t)s[3] << 24;
        o += (size_t)snprintf(out + o, LSRC_SID_STR - o, "-%" PRIu32, v);
    }
    return 0;
}

static int parse_int64(const char *value, long long *out)
{
    char *end;
    if (!value || !*value)
        return -1;
    errno = 0;
    long long v = strtoll(value, &end, 10);
    if (errno || *end)
        return -1;
    *out = v;
    return 0;
}

/* Seconds between 1601-01-01 and 1970-01-01. */
#define FILETIME_UNIX_OFFSET 11644473600LL

int lsrc_ad_account_expired(const char *value, time_t now, int *expired)
{
    long long v;
    if (parse_int64(value, &v) < 0)
        return -1;
    if (v == 0 || v == 0x7FFFFFFFFFFFFFFFLL || v < 0) {
        *expired = 0;
        return 0;
    }
    long long unix_s = v / 10000000LL - FILETIME_UNIX_OFFSET;
    *expired = unix_s <= (long long)now;
    return 0;
}

int lsrc_ad_uac_disabled(const char *value, int *disabled)
{
    long long v;
    if (parse_int64(value, &v) < 0)
        return -1;
    *disabled = (v & 0x2) != 0;
    return 0;
}
