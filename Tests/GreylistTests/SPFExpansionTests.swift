import Greylist
import GreylistAdmin
import Testing

/// A DNS table for SPF expansion: TXT records (each a list of strings), addresses, MX targets, and names whose
/// lookups fail; every question asked is counted.
final class FakeDNS: @unchecked Sendable {
    var texts: [String: [[String]]] = [:]
    var addresses: [String: [String]] = [:]
    var mailExchangers: [String: [String]] = [:]
    var failures: [String: DNSLookupError] = [:]
    var questions = 0

    init(_ records: [String: String] = [:]) {
        for (name, record) in records { texts[name] = [[record]] }
    }

    var lookup: DNSLookup {
        DNSLookup(
            texts: { (name) throws(DNSLookupError) in
                try self.answer(name) { self.texts[$0].map { $0.map { Array($0.joined().utf8) } } }
            },
            addresses: { (name) throws(DNSLookupError) in
                try self.answer(name) { self.addresses[$0].map { $0.map { ClientAddress($0)! } } }
            },
            mailExchangers: { (name) throws(DNSLookupError) in
                try self.answer(name) { self.mailExchangers[$0] }
            })
    }

    private func answer<T>(_ name: DNSName, _ find: (String) -> [T]?) throws(DNSLookupError) -> [T] {
        questions += 1
        let text = name.text
        if let failure = failures[text] { throw failure }
        if let found = find(text) { return found }
        let known = texts[text] != nil || addresses[text] != nil || mailExchangers[text] != nil
        if known { return [] }
        throw .noSuchDomain
    }

    /// The expansion of `spf:domain` as `network  # origin` lines, then `warning: …` lines, or the error's reason.
    func expand(_ domain: String, cap: SPFCap = SPFCap()) -> [String] {
        do {
            let found = try SPFExpansion.networks(authorizedBy: HostName(domain)!, lookup: lookup, cap: cap)
            return found.networks.map { "\($0.network.key)  # \($0.origin)" } + found.warnings.map { "warning: " + $0 }
        } catch {
            return [error.reason]
        }
    }
}

