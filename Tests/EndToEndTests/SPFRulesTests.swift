import Foundation
import Testing

/// The cap on what one `spf:` line whitelists and RFC 7208's rules where the compile can decide them, through
/// cqgreylist-mkwhitelist against NSD serving fixture zones.
@Suite(.serialized) struct SPFRulesTests {
    /// A TXT record's text as zone-file strings of at most 200 bytes (one string holds at most 255).
    static func txt(_ text: String) -> String {
        var strings: [String] = [], rest = Substring(text)
        while !rest.isEmpty { strings.append("\"\(rest.prefix(200))\""); rest = rest.dropFirst(200) }
        return "IN TXT " + strings.joined(separator: " ")
    }

    static let eightSlashEights = (1...128).map { "ip4:\($0).0.0.0/8" }
    static let zones = ["test": [
        // What one line may whitelist in all: the issue's records that each whitelisted 8.8.8.8.
        "wide " + txt("v=spf1 " + eightSlashEights.prefix(32).joined(separator: " ") + " -all"),
        "crowd8 IN TXT \"v=spf1 a/8 -all\"",
        "mx8 IN TXT \"v=spf1 mx/8 -all\"", "mx8 IN MX 10 relay.mx8.test.",
        "big-include IN TXT \"v=spf1 include:_big.test -all\"", "_big " + txt("v=spf1 " + eightSlashEights.joined(separator: " ") + " -all"),
        "wide6 IN TXT \"v=spf1 a//16 -all\"",
        // The big providers' records as they look (Google's _spf, Microsoft's protection.outlook, Amazon SES).
        "_spf.google IN TXT \"v=spf1 include:_netblocks.google.test include:_netblocks2.google.test include:_netblocks3.google.test ~all\"",
        "_netblocks.google " + txt("v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ip4:66.249.80.0/20 ip4:72.14.192.0/18 ip4:74.125.0.0/16 ip4:108.177.8.0/21 ip4:173.194.0.0/16 ip4:209.85.128.0/17 ip4:216.58.192.0/19 ip4:216.239.32.0/19 ~all"),
        "_netblocks2.google " + txt("v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ip6:2607:f8b0:4000::/36 ip6:2800:3f0:4000::/36 ip6:2a00:1450:4000::/36 ip6:2c0f:fb50:4000::/36 ~all"),
        "_netblocks3.google " + txt("v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ip4:172.217.128.0/19 ip4:172.217.160.0/20 ip4:172.217.192.0/19 ip4:172.253.56.0/21 ip4:172.253.112.0/20 ip4:108.177.96.0/19 ip4:35.191.0.0/16 ip4:130.211.0.0/22 ~all"),
        "outlook IN TXT \"v=spf1 include:spf.protection.outlook.test -all\"",
        "spf.protection.outlook " + txt("v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 ip4:52.102.0.0/16 ip4:52.103.0.0/17 ip4:104.47.0.0/17 ip6:2a01:111:f400::/48 ip6:2a01:111:f403::/49 ip6:2a01:111:f403:8000::/50 ip6:2a01:111:f403:c000::/51 ip6:2a01:111:f403:f000::/52 -all"),
        "amazonses " + txt("v=spf1 ip4:199.255.192.0/22 ip4:199.127.232.0/22 ip4:54.240.0.0/18 ip4:69.169.224.0/20 ip4:23.249.208.0/20 ip4:23.251.224.0/19 ip4:76.223.176.0/20 ip4:54.240.64.0/19 ip4:54.240.96.0/19 ip4:52.82.172.0/22 -all"),
        // RFC 7208.
        "limit IN TXT \"v=spf1 ip4:192.0.2.0/24 a a a a a a a a a a a -all\"", "limit IN A 198.51.100.1", "limit IN AAAA 2001:db8:1::1",
        "bad-domain IN TXT \"v=spf1 ip4:192.0.2.0/24 -all a:museum\"",
        "empty-exp IN TXT \"v=spf1 ip4:192.0.2.0/24 -all exp=\"",
        "empty-redirect IN TXT \"v=spf1 ip4:192.0.2.0/24 redirect=\"",
        "colon IN TXT \"v=spf1 a:foo:bar/baz.test -all\"", "foo:bar/baz IN A 192.0.2.77",
        "mapped IN TXT \"v=spf1 ip6:::ffff:1.2.3.4 ip4:192.0.2.0/24 -all\"",
        "family IN TXT \"v=spf1 a:v6a.test a:v6b.test ip4:192.0.2.0/24 a:v6c.test ip4:198.51.100.0/24 ip6:2001:db8:ff::/48 -all\"",
        "v6a IN AAAA 2001:db8:a::1", "v6b IN AAAA 2001:db8:b::1", "v6c IN AAAA 2001:db8:c::1",
        #"escape IN TXT "v=spf1 include:back\\slash.test""#, #"back\\slash IN TXT "v=spf1 include:nospf.test""#, "nospf IN TXT \"hello\"",
    ].joined(separator: "\n") + "\n"
        + (0..<256).map { "crowd8 IN A \($0).0.0.1" }.joined(separator: "\n") + "\n"
        + (0..<223).map { "relay.mx8 IN A \($0 + 1).0.0.25" }.joined(separator: "\n") + "\n"
        + (0..<32).map { "wide6 IN AAAA \(String(0x2001 + $0, radix: 16))::1" }.joined(separator: "\n")]

