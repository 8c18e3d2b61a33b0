#include "ownership.h"

#include <ss/ascii.h>

int ss_adoptable(const char *tgt_external_id, const char *tgt_name, const char *src_name, int adopt)
{
    if (!adopt || ss_owned(tgt_external_id) || ss_str_empty(tgt_name) || ss_str_empty(src_name))
        return 0;
    return ss_ascii_casecmp(tgt_name, src_name) == 0;
}

int ss_group_members_managed(const struct ss_group_rec *g, int adopt, const struct ss_dir *src,
                             const struct ss_strmap *src_group_names)
{
    uint32_t s;

    if (ss_owned(g->external_id))
        return 1;
    if (!adopt || !src || !src_group_names || ss_str_empty(g->display_name) ||
        !ss_strmap_get(src_group_names, g->display_name, &s))
        return 0;
    return ss_adoptable(g->external_id, g->display_name, src->groups[s].display_name, adopt);
}