@Suite struct SPFExpansionTests {
    @Test func networksIncludesRedirectAndWhereEachCameFrom() {
        let dns = FakeDNS([
            "example.com": "v=spf1 ip4:192.0.2.0/24 ip6:2001:DB8::/32 include:_spf.example.net -all",
            "_spf.example.net": "v=spf1 ip4:198.51.100.0/25 include:_deep.example.net ~all",
            "_deep.example.net": "v=spf1 redirect=_last.example.org",
            "_last.example.org": "v=spf1 ip4:203.0.113.7 ?all",
        ])
        #expect(dns.expand("example.com") == [
            "192.0.2.0/24  # spf:example.com",
            "2001:db8::/32  # spf:example.com",
            "198.51.100.0/25  # spf:example.com via include:_spf.example.net",
            "203.0.113.7/32  # spf:example.com via include:_spf.example.net include:_deep.example.net redirect=_last.example.org",
        ])
    }

    @Test func aAndMXWithAndWithoutPrefixLengths() {
        let dns = FakeDNS(["example.com": "v=spf1 a a:other.example.com/24 mx mx:mail.example.net/28//64 -all"])
        dns.addresses = [
            "example.com": ["192.0.2.10", "2001:db8::10"],
            "other.example.com": ["198.51.100.77", "2001:db8:1::1"],
            "mx1.example.com": ["192.0.2.25"],
            "mx2.example.com": ["2001:db8:2::25"],
            "mx.example.net": ["203.0.113.40", "2001:db8:3::25"],
        ]
        dns.mailExchangers = ["example.com": ["mx1.example.com", "mx2.example.com"], "mail.example.net": ["mx.example.net", "."]]
        #expect(dns.expand("example.com") == [
            "192.0.2.10/32  # spf:example.com via a",
            "2001:db8::10/128  # spf:example.com via a",
            "198.51.100.0/24  # spf:example.com via a:other.example.com/24",
            "2001:db8:1::1/128  # spf:example.com via a:other.example.com/24",
            "192.0.2.25/32  # spf:example.com via mx",
            "2001:db8:2::25/128  # spf:example.com via mx",
            "203.0.113.32/28  # spf:example.com via mx:mail.example.net/28//64",
            "2001:db8:3::/64  # spf:example.com via mx:mail.example.net/28//64",
        ])
    }

    @Test func anEarlierDirectiveThatDoesNotPassCutsAHole() {
        let dns = FakeDNS(["example.com": "v=spf1 -ip4:192.0.2.128/26 ?ip4:192.0.2.0/25 ip4:192.0.2.0/24 ip4:198.51.100.1 -all ip4:203.0.113.0/24"])
        #expect(dns.expand("example.com") == [
            "192.0.2.192/26  # spf:example.com",
            "198.51.100.1/32  # spf:example.com",
        ])
    }

    @Test func aRedirectIsIgnoredAfterAllAndAddsOnlyWhatNoDirectiveMatched() {
        let dns = FakeDNS([
            "a.example": "v=spf1 ip4:192.0.2.0/24 ~all redirect=b.example",
            "b.example": "v=spf1 ip4:198.51.100.0/24",
            "c.example": "v=spf1 -ip4:198.51.100.0/25 redirect=b.example",
        ])
        #expect(dns.expand("a.example") == ["192.0.2.0/24  # spf:a.example"])
        #expect(dns.expand("c.example") == ["198.51.100.128/25  # spf:c.example via redirect=b.example"])
    }

    @Test func recordSelectionJoinsStringsAndSkipsOtherTXT() {
        let dns = FakeDNS()
        dns.texts["example.com"] = [["v=spf1 ip4:192.0.2.0", "/24 ip4:198.51.100.7 -all"], ["google-site-verification=abc"], ["v=spf10 ip4:10.0.0.0/8"]]
        #expect(dns.expand("example.com") == ["192.0.2.0/24  # spf:example.com", "198.51.100.7/32  # spf:example.com"])
    }

    @Test func macrosExistsAndPtrNameNoNetworksButCountAsLookups() {
        let dns = FakeDNS(["example.com": "v=spf1 exists:%{i}._spf.example.com ptr include:%{ir}.x.example.com ip4:192.0.2.1 a:%{d} exp=explain.%{d} unknown-modifier=x -all"])
        #expect(dns.expand("example.com") == ["192.0.2.1/32  # spf:example.com"])
        #expect(dns.questions == 1)
    }

    struct UnknownMatchCase: CustomTestStringConvertible, Sendable {
        let name: String, records: [String: String], networks: [String], notes: [String]
        var testDescription: String { name }
    }

    /// A term whose match depends on the client adds nothing; one that does not pass ends the expansion, since
    /// at run time it may exclude any address of a later term.
    static let unknownMatches: [UnknownMatchCase] = [
        .init(name: "-exists before a network", records: ["example.com": "v=spf1 -exists:%{i}.bl.example.com ip4:192.0.2.0/24 -all"],
              networks: [], notes: ["terms after -exists:%{i}.bl.example.com add no networks: whether it matches depends on the client"]),
        .init(name: "a network before -exists stays", records: ["example.com": "v=spf1 ip4:198.51.100.0/24 -exists:%{i}.bl.example.com ip4:192.0.2.0/24"],
              networks: ["198.51.100.0/24  # spf:example.com"],
              notes: ["terms after -exists:%{i}.bl.example.com add no networks: whether it matches depends on the client"]),
        .init(name: "+exists and +ptr add nothing", records: ["example.com": "v=spf1 +exists:%{i}.ok.example.com +ptr ip4:192.0.2.0/24 -all"],
              networks: ["192.0.2.0/24  # spf:example.com"], notes: []),
        .init(name: "~ptr", records: ["example.com": "v=spf1 ~ptr ip4:192.0.2.0/24"],
              networks: [], notes: ["terms after ~ptr add no networks: whether it matches depends on the client"]),
        .init(name: "?a with a macro", records: ["example.com": "v=spf1 ?a:%{l}.example.com ip4:192.0.2.0/24"],
              networks: [], notes: ["terms after ?a:%{l}.example.com add no networks: whether it matches depends on the client"]),
        .init(name: "-mx with a macro", records: ["example.com": "v=spf1 -mx:%{d2} ip4:192.0.2.0/24"],
              networks: [], notes: ["terms after -mx:%{d2} add no networks: whether it matches depends on the client"]),
        .init(name: "-include with a macro", records: ["example.com": "v=spf1 -include:%{ir}.example.net ip4:192.0.2.0/24"],
              networks: [], notes: ["terms after -include:%{ir}.example.net add no networks: whether it matches depends on the client"]),
        .init(name: "in an include, only its later terms", records: [
            "example.com": "v=spf1 include:x.example ip4:192.0.2.0/24",
            "x.example": "v=spf1 ip4:198.51.100.0/24 -exists:%{i}.bl.x.example ip4:203.0.113.0/24"],
              networks: ["198.51.100.0/24  # spf:example.com via include:x.example", "192.0.2.0/24  # spf:example.com"],
              notes: ["terms after -exists:%{i}.bl.x.example add no networks: whether it matches depends on the client (via include:x.example)"]),
        .init(name: "a -include of a record whose match depends on the client", records: [
            "example.com": "v=spf1 -include:x.example ip4:192.0.2.0/24",
            "x.example": "v=spf1 ip4:198.51.100.0/24 exists:%{i}.ok.x.example"],
              networks: [], notes: ["terms after -include:x.example add no networks: whether it matches depends on the client"]),
        .init(name: "a -include of a record that redirects to a macro", records: [
            "example.com": "v=spf1 ~include:x.example ip4:192.0.2.0/24",
            "x.example": "v=spf1 ip4:198.51.100.0/24 redirect=%{d}.y.example"],
              networks: [], notes: ["terms after ~include:x.example add no networks: whether it matches depends on the client"]),
        .init(name: "a -include of a record whose match is known", records: [
            "example.com": "v=spf1 -include:x.example ip4:198.51.100.0/23",
            "x.example": "v=spf1 ip4:198.51.100.0/24 -all"],
              networks: ["198.51.101.0/24  # spf:example.com"],
              notes: []),
    ]

    @Test(arguments: unknownMatches)
    func aTermWhoseMatchDependsOnTheClient(_ row: UnknownMatchCase) throws {
        let dns = FakeDNS(row.records)
        #expect(dns.expand("example.com") == row.networks)
        #expect(try SPFExpansion.networks(authorizedBy: HostName("example.com")!, lookup: dns.lookup).notes == row.notes)
    }

    @Test func anMXForANameThatDoesNotExistIsAVoidLookup() {
        let dns = FakeDNS(["example.com": "v=spf1 mx:gone.example ip4:192.0.2.0/24 -all",
                           "three.example": "v=spf1 mx:gone.example a:gone.example mx:gone.example"])
        #expect(dns.expand("example.com") == ["192.0.2.0/24  # spf:example.com"])
        #expect(dns.expand("three.example") == [
            "warning: more than 2 DNS lookups found nothing (via mx:gone.example): only the networks of the terms before it are kept"])
    }

    @Test func aDomainIncludedTwiceOnDifferentPathsIsNoLoop() {
        let dns = FakeDNS([
            "example.com": "v=spf1 include:a.example include:b.example",
            "a.example": "v=spf1 include:common.example",
            "b.example": "v=spf1 include:common.example",
            "common.example": "v=spf1 ip4:192.0.2.0/24",
        ])
        #expect(dns.expand("example.com") == ["192.0.2.0/24  # spf:example.com via include:a.example include:common.example"])
    }

    struct FailureCase: CustomTestStringConvertible, Sendable {
        let name: String, records: [String: String], failures: [String: DNSLookupError], expected: String
        var testDescription: String { name }
        init(_ name: String, _ records: [String: String], failures: [String: DNSLookupError] = [:], _ expected: String) {
            (self.name, self.records, self.failures, self.expected) = (name, records, failures, expected)
        }
    }

    static let failures: [FailureCase] = [
        .init("no such domain", [:], "TXT lookup of example.com: no such domain"),
        .init("no SPF record", ["example.com": "some other text"], "example.com has no SPF record"),
        .init("an include without a record", ["example.com": "v=spf1 include:x.example", "x.example": "hello"],
              "x.example has no SPF record (via include:x.example)"),
        .init("an include loop", ["example.com": "v=spf1 include:a.example", "a.example": "v=spf1 include:b.example",
                                  "b.example": "v=spf1 ip4:192.0.2.1 include:example.com"],
              "loop: example.com -> a.example -> b.example -> example.com (via include:a.example include:b.example include:example.com)"),
        .init("a redirect to itself", ["example.com": "v=spf1 redirect=example.com"],
              "loop: example.com -> example.com (via redirect=example.com)"),
        .init("+all", ["example.com": "v=spf1 ip4:192.0.2.1 +all"], "example.com authorizes every address (+all)"),
        .init("all", ["example.com": "v=spf1 all"], "example.com authorizes every address (+all)"),
        .init("a huge network", ["example.com": "v=spf1 include:x.example", "x.example": "v=spf1 ip4:0.0.0.0/1"],
              "x.example authorizes 0.0.0.0/1, wider than /8 (via include:x.example)"),
        .init("an unknown mechanism", ["example.com": "v=spf1 ip5:1.2.3.4"], #"example.com: unknown mechanism "ip5:1.2.3.4""#),
        .init("a bad network", ["example.com": "v=spf1 ip4:192.0.2.0/33"], #"example.com: bad term "ip4:192.0.2.0/33""#),
        .init("an ip6 address in ip4", ["example.com": "v=spf1 ip4:2001:db8::1"], #"example.com: bad term "ip4:2001:db8::1""#),
        .init("two redirects", ["example.com": "v=spf1 redirect=a.example redirect=b.example"], "example.com: more than one redirect modifier"),
        .init("a server failure", ["example.com": "v=spf1 include:x.example"], failures: ["x.example": .failed("server failure (SERVFAIL)")],
              "TXT lookup of x.example failed: server failure (SERVFAIL) (via include:x.example)"),
        .init("a timeout on an address", ["example.com": "v=spf1 mx"], failures: ["mx.example.com": .failed("no answer within 1.0 s")],
              "address lookup of mx.example.com: no answer within 1.0 s (via mx)"),
        .init("a bad domain", ["example.com": "v=spf1 include:bad..example"],
              #"bad domain "bad..example": empty label in name (via include:bad..example)"#),
    ]

    @Test(arguments: failures)
    func errorsSayWhy(_ row: FailureCase) {
        let dns = FakeDNS(row.records)
        dns.failures = row.failures
        if row.records["example.com"]?.contains("mx") == true { dns.mailExchangers["example.com"] = ["mx.example.com"] }
        for number in 1...11 { dns.addresses["h\(number).example"] = ["192.0.2.\(number)"] }
        #expect(dns.expand("example.com") == [row.expected])
    }

    @Test(arguments: [(DNSLookupError.failed("server failure (SERVFAIL)"), true), (.noSuchDomain, false)])
    func onlyAnUnansweredLookupIsTemporary(_ failure: DNSLookupError, _ temporary: Bool) {
        let dns = FakeDNS(["example.com": "v=spf1 include:x.example"])
        dns.failures["x.example"] = failure
        #expect(throws: SPFError.self) { try SPFExpansion.networks(authorizedBy: HostName("example.com")!, lookup: dns.lookup) }
        do { _ = try SPFExpansion.networks(authorizedBy: HostName("example.com")!, lookup: dns.lookup) } catch {
            #expect(error.isTemporary == temporary)
        }
    }

    @Test func twoSPFRecordsAreAnError() {
        let dns = FakeDNS()
        dns.texts["example.com"] = [["v=spf1 ip4:192.0.2.1"], ["v=spf1 ip4:192.0.2.2"]]
        #expect(dns.expand("example.com") == ["example.com has 2 SPF records"])
    }

    @Test func tooManyMailExchangers() {
        let dns = FakeDNS(["example.com": "v=spf1 mx"])
        dns.mailExchangers["example.com"] = (1...11).map { "mx\($0).example.com" }
        #expect(dns.expand("example.com") == [
            "warning: example.com has 11 mail exchangers, more than 10 (via mx): only the networks of the terms before it are kept"])
    }
}
