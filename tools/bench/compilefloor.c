/* A second floor for the whitelist compiler, for the benchmark only: the same work in C, with the C library's own
 * address functions. It reads a plaintext list of addresses and CIDR networks (what whitelist.awk writes without
 * host names) and writes the cdb cqgreylist-mkwhitelist writes from it, byte for byte: per line the comment and
 * blanks dropped, the text split at '/', inet_pton, the prefix length and host bits checked, inet_ntop back to the
 * canonical text and "/length" appended as the key, the entry as the value; then the prefix-lengths record,
 * cdb_make_finish, fsync, rename over the old file. It stops at the first bad line (no report of every one).
 *   compilefloor CDB LIST */
#include <arpa/inet.h>
#include <cdb.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static int bad(const char *list, long number) {
  fprintf(stderr, "compilefloor: %s:%ld: not an address or network\n", list, number);
  return 100;
}

static int blank(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }

/* Appends the lengths set in `bits` (0..count-1) as "a,b,c" to `out`. */
static char *lengths(char *out, const unsigned char *bits, int count) {
  int first = 1;
  for (int length = 0; length < count; length++)
    if (bits[length]) out += sprintf(out, first ? "%d" : ",%d", length), first = 0;
  return out;
}

int main(int argc, char **argv) {
  if (argc != 3) { fprintf(stderr, "usage: compilefloor CDB LIST\n"); return 100; }
  FILE *input = fopen(argv[2], "r");
  char temporary[4096];
  snprintf(temporary, sizeof temporary, "%s.tmp.%d", argv[1], (int)getpid());
  int fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (!input || fd < 0) { perror("compilefloor"); return 111; }
  struct cdb_make maker;
  cdb_make_start(&maker, fd);
  unsigned char v4[33] = {0}, v6[129] = {0};
  char *line = NULL, key[INET6_ADDRSTRLEN + 8];
  size_t size = 0;
  ssize_t length;
  long number = 0;
  while ((length = getline(&line, &size, input)) >= 0) {
    number++;
    char *end = memchr(line, '#', length);
    if (!end) end = line + length;
    char *start = line;
    while (start < end && blank(*start)) start++;
    while (end > start && blank(end[-1])) end--;
    if (start == end) continue;
    *end = 0;
    char *slash = strchr(start, '/');
    if (slash) *slash = 0;
    unsigned char address[16];
    int family = strchr(start, ':') ? AF_INET6 : AF_INET, bits = family == AF_INET ? 32 : 128, prefix = bits;
    if (inet_pton(family, start, address) != 1) return bad(argv[2], number);
    if (slash) {
      char *digits = slash + 1, *after;
      long value = strtol(digits, &after, 10);
      if (*digits < '0' || *digits > '9' || *after || value > bits || (digits[0] == '0' && digits[1])) return bad(argv[2], number);
      prefix = (int)value;
      for (int bit = prefix; bit < bits; bit++)   /* host bits must be clear */
        if (address[bit / 8] & (0x80 >> bit % 8)) return bad(argv[2], number);
      *slash = '/';
    }
    inet_ntop(family, address, key, sizeof key);
    size_t keyLength = strlen(key);
    keyLength += sprintf(key + keyLength, "/%d", prefix);
    if (cdb_make_add(&maker, key, keyLength, start, end - start) != 0) { perror("compilefloor"); return 111; }
    (family == AF_INET ? v4 : v6)[prefix] = 1;
  }
  char record[1024], *out = record;
  out = lengths(out + sprintf(out, "4:"), v4, 33);
  out = lengths(out + sprintf(out, " 6:"), v6, 129);
  if (cdb_make_add(&maker, "prefix-lengths", 14, record, out - record) != 0 || cdb_make_finish(&maker) != 0 ||
      fsync(fd) != 0 || close(fd) != 0 || rename(temporary, argv[1]) != 0) {
    perror("compilefloor");
    unlink(temporary);
    return 111;
  }
  return 0;
}
