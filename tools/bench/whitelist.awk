# A deterministic mixed whitelist of n entries (awk -v n=1000000 -f whitelist.awk): IPv4 addresses and /24
# networks, IPv6 addresses, /48 and /64 networks. For the benchmark only.
function r(m) { return int(rand() * m) }
BEGIN {
  srand(1)
  for (i = 0; i < n; i++) {
    kind = i % 5
    if (kind == 0) print r(224) "." r(256) "." r(256) "." r(256)
    else if (kind == 1) print r(224) "." r(256) "." r(256) ".0/24"
    else if (kind == 2) printf "2001:db8:%x:%x::%x\n", r(65536), r(65536), r(65535) + 1
    else if (kind == 3) printf "2001:%x:%x::/48\n", r(65535) + 1, r(65535) + 1
    else printf "2a00:%x:%x:%x::/64\n", r(65535) + 1, r(65535) + 1, r(65535) + 1
  }
}
