/* Configuration -> loaded plugins and instances -> engine inputs. */
#include "cli_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "key_limits.h"
#include "log.h"
#include "mapping.h"
#include "progress.h"
#include "secrets.h"
#include "validate.h"

int ss_cli_conf_dir_beside(const char *file, char *buf, size_t len)
{
    const char *slash = strrchr(file, '/');
    int n;

    if (!slash)
        n = snprintf(buf, len, "conf.d");
    else if (slash == file)
        n = snprintf(buf, len, "/conf.d");
    else
        n = snprintf(buf, len, "%.*s/conf.d", (int)(slash - file), file);
    return n < 0 || (size_t)n >= len ? -1 : 0;
}

void ss_cli_apply_logging(const struct ss_cli_opts *o, const struct ss_engine_conf *e)
{
    if (o->log_level >= 0)
        ss_log_set_level(o->log_level);
    else if (e && e->log_level >= 0)
        ss_log_set_level(e->log_level);
    if (o->log_format >= 0)
        ss_log_set_format((enum ss_log_format)o->log_format);
    else if (e && e->log_format >= 0)
        ss_log_set_format((enum ss_log_format)e->log_format);
}

static int load_mapping(struct ss_runtime *rt, struct ss_rt_part *p)
{
    const struct ss_conf_kv *m = ss_conf_get(p->section, "mapping");
    const struct ss_conf_section *ms =
        ss_config_find(&rt->cfg, SS_SEC_MAPPING, m ? m->value : p->section->name);

    if (!ms || ms->nkv == 0)
        return 0;
    p->mapping = calloc(ms->nkv, sizeof(*p->mapping));
    if (!p->mapping) {
        ss_error("out of memory");
        return -1;
    }
    for (size_t i = 0; i < ms->nkv; i++) {
        p->mapping[i].field = ms->kv[i].key;
        p->mapping[i].template = ms->kv[i].value;
        p->mapping[i].where = ms->kv[i].where;
    }
    p->nmapping = ms->nkv;
    p->mapping_section = ms->label;
    return 0;
}

/* validate: the mapping lines of a source, built as a run would build
 * them (every bad line reported).  A plugin that did not load gives no
 * default mapping: the engine's is used, so lines are still checked. */
static int check_mapping(const struct ss_rt_part *p)
{
    const struct scimsync_plugin *d = p->ph.desc;
    const char *const *defaults = d && d->source ? d->source->default_mapping : NULL;
    struct ss_mapping m;

    if (ss_mapping_build(&m, p->section->name, defaults, p->mapping, p->nmapping) < 0)
        return -1;
    ss_mapping_free(&m);
    return 0;
}

/* Loads and checks one [source]/[target] section; logs each problem once.
 * validate goes on after a problem to report the section's others too. */
static int load_part(struct ss_runtime *rt, struct ss_rt_part *p, int kind, enum ss_rt_mode mode)
{
    const struct ss_conf_section *s = p->section;
    const struct ss_conf_kv *pl = ss_conf_get(s, "plugin");
    const struct scimsync_config_key *core =
        kind == SCIMSYNC_PLUGIN_SOURCE ? ss_source_core_keys : ss_target_core_keys;
    int validate = mode == SS_RT_VALIDATE;
    char err[1024];
    char *path = NULL;
    int failed = 0;

    if (!pl) {
        ss_config_check_section(s, core, NULL); /* names the missing key */
        failed = 1;
    } else {
        path = ss_loader_find(&rt->sp, pl->value, pl->file, err, sizeof(err));
        if (!path) {
            ss_error("%s: %s: %s", pl->where, s->label, err);
            failed = 1;
        } else if (ss_loader_open(path, kind, &p->ph, err, sizeof(err)) < 0) {
            ss_error("%s: %s: %s", pl->where, s->label, err);
            failed = 1;
        }
        free(path);
    }
    if (!failed) {
        ss_debug("%s: plugin %s %s from %s", s->label, p->ph.desc->name,
                 p->ph.desc->version ? p->ph.desc->version : "?", p->ph.path);
        if (ss_config_check_section(s, core, p->ph.desc->keys))
            failed = 1;
        if (ss_key_limits_check_section(s, p->ph.desc))
            failed = 1;
        if (validate && ss_validate_section_offline(s, core, p->ph.desc->keys))
            failed = 1;
    }
    if (failed && !validate)
        return -1;
    if (kind == SCIMSYNC_PLUGIN_SOURCE && load_mapping(rt, p) < 0)
        return -1;
    if (validate && kind == SCIMSYNC_PLUGIN_SOURCE && check_mapping(p) < 0)
        failed = 1;
    if (failed)
        return -1;
    if (ss_instance_new(s, p->ph.desc, mode == SS_RT_RUN, &p->inst) < 0)
        return -1;
    /* what the source must read: its mapping's attributes */
    if (kind == SCIMSYNC_PLUGIN_SOURCE &&
        ss_instance_set_mapping(p->inst, p->ph.desc->source ? p->ph.desc->source->default_mapping
                                                            : NULL,
                                p->mapping, p->nmapping) < 0)
        return -1;
    return 0;
}

