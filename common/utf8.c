#include "ss/utf8.h"

/* Table 3-7 of the Unicode standard: the only well-formed byte sequences.
 * Restricting the second byte per lead byte is what rules out overlongs
 * (E0 80..9F, F0 80..8F), surrogates (ED A0..BF) and > U+10FFFF (F4 90..). */
int ss_utf8_check(const void *str, size_t len, size_t *bad)
{
    const unsigned char *s = str;
    size_t i = 0;

    while (i < len) {
        unsigned char c = s[i];
        size_t need;
        unsigned char lo = 0x80, hi = 0xBF;

        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            need = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            need = 2;
            if (c == 0xE0)
                lo = 0xA0;
            else if (c == 0xED)
                hi = 0x9F;
        } else if (c >= 0xF0 && c <= 0xF4) {
            need = 3;
            if (c == 0xF0)
                lo = 0x90;
            else if (c == 0xF4)
                hi = 0x8F;
        } else {
            goto fail;
        }
        if (len - i - 1 < need || s[i + 1] < lo || s[i + 1] > hi)
            goto fail;
        for (size_t k = 2; k <= need; k++)
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                goto fail;
        i += need + 1;
    }
    return 0;
fail:
    if (bad)
        *bad = i;
    return -1;
}
