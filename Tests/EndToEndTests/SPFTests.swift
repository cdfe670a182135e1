import Foundation
import Testing

/// `spf:` entries expanded by cqgreylist-mkwhitelist against a real DNS server (NSD) serving fixture zones.
@Suite(.serialized) struct SPFTests {
    static let zones = ["test": #"""
        pool                 IN TXT "v=spf1 ip4:192.0.2.0/25 ip6:2001:db8:25::/48" " include:_spf.pool.test a mx/24 a:relay.pool.test/28//64 ~all"
        pool                 IN TXT "google-site-verification=not-an-spf-record"
        pool                 IN A 198.51.100.10
        pool                 IN AAAA 2001:db8:10::10
        pool                 IN MX 10 mx1.pool.test.
        pool                 IN MX 20 mx2.pool.test.
        mx1.pool             IN A 203.0.113.25
        mx2.pool             IN AAAA 2001:db8:20::25
        relay.pool           IN A 198.51.100.77
        relay.pool           IN AAAA 2001:db8:30::1
        _spf.pool            IN TXT "v=spf1 include:_netblocks.pool.test ?all"
        _netblocks.pool      IN TXT "v=spf1 ip4:203.0.113.128/25 -all"
        alias                IN TXT "v=spf1 redirect=_netblocks.pool.test"
        two                  IN TXT "v=spf1 ip4:192.0.2.1 -all"
        two                  IN TXT "v=spf1 ip4:192.0.2.2 -all"
        loop-a               IN TXT "v=spf1 include:loop-b.test"
        loop-b               IN TXT "v=spf1 ip4:192.0.2.9 include:loop-a.test"
        nospf                IN TXT "hello"
        via-broken           IN TXT "v=spf1 ip4:192.0.2.0/24 include:spf.broken.test -all"
        crowd                IN TXT "v=spf1 a -all"
        listed               IN TXT "v=spf1 ip4:192.0.2.0/25 mx:gone.test -exists:%{i}.bl.test ip4:198.51.100.0/24 -all"
        """#
        // More addresses than c-ares' parsers fit in the buffer they are first given.
        + "\n" + (1...70).map { "crowd IN A 198.51.100.\($0)\ncrowd IN AAAA 2001:db8:70::\($0)" }.joined(separator: "\n")]

    let server: DNSServer
    let directory: TemporaryDirectory
    let cdbPath: String
    init() throws {
        server = try DNSServer(zones: Self.zones, failing: ["broken.test"])
        directory = try TemporaryDirectory()
        cdbPath = directory.path + "/cqgreylist.cdb"
    }

    func mkwhitelist(_ lines: String, _ arguments: [String] = []) throws -> Finished {
        try run(Built.mkwhitelist, ["--cdb", cdbPath, "--dns-server", server.address] + arguments + ["-"], input: Data(lines.utf8))
    }

    @Test func includesRedirectIPv6AAndMXWithAndWithoutLengths() throws {
        let compiled = try mkwhitelist("spf:pool.test\nspf:Alias.Test.\nmail.example.org\n")
        #expect(compiled.status == 0, "\(compiled.errors)")
        #expect(compiled.output == PublicSuffixTests.note + "cqgreylist-mkwhitelist: wrote \(cdbPath): 3 entries, 10 networks, 1 host name\n")
        let dump = try run(Built.mkwhitelist, ["--cdb", cdbPath, "--dump"])
        // Within one `mx` term the exchangers come in the server's order; the set is what matters.
        #expect(dump.output.split(separator: "\n").sorted() == [
            "192.0.2.0/25  # spf:pool.test",
            "198.51.100.10/32  # spf:pool.test via a",
            "198.51.100.64/28  # spf:pool.test via a:relay.pool.test/28//64",
            "2001:db8:10::10/128  # spf:pool.test via a",
            "2001:db8:20::25/128  # spf:pool.test via mx/24",
            "2001:db8:25::/48  # spf:pool.test",
            "2001:db8:30::/64  # spf:pool.test via a:relay.pool.test/28//64",
            // The mx's /24 less the half the include already passed.
            "203.0.113.0/25  # spf:pool.test via mx/24",
            "203.0.113.128/25  # spf:alias.test via redirect=_netblocks.pool.test",
            "203.0.113.128/25  # spf:pool.test via include:_spf.pool.test include:_netblocks.pool.test",
            "mail.example.org",
        ])
        let check = try run(Built.mkwhitelist, ["--cdb", cdbPath, "--check", "203.0.113.200"])
        #expect(check.output == "203.0.113.200 is whitelisted by \(cdbPath), entry spf:pool.test via include:_spf.pool.test include:_netblocks.pool.test\n")
        let host = try run(Built.mkwhitelist, ["--cdb", cdbPath, "--check", "Mail.Example.Org."])
        #expect(host.status == 0 && host.output == "mail.example.org is whitelisted by \(cdbPath), entry mail.example.org\n")
        let wrapper = try run(Built.wrapper, ["/bin/true"], environment: [
            "TCPREMOTEIP": "198.51.100.70", "CQGREYLIST_WHITELIST": cdbPath, "CQGREYLIST_DIR": directory.path + "/state"])
        #expect(wrapper.status == 0)
        #expect(wrapper.errors.hasSuffix(" ip=198.51.100.70 action=pass reason=whitelist spf:pool.test via a:relay.pool.test/28//64\n"))
    }

    @Test func aNameWithManyAddressesGivesEveryOne() throws {
        let compiled = try mkwhitelist("spf:crowd.test\n")
        #expect(compiled.status == 0, "\(compiled.errors)")
        #expect(compiled.output == "cqgreylist-mkwhitelist: wrote \(cdbPath): 1 entries, 140 networks\n")
        let dump = try run(Built.mkwhitelist, ["--cdb", cdbPath, "--dump"]).output.split(separator: "\n").map(String.init)
        let expected = Set((1...70).flatMap { ["198.51.100.\($0)/32  # spf:crowd.test via a", "2001:db8:70::\($0)/128  # spf:crowd.test via a"] })
        #expect(dump.count == 140 && Set(dump) == expected, "missing: \(expected.subtracting(dump).sorted())")
    }

    @Test func nothingAfterATermThatMayExcludeAtRunTime() throws {
        let compiled = try mkwhitelist("spf:listed.test\n", ["-v"])
        #expect(compiled.status == 0)
        #expect(compiled.errors == "(stdin):1: spf:listed.test: terms after -exists:%{i}.bl.test add no networks: whether it matches depends on the client\n")
        #expect(compiled.output == "cqgreylist-mkwhitelist: wrote \(cdbPath): 1 entries, 1 networks\n")
        let dump = try run(Built.mkwhitelist, ["--cdb", cdbPath, "--dump"])
        #expect(dump.output == "192.0.2.0/25  # spf:listed.test\n")
    }

    struct FailureCase: CustomTestStringConvertible, Sendable {
        let domain: String, status: Int32, reason: String
        var testDescription: String { "spf:\(domain) → \(reason)" }
    }

    static let failures: [FailureCase] = [
        .init(domain: "two.test", status: 100, reason: "two.test has 2 SPF records"),
        .init(domain: "loop-a.test", status: 100, reason: "loop: loop-a.test -> loop-b.test -> loop-a.test (via include:loop-b.test include:loop-a.test)"),
        .init(domain: "missing.test", status: 100, reason: "TXT lookup of missing.test: no such domain"),
        .init(domain: "nospf.test", status: 100, reason: "nospf.test has no SPF record"),
        .init(domain: "spf.broken.test", status: 111, reason: "TXT lookup of spf.broken.test failed: server failure (SERVFAIL)"),
        .init(domain: "via-broken.test", status: 111,
              reason: "TXT lookup of spf.broken.test failed: server failure (SERVFAIL) (via include:spf.broken.test)"),
    ]

    @Test(arguments: failures)
    func aFailedExpansionLeavesTheOldCDB(_ row: FailureCase) throws {
        #expect(try mkwhitelist("192.0.2.7\n").status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: cdbPath))
        let result = try mkwhitelist("10.\nspf:\(row.domain)\n")
        #expect(result.status == row.status)
        let retry = row.status == 111 ? " (a DNS lookup failed: try again later)" : ""
        #expect(result.errors == """
            (stdin):2: spf:\(row.domain): \(row.reason)
            cqgreylist-mkwhitelist: fatal: 1 bad line in (stdin)\(retry); \(cdbPath) left unchanged

            """)
        #expect(try Data(contentsOf: URL(fileURLWithPath: cdbPath)) == before)
        #expect(directory.files() == ["cqgreylist.cdb"])
    }

    @Test func aServerThatDoesNotAnswerFailsWithinTheTimeout() throws {
        #expect(try mkwhitelist("192.0.2.7\n").status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: cdbPath))
        let silent = try SilentDNSServer()
        let started = Date()
        let result = try run(Built.mkwhitelist, ["--cdb", cdbPath, "--dns-server", "127.0.0.1:\(silent.port)", "--dns-timeout", "1", "-"],
                             input: Data("spf:pool.test\n".utf8), limit: 10)
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 111)
        #expect(result.errors.hasPrefix("(stdin):1: spf:pool.test: TXT lookup of pool.test failed: no answer within 1.0 s\n"))
        #expect(elapsed >= 0.9 && elapsed < 4, "took \(elapsed) s")
        #expect(try Data(contentsOf: URL(fileURLWithPath: cdbPath)) == before)
    }

    @Test func aBadServerOrTimeoutIsAUsageError() throws {
        let badServer = try mkwhitelist("192.0.2.7\n", ["--dns-server", "not-an-address"])
        #expect(badServer.status == 100 && badServer.errors.hasPrefix("cqgreylist-mkwhitelist: fatal: unable to use DNS server not-an-address: "))
        let badTimeout = try mkwhitelist("192.0.2.7\n", ["--dns-timeout", "0"])
        #expect(badTimeout.status == 100 && badTimeout.errors.contains("--dns-timeout must be more than 0 and at most 60 seconds"))
        #expect(!FileManager.default.fileExists(atPath: cdbPath))
    }
}
