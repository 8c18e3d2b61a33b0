/*
 * What differs between Active Directory and OpenLDAP, as data (in the
 * style of SSSD's ldap_opts.c / ad_opts.c): the code reads the table of
 * the dialect in use instead of testing the dialect.
 */
#ifndef LSRC_LDAP_DIALECT_H
#define LSRC_LDAP_DIALECT_H

#include <stddef.h>

/* How a user's `active` is derived. */
enum lsrc_active_rule {
    LSRC_ACTIVE_UAC,     /* AD: userAccountControl bit 0x2 and accountExpires */
    LSRC_ACTIVE_PWDLOCK, /* OpenLDAP: no pwdAccountLockedTime (ppolicy) */
};

struct lsrc_dialect_opts {
    const char *name; /* "ad", "openldap" (the `dialect` key's values) */
    /* defaults of the keys of the same names */
    const char *external_id, *login_attribute, *user_filter, *group_filter;
    /* what a read of the default mapping asks for (a host without
     * mapped_attributes) */
    const char *const *default_user_attrs, *const *default_group_attrs;
    /* what the read needs whatever the mapping */
    const char *const *own_user_attrs, *const *own_group_attrs;
    /* AD names derived from this dialect's attributes: {name, from} */
    const char *const (*aliases)[2];
    size_t naliases;
    enum lsrc_active_rule active;
    /* users_from_group given as a name: the attributes it may be */
    const char *const *group_name_attrs;
    /* member;range=lo-hi retrieval of big groups */
    int member_ranges;
    /* memberOf with LDAP_MATCHING_RULE_IN_CHAIN: the server resolves
     * nested scope; else the plugin walks the scope group */
    int in_chain;
};

extern const struct lsrc_dialect_opts lsrc_dialect_ad, lsrc_dialect_openldap;

/* The table of an explicit dialect (LSRC_DIALECT_AD / _OPENLDAP). */
const struct lsrc_dialect_opts *lsrc_dialect_table(int dialect);

#endif
