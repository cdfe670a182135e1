/* The instructions a program runs before it execs another or exits, for tools/bench/hot-path only.
 *
 *   steps OUTPUT PROGRAM [ARG...]
 *
 * Runs PROGRAM under ptrace(2), one instruction at a time, and appends each distinct instruction address it executed
 * to OUTPUT (hexadecimal, one a line, in address order) once it execs another program (which is not run) or exits.
 * PROGRAM keeps this process's standard input, output and error. */
#define _GNU_SOURCE
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/ptrace.h>
#include <sys/user.h>
#include <sys/wait.h>
#include <unistd.h>

enum { MAXSTEPS = 1 << 22 };
static unsigned long long addresses[MAXSTEPS];

static int compare(const void *a, const void *b) {
  unsigned long long x = *(const unsigned long long *)a, y = *(const unsigned long long *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc < 3) { fprintf(stderr, "usage: steps OUTPUT PROGRAM [ARG...]\n"); return 100; }
  FILE *output = fopen(argv[1], "a");
  if (!output) { perror(argv[1]); return 111; }
  pid_t pid = fork();
  if (pid < 0) { perror("fork"); return 111; }
  if (pid == 0) {
    ptrace(PTRACE_TRACEME, 0, 0, 0);
    execv(argv[2], argv + 2);
    perror(argv[2]);
    _exit(111);
  }
  int status, count = 0;
  if (waitpid(pid, &status, 0) != pid || !WIFSTOPPED(status)) { fprintf(stderr, "steps: %s did not start\n", argv[2]); return 111; }
  ptrace(PTRACE_SETOPTIONS, pid, 0, PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL);
  while (count < MAXSTEPS) {
    struct user_regs_struct registers;
    if (ptrace(PTRACE_GETREGS, pid, 0, &registers) != 0) break;
    addresses[count++] = registers.rip;
    if (ptrace(PTRACE_SINGLESTEP, pid, 0, 0) != 0 || waitpid(pid, &status, 0) != pid) break;
    if (WIFEXITED(status) || WIFSIGNALED(status)) break;
    if (status >> 8 == (SIGTRAP | PTRACE_EVENT_EXEC << 8)) { kill(pid, SIGKILL); break; }   /* the next program */
  }
  if (count == MAXSTEPS) { fprintf(stderr, "steps: more than %d steps\n", MAXSTEPS); return 111; }
  qsort(addresses, count, sizeof *addresses, compare);
  for (int i = 0; i < count; i++)
    if (i == 0 || addresses[i] != addresses[i - 1]) fprintf(output, "%llx\n", addresses[i]);
  if (fclose(output) != 0) { perror(argv[1]); return 111; }
  return 0;
}
