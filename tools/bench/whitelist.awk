# A deterministic mixed whitelist of n entries (awk -v n=1000000 -f whitelist.awk): IPv4 addresses and /24
# networks, IPv6 addresses, /48 and /64 networks; with -v hosts=1 also host names (2 to 5 labels) and domains
# with every name below them (.example.net, 2 to 4 labels). For the benchmark only.
function r(m) { return int(rand() * m) }
BEGIN {
  srand(1)
  kinds = hosts ? 7 : 5
  for (i = 0; i < n; i++) {
    kind = i % kinds
    if (kind == 0) print r(224) "." r(256) "." r(256) "." r(256)
    else if (kind == 1) print r(224) "." r(256) "." r(256) ".0/24"
    else if (kind == 2) printf "2001:db8:%x:%x::%x\n", r(65536), r(65536), r(65535) + 1
    else if (kind == 3) printf "2001:%x:%x::/48\n", r(65535) + 1, r(65535) + 1
    else if (kind == 4) printf "2a00:%x:%x:%x::/64\n", r(65535) + 1, r(65535) + 1, r(65535) + 1
    else {
      name = "d" r(1000000) (r(2) ? ".example" : ".net")
      for (extra = r(kind == 5 ? 4 : 3); extra > 0; extra--) name = "l" r(1000) "." name
      print (kind == 5 ? "mail" r(100) "." name : "." name)
    }
  }
}
