#include "csv_idset.h"

#include <stddef.h>
#include <string.h>

/* The set's key is the entry's own id: back from the key to the entry. */
static struct csv_idset_slot *entry_of(const struct ss_hmap_slot *s)
{
    return (struct csv_idset_slot *)(void *)(s->key - offsetof(struct csv_idset_slot, id));
}

void csv_idset_init(struct csv_idset *s, const struct csv_alloc *a)
{
    /* struct csv_alloc and struct ss_alloc have the same members. */
    struct ss_alloc sa = {a->alloc, a->realloc, a->free};
    s->a = *a;
    ss_hmap_init(&s->map, 0, CSV_IDSET_MAX, &sa);
}

void csv_idset_clear(struct csv_idset *s)
{
    size_t pos = 0;
    struct ss_hmap_slot *slot;
    while ((slot = ss_hmap_next(&s->map, &pos)))
        s->a.free(entry_of(slot));
    ss_hmap_free(&s->map);
}

int csv_idset_add(struct csv_idset *s, const char *id, const char *file, long line,
                  const struct csv_idset_slot **prev)
{
    struct ss_hmap_slot *slot = ss_hmap_find(&s->map, id);
    struct csv_idset_slot *e;
    size_t n;
    int rc;

    if (slot) {
        *prev = entry_of(slot);
        return 1;
    }
    n = strlen(id) + 1;
    e = s->a.alloc(sizeof(*e) + n);
    if (!e)
        return CSV_ERR_NOMEM;
    memcpy(e->id, id, n);
    e->file = file;
    e->line = line;
    rc = ss_hmap_insert(&s->map, e->id, &slot);
    if (rc < 0) {
        s->a.free(e);
        return rc == SS_HMAP_FULL ? CSV_ERR_DATA : CSV_ERR_NOMEM;
    }
    return 0;
}
