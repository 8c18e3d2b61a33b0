/* objectGUID / objectSid decoding, accountExpires, userAccountControl. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "ldap_util.h"

static void test_guid(void **state)
{
    (void)state;
    unsigned char b[16];
    char out[LSRC_GUID_STR];
    for (int i = 0; i < 16; i++)
        b[i] = (unsigned char)i;
    assert_int_equal(lsrc_guid_to_string(b, 16, out), 0);
    /* Data1..3 little-endian, Data4 in byte order */
    assert_string_equal(out, "03020100-0504-0706-0809-0a0b0c0d0e0f");
    assert_int_equal(lsrc_guid_to_string(b, 15, out), -1);
    assert_int_equal(lsrc_guid_to_string(b, 17, out), -1);
}

static void test_sid(void **state)
{
    (void)state;
    char out[LSRC_SID_STR];
    const unsigned char domain_admins[] = {
        0x01, 0x05, 0x00, 0x00, 0x00, 0x00, 0x00, 0x05, 0x15, 0x00, 0x00, 0x00, 0xdc, 0xf4,
        0xdc, 0x3b, 0x83, 0x3d, 0x2b, 0x46, 0x82, 0x8b, 0xa6, 0x28, 0x00, 0x02, 0x00, 0x00};
    assert_int_equal(lsrc_sid_to_string(domain_admins, sizeof domain_admins, out), 0);
    assert_string_equal(out, "S-1-5-21-1004336348-1177238915-682003330-512");
    const unsigned char everyone[] = {1, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
    assert_int_equal(lsrc_sid_to_string(everyone, sizeof everyone, out), 0);
    assert_string_equal(out, "S-1-1-0");
    const unsigned char big_auth[] = {1, 0, 0x01, 0, 0, 0, 0, 0};
    assert_int_equal(lsrc_sid_to_string(big_auth, sizeof big_auth, out), 0);
    assert_string_equal(out, "S-1-0x010000000000");
    /* length must match the sub-authority count; revision 1 only */
    assert_int_equal(lsrc_sid_to_string(domain_admins, sizeof domain_admins - 1, out), -1);
    assert_int_equal(lsrc_sid_to_string(everyone, 7, out), -1);
    const unsigned char rev2[] = {2, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0};
    assert_int_equal(lsrc_sid_to_string(rev2, sizeof rev2, out), -1);
    unsigned char too_many[8 + 4 * 16] = {1, 16};
    assert_int_equal(lsrc_sid_to_string(too_many, sizeof too_many, out), -1);
}

static void test_account_expires(void **state)
{
    (void)state;
    int expired = -1;
    /* 2020-01-01T00:00:00Z */
    const char *jan2020 = "132223104000000000";
    assert_int_equal(lsrc_ad_account_expired(jan2020, 1577836800, &expired), 0);
    assert_int_equal(expired, 1);
    assert_int_equal(lsrc_ad_account_expired(jan2020, 1577836799, &expired), 0);
    assert_int_equal(expired, 0);
    assert_int_equal(lsrc_ad_account_expired("0", 1577836800, &expired), 0);
    assert_int_equal(expired, 0);
    assert_int_equal(lsrc_ad_account_expired("9223372036854775807", 1577836800, &expired), 0);
    assert_int_equal(expired, 0);
    assert_int_equal(lsrc_ad_account_expired("", 0, &expired), -1);
    assert_int_equal(lsrc_ad_account_expired("12x", 0, &expired), -1);
    assert_int_equal(lsrc_ad_account_expired("99999999999999999999", 0, &expired), -1);
}

static void test_uac(void **state)
{
    (void)state;
    int disabled = -1;
    assert_int_equal(lsrc_ad_uac_disabled("512", &disabled), 0);
    assert_int_equal(disabled, 0);
    assert_int_equal(lsrc_ad_uac_disabled("514", &disabled), 0);
    assert_int_equal(disabled, 1);
    assert_int_equal(lsrc_ad_uac_disabled("66050", &disabled), 0); /* 0x10202 */
    assert_int_equal(disabled, 1);
    assert_int_equal(lsrc_ad_uac_disabled("abc", &disabled), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_guid),
        cmocka_unit_test(test_sid),
        cmocka_unit_test(test_account_expires),
        cmocka_unit_test(test_uac),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
