/* Per-exec cost of several commands, measured side by side: for the benchmark only.
 *
 *   benchexec ROUNDS BATCH SPECFILE
 *
 * Each SPECFILE line is: label <TAB> stdin-file <TAB> NAME=value ... <TAB> program arg ...
 * (space-separated lists; "-" for none). Each round runs every command BATCH times in turn, so slow
 * phases of a shared machine hit all commands alike. Prints, per command: median and mean microseconds
 * per run over the rounds, peak RSS (ru_maxrss, the whole run including the exec'd program), and page faults
 * per run (ru_minflt + ru_majflt, mean over all runs). A "{n}" in an environment value becomes a new three-octet number
 * each run ("TCPREMOTEIP=11.{n}": a client never seen before, every time). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>

enum { MAXCMD = 32, MAXARG = 32, MAXROUNDS = 1000 };
struct command {
  char *label, *input, *argv[MAXARG], *envp[MAXARG];
  double perRound[MAXROUNDS];
  long maxrss, faults;
};

static int split(char *text, char **out) {
  int n = 0;
  for (char *word = strtok(text, " "); word && n < MAXARG - 1; word = strtok(NULL, " "))
    if (strcmp(word, "-") != 0) out[n++] = word;
  out[n] = NULL;
  return n;
}

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec / 1e9;
}

static int compare(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return (x > y) - (x < y);
}

int main(int argc, char **argv) {
  if (argc != 4) { fprintf(stderr, "usage: benchexec ROUNDS BATCH SPECFILE\n"); return 100; }
  int rounds = atoi(argv[1]), batch = atoi(argv[2]), count = 0;
  if (rounds < 1 || rounds > MAXROUNDS || batch < 1) { fprintf(stderr, "benchexec: bad ROUNDS or BATCH\n"); return 100; }
  FILE *spec = fopen(argv[3], "r");
  if (!spec) { perror(argv[3]); return 111; }
  static struct command commands[MAXCMD];
  static char lines[MAXCMD][4096];
  while (count < MAXCMD && fgets(lines[count], sizeof lines[count], spec)) {
    char *line = lines[count], *fields[4];
    line[strcspn(line, "\n")] = 0;
    if (!*line || *line == '#') continue;
    for (int i = 0; i < 4; i++) fields[i] = strsep(&line, "\t");
    if (!fields[3]) { fprintf(stderr, "benchexec: bad spec line %d\n", count + 1); return 100; }
    struct command *c = &commands[count++];
    c->label = fields[0];
    c->input = fields[1];
    split(fields[2], c->envp);
    if (split(fields[3], c->argv) == 0) { fprintf(stderr, "benchexec: no program for %s\n", c->label); return 100; }
  }
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  for (int round = 0; round < rounds; round++) {
    for (int i = 0; i < count; i++) {
      struct command *c = &commands[i];
      double start = now();
      for (int run = 0; run < batch; run++) {
        posix_spawn_file_actions_t actions;
        posix_spawn_file_actions_init(&actions);
        posix_spawn_file_actions_addopen(&actions, 0, c->input, O_RDONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0);
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0);
        static char numbered[MAXARG][256];
        static unsigned long serial;
        char *envp[MAXARG];
        for (int e = 0; e < MAXARG; e++) {
          char *mark = c->envp[e] ? strstr(c->envp[e], "{n}") : NULL;
          envp[e] = c->envp[e];
          if (!mark) continue;
          serial++;
          snprintf(numbered[e], sizeof numbered[e], "%.*s%lu.%lu.%lu%s", (int)(mark - c->envp[e]), c->envp[e],
                   serial >> 16 & 255, serial >> 8 & 255, serial & 255, mark + 3);
          envp[e] = numbered[e];
        }
        pid_t pid;
        if (posix_spawn(&pid, c->argv[0], &actions, &attributes, c->argv, envp) != 0) { perror(c->argv[0]); return 111; }
        posix_spawn_file_actions_destroy(&actions);
        int status;
        struct rusage usage;
        if (wait4(pid, &status, 0, &usage) != pid) { perror("wait4"); return 111; }
        if (usage.ru_maxrss > c->maxrss) c->maxrss = usage.ru_maxrss;
        c->faults += usage.ru_minflt + usage.ru_majflt;
      }
      c->perRound[round] = (now() - start) / batch * 1e6;
    }
  }
  printf("%-28s %12s %12s %12s %12s\n", "command", "median us", "mean us", "peak RSS KB", "faults/run");
  for (int i = 0; i < count; i++) {
    struct command *c = &commands[i];
    double sum = 0;
    for (int r = 0; r < rounds; r++) sum += c->perRound[r];
    qsort(c->perRound, rounds, sizeof(double), compare);
    printf("%-28s %12.1f %12.1f %12ld %12.1f\n", c->label, c->perRound[rounds / 2], sum / rounds, c->maxrss,
           (double)c->faults / ((double)rounds * batch));
  }
  return 0;
}
