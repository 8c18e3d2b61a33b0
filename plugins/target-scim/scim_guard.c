#include "scim_guard.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <ss/hash.h>

/* FNV-1a, then a splitmix64 finish so similar ids spread over the table. */
static uint64_t hash_str(const char *s)
{
    uint64_t h = ss_hash_mix64(ss_hash_fnv1a(s, strlen(s)));
    return h ? h : 1; /* 0 marks a free slot */
}

static int insert(uint64_t *slot, size_t cap, uint64_t h)
{
    size_t i = (size_t)h & (cap - 1);
    while (slot[i]) {
        if (slot[i] == h)
            return 0;
        i = (i + 1) & (cap - 1);
    }
    slot[i] = h;
    return 1;
}

static int add_hash(struct scim_idset *s, uint64_t h)
{
    if ((s->len + 1) * 2 > s->cap) { /* load stays under 1/2 */
        size_t cap = s->cap ? s->cap * 2 : 64;
        uint64_t *ns = calloc(cap, sizeof(*ns));
        if (!ns)
            return -1;
        for (size_t i = 0; i < s->cap; i++) {
            if (s->slot[i])
                insert(ns, cap, s->slot[i]);
        }
        free(s->slot);
        s->slot = ns;
        s->cap = cap;
    }
    if (!insert(s->slot, s->cap, h))
        return 0;
    s->len++;
    return 1;
}

int scim_idset_add(struct scim_idset *s, const char *id)
{
    return add_hash(s, hash_str(id));
}

int scim_idset_has(const struct scim_idset *s, const char *id)
{
    uint64_t h = hash_str(id);
    if (!s->cap)
        return 0;
    for (size_t i = (size_t)h & (s->cap - 1); s->slot[i]; i = (i + 1) & (s->cap - 1)) {
        if (s->slot[i] == h)
            return 1;
    }
    return 0;
}

void scim_idset_free(struct scim_idset *s)
{
    free(s->slot);
    memset(s, 0, sizeof(*s));
}

void scim_guard_init(struct scim_guard *g, struct scim_idset *ids)
{
    memset(g, 0, sizeof(*g));
    if (ids)
        scim_idset_free(ids);
    g->ids = ids ? ids : &g->own_ids;
}

void scim_guard_free(struct scim_guard *g)
{
    scim_idset_free(&g->own_ids);
    scim_idset_free(&g->cursors);
    g->ids = &g->own_ids;
}

int scim_guard_page(struct scim_guard *g, const char *const *ids, size_t n,
                    const struct scim_page *p, int cursor_mode, unsigned char *fresh, char *why,
                    size_t cap)
{
    uint64_t page_hash = 0xcbf29ce484222325ull;
    size_t nfresh = 0;
    int r;

    g->pages++;
    /* mid-listing only: a last empty page whose itemsPerPage echoes the
     * requested count is harmless */
    if (n == 0 && p->items_per_page > 0 &&
        (p->next_cursor || (p->total_results > 0 && g->received < (size_t)p->total_results))) {
        snprintf(why, cap, "page %zu claims itemsPerPage = %ld but carries no resources", g->pages,
                 p->items_per_page);
        return -1;
    }
    for (size_t i = 0; i < n; i++) {
        uint64_t h = hash_str(ids[i]);
        page_hash = (page_hash ^ h) * 0x100000001b3ull;
        if ((r = add_hash(g->ids, h)) < 0)
            return -2;
        nfresh += (size_t)r;
        if (fresh)
            fresh[i] = (unsigned char)r;
    }
    if (n > 0 && g->pages > 1 && page_hash == g->prev_page) {
        snprintf(why, cap, "page %zu is the same as the page before it (%zu resources)", g->pages,
                 n);
        return -1;
    }
    if (n > 0 && nfresh == 0) {
        snprintf(why, cap,
                 "page %zu holds only resources already listed (%zu of them): the server is "
                 "paging in a loop",
                 g->pages, n);
        return -1;
    }
    g->prev_page = page_hash;
    g->received += nfresh;
    /* totalResults below what the page itself holds contradicts any
     * reading of it (a total, or Identity Center's unpaged page count) */
    if (p->total_results >= 0 && n > (size_t)p->total_results) {
        snprintf(why, cap, "page %zu holds %zu resources but says totalResults = %ld", g->pages, n,
                 p->total_results);
        return -1;
    }
    /* once totalResults has shown itself a total, a listing far past it
     * is a server making resources up; the slack covers objects created
     * while the listing runs */
    if (p->total_results > 0 && (size_t)p->total_results > n)
        g->true_total = 1;
    if (g->true_total && p->total_results >= 0 &&
        g->received > (size_t)p->total_results + (size_t)p->total_results / 10 + 100) {
        snprintf(why, cap,
                 "the listing has received %zu resources, far more than totalResults "
                 "= %ld",
                 g->received, p->total_results);
        return -1;
    }
    if (cursor_mode && p->next_cursor) {
        if ((r = add_hash(&g->cursors, hash_str(p->next_cursor))) < 0)
            return -2;
        if (r == 0) {
            snprintf(why, cap,
                     "page %zu gives a cursor the listing has already followed: "
                     "the server is paging in a cycle",
                     g->pages);
            return -1;
        }
        g->empty_run = n == 0 ? g->empty_run + 1 : 0;
        if (g->empty_run > SCIM_GUARD_MAX_EMPTY_PAGES) {
            snprintf(why, cap, "%zu empty pages in a row, each with a new cursor", g->empty_run);
            return -1;
        }
    }
    return 0;
}

int scim_guard_end(const struct scim_guard *g, const struct scim_page *last, char *why, size_t cap)
{
    if (last->total_results > 0 && g->received < (size_t)last->total_results) {
        snprintf(why, cap,
                 "the listing ended after %zu resources but the server says it holds "
                 "totalResults = %ld",
                 g->received, last->total_results);
        return -1;
    }
    return 0;
}
