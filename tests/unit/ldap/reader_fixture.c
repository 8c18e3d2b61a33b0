/* Canned directories (reader_fixture.h). */
#include "reader_fixture.h"

#include <string.h>

#define BASE "dc=ex,dc=test"
#define PEOPLE "ou=people," BASE
#define GROUPS "ou=groups," BASE

/* ---- OpenLDAP ---------------------------------------------------------- */

static const struct fake_entry ol_root = {
    "", {{"namingContexts", {BASE}}, {"supportedCapabilities", {"1.3.6.1.4.1.4203.1.5.1"}}}};
static const struct fake_entry ol_ann = {"uid=ann," PEOPLE,
                                         {{"entryUUID", {"u-1"}},
                                          {"uid", {"ann"}},
                                          {"cn", {"Ann Archer"}},
                                          {"o", {"Corp"}},
                                          {"employeeNumber", {"E1"}},
                                          {"manager", {"uid=bob," PEOPLE}}}};
static const struct fake_entry ol_bob = {"uid=bob," PEOPLE,
                                         {{"entryUUID", {"u-2"}},
                                          {"uid", {"bob"}},
                                          {"cn", {"Bob Baker"}},
                                          {"displayName", {"Bobby"}},
                                          {"pwdAccountLockedTime", {"20240101000000Z"}}}};
static const struct fake_entry ol_carl = {"UID=Carl, OU=People, DC=ex, DC=test",
                                          {{"entryUUID", {"u-3"}},
                                           {"uid", {"carl"}},
                                           {"cn", {"Carl"}},
                                           {"jpegPhoto", {"\xff\xd8\xff"}, {3}},
                                           {"manager", {"not a dn"}}}};
static const struct fake_entry *const ol_users[] = {&ol_ann, &ol_bob, &ol_carl, NULL};

static const struct fake_entry ol_staff = {
    "cn=staff," GROUPS,
    {{"entryUUID", {"g-1"}},
     {"cn", {"staff"}},
     {"member", {"uid=ann," PEOPLE, "cn=inner," GROUPS, "cn=outsider," BASE, "not a dn"}}}};
static const struct fake_entry ol_uniq = {
    "cn=uniq," GROUPS,
    {{"entryUUID", {"g-2"}}, {"cn", {"uniq"}}, {"uniqueMember", {"uid=bob," PEOPLE "#'0101'B"}}}};
static const struct fake_entry ol_posix = {
    "cn=posix," GROUPS,
    {{"entryUUID", {"g-3"}}, {"cn", {"posix"}}, {"memberUid", {"carl", "nobody"}}}};
static const struct fake_entry ol_inner = {"cn=inner," GROUPS,
                                           {{"entryUUID", {"g-4"}},
                                            {"cn", {"inner"}},
                                            {"member", {"uid=carl," PEOPLE, "cn=staff," GROUPS}}}};
static const struct fake_entry *const ol_groups[] = {&ol_staff, &ol_uniq, &ol_posix, NULL};
static const struct fake_entry *const ol_index[] = {&ol_staff, &ol_uniq, &ol_posix, &ol_inner,
                                                    NULL};
static const struct fake_entry *const ol_root_e[] = {&ol_root, NULL};
static const struct fake_entry *const ol_inner_e[] = {&ol_inner, NULL};

const struct fake_search ol_searches[] = {
    {.base = "", .entries = ol_root_e},
    {.base = BASE, .filter = "inetOrgPerson", .entries = ol_users},
    {.base = BASE, .filter = "groupOfNames", .attr = "1.1", .entries = ol_index},
    {.base = BASE, .filter = "groupOfNames", .entries = ol_groups},
    {.base = "cn=inner," GROUPS, .entries = ol_inner_e},
    {.base = NULL}};

/* ---- Active Directory -------------------------------------------------- */

#define ADBASE "DC=ad,DC=test"
#define GUID1 "\x01\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"
#define GUID2 "\x11\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"
#define GUID3 "\x21\x02\x03\x04\x05\x06\x07\x08\x09\x0a\x0b\x0c\x0d\x0e\x0f\x10"
#define SID1                                                                                       \
    "\x01\x05\x00\x00\x00\x00\x00\x05\x15\x00\x00\x00\x01\x00\x00\x00\x02\x00\x00\x00\x03\x00\x00" \
    "\x00\xe9\x03\x00\x00"

