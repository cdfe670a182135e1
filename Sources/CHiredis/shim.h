#ifndef CQGREYLIST_CHIREDIS_SHIM_H
#define CQGREYLIST_CHIREDIS_SHIM_H
/* hiredis from Debian's libhiredis-dev: its command formatter and reply reader only. The socket is ours (close-on-exec,
 * every wait under the connection's deadline, no SIGPIPE), so the library's connection functions are not used. */
#include <hiredis/hiredis.h>

#endif
