/* INI loading (core/conf/config_read.c through inih): the input is the main
 * configuration file; every section is then checked against the core's key
 * tables as the loader does before the plugins are opened. */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "config.h"
#include "fuzz_util.h"
#include "log.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct ss_config cfg;
    char path[64];
    int fd = memfd_create("fuzz.ini", MFD_CLOEXEC);

    if (fd < 0)
        return 0;
    if (size > 0 && write(fd, data, size) != (ssize_t)size) {
        close(fd);
        return 0;
    }
    snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);

    (void)ss_config_load(&cfg, path, 1, NULL, 0);
    FUZZ_CHECK(cfg.nfiles <= 1);
    for (size_t i = 0; i < cfg.nsections; i++) {
        const struct ss_conf_section *s = &cfg.sections[i];
        FUZZ_CHECK(s->label && s->component && s->nkv <= SS_CONF_MAX_KEYS);
        FUZZ_CHECK((s->kind == SS_SEC_ENGINE) == (s->name == NULL));
        for (size_t j = 0; j < s->nkv; j++) {
            const struct ss_conf_kv *kv = &s->kv[j];
            FUZZ_CHECK(kv->key && kv->value && kv->where && kv->line >= 1);
            FUZZ_CHECK(ss_conf_get(s, kv->key) == kv);
            char *p = ss_config_resolve_path(kv->value, kv->file);
            FUZZ_CHECK(p != NULL);
            free(p);
        }
        if (s->kind == SS_SEC_SOURCE)
            (void)ss_config_check_section(s, ss_source_core_keys, NULL);
        else if (s->kind == SS_SEC_TARGET)
            (void)ss_config_check_section(s, ss_target_core_keys, NULL);
    }
    FUZZ_CHECK(ss_config_count(&cfg, SS_SEC_ENGINE) <= 1);
    ss_config_free(&cfg);
    close(fd);
    return 0;
}
