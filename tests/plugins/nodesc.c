/* A shared object that is not a scimsync plugin: no descriptor symbol. */
#include <scimsync/plugin.h>

SCIMSYNC_PLUGIN_EXPORT int ss_test_nodesc_answer(void);

SCIMSYNC_PLUGIN_EXPORT int ss_test_nodesc_answer(void)
{
    return 42;
}
