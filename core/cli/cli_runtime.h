/*
 * Everything one run needs, built from configuration: loaded plugins,
 * their instances, mapping lines and the engine's inputs.  sync, plan,
 * validate and the daemon share it.
 */
#ifndef SS_CLI_RUNTIME_H
#define SS_CLI_RUNTIME_H

#include "config.h"
#include "engine.h"
#include "host.h"
#include "loader.h"
#include "lock.h"
#include "model.h"

struct ss_cli_opts {
    const char *config;  /* main file */
    int config_explicit; /* given with -c: must exist */
    const char *conf_dir;
    int dir_explicit; /* given with --conf-dir: must exist */
    int log_level;    /* from -v / -q; -1: take the configuration's */
    int log_format;   /* from --log-format; -1: take the configuration's */
    /* override [engine] report / metrics_emf / metrics_dimensions (NULL, 0: keep) */
    const char *report;
    int metrics_emf;
    const char *metrics_dimensions;
};

struct ss_rt_part {
    const struct ss_conf_section *section;
    struct ss_plugin_handle ph;
    struct ss_instance *inst;
    struct ss_mapping_line *mapping;
    size_t nmapping;
    const char *mapping_section; /* "[mapping NAME]" of those lines */
    struct ss_endpoint_info info; /* what the plan names */
    char location[1024];
};

struct ss_runtime {
    struct ss_config cfg;
    struct ss_search_path sp;
    struct ss_rt_part *src;
    size_t nsrc;
    struct ss_rt_part tgt;
    struct ss_engine_source *esrc; /* nsrc entries */
    struct ss_endpoint_info *src_info; /* nsrc entries */
    struct ss_engine_target etgt;
    char target_identity[1024]; /* "plugin url": what a state is bound to */
    /* The extra attribute names of the sources' mappings (extra.NAME
     * lines), NULL-terminated; pointers into cfg. */
    const char *extra_names[SS_MAX_EXTRA + 1];
};

enum ss_rt_mode {
    SS_RT_CHECK = 0,   /* load and check, resolve no secret, create nothing */
    SS_RT_RUN = 1,     /* resolve secrets and create every instance */
    SS_RT_VALIDATE = 2 /* CHECK, plus the mappings and the local checks
                          (files, env: variables, URLs), going on after
                          each problem to report them all */
};

/* The conf.d folder beside a main file ("/etc/x/a.ini" -> "/etc/x/conf.d",
 * "a.ini" -> "conf.d"): what -c FILE reads unless --conf-dir is given.
 * Returns 0, or -1 when it does not fit in buf. */
int ss_cli_conf_dir_beside(const char *file, char *buf, size_t len);

/* Applies the log settings of the options / configuration. */
void ss_cli_apply_logging(const struct ss_cli_opts *o, const struct ss_engine_conf *e);

/* Returns SS_EXIT_OK, or SS_EXIT_USAGE after logging every problem found. */
int ss_runtime_open(struct ss_runtime *rt, const struct ss_cli_opts *o, enum ss_rt_mode mode);
void ss_runtime_close(struct ss_runtime *rt);

/* Takes the run lock of rt's target ([engine] lock_file, or the default of
 * core/state/lock.h for the target's plugin and url) for `command`.  Returns
 * SS_EXIT_OK (held), SS_EXIT_LOCKED (another run holds it: logged, naming
 * the holder) or SS_EXIT_USAGE (logged). */
int ss_runtime_lock(const struct ss_runtime *rt, const char *command, struct ss_lock *l);

/* Engine options from [engine] plus the command line. */
void ss_runtime_engine_options(const struct ss_runtime *rt, struct ss_engine_options *opt);

#endif
