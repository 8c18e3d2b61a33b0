#include "csv_idset.h"

#include <stdint.h>
#include <string.h>

/* FNV-1a: ids are short, and the hash only has to spread them. */
static size_t hash(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

void csv_idset_init(struct csv_idset *s, const struct csv_alloc *a)
{
    memset(s, 0, sizeof(*s));
    s->a = *a;
}

void csv_idset_clear(struct csv_idset *s)
{
    for (size_t i = 0; i < s->cap; i++)
        s->a.free(s->slots[i].id);
    s->a.free(s->slots);
    s->slots = NULL;
    s->cap = s->n = 0;
}

static struct csv_idset_slot *find(struct csv_idset_slot *slots, size_t cap, const char *id)
{
    size_t i = hash(id) & (cap - 1);
    while (slots[i].id && strcmp(slots[i].id, id))
        i = (i + 1) & (cap - 1);
    return &slots[i];
}

static int grow(struct csv_idset *s)
{
    size_t ncap = s->cap ? s->cap * 2 : 1024;
    struct csv_idset_slot *ns = s->a.alloc(ncap * sizeof(*ns));

    if (!ns)
        return CSV_ERR_NOMEM;
    memset(ns, 0, ncap * sizeof(*ns));
    for (size_t i = 0; i < s->cap; i++)
        if (s->slots[i].id)
            *find(ns, ncap, s->slots[i].id) = s->slots[i];
    s->a.free(s->slots);
    s->slots = ns;
    s->cap = ncap;
    return 0;
}

int csv_idset_add(struct csv_idset *s, const char *id, const char *file, long line,
                  const struct csv_idset_slot **prev)
{
    struct csv_idset_slot *slot;
    size_t n;

    if (s->cap) {
        slot = find(s->slots, s->cap, id);
        if (slot->id) {
            *prev = slot;
            return 1;
        }
    }
    if (s->n >= CSV_IDSET_MAX)
        return CSV_ERR_DATA;
    /* Keep the load factor under 1/2 so probes stay short. */
    if ((s->n + 1) * 2 > s->cap && grow(s) < 0)
        return CSV_ERR_NOMEM;
    slot = find(s->slots, s->cap, id);
    n = strlen(id) + 1;
    slot->id = s->a.alloc(n);
    if (!slot->id)
        return CSV_ERR_NOMEM;
    memcpy(slot->id, id, n);
    slot->file = file;
    slot->line = line;
    s->n++;
    return 0;
}
