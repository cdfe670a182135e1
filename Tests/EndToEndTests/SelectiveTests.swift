import Foundation
import Testing

/// Selective greylisting (DESIGN §2, step 3): with `CQGREYLIST_SELECTIVE` on, a client whose host name tcpserver
/// verified and which does not look dynamic passes without a record; every other client is greylisted as before.
@Suite struct SelectiveTests {
    func connect(_ address: String, host: String?, selective: String?, state: TemporaryDirectory) throws -> Finished {
        var environment = ["TCPREMOTEIP": address, "CQGREYLIST_DIR": state.path]
        if let host { environment["TCPREMOTEHOST"] = host }
        if let selective { environment["CQGREYLIST_SELECTIVE"] = selective }
        return try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment, input: Data("QUIT\r\n".utf8))
    }

    @Test func aVerifiedNameThatDoesNotLookDynamicPassesWithoutARecord() throws {
        let state = try TemporaryDirectory()
        let named = try connect("209.85.128.43", host: "mail-wm1-f43.google.com", selective: "1", state: state)
        #expect(named.output == "passed\n")
        #expect(named.errors.hasSuffix(" ip=209.85.128.43 action=pass reason=named mail-wm1-f43.google.com\n"), "\(named.errors)")
        #expect(state.files().isEmpty)
        let dynamic = try connect("73.15.1.2", host: "c-73-15-1-2.hsd1.ca.comcast.net", selective: "1", state: state)
        // The report counts the passes as named and the greylisted by reason, so the mode can be weighed on a log.
        let report = try run(Built.report, [], input: Data((named.errors + dynamic.errors).utf8))
        #expect(report.output.contains("connections: 2\n  pass: named 1\n  greylist: new 1\n"), "\(report.output)")
    }

    @Test(arguments: [
        ("73.15.1.2", "c-73-15-1-2.hsd1.ca.comcast.net"),   // its own address in the name
        ("198.51.100.9", "dsl.pool.example.net"),              // pool words
        ("198.51.100.10", nil),                                // no verified name (tcpserver -p found none, or no -p)
        ("198.51.100.11", ""),                                 // tcpserver -p: the name did not verify
    ] as [(String, String?)])
    func aClientWithoutAGoodNameIsGreylistedAsBefore(_ address: String, _ host: String?) throws {
        let state = try TemporaryDirectory()
        let result = try connect(address, host: host, selective: "yes", state: state)
        #expect(result.output.hasPrefix("220 ") && result.errors.hasSuffix(" action=greylist reason=new\n"), "\(result.errors)")
        #expect(state.files().count == 1)
    }

    @Test(arguments: [nil, "0", "off"] as [String?])
    func offItGreylistsEveryUnknownClient(_ value: String?) throws {
        let state = try TemporaryDirectory()
        let result = try connect("209.85.128.43", host: "mail-wm1-f43.google.com", selective: value, state: state)
        #expect(result.errors.hasSuffix(" action=greylist reason=new\n"), "\(result.errors)")
    }

    @Test func aBadValueIsOffAndSaysSo() throws {
        let state = try TemporaryDirectory()
        let result = try connect("209.85.128.43", host: "mail-wm1-f43.google.com", selective: "maybe", state: state)
        #expect(result.errors.contains(#"warning: bad CQGREYLIST_SELECTIVE value "maybe": not a switch"#))
        #expect(result.errors.hasSuffix(" action=greylist reason=new\n"), "\(result.errors)")
    }
}
