import Foundation
import Greylist
import GreylistAdmin
@testable import GreylistSystem
@testable import GreylistTools
import TestSupport
import Testing

struct HostMatchCase: CustomTestStringConvertible, Sendable {
    let address: String?, host: String?, entry: String?
    var testDescription: String { "\(address ?? "no address"), TCPREMOTEHOST=\(host ?? "unset") → \(entry ?? "no match")" }
    init(_ address: String?, _ host: String?, _ entry: String?) { (self.address, self.host, self.entry) = (address, host, entry) }
}

/// Host-name entries in a real cdb, looked up as the wrapper does with TCPREMOTEHOST.
@Suite struct WhitelistHostNameTests {
    static let lines = ["192.0.2.0/24", "Mail.Example.org.", ".pool.example.net", ".c.d.e", "2001:db8::/32"]

    static let rows: [HostMatchCase] = [
        .init("198.51.100.1", "mail.example.org", "Mail.Example.org."),
        .init("198.51.100.1", "MAIL.EXAMPLE.ORG.", "Mail.Example.org."),
        .init("198.51.100.1", "x.mail.example.org", nil),
        .init("198.51.100.1", "example.org", nil),
        .init("198.51.100.1", "out-7.pool.example.net", ".pool.example.net"),
        .init("198.51.100.1", "a.b.out-7.pool.example.net", ".pool.example.net"),
        .init("198.51.100.1", "pool.example.net", nil),
        .init("198.51.100.1", "evilpool.example.net", nil),
        .init("198.51.100.1", "x.y.z.a.b.c.d.e", ".c.d.e"),
        .init("198.51.100.1", nil, nil),
        .init("198.51.100.1", "", nil),
        .init("198.51.100.1", "mail.example.org\n", nil),
        .init("198.51.100.1", "mail..example.org", nil),
        .init("198.51.100.1", String(repeating: "a.", count: 127) + "pool.example.net", nil),
        // An address entry is found first; a host name alone (as --check asks) needs no address.
        .init("192.0.2.9", "mail.example.org", "192.0.2.0/24"),
        .init(nil, "mail.example.org", "Mail.Example.org."),
        .init("2001:db8::25", "unknown.example.com", "2001:db8::/32"),
    ]

    @Test(arguments: rows)
    func lookUp(_ row: HostMatchCase) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/w.cdb"
        let compilation = try WhitelistDatabase(path: path).compile(from: .text(Array(Self.lines.map { $0 + "\n" }.joined().utf8)))
        #expect((compilation.entries, compilation.networks, compilation.hostNames) == (5, 2, 3))
        #expect(try WhitelistDatabase(path: path).entry(matching: row.address.flatMap { ClientAddress($0) }, hostName: row.host) == row.entry)
    }

    @Test func dumpShowsHostPatternsAndTinycdbSeesTheIndex() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/w.cdb"
        #expect(try compile(Self.lines, to: path))
        var lines: [String] = []
        #expect(try WhitelistDatabase(path: path).forEachEntry { lines.append($0 == $1 ? $0 : "\($0)  # \($1)") })
        #expect(lines == ["192.0.2.0/24", "mail.example.org  # Mail.Example.org.", ".pool.example.net", ".c.d.e", "2001:db8::/32"])
        let records = try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        #expect(records.contains("host-labels") && records.contains("host:3 below:3"))
    }

    @Test func aWhitelistWithoutHostNamesHasNoIndexAndMatchesNoName() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/w.cdb"
        #expect(try compile(["192.0.2.0/24"], to: path))
        let records = try String(decoding: Data(contentsOf: URL(fileURLWithPath: path)), as: UTF8.self)
        #expect(!records.contains("host-labels"))
        #expect(try WhitelistDatabase(path: path).entry(matching: ClientAddress("198.51.100.1")!, hostName: "mail.example.org") == nil)
    }

    @Test func aBadHostLabelsRecordIsReported() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/w.cdb"
        var writer = try WhitelistWriter(WhitelistDatabase(path: path))
        try writer.add(Network(ClientAddress("192.0.2.0")!, prefixLength: 24), value: Array("192.0.2.0/24".utf8)[...])
        try writer.finish()
        // Append a junk host-labels record by rewriting the cdb with tinycdb's own tool.
        let rewritten = try Process.run(URL(fileURLWithPath: "/bin/sh"), arguments: ["-c",
            "{ cdb -d '\(path)' | sed '$d'; echo '+11,5:host-labels->junk!'; echo; } | cdb -c '\(path)'"])
        rewritten.waitUntilExit()
        #expect(rewritten.terminationStatus == 0)
        #expect(throws: FileError(operation: "read", path: path, problem: "not a cqgreylist whitelist (bad host-labels record)")) {
            try WhitelistDatabase(path: path).entry(matching: ClientAddress("198.51.100.1")!, hostName: "mail.example.org")
        }
        #expect(try WhitelistDatabase(path: path).entry(matching: ClientAddress("192.0.2.1")!, hostName: "mail.example.org") == "192.0.2.0/24")
    }

    @Test func anSPFLineWithoutLookupsIsABadLine() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: WhitelistCompileError.self) {
            try WhitelistDatabase(path: directory.path + "/w.cdb").compile(from: .text(Array("spf:example.com\n".utf8)))
        }
        #expect(try names(in: directory) == [])
    }
}
