/*
 * common/: the shared utility layer (libss_common), linked statically into
 * the scimsync binary and into every plugin, like curl's curlx.
 *
 * Naming: everything here uses the `ss_` prefix and lives in <ss/NAME.h>;
 * core/ keeps the same prefix for its own code, so a name seen in core may
 * come from either (a duplicate definition is a link error).  Plugins call
 * these under their own prefixes' neighbours (lsrc_, csv_, scim_) and never
 * export them: the library is built -fPIC with hidden visibility.
 *
 * Conventions (docs/HACKING.md): functions return 0 or a negative value
 * (-1 out of memory unless the header says more); allocation-like functions
 * are SS_NODISCARD; nothing here logs.
 */
#ifndef SS_COMMON_H
#define SS_COMMON_H

#include <stddef.h>

#if defined(__GNUC__) || defined(__clang__)
#define SS_NODISCARD __attribute__((warn_unused_result))
#define SS_PRINTF(f, a) __attribute__((format(printf, f, a)))
#else
#define SS_NODISCARD
#define SS_PRINTF(f, a)
#endif

/* Memory functions: the same shape as the host's (struct scimsync_host), so
 * a plugin can pass the host's.  A NULL `const struct ss_alloc *` means
 * malloc / realloc / free. */
struct ss_alloc {
    void *(*alloc)(size_t n);
    void *(*realloc)(void *p, size_t n);
    void (*free)(void *p);
};

extern const struct ss_alloc ss_libc_alloc;

#endif
