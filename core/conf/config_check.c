/* Checking a section against core's keys and a plugin's key table:
 * unknown keys (with "did you mean"), missing required ones, the syntax
 * of INT / BOOL / DOUBLE values, SECRET values being references; and the
 * sections that must hold together (sources, one target, mappings). */
#include "config.h"

#include <math.h>
#include <ss/parse.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_impl.h"
#include "secrets.h"
#include "suggest.h"
#include "validate.h"

/* ------------------------------------------------------------------ */
/* Value parsers                                                       */

/* The parsers are common/'s (<ss/parse.h>); these names stay for core's
 * callers. */
int ss_conf_parse_long(const char *s, long *out)
{
    return ss_parse_long(s, out);
}

int ss_conf_parse_bool(const char *s, int *out)
{
    return ss_parse_bool(s, out);
}

int ss_conf_parse_double(const char *s, double *out)
{
    return ss_parse_double(s, out);
}

/* ------------------------------------------------------------------ */
/* Checks                                                              */

const struct scimsync_config_key *ss_config_find_key(const struct scimsync_config_key *keys,
                                                     const char *name)
{
    for (; keys && keys->name; keys++) {
        if (strcmp(keys->name, name) == 0)
            return keys;
    }
    return NULL;
}

const struct scimsync_config_key *ss_config_key_decl(const struct scimsync_config_key *core_keys,
                                                     const struct scimsync_config_key *keys,
                                                     const char *name)
{
    const struct scimsync_config_key *k = ss_config_find_key(core_keys, name);
    return k ? k : ss_config_find_key(keys, name);
}

/* A STRING / PATH value may be a reference, resolved when the instance is
 * created; here only its form is checked (validate reads nothing). */
static int check_plain_reference(const struct ss_conf_section *s, const struct ss_conf_kv *kv)
{
    const char *colon;

    if (!ss_secret_is_reference(kv->value))
        return 0;
    colon = strchr(kv->value, ':');
    if (colon[1])
        return 0;
    ss_error("%s: %s %s: empty %.*s reference (write %s%s for that literal value)", kv->where,
             s->label, kv->key, (int)(colon - kv->value + 1), kv->value, SS_LITERAL_PREFIX,
             kv->value);
    return 1;
}

static int check_value(const struct ss_conf_section *s, const struct ss_conf_kv *kv,
                       const struct scimsync_config_key *k)
{
    long l;
    int b;
    double d;

    switch (k->type) {
    case SCIMSYNC_KEY_INT:
        if (ss_conf_parse_long(kv->value, &l) == 0)
            return 0;
        ss_error("%s: %s %s: '%.64s' is not an integer", kv->where, s->label, kv->key, kv->value);
        return 1;
    case SCIMSYNC_KEY_BOOL:
        if (ss_conf_parse_bool(kv->value, &b) == 0)
            return 0;
        ss_error("%s: %s %s: '%.64s' is not a boolean (true/false/yes/no/on/off/1/0)", kv->where,
                 s->label, kv->key, kv->value);
        return 1;
    case SCIMSYNC_KEY_DOUBLE:
        if (ss_conf_parse_double(kv->value, &d) == 0)
            return 0;
        ss_error("%s: %s %s: '%.64s' is not a number", kv->where, s->label, kv->key, kv->value);
        return 1;
    case SCIMSYNC_KEY_SECRET: {
        const char *colon = strchr(kv->value, ':');
        /* Never echo the value: it may be a pasted literal secret. */
        if (!ss_secret_is_reference(kv->value)) {
            ss_error("%s: %s %s: must be a secret reference (env:VAR, file:/path, "
                     "aws-secretsmanager:NAME[#key], aws-ssm:/name); literal "
                     "secrets are not accepted in configuration",
                     kv->where, s->label, kv->key);
            return 1;
        }
        if (!colon || !colon[1]) {
            ss_error("%s: %s %s: empty secret reference", kv->where, s->label, kv->key);
            return 1;
        }
        return 0;
    }
    case SCIMSYNC_KEY_PATH:
    case SCIMSYNC_KEY_INPUT_PATH:
        if (!*kv->value) {
            ss_error("%s: %s %s: empty path", kv->where, s->label, kv->key);
            return 1;
        }
        return check_plain_reference(s, kv);
    case SCIMSYNC_KEY_URL: {
        char why[200];
        if (ss_secret_is_reference(kv->value))
            return check_plain_reference(s, kv);
        if (ss_validate_url(kv->value, why, sizeof why) == 0)
            return 0;
        ss_error("%s: %s %s: %s", kv->where, s->label, kv->key, why);
        return 1;
    }
    case SCIMSYNC_KEY_STRING:
        return check_plain_reference(s, kv);
    }
    return 0;
}

