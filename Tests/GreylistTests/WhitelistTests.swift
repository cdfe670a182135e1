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

@Suite struct PrefixLengthsTests {
    @Test func roundTrip() {
        var lengths = PrefixLengths()
        for key in ["0.0.0.0/0", "192.0.2.0/24", "192.0.2.7/32", "::/0", "2001:db8::/32", "2001:db8::1/128"] {
            let parts = key.split(separator: "/")
            lengths.insert(Network(ClientAddress(String(parts[0]))!, prefixLength: Int(parts[1])!))
        }
        #expect(String(decoding: lengths.bytes, as: UTF8.self) == "4:0,24,32 6:0,32,128")
        #expect(PrefixLengths(bytes: lengths.bytes) == lengths)
        #expect(PrefixLengths(bytes: Array("4: 6:".utf8)) == PrefixLengths())
    }

    @Test(arguments: ["", "4:33 6:", "4:8 6:129", "x", "4:8;6:64", "8 6:64"])
    func rejectsWhatItDidNotWrite(_ text: String) {
        #expect(PrefixLengths(bytes: Array(text.utf8)) == nil)
    }

    @Test func probesOneNetworkPerLengthLongestFirst() {
        var lengths = PrefixLengths()
        lengths.insert(Network(ClientAddress("10.0.0.0")!, prefixLength: 8))
        lengths.insert(Network(ClientAddress("192.0.2.0")!, prefixLength: 24))
        lengths.insert(Network(ClientAddress("2001:db8::")!, prefixLength: 32))
        var probed: [String] = []
        lengths.forEachNetwork(containing: ClientAddress("192.0.2.77")!) { probed.append($0.key); return true }
        #expect(probed == ["192.0.2.0/24", "192.0.0.0/8"])
        probed = []
        lengths.forEachNetwork(containing: ClientAddress("2001:db8:1::5")!) { probed.append($0.key); return false }
        #expect(probed == ["2001:db8::/32"])
    }
}

struct SplitCase: CustomTestStringConvertible, Sendable {
    let name: String, chunks: [String], lines: [String]
    var testDescription: String { name }
}

@Suite struct LineSplitterTests {
    static let long = String(repeating: "x", count: 1500)
    static let cases: [SplitCase] = [
        .init(name: "lines across chunks", chunks: ["a\nb", "c\n", "\nd"], lines: ["1 a", "2 bc", "3 ", "4 d"]),
        .init(name: "CR kept, empty input", chunks: ["a\r\n", ""], lines: ["1 a\r"]),
        .init(name: "line of exactly the limit", chunks: [String(repeating: "y", count: 1000) + "\n"], lines: ["1 " + String(repeating: "y", count: 1000)]),
        .init(name: "overlong line in one chunk is cut to limit + 1", chunks: [long + "\nz\n"], lines: ["1 " + String(long.prefix(1001)), "2 z"]),
        .init(name: "overlong line across chunks is cut to limit + 1", chunks: [String(long.prefix(700)), String(long.dropFirst(700)), "\nz"],
              lines: ["1 " + String(long.prefix(1001)), "2 z"]),
        .init(name: "overlong last line without LF", chunks: [long, long], lines: ["1 " + String(long.prefix(1001))]),
    ]

    @Test(arguments: cases)
    func splitsIntoBoundedLines(_ row: SplitCase) {
        var splitter = LineSplitter()
        var lines: [String] = []
        let body = { (line: ArraySlice<UInt8>, number: Int) in lines.append("\(number) " + String(decoding: line, as: UTF8.self)) }
        for chunk in row.chunks { splitter.split(Array(chunk.utf8)[...], body) }
        splitter.finish(body)
        #expect(lines == row.lines)
    }

    @Test func anOverlongLineIsAnErrorAndTheNextLineCounts() {
        var compilation = WhitelistCompilation(source: "w")
        var splitter = LineSplitter()
        splitter.split(Array((Self.long + Self.long + "\n192.0.2.7\n").utf8)[...]) { compilation.add($0, number: $1) }
        #expect(compilation.errors == ["w:1: line longer than 1000 bytes"] && compilation.entries == 1)
    }
}

struct HeaderCase: CustomTestStringConvertible, Sendable {
    let name: String, slot: Int, position: Int, slots: Int, fileSize: Int, sound: Bool
    var testDescription: String { name }
}

@Suite struct CDBLayoutTests {
    static let cases: [HeaderCase] = [
        .init(name: "tables at the end of the file", slot: 7, position: 4096, slots: 0, fileSize: 4096, sound: true),
        .init(name: "a table ending at the end", slot: 7, position: 4000, slots: 12, fileSize: 4096, sound: true),
        .init(name: "a table one slot past the end", slot: 7, position: 4000, slots: 13, fileSize: 4096, sound: false),
        .init(name: "a table inside the header", slot: 0, position: 2047, slots: 0, fileSize: 4096, sound: false),
        .init(name: "a table past the end", slot: 255, position: 4097, slots: 0, fileSize: 4096, sound: false),
        .init(name: "a slot count of 2^32 - 1", slot: 3, position: 4096, slots: 0xffff_ffff, fileSize: 4096, sound: false),
    ]

    @Test(arguments: cases)
    func headerTablesMustLieInsideTheFile(_ row: HeaderCase) {
        var header: [UInt8] = []
        for slot in 0..<256 {
            let (position, slots) = slot == row.slot ? (row.position, row.slots) : (4096, 0)
            for word in [position, slots] { header += (0..<4).map { UInt8(truncatingIfNeeded: word >> (8 * $0)) } }
        }
        #expect(CDBLayout.isSoundHeader(header, fileSize: row.fileSize) == row.sound)
    }

    @Test(arguments: [(2048, 10, 2058, 1000, true), (2048, 11, 2058, 1000, false), (2048, 1001, 10_000, 1000, false),
                      (2048, 4_294_967_295, 10_000, 1000, false), (10_001, 0, 10_000, 1000, false)])
    func aRecordMustLieInsideTheFileAndUnderTheLimit(_ position: Int, _ length: Int, _ fileSize: Int, _ maximum: Int, _ sound: Bool) {
        #expect(CDBLayout.isSoundRecord(position: position, length: length, fileSize: fileSize, maximum: maximum) == sound)
    }
}
