/* `scimsync config`: what each key is, and which file:line said so. */
#include "config_print.h"

#include <stdlib.h>
#include <string.h>

#include "key_limits.h"
#include "loader.h"
#include "log.h"
#include "secrets.h"

#define VALUE_COLUMN 48 /* "key = value" padded to here before "; where" */

/* A key the plugin did not declare (or whose plugin did not load) may
 * still hold a pasted secret: judge by its name. */
static int secret_looking(const char *name)
{
    static const char *const words[] = {"password", "passwd", "secret", "token", "key", NULL};
    for (size_t i = 0; words[i]; i++) {
        if (strstr(name, words[i]))
            return 1;
    }
    return 0;
}

/* Writes the value as it may be shown. */
static void print_value(FILE *out, const char *key, const char *value,
                        const struct scimsync_config_key *k, int *width)
{
    int secret = k ? k->type == SCIMSYNC_KEY_SECRET : secret_looking(key);
    const char *scheme_end, *at, *slash;
    int n;

    if (secret && !ss_secret_is_reference(value)) {
        n = fprintf(out, "%s = <hidden: not a reference>", key);
    } else if ((scheme_end = strstr(value, "://")) != NULL &&
               (at = strchr(scheme_end + 3, '@')) != NULL &&
               ((slash = strchr(scheme_end + 3, '/')) == NULL || at < slash)) {
        /* https://user:password@host/... */
        n = fprintf(out, "%s = %.*s***@%s", key, (int)(scheme_end + 3 - value), value, at + 1);
    } else {
        n = fprintf(out, "%s = %s", key, value);
    }
    *width = n < 0 ? 0 : n;
}

static void pad(FILE *out, int width)
{
    fprintf(out, "%*s ; ", width < VALUE_COLUMN ? VALUE_COLUMN - width : 0, "");
}

/* The keys of the tables that s (NULL: none) does not set, at their
 * defaults. */
static void print_defaults(FILE *out, const struct ss_conf_section *s,
                           const struct scimsync_config_key *core,
                           const struct scimsync_config_key *keys)
{
    for (int pass = 0; pass < 2; pass++) {
        for (const struct scimsync_config_key *k = pass ? keys : core; k && k->name; k++) {
            if (!k->default_value || ss_conf_get(s, k->name))
                continue;
            pad(out, fprintf(out, "%s = %s", k->name, k->default_value));
            fprintf(out, "default\n");
        }
    }
}

void ss_config_print(FILE *out, const struct ss_config *cfg, const char *conf_dir,
                     const struct scimsync_config_key *const *core,
                     const struct scimsync_config_key *const *keys)
{
    fprintf(out, "; effective scimsync configuration\n");
    for (size_t i = 0; i < cfg->nfiles; i++)
        fprintf(out, "; read: %s\n", cfg->files[i]);
    if (conf_dir)
        fprintf(out, "; drop-in folder: %s\n", conf_dir);
    if (!ss_config_find(cfg, SS_SEC_ENGINE, NULL)) {
        /* No [engine] in any file: every key at its default. */
        fprintf(out, "\n[engine]\n");
        print_defaults(out, NULL, NULL, ss_engine_keys);
    }
    for (size_t i = 0; i < cfg->nsections; i++) {
        const struct ss_conf_section *s = &cfg->sections[i];
        const struct scimsync_config_key *c = core ? core[i] : NULL;
        const struct scimsync_config_key *pk = keys ? keys[i] : NULL;
        int width;

        fprintf(out, "\n%s\n", s->label);
        if (s->kind != SS_SEC_MAPPING && !c && !pk)
            fprintf(out, "; the plugin did not load: its defaults are not shown\n");
        for (size_t j = 0; j < s->nkv; j++) {
            const struct ss_conf_kv *kv = &s->kv[j];
            const struct scimsync_config_key *k = ss_config_key_decl(c, pk, kv->key);
            if (s->kind == SS_SEC_MAPPING) {
                width = fprintf(out, "%s = %s", kv->key, kv->value);
            } else {
                print_value(out, kv->key, kv->value, k, &width);
            }
            pad(out, width);
            fprintf(out, "%s%s\n", kv->where,
                    s->kind != SS_SEC_MAPPING && (c || pk) && !k ? " (unknown key)" : "");
        }
        print_defaults(out, s, c, pk);
    }
}

int ss_config_print_cmd(const struct ss_cli_opts *o, FILE *out)
{
    struct ss_config cfg;
    struct ss_search_path sp = {0};
    const struct scimsync_config_key **core = NULL, **keys = NULL;
    struct ss_plugin_handle *ph = NULL;
    int rc = SS_EXIT_OK;

    ss_cli_apply_logging(o, NULL);
    if (ss_config_load(&cfg, o->config, o->config_explicit, o->conf_dir, o->dir_explicit) < 0)
        rc = SS_EXIT_USAGE;
    if (cfg.nfiles == 0) {
        ss_config_free(&cfg);
        return SS_EXIT_USAGE;
    }
    ss_cli_apply_logging(o, &cfg.engine);
    core = calloc(cfg.nsections + 1, sizeof(*core));
    keys = calloc(cfg.nsections + 1, sizeof(*keys));
    ph = calloc(cfg.nsections + 1, sizeof(*ph));
    if (!core || !keys || !ph) {
        ss_error("out of memory");
        rc = SS_EXIT_USAGE;
        goto out;
    }
    if (ss_loader_search_path(cfg.engine.plugin_path, &sp) < 0)
        rc = SS_EXIT_USAGE;
    for (size_t i = 0; i < cfg.nsections; i++) {
        const struct ss_conf_section *s = &cfg.sections[i];
        const struct ss_conf_kv *pl = ss_conf_get(s, "plugin");
        int kind = s->kind == SS_SEC_SOURCE ? SCIMSYNC_PLUGIN_SOURCE : SCIMSYNC_PLUGIN_TARGET;
        char err[1024];
        char *path;

        if (s->kind == SS_SEC_ENGINE) {
            keys[i] = ss_engine_keys;
            continue;
        }
        if (s->kind == SS_SEC_MAPPING || !pl || !sp.n)
            continue;
        path = ss_loader_find(&sp, pl->value, pl->file, err, sizeof(err));
        if (!path || ss_loader_open(path, kind, &ph[i], err, sizeof(err)) < 0) {
            ss_warn("%s: %s: %s", pl->where, s->label, err);
            free(path);
            continue;
        }
        free(path);
        core[i] = kind == SCIMSYNC_PLUGIN_SOURCE ? ss_source_core_keys : ss_target_core_keys;
        keys[i] = ph[i].desc->keys;
        if (ss_config_check_section(s, core[i], keys[i]) ||
            ss_key_limits_check_section(s, ph[i].desc))
            rc = SS_EXIT_USAGE; /* printed all the same: it shows what is wrong */
    }
    ss_config_print(out, &cfg, o->conf_dir, core, keys);
out:
    for (size_t i = 0; ph && i < cfg.nsections; i++) {
        if (ph[i].desc)
            ss_loader_close(&ph[i]);
    }
    free(ph);
    free(core);
    free(keys);
    ss_loader_search_path_free(&sp);
    ss_config_free(&cfg);
    return rc;
}
