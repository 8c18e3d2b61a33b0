#include "ss/common.h"

#include <stdlib.h>

const struct ss_alloc ss_libc_alloc = {malloc, realloc, free};
