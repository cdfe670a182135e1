/* A compiled stand-in for qmail-smtpd, for tools/bench/load: the SMTP server after the wrapper must cost
 * about what qmail-smtpd costs (one small C process reading and writing a socket), so that the wrapper's
 * share of a connection is not hidden under a bash server's. It speaks SMTP on stdin/stdout as qmail-smtpd
 * does under tcpserver and saves each message it accepts as a file in $STANDIN_MAILDIR (default ./mail),
 * handed, as qmail-smtpd hands it to qmail-queue, to a child process: this program exec'd again with
 * --queue FILE, which reads the message from a pipe, writes it and an envelope, each synced to disk as
 * qmail-queue syncs its two files, and renames the message into place (the envelope goes to a hidden
 * .envelopes directory, so that counting the directory's files counts messages).
 * Lines are read in bounded pieces: a command line longer than the buffer is refused whole (500), a message
 * line of any length is copied through piece by piece. 60 seconds without input end the session (451). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static char in[4096];
static size_t inpos, inlen;
static int pending_cr;      /* a CR held back from a full piece: it may be the line's last byte */
static char tmp[1024] = ""; /* the queue child's message being written, removed if it dies */

static void out(const char *s) {
  size_t len = strlen(s);
  while (len > 0) {
    ssize_t n = write(1, s, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) _exit(1);
    s += n; len -= (size_t)n;
  }
}

static void die(const char *reply) {   /* async-signal-safe: also the SIGALRM handler's way out */
  if (tmp[0]) unlink(tmp);
  if (reply) out(reply);
  _exit(1);
}

static void on_alarm(int sig) { (void)sig; die("451 timeout\r\n"); }

static void fill(void) {
  ssize_t n;
  do {
    alarm(60);
    n = read(0, in, sizeof in);
    alarm(0);
  } while (n < 0 && errno == EINTR);
  if (n <= 0) die(NULL);   /* end of input or an error, as qmail-smtpd: no reply */
  inpos = 0; inlen = (size_t)n;
}

/* One piece of a line into buf (at most size - 1 bytes, NUL-terminated), without its end; *whole is 1 if
 * the line ended in this piece. A CR just before the LF is dropped. */
static size_t readpiece(char *buf, size_t size, int *whole) {
  size_t n = 0;
  if (pending_cr) { buf[n++] = '\r'; pending_cr = 0; }
  for (;;) {
    if (inpos == inlen) fill();
    char c = in[inpos++];
    if (c == '\n') {
      if (n > 0 && buf[n - 1] == '\r') n--;
      *whole = 1; buf[n] = 0;
      return n;
    }
    buf[n++] = c;
    if (n == size - 1) {
      if (buf[n - 1] == '\r') { n--; pending_cr = 1; }
      *whole = 0; buf[n] = 0;
      return n;
    }
  }
}

static void reply2(const char *a, const char *b) {
  char line[1200];
  snprintf(line, sizeof line, "%s%s\r\n", a, b);
  out(line);
}

/* Reads the message up to the lone "." line into file (NULL: read and drop), undoing dot-stuffing.
 * Returns 0 if every write succeeded. */
static int readmessage(FILE *file) {
  char piece[1024];
  int whole = 1, failed = file == NULL;
  for (;;) {
    int starts = whole;
    size_t n = readpiece(piece, sizeof piece, &whole);
    const char *p = piece;
    if (starts && whole && n == 1 && piece[0] == '.') break;
    if (starts && piece[0] == '.') { p++; n--; }
    if (!failed && (fwrite(p, 1, n, file) != n || (whole && putc('\n', file) == EOF))) failed = 1;
  }
  return failed ? -1 : 0;
}

/* The queue child: the message from stdin into name (through name.tmp), its envelope into the hidden
 * .envelopes directory beside it, each fsync'd. Exit 0 when the message is in place. */
static int queue(const char *name) {
  char envelope[2200], directory[1100], buffer[8192];
  const char *slash = strrchr(name, '/');
  snprintf(tmp, sizeof tmp, "%s.tmp", name);
  snprintf(directory, sizeof directory, "%.*s/.envelopes", (int)(slash - name), name);
  snprintf(envelope, sizeof envelope, "%s/%s", directory, slash + 1);
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (fd < 0) die(NULL);
  ssize_t n;
  while ((n = read(0, buffer, sizeof buffer)) != 0) {
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 || write(fd, buffer, (size_t)n) != n) die(NULL);
  }
  if (fsync(fd) != 0 || close(fd) != 0) die(NULL);
  if (mkdir(directory, 0755) != 0 && errno != EEXIST) die(NULL);
  int env = open(envelope, O_WRONLY | O_CREAT | O_TRUNC, 0644);
  if (env < 0 || write(env, "F\0T\0", 4) != 4 || fsync(env) != 0 || close(env) != 0) die(NULL);
  if (rename(tmp, name) != 0) die(NULL);
  return 0;
}