/* The extra.NAME lines of the sources' mappings: their names for the
 * target (host->extra_names), each one accepted by the target as
 * configured (its extra_check), so validate refuses what the target would
 * refuse.  Returns 0, or -1 after logging every problem. */
static int check_extras(struct ss_runtime *rt)
{
    const size_t plen = strlen(SS_MAP_EXTRA_PREFIX);
    const struct ss_mapping_line *first[SS_MAX_EXTRA];
    size_t n = 0;
    int bad = 0;

    for (size_t i = 0; i < rt->nsrc; i++) {
        const struct ss_rt_part *p = &rt->src[i];
        for (size_t j = 0; j < p->nmapping; j++) {
            const struct ss_mapping_line *l = &p->mapping[j];
            size_t k;
            if (!l->field || !l->template || !*l->template ||
                strncmp(l->field, SS_MAP_EXTRA_PREFIX, plen) != 0)
                continue;
            for (k = 0; k < n && strcmp(rt->extra_names[k], l->field + plen) != 0; k++)
                ;
            if (k < n)
                continue;
            if (n == SS_MAX_EXTRA) {
                ss_error("%s: %s: the mappings set more than %d extra attributes in all",
                         l->where, l->field, SS_MAX_EXTRA);
                return -1;
            }
            first[n] = l;
            rt->extra_names[n++] = l->field + plen;
        }
    }
    rt->extra_names[n] = NULL;
    if (!n || !rt->tgt.inst)
        return 0;
    const struct scimsync_plugin *d = rt->tgt.ph.desc;
    ss_instance_set_extra_names(rt->tgt.inst, rt->extra_names);
    for (size_t k = 0; k < n; k++) {
        char why[512] = "";
        if (!SCIMSYNC_HAS_MEMBER(d, 2, extra_check) || !d->extra_check) {
            ss_error("%s: %s: %s (plugin %s) takes no extra attributes", first[k]->where,
                     first[k]->field, rt->tgt.section->label, d->name);
            return -1;
        }
        if (d->extra_check(&rt->tgt.inst->host, rt->extra_names[k], why, sizeof why) < 0) {
            ss_error("%s: %s: %s cannot store it: %s", first[k]->where, first[k]->field,
                     rt->tgt.section->label, why);
            bad = 1;
        }
    }
    return bad ? -1 : 0;
}

/* What a plan says a part is: its first URL key (without credentials),
 * else its first input file.  Only configuration text: nothing resolved. */
static void describe_part(struct ss_rt_part *p)
{
    const struct scimsync_config_key *k;
    const struct ss_conf_kv *kv;

    p->info.section = p->section->name;
    p->info.plugin = p->ph.desc ? p->ph.desc->name : NULL;
    p->info.location = NULL;
    static const enum scimsync_key_type order[] = {SCIMSYNC_KEY_URL, SCIMSYNC_KEY_INPUT_PATH};
    for (size_t i = 0; i < 2 && !p->info.location; i++) {
        for (k = p->ph.desc ? p->ph.desc->keys : NULL; k && k->name; k++) {
            if (k->type != order[i] || !(kv = ss_conf_get(p->section, k->name)))
                continue;
            if (k->type == SCIMSYNC_KEY_URL || ss_secret_is_reference(kv->value)) {
                ss_url_display(kv->value, p->location, sizeof p->location);
            } else {
                char *path = ss_config_resolve_path(kv->value, kv->file);
                snprintf(p->location, sizeof p->location, "%s", path ? path : kv->value);
                free(path);
            }
            p->info.location = p->location;
            break;
        }
    }
}

