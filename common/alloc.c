#include "ss/common.h"

#include <stdlib.h>

static void *libc_alloc(size_t n)
{
    return malloc(n);
}

static void *libc_realloc(void *p, size_t n)
{
    return realloc(p, n);
}

static void libc_free(void *p)
{
    free(p);
}

const struct ss_alloc ss_libc_alloc = {libc_alloc, libc_realloc, libc_free};
