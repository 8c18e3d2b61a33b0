/* The CSV source's check entry (csv_check.c) and what it needs of the
 * plugin (csv_plugin.c). */
#ifndef CSV_CHECK_H
#define CSV_CHECK_H

#include <scimsync/plugin.h>

int csv_check(void *inst, unsigned flags, scimsync_check_report report, void *ctx);
const struct scimsync_host *csv_check_host(void *inst);
const struct scimsync_source_ops *csv_check_ops(void);

#endif
