#include "ss/vec.h"

#include <stdint.h>
#include <stdlib.h>

int ss_vec_reserve_max(void **p, size_t *cap, size_t need, size_t elsize, size_t first, size_t max)
{
    if (need <= *cap)
        return 0;
    if (need > max)
        return SS_VEC_FULL;
    if (elsize && need > SIZE_MAX / elsize)
        return -1;
    size_t ncap = *cap ? *cap : (first ? first : 1);
    while (ncap < need)
        ncap = ncap > SIZE_MAX / 2 ? need : ncap * 2;
    if (ncap > max)
        ncap = max;
    void *np = realloc(*p, ncap * elsize);
    if (!np)
        return -1;
    *p = np;
    *cap = ncap;
    return 0;
}

int ss_vec_reserve(void **p, size_t *cap, size_t need, size_t elsize)
{
    return ss_vec_reserve_max(p, cap, need, elsize, 16, SS_VEC_MAX_ELEMS) < 0 ? -1 : 0;
}
