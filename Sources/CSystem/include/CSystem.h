#ifndef CQGREYLIST_CSYSTEM_H
#define CQGREYLIST_CSYSTEM_H
/* The C library as the wrapper's shell sees it, in the normal build and the Embedded one alike (Embedded Swift has
 * no Glibc overlay): the headers, and small functions for what Swift does not import from them (errno, variadic
 * open, SIG_IGN) or what only the Swift runtime provides (argv, captured here by a constructor in arguments.c). */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <sys/un.h>

/* errno, a macro. */
static inline int cqgreylist_errno(void) { return errno; }
/* open(2) and openat(2), variadic. */
static inline int cqgreylist_open(const char *path, int flags, mode_t mode) { return open(path, flags, mode); }
static inline int cqgreylist_openat(int directory, const char *path, int flags, mode_t mode) {
    return openat(directory, path, flags, mode);
}
/* fcntl(2), variadic. */
static inline int cqgreylist_fcntl_int(int fd, int command, int argument) { return fcntl(fd, command, argument); }
/* SIG_IGN, a macro with a cast, as the handler of an action. */
static inline void cqgreylist_set_ignored(struct sigaction *action) { action->sa_handler = SIG_IGN; }
/* A function as the handler of an action. */
static inline void cqgreylist_set_handler(struct sigaction *action, void (*handler)(int)) { action->sa_handler = handler; }

/* The C library's stdout, a global Swift 6 will not read (shared mutable state): the tools flush it at exit. */
static inline FILE *cqgreylist_stdout(void) { return stdout; }

/* main's argc and argv, as the C library passed them to the constructors (set before main, never changed). */
extern int cqgreylist_saved_argc;
extern char **cqgreylist_saved_argv;
static inline int cqgreylist_argc(void) { return cqgreylist_saved_argc; }
static inline char **cqgreylist_argv(void) { return cqgreylist_saved_argv; }

#endif
