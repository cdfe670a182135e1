/* The floor for a wrapper on Redis, for the benchmark only: one Unix-socket connection, ROLE, TIME and GET pipelined
 * as cqgreylist sends them on a new connection (ROLE tells it a master from a replica), the replies read to their
 * end, then execve. What one round trip to Redis costs at the least. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>
extern char **environ;
int main(int argc, char **argv) {
  const char *path = getenv("CQGREYLIST_REDIS"), *ip = getenv("TCPREMOTEIP");
  if (path && ip && argc > 1) {
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    struct sockaddr_un address = { .sun_family = AF_UNIX };
    strncpy(address.sun_path, path, sizeof address.sun_path - 1);
    char request[256], reply[4096];
    int length = snprintf(request, sizeof request, "*1\r\n$4\r\nROLE\r\n*1\r\n$4\r\nTIME\r\n*2\r\n$3\r\nGET\r\n$%zu\r\ncqgreylist:%s\r\n",
                          strlen(ip) + 11, ip);
    if (fd >= 0 && connect(fd, (struct sockaddr *)&address, sizeof address) == 0 && send(fd, request, length, MSG_NOSIGNAL) == length) {
      int got = 0, lines = 0;
      /* A master without replicas: *3, $6, master, :offset, *0; then *2, $10, secs, $6, usecs; then $N, value. */
      while (lines < 12) {
        ssize_t n = read(fd, reply + got, sizeof reply - got);
        if (n <= 0) break;
        for (ssize_t i = got; i < got + n; i++) lines += reply[i] == '\n';
        got += n;
      }
    }
    close(fd);
  }
  execve(argv[1], argv + 1, environ);
  return 111;
}
