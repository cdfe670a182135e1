#ifndef CQGREYLIST_CTINYCDB_SHIM_H
#define CQGREYLIST_CTINYCDB_SHIM_H
#include <cdb.h>

/* tinycdb's cdb_datapos/cdb_datalen are macros, which Swift does not import. */
static inline unsigned cqgreylist_cdb_datapos(const struct cdb *cdbp) { return cdb_datapos(cdbp); }
static inline unsigned cqgreylist_cdb_datalen(const struct cdb *cdbp) { return cdb_datalen(cdbp); }

#endif
