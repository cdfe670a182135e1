#ifndef CQGREYLIST_PSL_SHIM_H
#define CQGREYLIST_PSL_SHIM_H
#include <libpsl.h>
#endif
