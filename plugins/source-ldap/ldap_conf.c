/* Reading the ldap source's configuration (the keys and their defaults:
 * ldap_plugin.c). */
#include "source.h"
#include "ssp_conf.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

int lsrc_conf_read(const struct scimsync_host *h, struct lsrc_conf *c)
{
    int ret;
    const char *uri = ssp_conf_str(h, "uri");
    c->nuris = uri ? lsrc_split_words(uri, c->uris, LSRC_MAX_URIS) : 0;
    if (c->nuris <= 0) {
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: uri: give 1 to %d server URIs",
               h->config_where(h, "uri"), LSRC_MAX_URIS);
        return SCIMSYNC_ERR_CONFIG;
    }
    for (int i = 0; i < c->nuris; i++) {
        char *full = lsrc_uri_with_scheme(c->uris[i]);
        if (!full)
            return SCIMSYNC_ERR_NOMEM;
        free(c->uris[i]);
        c->uris[i] = full;
        if (!ldap_is_ldap_url(c->uris[i]) && !ldap_is_ldaps_url(c->uris[i])) {
            h->log(h, SCIMSYNC_LOG_ERROR, "%s: uri: %s is not an ldap:// or ldaps:// URI",
                   h->config_where(h, "uri"), c->uris[i]);
            return SCIMSYNC_ERR_CONFIG;
        }
    }
    const char *attrs = ssp_conf_str(h, "attributes");
    c->nextra_attrs = attrs ? lsrc_split_words(attrs, c->extra_attrs, LSRC_MAX_ATTRS) : 0;
    if (c->nextra_attrs < 0) {
        c->nextra_attrs = 0;
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: attributes: at most %d",
               h->config_where(h, "attributes"), LSRC_MAX_ATTRS);
        return SCIMSYNC_ERR_CONFIG;
    }
    c->bind_dn = ssp_conf_str(h, "bind_dn");
    c->bind_password = h->config_get(h, "bind_password");
    if (c->bind_dn && !c->bind_password) {
        h->log(h, SCIMSYNC_LOG_ERROR, "%s: bind_dn is set but bind_password is not",
               h->config_where(h, "bind_dn"));
        return SCIMSYNC_ERR_CONFIG;
    }
    c->ca_file = ssp_conf_str(h, "ca_file");
    c->base_dn = ssp_conf_str(h, "base_dn");
    c->group_base_dn = ssp_conf_str(h, "group_base_dn");
    c->user_filter = ssp_conf_str(h, "user_filter");
    c->group_filter = ssp_conf_str(h, "group_filter");
    c->users_from_group = ssp_conf_str(h, "users_from_group");
    c->group_name_pattern = ssp_conf_str(h, "group_name_pattern");
    c->external_id = ssp_conf_str(h, "external_id");
    c->login_attribute = ssp_conf_str(h, "login_attribute");
    c->start_tls = 0;
    c->verify_tls = 1;
    c->nested_groups = 1;
    c->page_size = 500;
    c->timeout = 30;
    c->member_range_step = 0;
    if ((ret = h->config_get_bool(h, "start_tls", &c->start_tls)) < 0 ||
        (ret = h->config_get_bool(h, "verify_tls", &c->verify_tls)) < 0 ||
        (ret = h->config_get_bool(h, "nested_groups", &c->nested_groups)) < 0 ||
        (ret = h->config_get_int(h, "page_size", &c->page_size)) < 0 ||
        (ret = h->config_get_int(h, "timeout", &c->timeout)) < 0 ||
        (ret = h->config_get_int(h, "member_range_step", &c->member_range_step)) < 0)
        return ret;
    const char *d = ssp_conf_str(h, "dialect");
    if (!d || strcasecmp(d, "auto") == 0) {
        c->dialect = LSRC_DIALECT_AUTO;
    } else if (strcasecmp(d, "ad") == 0) {
        c->dialect = LSRC_DIALECT_AD;
    } else { /* the host checked the choices (the descriptor's limits) */
        c->dialect = LSRC_DIALECT_OPENLDAP;
    }
    if (c->group_name_pattern) {
        char *probe = lsrc_pattern_filter("cn", c->group_name_pattern);
        if (!probe) {
            h->log(h, SCIMSYNC_LOG_ERROR, "%s: group_name_pattern: not a usable pattern",
                   h->config_where(h, "group_name_pattern"));
            return SCIMSYNC_ERR_CONFIG;
        }
        free(probe);
    }
    return 0;
}

void lsrc_conf_free(struct lsrc_conf *c)
{
    for (int i = 0; i < c->nuris; i++)
        free(c->uris[i]);
    for (int i = 0; i < c->nextra_attrs; i++)
        free(c->extra_attrs[i]);
    c->nuris = c->nextra_attrs = 0;
}
