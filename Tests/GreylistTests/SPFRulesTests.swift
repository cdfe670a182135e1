import Greylist
import GreylistAdmin
import Testing

/// RFC 7208's rules where compile-time expansion can decide them, and the cap on what one `spf:` line whitelists.
@Suite struct SPFRulesTests {
    struct GrammarCase: CustomTestStringConvertible, Sendable {
        let record: String, error: String?
        var testDescription: String { "\(record) → \(error ?? "ok")" }
        init(_ record: String, _ error: String? = nil) { (self.record, self.error) = (record, error) }
    }

    /// The domain-spec, modifier and macro grammar (RFC 7208 sections 4.6.1, 5, 6 and 7.1).
    static let grammar: [GrammarCase] = [
        .init("v=spf1 a:museum", #"bad term "a:museum""#),
        .init("v=spf1 a:museum.", #"bad term "a:museum.""#),
        .init("v=spf1 mx:example.123", #"bad term "mx:example.123""#),
        .init("v=spf1 include:example.com-", #"bad term "include:example.com-""#),
        .init("v=spf1 exp=", #"bad term "exp=""#),
        .init("v=spf1 redirect=", #"bad term "redirect=""#),
        .init("v=spf1 ptr:", #"bad term "ptr:""#),
        .init("v=spf1 exists:%{z}.example.com", #"bad term "exists:%{z}.example.com""#),
        .init("v=spf1 exists:%{i.example.com", #"bad term "exists:%{i.example.com""#),
        .init("v=spf1 a:100%.example.com", #"bad term "a:100%.example.com""#),
        .init("v=spf1 1x=y", #"bad term "1x=y""#),
        .init("v=spf1 other=%x", #"bad term "other=%x""#),
        .init("v=spf1 a:ex\u{1b}[31m.example.com", #"bad term "a:ex\x1b[31m.example.com""#),
        .init("v=spf1 a:foo:bar/baz.example.com mx:example.1-2 a:example.com./24 exists:%{ir}.%{l1r-}.%{d2}._spf.%{d} a:%{d}"),
        .init("v=spf1 ptr:example.com. include:_spf.example.com other=%{i}%%%_%- exp=explain.%{d} redirect=%{d}.example.net"),
    ]

    @Test(arguments: grammar)
    func theWholeRecordIsParsedAgainstTheGrammar(_ row: GrammarCase) {
        do {
            _ = try SPFRecord(parsing: Array(row.record.utf8))
            #expect(row.error == nil)
        } catch {
            #expect(error.reason == row.error)
        }
    }

    struct ExpansionCase: CustomTestStringConvertible, Sendable {
        let name: String, records: [String: String], addresses: [String: [String]], expected: [String]
        var testDescription: String { name }
        init(_ name: String, _ records: [String: String], addresses: [String: [String]] = [:], _ expected: [String]) {
            (self.name, self.records, self.addresses, self.expected) = (name, records, addresses, expected)
        }
    }

    static let expansions: [ExpansionCase] = [
        // RFC 7208 section 4.6: a syntax error anywhere is a permerror for every client, even after `all`.
        .init("a bad domain after -all", ["example.com": "v=spf1 ip4:192.0.2.0/24 -all a:museum"], [#"example.com: bad term "a:museum""#]),
        .init("an empty exp", ["example.com": "v=spf1 ip4:192.0.2.0/24 -all exp="], [#"example.com: bad term "exp=""#]),
        .init("an empty redirect in an include", ["example.com": "v=spf1 ip4:192.0.2.0/24 include:x.example", "x.example": "v=spf1 -all redirect="],
              [#"x.example: bad term "redirect=" (via include:x.example)"#]),
        // Section 7.1: any macro-free characters the grammar allows make a name to look up.
        .init("a name with : and /", ["example.com": "v=spf1 a:foo:bar/baz.example.com/24 -all"],
              addresses: ["foo:bar/baz.example.com": ["192.0.2.7"]], ["192.0.2.0/24  # spf:example.com via a:foo:bar/baz.example.com/24"]),
        // Section 5.6: ip6 never matches an IPv4 client; a mapped network cuts no hole in an ip4 one.
        .init("ip6 with an IPv4-mapped address", ["example.com": "v=spf1 ip6:::ffff:1.2.3.4 -ip6:::ffff:192.0.2.0/120 ip4:192.0.2.0/24"],
              ["192.0.2.0/24  # spf:example.com"]),
        .init("ip6 reaching past the mapped addresses", ["example.com": "v=spf1 ip6:::ffff:0.0.0.0/95"], ["::fffe:0:0/95  # spf:example.com"]),
        // Section 4.6.4: the lookup limit is reached in order; what came before stays. (The h names have no
        // AAAA records: for IPv6 clients the third of them is already one void lookup too many.)
        .init("eleven lookups", ["example.com": "v=spf1 ip4:198.51.100.0/24 " + (1...11).map { "a:h\($0).example" }.joined(separator: " ") + " ip4:203.0.113.0/24"],
              ["198.51.100.0/24  # spf:example.com"] + (1...10).map { "192.0.2.\($0)/32  # spf:example.com via a:h\($0).example" }
              + ["warning: more than 2 DNS lookups found nothing for IPv6 clients (via a:h3.example): only the IPv6 networks of the terms before it are kept",
                 "warning: more than 10 DNS lookups for IPv4 clients (via a:h11.example): only the IPv4 networks of the terms before it are kept"]),
        .init("the eleventh lookup in an include", [
            "example.com": "v=spf1 a:h1.example include:x.example ip4:203.0.113.0/24",
            "x.example": "v=spf1 a:h2.example a:h3.example a:h4.example a:h5.example a:h6.example a:h7.example a:h8.example include:y.example",
            "y.example": "v=spf1 ip4:198.51.100.0/24 a:h10.example"],
              (1...8).map { "192.0.2.\($0)/32  # spf:example.com via \($0 == 1 ? "" : "include:x.example ")a:h\($0).example" }
              + ["198.51.100.0/24  # spf:example.com via include:x.example include:y.example",
                 "warning: more than 2 DNS lookups found nothing for IPv6 clients (via include:x.example a:h3.example): only the IPv6 networks of the terms before it are kept",
                 "warning: more than 10 DNS lookups for IPv4 clients (via include:x.example include:y.example a:h10.example): only the IPv4 networks of the terms before it are kept"]),
        // Void lookups counted per address family: for IPv4 clients a name with only AAAA records finds nothing.
        .init("void lookups per family", ["example.com": "v=spf1 a:v6a.example a:v6b.example ip4:192.0.2.0/24 a:v6c.example ip4:198.51.100.0/24 ip6:2001:db8:ff::/48"],
              addresses: ["v6a.example": ["2001:db8:a::1"], "v6b.example": ["2001:db8:b::1"], "v6c.example": ["2001:db8:c::1"]],
              ["2001:db8:a::1/128  # spf:example.com via a:v6a.example", "2001:db8:b::1/128  # spf:example.com via a:v6b.example",
               "192.0.2.0/24  # spf:example.com", "2001:db8:c::1/128  # spf:example.com via a:v6c.example", "2001:db8:ff::/48  # spf:example.com",
               "warning: more than 2 DNS lookups found nothing for IPv4 clients (via a:v6c.example): only the IPv4 networks of the terms before it are kept"]),
        .init("three names that do not exist", ["example.com": "v=spf1 ip4:192.0.2.0/24 a:n1.example a:n2.example a:n3.example ip4:198.51.100.0/24"],
              ["192.0.2.0/24  # spf:example.com",
               "warning: more than 2 DNS lookups found nothing (via a:n3.example): only the networks of the terms before it are kept"]),
        // DNS bytes in every part of a message are escaped as the quoted part is.
        .init("a backslash in a name", ["example.com": #"v=spf1 include:back\slash.example"#, #"back\slash.example"#: "v=spf1 include:none.example",
                                         "none.example": "hello"],
              [#"none.example has no SPF record (via include:back\x5cslash.example include:none.example)"#]),
        .init("a backslash in a loop", ["example.com": #"v=spf1 include:a\b.example"#, #"a\b.example"#: "v=spf1 redirect=example.com"],
              [#"loop: example.com -> a\x5cb.example -> example.com (via include:a\x5cb.example redirect=example.com)"#]),
    ]

    @Test(arguments: expansions)
    func expansionFollowsTheRFC(_ row: ExpansionCase) {
        let dns = FakeDNS(row.records)
        for number in 1...11 { dns.addresses["h\(number).example"] = ["192.0.2.\(number)"] }
        for (name, addresses) in row.addresses { dns.addresses[name] = addresses }
        #expect(dns.expand("example.com") == row.expected)
    }

    struct CapCase: CustomTestStringConvertible, Sendable {
        let name: String, record: String, cap: SPFCap, error: String?
        var testDescription: String { name }
        init(_ name: String, _ record: String, cap: SPFCap = SPFCap(), _ error: String? = nil) {
            (self.name, self.record, self.cap, self.error) = (name, record, cap, error)
        }
    }

    static let caps: [CapCase] = [
        .init("one /8", "v=spf1 ip4:10.0.0.0/8"),
        .init("a /8 twice, and a /24 inside it", "v=spf1 ip4:10.0.0.0/8 ip4:10.0.0.0/8 ip4:10.1.2.0/24"),
        .init("two /9s", "v=spf1 ip4:10.0.0.0/9 ip4:11.128.0.0/9"),
        .init("a /8 and one more address", "v=spf1 ip4:10.0.0.0/8 ip4:192.0.2.1",
              "example.com authorizes 16777217 IPv4 addresses in all, more than the 16777216 of a /8 (the cap of one spf: line)"),
        .init("32 /8s", "v=spf1 " + (1...32).map { "ip4:\($0).0.0.0/8" }.joined(separator: " "),
              "example.com authorizes 536870912 IPv4 addresses in all, more than the 16777216 of a /8 (the cap of one spf: line)"),
        .init("128 /8s through an include", "v=spf1 include:x.example",
              "example.com authorizes 2147483648 IPv4 addresses in all, more than the 16777216 of a /8 (the cap of one spf: line)"),
        .init("one IPv6 /32", "v=spf1 ip6:2001:db8::/32 ip6:2001:db8:1::/48"),
        .init("an IPv6 /16", "v=spf1 ip6:2001::/16",
              "example.com authorizes 5192296858534827628530496329220096 IPv6 addresses in all, more than the 79228162514264337593543950336 of a /32 (the cap of one spf: line)"),
        .init("a smaller cap", "v=spf1 ip4:192.0.2.0/24 ip4:198.51.100.0/24", cap: SPFCap(ipv4: 24, ipv6: 48),
              "example.com authorizes 512 IPv4 addresses in all, more than the 256 of a /24 (the cap of one spf: line)"),
        .init("a larger cap", "v=spf1 ip4:10.0.0.0/8 ip4:11.0.0.0/8", cap: SPFCap(ipv4: 7, ipv6: 32)),
    ]

    @Test(arguments: caps)
    func whatOneLineWhitelistsIsCapped(_ row: CapCase) {
        let dns = FakeDNS(["example.com": row.record, "x.example": "v=spf1 " + (1...128).map { "ip4:\($0).0.0.0/8" }.joined(separator: " ")])
        let result = dns.expand("example.com", cap: row.cap)
        if let error = row.error { #expect(result == [error]) } else { #expect(!result.isEmpty && !result[0].contains("authorizes")) }
    }

    @Test(arguments: [
        (["10.0.0.0/8", "10.0.0.0/8", "10.255.0.0/16"], true, UInt128(1) << 24),
        (["192.0.2.0/25", "192.0.2.128/25", "192.0.2.0/24"], true, 256),
        (["2001:db8::/32", "192.0.2.0/24"], false, UInt128(1) << 96),
        ([], true, 0),
    ])
    func overlappingNetworksCountOnce(_ networks: [String], _ ipv4: Bool, _ count: UInt128) {
        let parsed = networks.map { text in
            let parts = text.split(separator: "/")
            return Network(ClientAddress(String(parts[0]))!, prefixLength: Int(parts[1])!)
        }
        #expect(SPFCap.addressCount(of: parsed, ipv4: ipv4) == count)
    }
}
