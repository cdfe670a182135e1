/* The floor for any greylisting wrapper, for the benchmark only: getenv, one stat of the record, execve. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

extern char **environ;

int main(int argc, char **argv) {
  const char *ip = getenv("TCPREMOTEIP");
  const char *dir = getenv("CQGREYLIST_DIR");
  char path[512];
  struct stat st;
  if (argc < 2 || !ip || !dir) return 100;
  snprintf(path, sizeof path, "%s/%.*s/%s", dir, (int)strcspn(ip, "."), ip, ip);
  if (stat(path, &st) == 0 && st.st_size > 0) {
    execve(argv[1], argv + 1, environ);
    return 111;
  }
  return 0;
}
