/* Reading a file that holds a secret (the file: scheme, AWS's SSO token
 * cache): regular files only, refused when others may write them, capped,
 * scrubbed on failure (secret_file.c). */
#ifndef SS_SECRET_FILE_H
#define SS_SECRET_FILE_H

#include <ss/common.h>
#include <stddef.h>

/* Largest secret value accepted from any scheme. */
#define SS_SECRET_MAX (64 * 1024)

/* The content of the file at path `body`, one trailing newline removed.
 * Returns 0 with *out malloc'd (wipe before free), or -1 with the reason
 * in err. */
SS_NODISCARD int ss_secret_file_resolve(const char *body, char **out, char *err, size_t errlen);

#endif
