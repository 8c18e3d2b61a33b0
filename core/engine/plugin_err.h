/* Words for a plugin's return code, for the one core line that follows
 * the plugin's own message ("listing users failed (server or network
 * error, reported above)"), never a bare "(-4)". */
#ifndef SS_PLUGIN_ERR_H
#define SS_PLUGIN_ERR_H

const char *ss_plugin_err_text(int rc);

#endif