    let server: DNSServer
    let directory: TemporaryDirectory
    let cdbPath: String
    init() throws {
        server = try DNSServer(zones: Self.zones)
        directory = try TemporaryDirectory()
        cdbPath = directory.path + "/cqgreylist.cdb"
    }

    func mkwhitelist(_ lines: String, _ arguments: [String] = []) throws -> Finished {
        try run(Built.mkwhitelist, ["--cdb", cdbPath, "--dns-server", server.address] + arguments + ["-"], input: Data(lines.utf8))
    }

    func isWhitelisted(_ address: String) throws -> Bool {
        let check = try run(Built.mkwhitelist, ["--cdb", cdbPath, "--check", address])
        #expect(check.status == 0 || check.status == 1, "\(check.errors)")
        return check.status == 0
    }

    struct RefusalCase: CustomTestStringConvertible, Sendable {
        let domain: String, arguments: [String], reason: String
        var testDescription: String { "spf:\(domain) \(arguments.joined(separator: " ")) → \(reason)" }
        init(_ domain: String, arguments: [String] = [], _ reason: String) { (self.domain, self.arguments, self.reason) = (domain, arguments, reason) }
    }

    static let cap = "(the cap of one spf: line)"
    static let refusals: [RefusalCase] = [
        .init("wide.test", "wide.test authorizes 536870912 IPv4 addresses in all, more than the 16777216 of a /8 \(cap)"),
        .init("crowd8.test", "crowd8.test authorizes 4294967296 IPv4 addresses in all, more than the 16777216 of a /8 \(cap)"),
        .init("mx8.test", "mx8.test authorizes 3741319168 IPv4 addresses in all, more than the 16777216 of a /8 \(cap)"),
        .init("big-include.test", "big-include.test authorizes 2147483648 IPv4 addresses in all, more than the 16777216 of a /8 \(cap)"),
        .init("wide6.test", "wide6.test authorizes 166153499473114484112975882535043072 IPv6 addresses in all, more than the 79228162514264337593543950336 of a /32 \(cap)"),
        .init("amazonses.test", arguments: ["--spf-max-ipv4", "17"], "amazonses.test authorizes 56320 IPv4 addresses in all, more than the 32768 of a /17 \(cap)"),
        // RFC 7208 section 4.6: a syntax error anywhere is a permerror, even after the term that matches.
        .init("bad-domain.test", #"bad-domain.test: bad term "a:museum""#),
        .init("empty-exp.test", #"empty-exp.test: bad term "exp=""#),
        .init("empty-redirect.test", #"empty-redirect.test: bad term "redirect=""#),
        // DNS bytes are escaped in every part of a message, the via chain too.
        .init("escape.test", #"nospf.test has no SPF record (via include:back\x5cslash.test include:nospf.test)"#),
    ]

    @Test(arguments: refusals)
    func aLineOverTheCapOrBrokenIsRefusedAndTheOldCDBKept(_ row: RefusalCase) throws {
        #expect(try mkwhitelist("192.0.2.7\n").status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: cdbPath))
        let result = try mkwhitelist("10.\nspf:\(row.domain)\n", row.arguments)
        #expect(result.status == 100)
        #expect(result.errors == """
            (stdin):2: spf:\(row.domain): \(row.reason)
            cqgreylist-mkwhitelist: fatal: 1 bad line in (stdin); \(cdbPath) left unchanged

            """)
        #expect(try Data(contentsOf: URL(fileURLWithPath: cdbPath)) == before)
        #expect(try !isWhitelisted("8.8.8.8") && !isWhitelisted("192.0.2.1"))
    }

    @Test func theBigProvidersRecordsStayWellInsideTheCap() throws {
        let compiled = try mkwhitelist("spf:_spf.google.test\nspf:outlook.test\nspf:amazonses.test\n")
        #expect(compiled.status == 0, "\(compiled.errors)")
        #expect(compiled.errors == "")
        #expect(compiled.output == "cqgreylist-mkwhitelist: wrote \(cdbPath): 3 entries, 48 networks\n")
        for address in ["74.125.1.1", "2a00:1450:4001::1", "40.107.3.4", "2a01:111:f403:c000::1", "54.240.70.1"] {
            #expect(try isWhitelisted(address), "\(address)")
        }
        // A smaller cap refuses what the default allows.
        let small = try mkwhitelist("spf:_spf.google.test\n", ["--spf-max-ipv6", "40"])
        #expect(small.status == 100 && small.errors.contains("more than the 309485009821345068724781056 of a /40"), "\(small.errors)")
    }

    @Test func theLookupLimitIsReachedInOrder() throws {
        let compiled = try mkwhitelist("spf:limit.test\n")
        #expect(compiled.status == 0, "\(compiled.errors)")
        #expect(compiled.errors == "(stdin):1: spf:limit.test: more than 10 DNS lookups (via a): only the networks of the terms before it are kept\n")
        #expect(try isWhitelisted("192.0.2.1") && isWhitelisted("198.51.100.1") && isWhitelisted("2001:db8:1::1"))
    }

    @Test func aDomainSpecMayHoldAnyMacroFreeCharacters() throws {
        let compiled = try mkwhitelist("spf:colon.test\n")
        #expect(compiled.status == 0, "\(compiled.errors)")
        #expect(try run(Built.mkwhitelist, ["--cdb", cdbPath, "--dump"]).output == "192.0.2.77/32  # spf:colon.test via a:foo:bar/baz.test\n")
    }

    @Test func ip6NeverMatchesAnIPv4Client() throws {
        #expect(try mkwhitelist("spf:mapped.test\n").status == 0)
        #expect(try !isWhitelisted("1.2.3.4") && !isWhitelisted("::ffff:1.2.3.4") && isWhitelisted("192.0.2.1"))
        try FileManager.default.createDirectory(atPath: directory.path + "/state", withIntermediateDirectories: false)
        let wrapper = try run(Built.wrapper, ["/bin/true"], environment: [
            "TCPREMOTEIP": "1.2.3.4", "CQGREYLIST_WHITELIST": cdbPath, "CQGREYLIST_DIR": directory.path + "/state"])
        #expect(wrapper.errors.hasSuffix(" ip=1.2.3.4 key=1.2.3.4 action=greylist reason=new\n"), "\(wrapper.errors)")
    }

    @Test func voidLookupsAreCountedPerAddressFamily() throws {
        let compiled = try mkwhitelist("spf:family.test\n")
        #expect(compiled.status == 0, "\(compiled.errors)")
        #expect(compiled.errors == "(stdin):1: spf:family.test: more than 2 DNS lookups found nothing for IPv4 clients (via a:v6c.test): "
                + "only the IPv4 networks of the terms before it are kept\n")
        #expect(try isWhitelisted("192.0.2.1") && !isWhitelisted("198.51.100.1"))
        #expect(try isWhitelisted("2001:db8:c::1") && isWhitelisted("2001:db8:ff::1"))
    }
}
