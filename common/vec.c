#include "ss/vec.h"

#include <stdint.h>
#include <stdlib.h>

int ss_vec_reserve(void **p, size_t *cap, size_t need, size_t elsize)
{
    if (need <= *cap)
        return 0;
    if (need > SS_VEC_MAX_ELEMS || (elsize && need > SIZE_MAX / elsize))
        return -1;
    size_t ncap = *cap ? *cap : 16;
    while (ncap < need)
        ncap *= 2;
    if (ncap > SS_VEC_MAX_ELEMS)
        ncap = SS_VEC_MAX_ELEMS;
    void *np = realloc(*p, ncap * elsize);
    if (!np)
        return -1;
    *p = np;
    *cap = ncap;
    return 0;
}
