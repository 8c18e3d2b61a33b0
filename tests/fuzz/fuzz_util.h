/* Shared bits of the libFuzzer harnesses: a NUL-terminated copy of the
 * input and a property check that reports through the sanitizer's output
 * (which libFuzzer keeps even when it silences the harness's stderr). */
#ifndef FUZZ_UTIL_H
#define FUZZ_UTIL_H

#include <sanitizer/common_interface_defs.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A property of the code under test that must hold for every input. */
#define FUZZ_CHECK(cond)                                                                   \
    do {                                                                                   \
        if (!(cond)) {                                                                     \
            __sanitizer_report_error_summary("fuzz check failed: " #cond " (" __FILE__ ")"); \
            abort();                                                                       \
        }                                                                                  \
    } while (0)

/* data[0..size) as a C string (stops at the first NUL byte, as the code
 * under test would).  malloc'd; NULL only when memory runs out. */
static inline char *fuzz_cstr(const uint8_t *data, size_t size)
{
    char *s = malloc(size + 1);
    if (s) {
        memcpy(s, data, size);
        s[size] = '\0';
    }
    return s;
}

#endif
