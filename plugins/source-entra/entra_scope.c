/* Scope over the directory model: the users of a group, transitively, and
 * which groups are synced and which only carry nested membership. */
#define _GNU_SOURCE /* FNM_CASEFOLD */
#include "entra_logic.h"

#include <fnmatch.h>
#include <string.h>

/* Breadth first over nested groups from the groups already in `seen`;
 * every group reached is added to seen, users of all of them to users
 * (when not NULL).  A queue array, not the set itself: json-c moves its
 * hash entries when the table grows. */
static int walk(const struct entra_dir *d, json_object *seen, json_object *users)
{
    json_object *queue = json_object_new_array();
    if (!queue)
        return -1;
    json_object_object_foreach(seen, k0, v0)
    {
        (void)v0;
        json_object_array_add(queue, json_object_new_string(k0));
    }
    for (size_t i = 0; i < json_object_array_length(queue); i++) {
        const char *gid = json_object_get_string(json_object_array_get_idx(queue, i));
        json_object *g, *set;
        if (!json_object_object_get_ex(d->groups, gid, &g))
            continue;
        if (users && json_object_object_get_ex(g, "u", &set)) {
            json_object_object_foreach(set, uid, one)
            {
                (void)one;
                json_object_object_add(users, uid, json_object_new_int(1));
            }
        }
        if (json_object_object_get_ex(g, "g", &set)) {
            json_object_object_foreach(set, sub, one)
            {
                (void)one;
                if (!json_object_object_get_ex(seen, sub, NULL)) {
                    json_object_object_add(seen, sub, json_object_new_int(1));
                    json_object_array_add(queue, json_object_new_string(sub));
                }
            }
        }
    }
    json_object_put(queue);
    return 0;
}

json_object *entra_dir_transitive_users(const struct entra_dir *d, const char *gid)
{
    json_object *seen = json_object_new_object(), *users = json_object_new_object();
    if (!seen || !users) {
        json_object_put(seen);
        json_object_put(users);
        return NULL;
    }
    json_object_object_add(seen, gid, json_object_new_int(1));
    if (walk(d, seen, users) < 0) {
        json_object_put(users);
        users = NULL;
    }
    json_object_put(seen);
    return users;
}

int entra_dir_pick_groups(const struct entra_dir *d, const char *pattern, json_object **synced,
                          json_object **helpers)
{
    json_object *seen = json_object_new_object();
    *synced = json_object_new_object();
    *helpers = json_object_new_object();
    if (!seen || !*synced || !*helpers) {
        json_object_put(seen);
        json_object_put(*synced);
        json_object_put(*helpers);
        *synced = *helpers = NULL;
        return -1;
    }
    json_object_object_foreach(d->groups, gid, g)
    {
        json_object *n;
        /* a group known only as a nested member has no name: not synced */
        if (!json_object_object_get_ex(g, "n", &n))
            continue;
        if (!pattern || fnmatch(pattern, json_object_get_string(n), FNM_CASEFOLD) == 0) {
            json_object_object_add(*synced, gid, json_object_new_int(1));
            json_object_object_add(seen, gid, json_object_new_int(1));
        }
    }
    if (walk(d, seen, NULL) < 0) {
        json_object_put(seen);
        json_object_put(*synced);
        json_object_put(*helpers);
        *synced = *helpers = NULL;
        return -1;
    }
    json_object_object_foreach(seen, sid, one)
    {
        (void)one;
        if (!json_object_object_get_ex(*synced, sid, NULL))
            json_object_object_add(*helpers, sid, json_object_new_int(1));
    }
    json_object_put(seen);
    return 0;
}
