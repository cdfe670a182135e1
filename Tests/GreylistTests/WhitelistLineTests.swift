import Greylist
import GreylistAdmin
import Testing

struct LineCase: CustomTestStringConvertible, Sendable {
    let line: String, keys: [String], entry: String?
    var testDescription: String { "\(line.debugDescription) → \(keys.isEmpty ? "nothing" : keys.joined(separator: " "))" }
    init(_ line: String, _ keys: [String], entry: String? = nil) {
        (self.line, self.keys) = (line, keys)
        self.entry = keys.isEmpty ? nil : entry ?? line.trimmingBlanks
    }
}

extension String {
    var trimmingBlanks: String {
        String(self.drop { " \t\r".contains($0) }.reversed().drop { " \t\r".contains($0) }.reversed())
    }
}

struct BadLineCase: CustomTestStringConvertible, Sendable {
    let line: String, reason: String
    var testDescription: String { "\(line.debugDescription) → \(reason)" }
    init(_ line: String, _ reason: String) { (self.line, self.reason) = (line, reason) }
}

func parse(_ line: String, masking: Bool = false) throws(WhitelistError) -> (keys: [String], entry: String?) {
    var keys: [String] = []
    let entry = try Whitelist.parseLine(Array(line.utf8)[...], maskingHostBits: masking) { network, _ in keys.append(network.key) }
    return (keys, entry.map { String(decoding: $0.entry, as: UTF8.self) })
}

@Suite struct WhitelistLineTests {
    static let good: [LineCase] = [
        .init("192.0.2.7", ["192.0.2.7/32"]),
        .init("192.0.2.0/24", ["192.0.2.0/24"]),
        .init("0.0.0.0/0", ["0.0.0.0/0"]),
        .init("2001:DB8::1", ["2001:db8::1/128"]),
        .init("2001:db8::/32", ["2001:db8::/32"]),
        .init("::/0", ["::/0"]),
        .init("::ffff:192.0.2.0/120", ["192.0.2.0/24"]),
        .init("10.", ["10.0.0.0/8"]),
        .init("172.16.", ["172.16.0.0/16"]),
        .init("192.0.2.", ["192.0.2.0/24"]),
        .init("192.0.2.4-7", ["192.0.2.4/30"]),
        .init("192.0.2.5-5", ["192.0.2.5/32"]),
        .init("192.0.2.3-9", ["192.0.2.3/32", "192.0.2.4/30", "192.0.2.8/31"]),
        .init("192.0.2.0-255", ["192.0.2.0/24"]),
        .init("192.0.2-3.", ["192.0.2.0/23"]),
        .init("10-11.", ["10.0.0.0/7"]),
        .init("  192.0.2.7\t# a comment", ["192.0.2.7/32"], entry: "192.0.2.7"),
        .init("192.0.2.7\r", ["192.0.2.7/32"], entry: "192.0.2.7"),
        .init("", []),
        .init("   \t\r", []),
        .init("# only a comment", []),
    ]

    @Test(arguments: good)
    func entries(_ row: LineCase) throws {
        let (keys, entry) = try parse(row.line)
        #expect(keys == row.keys)
        #expect(entry == row.entry)
    }

    static let bad: [BadLineCase] = [
        .init("192.0.2.7/24", "host bits set in 192.0.2.7/24 (the network is 192.0.2.0/24; --mask-host-bits accepts it)"),
        .init("2001:db8::1/32", "host bits set in 2001:db8::1/32 (the network is 2001:db8::/32; --mask-host-bits accepts it)"),
        .init("192.0.2.0/33", #"prefix length /33 out of range in "192.0.2.0/33""#),
        .init("192.0.2.0/", #"not an IP network like 192.0.2.0/24 or 2001:db8::/32: "192.0.2.0/""#),
        .init("192.0.2.0/024", #"not an IP network like 192.0.2.0/24 or 2001:db8::/32: "192.0.2.0/024""#),
        .init("::ffff:192.0.2.0/90", #"prefix length /90 out of range in "::ffff:192.0.2.0/90""#),
        .init("foo", #"not an IP address or network: "foo""#),
        .init("192.0.2.256", #"not an IP address or network: "192.0.2.256""#),
        .init("192.0.2.7 192.0.2.8", #"one entry per line, found "192.0.2.7 192.0.2.8""#),
        .init("192.0.2.7.", #"not a tcprules prefix like 10. or 192.0.2.: "192.0.2.7.""#),
        .init("256.", #"not a tcprules prefix like 10. or 192.0.2.: "256.""#),
        .init("192.0.2.7-4", #"not a tcprules range like 192.0.2.4-7 or 192.0.2-3.: "192.0.2.7-4""#),
        .init("192.0.2-3", #"not a tcprules range like 192.0.2.4-7 or 192.0.2-3.: "192.0.2-3""#),
        .init("192.0.2.4-256", #"not a tcprules range like 192.0.2.4-7 or 192.0.2-3.: "192.0.2.4-256""#),
        .init("192.0.2.:allow,RELAYCLIENT=\"\"", #"a tcprules rule, not an entry: write just the address part, "192.0.2.""#),
        .init("fe80::1%eth0", #"not an IP address or network: "fe80::1%eth0""#),
        .init(String(repeating: "1", count: 1001), "line longer than 1000 bytes"),
        .init("\u{0}\u{ff}", #"not an IP address or network: "\x00\xc3\xbf""#),
    ]

    @Test(arguments: bad)
    func errorsSayWhy(_ row: BadLineCase) {
        #expect(throws: WhitelistError(row.reason)) { try parse(row.line) }
    }

    @Test func maskingHostBitsOnRequest() throws {
        #expect(try parse("192.0.2.7/24", masking: true).keys == ["192.0.2.0/24"])
        #expect(try parse("2001:db8::1/32", masking: true).keys == ["2001:db8::/32"])
    }

    @Test(arguments: [(0, 255), (1, 254), (3, 9), (17, 200), (128, 128), (0, 0), (100, 155)])
    func rangesBecomeExactlyTheirAddresses(_ first: Int, _ last: Int) throws {
        var networks: [Network] = []
        try Whitelist.parseLine(Array("198.51.100.\(first)-\(last)".utf8)[...]) { network, _ in networks.append(network) }
        let covered = (0...255).filter { octet in networks.contains { $0.contains(ClientAddress("198.51.100.\(octet)")!) } }
        #expect(covered == Array(first...last))
        #expect(networks.reduce(0) { $0 + (1 << (32 - $1.prefixLength)) } == last - first + 1)
    }
}