static const struct fake_entry ad_root = {
    "",
    {{"defaultNamingContext", {ADBASE}},
     {"namingContexts", {ADBASE, "CN=Configuration," ADBASE}},
     {"supportedCapabilities", {"1.2.840.113556.1.4.800", "1.2.840.113556.1.4.1670"}}}};
static const struct fake_entry ad_dana = {"CN=Dana,CN=Users," ADBASE,
                                          {{"objectGUID", {GUID1}, {16}},
                                           {"objectSid", {SID1}, {28}},
                                           {"userPrincipalName", {"dana@ad.test"}},
                                           {"userAccountControl", {"512"}},
                                           {"accountExpires", {"0"}}}};
static const struct fake_entry ad_eve = {"CN=Eve,CN=Users," ADBASE,
                                         {{"objectGUID", {GUID2}, {16}},
                                          {"userPrincipalName", {"eve@ad.test"}},
                                          {"userAccountControl", {"514"}},
                                          {"manager", {"CN=Dana,CN=Users," ADBASE}}}};
static const struct fake_entry ad_fay = {"CN=Fay,CN=Users," ADBASE,
                                         {{"objectGUID", {GUID3}, {16}},
                                          {"userPrincipalName", {"fay@ad.test"}},
                                          {"accountExpires", {"9223372036854775807"}}}};
static const struct fake_entry *const ad_users[] = {&ad_dana, &ad_eve, &ad_fay, NULL};
static const struct fake_entry ad_big = {
    "CN=Big,CN=Users," ADBASE,
    {{"objectGUID", {GUID1}, {16}},
     {"cn", {"Big"}},
     {"member;range=0-1", {"CN=Dana,CN=Users," ADBASE, "CN=Eve,CN=Users," ADBASE}}}};
static const struct fake_entry ad_big2 = {
    "CN=Big,CN=Users," ADBASE,
    {{"member;range=2-3", {"CN=Fay,CN=Users," ADBASE, "CN=Gone,CN=Users," ADBASE}}}};
static const struct fake_entry ad_big3 = {"CN=Big,CN=Users," ADBASE,
                                          {{"member;range=4-*", {"CN=Small,CN=Users," ADBASE}}}};
static const struct fake_entry ad_small = {"CN=Small,CN=Users," ADBASE,
                                           {{"objectGUID", {GUID2}, {16}}, {"cn", {"Small"}}}};
static const struct fake_entry *const ad_groups[] = {&ad_big, NULL};
static const struct fake_entry *const ad_index[] = {&ad_big, &ad_small, NULL};
static const struct fake_entry *const ad_root_e[] = {&ad_root, NULL};
static const struct fake_entry *const ad_big2_e[] = {&ad_big2, NULL};
static const struct fake_entry *const ad_big3_e[] = {&ad_big3, NULL};
static const struct fake_entry *const ad_small_e[] = {&ad_small, NULL};

const struct fake_search ad_searches[] = {
    {.base = "", .entries = ad_root_e},
    {.base = ADBASE, .filter = "objectCategory=person", .entries = ad_users},
    {.base = ADBASE, .filter = "objectClass=group", .attr = "1.1", .entries = ad_index},
    {.base = ADBASE, .filter = "objectClass=group", .entries = ad_groups},
    {.base = "CN=Big,CN=Users," ADBASE, .attr = "member;range=2-", .entries = ad_big2_e},
    {.base = "CN=Big,CN=Users," ADBASE, .attr = "member;range=4-", .entries = ad_big3_e},
    {.base = "cn=small,cn=users,dc=ad,dc=test", .entries = ad_small_e},
    {.base = NULL}};

int fixture_read(struct test_host *t, struct fake_dir *f,
                 void (*on_entry)(const struct scimsync_entry *e, void *ctx), void *ctx, int *n)
{
    void *inst = NULL;
    const struct scimsync_entry *e;
    int rc;
    *n = 0;
    fake = f;
    f->reqlen = 0;
    f->requests[0] = '\0';
    if ((rc = PLUGIN->create(&t->h, &inst)) < 0)
        return rc;
    ((struct lsrc_source *)inst)->dir = &fake_dir_ops;
    rc = PLUGIN->source->open(inst);
    while (rc == 0 && (rc = PLUGIN->source->next(inst, &e)) == 1) {
        (*n)++;
        if (on_entry)
            on_entry(e, ctx);
        rc = 0;
    }
    PLUGIN->source->close(inst);
    PLUGIN->destroy(inst);
    return rc;
}
