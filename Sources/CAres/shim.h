#ifndef CQGREYLIST_CARES_SHIM_H
#define CQGREYLIST_CARES_SHIM_H
#include <ares.h>

/* c-ares' ares_getsock() bit macros are function-like, which Swift does not import. */
static inline int cqgreylist_ares_readable(int bits, int index) { return ARES_GETSOCK_READABLE(bits, index); }
static inline int cqgreylist_ares_writable(int bits, int index) { return ARES_GETSOCK_WRITABLE(bits, index); }

#endif