int ss_runtime_open(struct ss_runtime *rt, const struct ss_cli_opts *o, enum ss_rt_mode mode)
{
    int failed = 0;

    memset(rt, 0, sizeof(*rt));
    ss_cli_apply_logging(o, NULL);
    if (ss_config_load(&rt->cfg, o->config, o->config_explicit, o->conf_dir, o->dir_explicit) < 0) {
        /* validate reports the plugins' and mappings' problems too. */
        if (mode != SS_RT_VALIDATE || rt->cfg.nfiles == 0)
            goto fail;
        failed = 1;
    }
    ss_cli_apply_logging(o, &rt->cfg.engine);
    if (o->report) {
        free(rt->cfg.engine.report);
        if (!(rt->cfg.engine.report = strdup(o->report))) {
            ss_error("out of memory");
            goto fail;
        }
    }
    if (o->metrics_emf)
        rt->cfg.engine.metrics_emf = 1;
    if (o->metrics_dimensions)
        rt->cfg.engine.metrics_dimensions = o->metrics_dimensions;
    if (ss_loader_search_path(rt->cfg.engine.plugin_path, &rt->sp) < 0)
        goto fail;

    rt->nsrc = ss_config_count(&rt->cfg, SS_SEC_SOURCE);
    rt->src = calloc(rt->nsrc, sizeof(*rt->src));
    rt->esrc = calloc(rt->nsrc, sizeof(*rt->esrc));
    rt->src_info = calloc(rt->nsrc ? rt->nsrc : 1, sizeof(*rt->src_info));
    if (!rt->src || !rt->esrc || !rt->src_info) {
        ss_error("out of memory");
        goto fail;
    }
    for (size_t i = 0; i < rt->nsrc; i++) {
        rt->src[i].section = ss_config_nth(&rt->cfg, SS_SEC_SOURCE, i);
        failed |= load_part(rt, &rt->src[i], SCIMSYNC_PLUGIN_SOURCE, mode) < 0;
    }
    rt->tgt.section = ss_config_nth(&rt->cfg, SS_SEC_TARGET, 0);
    if (rt->tgt.section)
        failed |= load_part(rt, &rt->tgt, SCIMSYNC_PLUGIN_TARGET, mode) < 0;
    else
        failed = 1; /* reported by the configuration checks */
    failed |= check_extras(rt) < 0;
    if (failed)
        goto fail;

    if (mode == SS_RT_RUN) {
        for (size_t i = 0; i < rt->nsrc; i++) {
            if (ss_instance_create(rt->src[i].inst) < 0)
                goto fail;
        }
        if (ss_instance_create(rt->tgt.inst) < 0)
            goto fail;
    }
    for (size_t i = 0; i < rt->nsrc; i++) {
        describe_part(&rt->src[i]);
        rt->src_info[i] = rt->src[i].info;
    }
    describe_part(&rt->tgt);
    for (size_t i = 0; i < rt->nsrc; i++) {
        rt->esrc[i] = (struct ss_engine_source){
            .name = rt->src[i].section->name,
            .plugin = rt->src[i].ph.desc,
            .inst = rt->src[i].inst->inst,
            .mapping = rt->src[i].mapping,
            .nmapping = rt->src[i].nmapping,
            .mapping_section = rt->src[i].mapping_section,
        };
    }
    rt->etgt = (struct ss_engine_target){
        .name = rt->tgt.section->name,
        .plugin = rt->tgt.ph.desc,
        .inst = rt->tgt.inst->inst,
    };
    {
        /* A state is bound to the target: its plugin and resolved URL (the
         * URL of an Identity Center endpoint names the tenant). */
        const char *url = NULL;
        for (size_t i = 0; rt->tgt.inst && i < rt->tgt.inst->nvalues; i++) {
            if (strcmp(rt->tgt.inst->values[i].decl->name, "url") == 0)
                url = rt->tgt.inst->values[i].value;
        }
        snprintf(rt->target_identity, sizeof rt->target_identity, "%s %s",
                 rt->tgt.ph.desc->name, url && *url ? url : rt->tgt.section->label);
    }
    return SS_EXIT_OK;
fail:
    ss_runtime_close(rt);
    return SS_EXIT_USAGE;
}

static void close_part(struct ss_rt_part *p)
{
    /* Instances before their code goes away. */
    ss_instance_free(p->inst);
    p->inst = NULL;
    ss_loader_close(&p->ph);
    free(p->mapping);
    p->mapping = NULL;
}

