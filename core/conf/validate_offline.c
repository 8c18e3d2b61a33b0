/* validate's checks that touch the local machine only: files, environment
 * variables, and secrets bound for a clear-text URL. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"
#include "secrets.h"
#include "validate.h"

/* A file the plugin will read: there, a regular file, readable by us. */
static int check_file(const struct ss_conf_section *s, const struct ss_conf_kv *kv,
                      const char *what, const char *path)
{
    struct stat st;

    if (stat(path, &st) < 0) {
        ss_error("%s: %s %s: %s %s: %s", kv->where, s->label, kv->key, what, path, strerror(errno));
        return 1;
    }
    if (!S_ISREG(st.st_mode)) {
        ss_error("%s: %s %s: %s %s is not a regular file", kv->where, s->label, kv->key, what,
                 path);
        return 1;
    }
    if (access(path, R_OK) < 0) {
        ss_error("%s: %s %s: %s %s: cannot read: %s", kv->where, s->label, kv->key, what, path,
                 strerror(errno));
        return 1;
    }
    return 0;
}

/* env: and file: references, checked without reading the secret. */
static int check_reference(const struct ss_conf_section *s, const struct ss_conf_kv *kv)
{
    const char *v = kv->value;

    if (strncmp(v, "env:", 4) == 0 && v[4]) {
        const char *e = getenv(v + 4);
        if (!e) {
            ss_error("%s: %s %s: environment variable %s is not set", kv->where, s->label, kv->key,
                     v + 4);
            return 1;
        }
        if (!*e) {
            ss_error("%s: %s %s: environment variable %s is empty", kv->where, s->label, kv->key,
                     v + 4);
            return 1;
        }
        return 0;
    }
    if (strncmp(v, "file:", 5) == 0 && v[5]) {
        /* relative to the file that set it, as the resolver takes it */
        char *path = ss_config_resolve_path(v + 5, kv->file);
        int r;
        if (!path) {
            ss_error("out of memory");
            return 1;
        }
        r = check_file(s, kv, "secret file", path);
        free(path);
        return r;
    }
    return 0;
}

/* The first word of a URL value that sends credentials in the clear. */
static const char *clear_text_scheme(const char *value, int start_tls)
{
    const char *p = value;

    while (*p) {
        while (*p == ' ' || *p == '\t')
            p++;
        if (strncasecmp(p, "http://", 7) == 0)
            return "http://";
        if (!start_tls && strncasecmp(p, "ldap://", 7) == 0)
            return "ldap://";
        while (*p && *p != ' ' && *p != '\t')
            p++;
    }
    return NULL;
}

int ss_validate_section_offline(const struct ss_conf_section *s,
                                const struct scimsync_config_key *core,
                                const struct scimsync_config_key *keys)
{
    const struct ss_conf_kv *secret = NULL, *clear = NULL;
    const char *scheme = NULL;
    const struct ss_conf_kv *tls = ss_conf_get(s, "start_tls");
    int start_tls = 0;
    int problems = 0;

    if (tls)
        ss_conf_parse_bool(tls->value, &start_tls);
    for (size_t i = 0; i < s->nkv; i++) {
        const struct ss_conf_kv *kv = &s->kv[i];
        const struct scimsync_config_key *k = ss_config_key_decl(core, keys, kv->key);
        if (!k)
            continue; /* reported as an unknown key */
        if (ss_secret_is_reference(kv->value)) {
            problems += check_reference(s, kv);
            if (k->type == SCIMSYNC_KEY_SECRET && !secret)
                secret = kv;
            continue;
        }
        if (k->type == SCIMSYNC_KEY_INPUT_PATH && *kv->value) {
            const char *raw = kv->value;
            if (strncmp(raw, SS_LITERAL_PREFIX, strlen(SS_LITERAL_PREFIX)) == 0)
                raw += strlen(SS_LITERAL_PREFIX);
            char *path = ss_config_resolve_path(raw, kv->file);
            if (!path) {
                ss_error("out of memory");
                return problems + 1;
            }
            problems += check_file(s, kv, "file", path);
            free(path);
        }
        if (k->type == SCIMSYNC_KEY_URL && !clear) {
            scheme = clear_text_scheme(kv->value, start_tls);
            if (scheme)
                clear = kv;
        }
    }
    if (secret && clear)
        ss_warn("%s: %s %s: %s is sent over %s without TLS: anyone on the network path can read "
                "it; use %s",
                clear->where, s->label, clear->key, secret->key, scheme,
                strcmp(scheme, "http://") == 0 ? "https://" : "ldaps:// or set start_tls = true");
    return problems;
}
