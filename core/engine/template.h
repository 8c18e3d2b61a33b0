/* Mapping templates: literal text with ${attr} references and transform
 * chains, e.g. "${givenName} ${sn}" or "${mail|trim|lower}".  A multi-valued
 * attribute contributes its first value; an absent one contributes "". */
#ifndef SS_TEMPLATE_H
#define SS_TEMPLATE_H

#include <scimsync/plugin.h>
#include <ss/ascii.h>
#include <ss/utf8.h>
#include <stddef.h>

#define SS_TPL_MAX_XFORMS 8
/* Longest value a template may render (bytes, without NUL). */
#define SS_VALUE_MAX 8192

enum ss_xform { SS_X_LOWER = 1, SS_X_UPPER, SS_X_TRIM };

struct ss_tpl_part {
    int is_attr;
    char *text; /* literal text, or the attribute name */
    size_t len;
    unsigned char nx;
    unsigned char x[SS_TPL_MAX_XFORMS];
};

struct ss_template {
    struct ss_tpl_part *parts;
    size_t nparts;
};

/* Parses text.  On a syntax error returns <0 and writes a reason into err. */
int ss_template_parse(const char *text, struct ss_template *t, char *err, size_t errlen);
void ss_template_free(struct ss_template *t);

/* Renders t for entry e into buf (NUL-terminated), then trims surrounding
 * ASCII whitespace.  Returns the length, or -1 when the value would exceed
 * bufsz - 1 bytes. */
long ss_template_render(const struct ss_template *t, const struct scimsync_entry *e, char *buf,
                        size_t bufsz);

/* The transforms (ss_ascii_lower / _upper / _trim) and ss_utf8_valid come
 * from common/. */

#endif
