import Greylist
import GreylistAdmin
import Testing

@Suite struct SPFCompilationTests {
    static let dns = FakeDNS(["a.example": "v=spf1 ip4:192.0.2.0/24", "b.example": "v=spf1 ip4:198.51.100.0/24"])

    /// Passes over `first` with lookups, then over `second` with the first's expansions; the second's errors
    /// and the networks it gave.
    func recheck(_ first: String, _ second: String) -> (errors: [String], networks: [String]) {
        var check = WhitelistCompilation(source: "w", lookup: Self.dns.lookup)
        for (index, line) in first.split(separator: "\n").enumerated() { check.add(Array(line.utf8)[...], number: index + 1) }
        #expect(check.errors == [])
        var again = WhitelistCompilation(source: "w", expansions: check.expansions)
        var networks: [String] = []
        for (index, line) in second.split(separator: "\n").enumerated() {
            again.add(Array(line.utf8)[...], number: index + 1) { network, value in
                networks.append("\(network.key)  # \(String(decoding: value, as: UTF8.self))")
            }
        }
        return (again.errors, networks)
    }

    @Test func theSecondPassTakesTheFirstsExpansions() {
        #expect(recheck("192.0.2.7\nspf:a.example", "192.0.2.7\nspf:a.example") == ([], ["192.0.2.7/32  # 192.0.2.7", "192.0.2.0/24  # spf:a.example"]))
    }

    @Test(arguments: [
        ("spf:a.example\nspf:b.example", "spf:b.example\nspf:a.example",
         ["w:1: spf:b.example: the whitelist changed while it was compiled: try again (the line was spf:a.example)",
          "w:2: spf:a.example: the whitelist changed while it was compiled: try again (the line was spf:b.example)"]),
        ("192.0.2.7\nspf:a.example", "spf:a.example\n192.0.2.7",
         ["w:1: spf:a.example: the whitelist changed while it was compiled: try again (the line was no spf: entry)"]),
    ])
    func aWhitelistChangedBetweenThePassesIsABadLine(_ first: String, _ second: String, _ errors: [String]) {
        let result = recheck(first, second)
        #expect(result.errors == errors)
        #expect(!result.networks.contains { $0.hasSuffix("spf:a.example") || $0.hasSuffix("spf:b.example") })
    }

    @Test func verboseNamesTheTermsThatLeftNetworksOut() {
        let dns = FakeDNS(["example.com": "v=spf1 -exists:%{i}.bl.example.com ip4:192.0.2.0/24"])
        var compilation = WhitelistCompilation(source: "w", verbose: true, lookup: dns.lookup)
        compilation.add(Array("spf:example.com".utf8)[...], number: 3)
        #expect(compilation.findings == [
            "w:3: spf:example.com: terms after -exists:%{i}.bl.example.com add no networks: whether it matches depends on the client"])
    }
}
