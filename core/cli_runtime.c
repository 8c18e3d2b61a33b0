/* Configuration -> loaded plugins and instances -> engine inputs. */
#include "cli_runtime.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

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
    return 0;
}

/* Loads and checks one [source]/[target] section; logs each problem once. */
static int load_part(struct ss_runtime *rt, struct ss_rt_part *p, int kind, int resolve_secrets)
{
    const struct ss_conf_section *s = p->section;
    const struct ss_conf_kv *pl = ss_conf_get(s, "plugin");
    const struct scimsync_config_key *core =
        kind == SCIMSYNC_PLUGIN_SOURCE ? ss_source_core_keys : ss_target_core_keys;
    char err[1024];
    char *path;

    if (!pl) {
        ss_config_check_section(s, core, NULL); /* names the missing key */
        return -1;
    }
    path = ss_loader_find(&rt->sp, pl->value, pl->file, err, sizeof(err));
    if (!path) {
        ss_error("%s: %s: %s", pl->where, s->label, err);
        return -1;
    }
    if (ss_loader_open(path, kind, &p->ph, err, sizeof(err)) < 0) {
        ss_error("%s: %s: %s", pl->where, s->label, err);
        free(path);
        return -1;
    }
    free(path);
    ss_debug("%s: plugin %s %s from %s", s->label, p->ph.desc->name,
             p->ph.desc->version ? p->ph.desc->version : "?", p->ph.path);
    if (ss_config_check_section(s, core, p->ph.desc->keys))
        return -1;
    if (ss_instance_new(s, p->ph.desc, resolve_secrets, &p->inst) < 0)
        return -1;
    if (kind == SCIMSYNC_PLUGIN_SOURCE && load_mapping(rt, p) < 0)
        return -1;
    return 0;
}

int ss_runtime_open(struct ss_runtime *rt, const struct ss_cli_opts *o, enum ss_rt_mode mode)
{
    int failed = 0;

    memset(rt, 0, sizeof(*rt));
    ss_cli_apply_logging(o, NULL);
    if (ss_config_load(&rt->cfg, o->config, o->config_explicit, o->conf_dir, o->dir_explicit) < 0)
        goto fail;
    ss_cli_apply_logging(o, &rt->cfg.engine);
    if (ss_loader_search_path(rt->cfg.engine.plugin_path, &rt->sp) < 0)
        goto fail;

    rt->nsrc = ss_config_count(&rt->cfg, SS_SEC_SOURCE);
    rt->src = calloc(rt->nsrc, sizeof(*rt->src));
    rt->esrc = calloc(rt->nsrc, sizeof(*rt->esrc));
    if (!rt->src || !rt->esrc) {
        ss_error("out of memory");
        goto fail;
    }
    for (size_t i = 0; i < rt->nsrc; i++) {
        rt->src[i].section = ss_config_nth(&rt->cfg, SS_SEC_SOURCE, i);
        failed |= load_part(rt, &rt->src[i], SCIMSYNC_PLUGIN_SOURCE, mode == SS_RT_RUN) < 0;
    }
    rt->tgt.section = ss_config_nth(&rt->cfg, SS_SEC_TARGET, 0);
    failed |= load_part(rt, &rt->tgt, SCIMSYNC_PLUGIN_TARGET, mode == SS_RT_RUN) < 0;
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
        rt->esrc[i] = (struct ss_engine_source){
            .name = rt->src[i].section->name,
            .plugin = rt->src[i].ph.desc,
            .inst = rt->src[i].inst->inst,
            .mapping = rt->src[i].mapping,
            .nmapping = rt->src[i].nmapping,
        };
    }
    rt->etgt = (struct ss_engine_target){
        .name = rt->tgt.section->name,
        .plugin = rt->tgt.ph.desc,
        .inst = rt->tgt.inst->inst,
    };
    {
        /* A state is bound to the target: its plugin and URL (the URL of
         * an Identity Center endpoint names the tenant). */
        const struct ss_conf_kv *url = ss_conf_get(rt->tgt.section, "url");
        snprintf(rt->target_identity, sizeof rt->target_identity, "%s %s",
                 rt->tgt.ph.desc->name, url ? url->value : rt->tgt.section->name);
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
    ss_loader_search_path_free(&rt->sp);
    ss_config_free(&rt->cfg);
    memset(rt, 0, sizeof(*rt));
}

void ss_runtime_engine_options(const struct ss_runtime *rt, struct ss_engine_options *opt)
{
    const struct ss_engine_conf *e = &rt->cfg.engine;

    memset(opt, 0, sizeof(*opt));
    opt->on_missing = e->on_missing;
    opt->adopt = e->adopt;
    opt->safety = e->safety;
    opt->max_run_time = e->max_run_time;
    opt->out = stdout;
    opt->state = e->state;
    opt->state_path_style = e->state_path_style;
    opt->full_reconcile_interval = e->full_reconcile_interval;
    opt->state_checkpoint_interval = e->state_checkpoint_interval;
    opt->lock_lease = e->lock_lease;
    opt->lock_wait = e->lock_wait;
    opt->target_identity = rt->target_identity;
}