void ss_runtime_close(struct ss_runtime *rt)
{
    close_part(&rt->tgt);
    for (size_t i = 0; i < rt->nsrc && rt->src; i++)
        close_part(&rt->src[i]);
    free(rt->src);
    free(rt->esrc);
    free(rt->src_info);
    ss_loader_search_path_free(&rt->sp);
    ss_config_free(&rt->cfg);
    memset(rt, 0, sizeof(*rt));
}

void ss_runtime_engine_options(const struct ss_runtime *rt, struct ss_engine_options *opt)
{
    const struct ss_engine_conf *e = &rt->cfg.engine;

    memset(opt, 0, sizeof(*opt));
    opt->on_missing = e->on_missing;
    opt->delete_after = e->delete_after;
    opt->adopt = e->adopt;
    opt->safety = e->safety;
    opt->max_run_time = e->max_run_time;
    opt->scope = &e->scope;
    opt->target_info = rt->tgt.section ? &rt->tgt.info : NULL;
    opt->source_info = rt->src_info;
    opt->nsource_info = rt->src_info ? rt->nsrc : 0;
    opt->out = stdout;
    opt->state = e->state;
    opt->state_path_style = e->state_path_style;
    opt->full_reconcile_interval = e->full_reconcile_interval;
    opt->state_checkpoint_interval = e->state_checkpoint_interval;
    opt->lock_lease = e->lock_lease;
    opt->lock_wait = e->lock_wait;
    opt->target_identity = rt->target_identity;
    opt->precheck = 1;
    ss_host_set_stop_grace(e->stop_grace);
    opt->config_files = (const char *const *)rt->cfg.files;
    opt->nconfig_files = rt->cfg.nfiles;
    opt->report_path = e->report;
    opt->metrics_textfile = e->metrics_textfile;
    opt->metrics_emf = e->metrics_emf;
    opt->metrics_namespace = e->metrics_namespace;
    opt->metrics_dimensions = e->metrics_dimensions;
    opt->refused_plan_dir = e->refused_plan_dir;
    /* JSON logs: nothing unstructured on stdout, the report replaces the
     * plan and summary text */
    opt->print_report = ss_log_get_format() == SS_LOG_JSON;
    /* -q (or log_level below info) silences both kinds of progress; a
     * live line would break JSON log lines */
    int quiet = ss_log_get_level() < SCIMSYNC_LOG_INFO;
    int live = !quiet && ss_log_get_format() == SS_LOG_TEXT && isatty(STDERR_FILENO);
    ss_progress_configure(quiet ? 0 : e->progress_interval, live);
}

/* What names the target for its default lock: plugin and resolved url
 * (two configurations syncing one tenant share the lock), else the section
 * and the file that declared it. */
static const char *target_identity(const struct ss_runtime *rt, char *buf, size_t len)
{
    const struct ss_instance *in = rt->tgt.inst;
    const char *url = NULL;

    for (size_t i = 0; in && i < in->nvalues; i++) {
        if (strcmp(in->values[i].decl->name, "url") == 0)
            url = in->values[i].value;
    }
    if (url && *url)
        snprintf(buf, len, "%s\n%s", rt->tgt.ph.desc ? rt->tgt.ph.desc->name : "?", url);
    else
        snprintf(buf, len, "%s\n%s", rt->tgt.section->label, rt->tgt.section->file);
    return buf;
}

int ss_runtime_lock(const struct ss_runtime *rt, const char *command, struct ss_lock *l)
{
    const struct ss_conf_section *e = ss_config_find(&rt->cfg, SS_SEC_ENGINE, NULL);
    const struct ss_conf_kv *kv = e ? ss_conf_get(e, "lock_file") : NULL;
    struct ss_lock_holder holder;
    char ident[2048], who[256];
    char *path;
    int rc = SS_EXIT_USAGE;

    if (kv && *kv->value)
        path = ss_config_resolve_path(kv->value, kv->file);
    else
        path = ss_lock_default_path(target_identity(rt, ident, sizeof ident));
    if (!path) {
        ss_error("out of memory");
        return SS_EXIT_USAGE;
    }
    switch (ss_lock_acquire(l, path, command, &holder)) {
    case SS_LOCK_HELD:
        rc = SS_EXIT_OK;
        break;
    case SS_LOCK_BUSY:
        ss_lock_holder_describe(&holder, who, sizeof who);
        ss_error("%s is being synced by another run (%s; lock file %s): this run does nothing "
                 "(exit code 7)",
                 rt->tgt.section->label, who, path);
        rc = SS_EXIT_LOCKED;
        break;
    case SS_LOCK_ERROR:
        break;
    }
    free(path);
    return rc;
}
