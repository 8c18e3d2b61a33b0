#include "plugin_err.h"

#include <scimsync/plugin.h>

const char *ss_plugin_err_text(int rc)
{
    switch (rc) {
    case SCIMSYNC_ERR_NOMEM:
        return "out of memory";
    case SCIMSYNC_ERR_CONFIG:
        return "configuration error, reported above";
    case SCIMSYNC_ERR_IO:
        return "server or network error, reported above";
    case SCIMSYNC_ERR_AUTH:
        return "credentials rejected, reported above";
    case SCIMSYNC_ERR_INVALID:
        return "rejected by the server, reported above";
    case SCIMSYNC_ERR_CONFLICT:
        return "conflict, reported above";
    case SCIMSYNC_ERR_NOTFOUND:
        return "not found, reported above";
    case SCIMSYNC_ERR_STOPPED:
        return "stopped";
    case SCIMSYNC_ERR_DATA:
        return "malformed data, reported above";
    default:
        return "error, reported above";
    }
}
