/* The sync pipeline (placeholder until the full engine lands). */
#include "engine.h"

#include "log.h"

int ss_engine_run(const struct ss_engine_source *sources, size_t nsources,
                  const struct ss_engine_target *target,
                  const struct ss_engine_options *opt, struct ss_summary *sum)
{
    (void)sources;
    (void)nsources;
    (void)target;
    (void)opt;
    if (sum)
        *sum = (struct ss_summary){0};
    ss_error("sync engine not implemented yet");
    return SS_EXIT_USAGE;
}

int ss_engine_check_mapping(const struct ss_engine_source *source)
{
    (void)source;
    ss_error("mapping check not implemented yet");
    return SS_EXIT_USAGE;
}
