/* Keeps main's argc and argv: the C library calls each constructor with them (Linux's init_array), before main,
 * in static and dynamic executables alike. Embedded Swift has no CommandLine, so both builds read them here. */
#include "CSystem.h"

int cqgreylist_saved_argc = 0;
char **cqgreylist_saved_argv = 0;

__attribute__((constructor)) static void cqgreylist_keep_arguments(int argc, char **argv, char **environment) {
    (void)environment;
    cqgreylist_saved_argc = argc;
    cqgreylist_saved_argv = argv;
}
