/* The dialect tables, and the RootDSE read that picks one (when `dialect`
 * is auto) and the default base DN. */
#include "reader.h"

#include <stdlib.h>
#include <string.h>

/* Supported capability every Active Directory (and Samba AD DC) announces. */
#define AD_CAPABILITY_OID "1.2.840.113556.1.4.800"

static const char *const ad_user_attrs[] = {"objectGUID",
                                            "objectSid",
                                            "userPrincipalName",
                                            "sAMAccountName",
                                            "cn",
                                            "givenName",
                                            "sn",
                                            "displayName",
                                            "mail",
                                            "title",
                                            "department",
                                            "company",
                                            "division",
                                            "employeeID",
                                            "employeeNumber",
                                            "employeeType",
                                            "manager",
                                            "userAccountControl",
                                            "accountExpires",
                                            "telephoneNumber",
                                            "mobile",
                                            "preferredLanguage",
                                            "physicalDeliveryOfficeName",
                                            NULL};
static const char *const ad_group_attrs[] = {"objectGUID",     "objectSid",   "cn", "name",
                                             "sAMAccountName", "description", NULL};
static const char *const ad_own_user[] = {"userAccountControl", "accountExpires", "manager", NULL};
static const char *const ad_own_group[] = {NULL};
static const char *const ad_group_names[] = {"cn", "sAMAccountName", NULL};

static const char *const ol_user_attrs[] = {"entryUUID",
                                            "uid",
                                            "cn",
                                            "givenName",
                                            "sn",
                                            "displayName",
                                            "mail",
                                            "title",
                                            "departmentNumber",
                                            "ou",
                                            "o",
                                            "employeeNumber",
                                            "employeeType",
                                            "manager",
                                            "telephoneNumber",
                                            "mobile",
                                            "preferredLanguage",
                                            "pwdAccountLockedTime",
                                            NULL};
static const char *const ol_group_attrs[] = {"entryUUID",    "cn",        "description", "member",
                                             "uniqueMember", "memberUid", NULL};
static const char *const ol_own_user[] = {"pwdAccountLockedTime", "manager", "uid", NULL};
static const char *const ol_own_group[] = {"member", "uniqueMember", "memberUid", NULL};
static const char *const ol_group_names[] = {"cn", NULL};
/* the AD names the default mapping uses, from OpenLDAP's attributes */
static const char *const ol_aliases[][2] = {{"displayName", "cn"},
                                            {"company", "o"},
                                            {"employeeID", "employeeNumber"},
                                            {"department", "departmentNumber"}};

const struct lsrc_dialect_opts lsrc_dialect_ad = {
    .name = "ad",
    .external_id = "objectGUID",
    .login_attribute = "userPrincipalName",
    .user_filter = "(&(objectCategory=person)(objectClass=user))",
    .group_filter = "(objectClass=group)",
    .default_user_attrs = ad_user_attrs,
    .default_group_attrs = ad_group_attrs,
    .own_user_attrs = ad_own_user,
    .own_group_attrs = ad_own_group,
    .aliases = NULL,
    .naliases = 0,
    .active = LSRC_ACTIVE_UAC,
    .group_name_attrs = ad_group_names,
    .member_ranges = 1,
    .in_chain = 1,
};

const struct lsrc_dialect_opts lsrc_dialect_openldap = {
    .name = "openldap",
    .external_id = "entryUUID",
    .login_attribute = "uid",
    .user_filter = "(|(objectClass=inetOrgPerson)(objectClass=posixAccount))",
    .group_filter =
        "(|(objectClass=groupOfNames)(objectClass=groupOfUniqueNames)(objectClass=posixGroup))",
    .default_user_attrs = ol_user_attrs,
    .default_group_attrs = ol_group_attrs,
    .own_user_attrs = ol_own_user,
    .own_group_attrs = ol_own_group,
    .aliases = ol_aliases,
    .naliases = sizeof ol_aliases / sizeof ol_aliases[0],
    .active = LSRC_ACTIVE_PWDLOCK,
    .group_name_attrs = ol_group_names,
    .member_ranges = 0,
    .in_chain = 0,
};

const struct lsrc_dialect_opts *lsrc_dialect_table(int dialect)
{
    return dialect == LSRC_DIALECT_AD ? &lsrc_dialect_ad : &lsrc_dialect_openldap;
}

/* What the RootDSE says, as read by rootdse_attr. */
struct rootdse {
    int ad;            /* the AD capability is announced */
    char *default_nc;  /* defaultNamingContext */
    char *single_nc;   /* namingContexts, when exactly one */
    unsigned long nnc; /* namingContexts values */
    int nomem;
};

static int rootdse_attr(void *ctx, const struct berval *name, const struct berval *vals, size_t n)
{
    struct rootdse *r = ctx;
    if (lsrc_attr_is(name, "supportedCapabilities")) {
        for (size_t i = 0; i < n; i++)
            if (vals[i].bv_len == strlen(AD_CAPABILITY_OID) &&
                memcmp(vals[i].bv_val, AD_CAPABILITY_OID, vals[i].bv_len) == 0)
                r->ad = 1;
    } else if (lsrc_attr_is(name, "defaultNamingContext") && n > 0 && !r->default_nc) {
        if (!(r->default_nc = strndup(vals[0].bv_val, vals[0].bv_len)))
            return SCIMSYNC_ERR_NOMEM;
    } else if (lsrc_attr_is(name, "namingContexts")) {
        r->nnc += n;
        if (n > 0 && !r->single_nc && !(r->single_nc = strndup(vals[0].bv_val, vals[0].bv_len)))
            return SCIMSYNC_ERR_NOMEM;
    }
    return 0;
}

int lsrc_read_rootdse(struct lsrc_source *s)
{
    const struct scimsync_host *h = s->host;
    char *attrs[] = {"defaultNamingContext", "namingContexts", "supportedCapabilities", NULL};
    struct lsrc_search q;
    struct rootdse r = {0};
    void *e;
    int ret = lsrc_search_open(s, &q, "", LDAP_SCOPE_BASE, "(objectClass=*)", attrs, 0);
    if (ret < 0)
        return ret;
    while ((ret = lsrc_search_next(s, &q, &e)) == 1)
        if ((ret = lsrc_search_attrs(s, e, "the RootDSE", rootdse_attr, &r)) < 0)
            break;
    lsrc_search_close(s, &q);
    if (ret < 0)
        goto out;
    s->dialect = s->conf.dialect;
    if (s->dialect == LSRC_DIALECT_AUTO)
        s->dialect = r.ad ? LSRC_DIALECT_AD : LSRC_DIALECT_OPENLDAP;
    s->dopts = lsrc_dialect_table(s->dialect);
    if (s->conf.base_dn) {
        s->base_dn = strdup(s->conf.base_dn);
    } else if (r.default_nc) {
        s->base_dn = strdup(r.default_nc);
    } else if (r.single_nc && r.nnc == 1) {
        s->base_dn = strdup(r.single_nc);
    } else {
        h->log(h, SCIMSYNC_LOG_ERROR,
               "%s: base_dn is not set and the server does not name a single naming context",
               s->uri);
        ret = SCIMSYNC_ERR_CONFIG;
        goto out;
    }
    if (!s->base_dn) {
        ret = SCIMSYNC_ERR_NOMEM;
        goto out;
    }
    h->log(h, SCIMSYNC_LOG_DEBUG, "%s: dialect %s, base %s", s->uri, s->dopts->name, s->base_dn);
    ret = 0;
out:
    free(r.default_nc);
    free(r.single_nc);
    return ret;
}
