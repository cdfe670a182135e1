import Greylist
import GreylistAdmin
import Testing

@Suite struct SPFCompilationTests {
    @Test func verboseNamesTheTermsThatLeftNetworksOut() {
        let dns = FakeDNS(["example.com": "v=spf1 -exists:%{i}.bl.example.com ip4:192.0.2.0/24"])
        var compilation = WhitelistCompilation(source: "w", verbose: true, lookup: dns.lookup)
        compilation.add(Array("spf:example.com".utf8)[...], number: 3)
        #expect(compilation.findings == [
            "w:3: spf:example.com: terms after -exists:%{i}.bl.example.com add no networks: whether it matches depends on the client"])
    }
}