int ss_config_check_section(const struct ss_conf_section *s,
                            const struct scimsync_config_key *core_keys,
                            const struct scimsync_config_key *keys)
{
    int problems = 0;

    for (size_t i = 0; i < s->nkv; i++) {
        const struct ss_conf_kv *kv = &s->kv[i];
        const struct scimsync_config_key *k = ss_config_key_decl(core_keys, keys, kv->key);
        if (!k) {
            struct ss_suggest sg;
            char hint[200];
            ss_suggest_init(&sg, kv->key);
            for (int pass = 0; pass < 2; pass++) {
                for (k = pass ? keys : core_keys; k && k->name; k++)
                    ss_suggest_add(&sg, k->name);
            }
            ss_error("%s: %s: unknown key '%s'%s", kv->where, s->label, kv->key,
                     ss_suggest_text(&sg, NULL, NULL, hint, sizeof hint));
            problems++;
            continue;
        }
        problems += check_value(s, kv, k);
    }
    for (int pass = 0; pass < 2; pass++) {
        const struct scimsync_config_key *k = pass == 0 ? core_keys : keys;
        for (; k && k->name; k++) {
            if (k->required && !ss_conf_get(s, k->name)) {
                ss_error("%s:%d: %s: required key '%s' is missing", s->file, s->line, s->label,
                         k->name);
                problems++;
            }
        }
    }
    return problems;
}

/* Sources, target and mapping references that must hold together. */
int ss_config_check_layout(const struct ss_config *cfg)
{
    size_t nsrc = ss_config_count(cfg, SS_SEC_SOURCE);
    size_t ntgt = ss_config_count(cfg, SS_SEC_TARGET);
    const char *first = cfg->nfiles ? cfg->files[0] : "configuration";
    int problems = 0;

    if (nsrc == 0) {
        ss_error("%s: no [source NAME] section: at least one source is needed", first);
        problems++;
    }
    if (ntgt == 0) {
        ss_error("%s: no [target NAME] section: exactly one target is needed", first);
        problems++;
    } else if (ntgt > 1) {
        const struct ss_conf_section *second = ss_config_nth(cfg, SS_SEC_TARGET, 1);
        ss_error("%s:%d: %s: only one target is supported (the first is %s)", second->file,
                 second->line, second->label, ss_config_nth(cfg, SS_SEC_TARGET, 0)->label);
        problems++;
    }
    for (size_t i = 0; i < nsrc; i++) {
        const struct ss_conf_section *s = ss_config_nth(cfg, SS_SEC_SOURCE, i);
        const struct ss_conf_kv *m = ss_conf_get(s, "mapping");
        if (m && !ss_config_find(cfg, SS_SEC_MAPPING, m->value)) {
            ss_error("%s: %s mapping: no [mapping %.64s] section", m->where, s->label, m->value);
            problems++;
        }
    }
    for (size_t i = 0; i < ss_config_count(cfg, SS_SEC_MAPPING); i++) {
        const struct ss_conf_section *m = ss_config_nth(cfg, SS_SEC_MAPPING, i);
        int used = 0;
        for (size_t j = 0; j < nsrc && !used; j++) {
            const struct ss_conf_section *s = ss_config_nth(cfg, SS_SEC_SOURCE, j);
            const struct ss_conf_kv *kv = ss_conf_get(s, "mapping");
            used = strcmp(kv ? kv->value : s->name, m->name) == 0;
        }
        if (!used)
            ss_warn("%s:%d: %s is not used by any source", m->file, m->line, m->label);
    }
    return problems ? -1 : 0;
}