/* Hands the message being read (up to the lone ".") to a queue child, as qmail-smtpd does with qmail-queue:
 * 0 if the child put it in place. */
static int handoff(const char *self, const char *name, const char *from, const char *rcpts, const char *remote,
                   const char *host) {
  int pipefd[2];
  if (pipe(pipefd) != 0) { readmessage(NULL); return -1; }
  pid_t child = fork();
  if (child == 0) {
    dup2(pipefd[0], 0);
    close(pipefd[0]); close(pipefd[1]);
    execl(self, self, "--queue", name, (char *)NULL);
    _exit(111);
  }
  close(pipefd[0]);
  FILE *file = child < 0 ? NULL : fdopen(pipefd[1], "w");
  if (!file) close(pipefd[1]);
  if (file) fprintf(file, "Return-Path: %s\nDelivered-To: %s\nReceived: from %s by %s (stand-in)\n", from, rcpts, remote, host);
  int failed = readmessage(file);
  if (file && fclose(file) != 0) failed = -1;
  int status = 0;
  if (child > 0) while (waitpid(child, &status, 0) < 0 && errno == EINTR) {}
  return failed || child < 0 || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ? -1 : 0;
}

int main(int argc, char **argv) {
  if (argc == 3 && strcmp(argv[1], "--queue") == 0) return queue(argv[2]);
  const char *maildir = getenv("STANDIN_MAILDIR");
  const char *host = getenv("TCPLOCALHOST");
  const char *remote = getenv("TCPREMOTEIP");
  char line[1024], from[1024] = "", rcpts[4096] = "", name[1000];
  size_t nrcpts = 0;
  unsigned messages = 0;
  int whole;

  if (!maildir) maildir = "./mail";
  if (!host) host = "stand-in";
  if (!remote) remote = "unknown";
  signal(SIGALRM, on_alarm);
  if (mkdir(maildir, 0755) != 0 && errno != EEXIST) die("421 cannot create the mail directory\r\n");

  snprintf(line, sizeof line, "220 %s ESMTP stand-in\r\n", host);
  out(line);
  for (;;) {
    readpiece(line, sizeof line, &whole);
    if (!whole) {   /* refuse an overlong command whole: drop the rest of it */
      while (!whole) readpiece(line, sizeof line, &whole);
      out("500 line too long\r\n");
      continue;
    }
    size_t verb = strcspn(line, " ");
    const char *colon = strchr(line, ':');
    const char *arg = colon ? colon + 1 : line;
#define IS(word) (verb == sizeof word - 1 && strncasecmp(line, word, verb) == 0)
    if (IS("HELO") || IS("EHLO")) {
      reply2("250 ", host);
    } else if (IS("MAIL")) {
      snprintf(from, sizeof from, "%s", arg);
      rcpts[0] = 0; nrcpts = 0;
      out("250 ok\r\n");
    } else if (IS("RCPT")) {
      size_t used = strlen(rcpts), len = strlen(arg);
      if (used + 1 + len + 1 > sizeof rcpts) { out("452 too many recipients\r\n"); continue; }
      if (used) rcpts[used++] = ' ';
      memcpy(rcpts + used, arg, len + 1);
      nrcpts++;
      out("250 ok\r\n");
    } else if (IS("RSET")) {
      from[0] = 0; rcpts[0] = 0; nrcpts = 0;
      out("250 ok\r\n");
    } else if (IS("NOOP")) {
      out("250 ok\r\n");
    } else if (IS("DATA")) {
      if (nrcpts == 0) { out("503 RCPT first\r\n"); continue; }
      out("354 go ahead\r\n");
      snprintf(name, sizeof name, "%s/%ld.%ld.%u", maildir, (long)time(NULL), (long)getpid(), messages++);
      int failed = handoff(argv[0], name, from, rcpts, remote, host);
      if (failed) out("451 cannot save the message\r\n");
      else reply2("250 ok ", strrchr(name, '/') + 1);
      from[0] = 0; rcpts[0] = 0; nrcpts = 0;
    } else if (IS("QUIT")) {
      reply2("221 ", host);
      return 0;
    } else {
      out("502 unimplemented\r\n");
    }
  }
}
