import Greylist
@testable import GreylistAdmin
import Testing

/// The key at the whole of `text`.
func clientKey(_ text: String) -> ClientKey? {
    let bytes = Array(text.utf8)
    return ClientKey(bytes.span, 0..<bytes.count)
}

@Suite struct ClientTableTests {
    /// The keys the wrapper writes, by prefix length: each is held in binary and spelt back as written.
    @Test(arguments: [
        ("192.0.2.7", 32, 64), ("0.0.0.0", 32, 64), ("255.255.255.255", 32, 64), ("192.0.2.7", 24, 64), ("198.51.100.7", 19, 64),
        ("10.1.2.3", 16, 64), ("203.0.113.9", 31, 64), ("2001:db8:1:2:3:4:5:6", 32, 64), ("::1", 32, 64),
        ("ffff:ffff:ffff:ffff::1", 32, 60), ("2001:db8:1:2:3::", 32, 48), ("2001:db8:1:2:3::", 32, 16),
    ])
    func keysTheWrapperWritesAreSpeltBackAsWritten(address: String, ipv4Prefix: Int, ipv6Prefix: Int) throws {
        let name = RecordKey(address: try #require(ClientAddress(address)), ipv4Prefix: ipv4Prefix, ipv6Prefix: ipv6Prefix).name
        let key = try #require(clientKey(name), "\(name)")
        #expect(key.text == name)
        #expect(MemoryLayout<ClientTable.Slot>.stride == 32 && MemoryLayout<ClientTable.Change>.stride == 24)
    }

    /// Spellings no wrapper writes, and IPv6 prefixes over 64 bits, are not made keys (the report keeps them as bytes).
    @Test(arguments: ["192.0.2.07", "192.0.2.256", "192.0.2.0_24", "192.0.2.7_32", "192.0.2.1_19", "192.0.2.0_15", "192.0.2.",
                      ".192.0.2", "1.2", "1.2.3.4.5", "2001:DB8:1:2::", "2001:db8:0:0::", "2001:db8::_64", "2001:db8:1:2::1",
                      "2001:db8:1:2:3:4:5:6_128", "2001:db8::_048", "::ffff:192.0.2.7", "junk", "", "1.2.3.4 "])
    func otherSpellingsAreNoKeys(_ text: String) {
        #expect(clientKey(text) == nil)
    }

    /// Keys of many networks are equal exactly when their names are, and order as their names do.
    @Test func keysAreEqualAndOrderedAsTheirNames() throws {
        var seed: UInt64 = 0x9E37_79B9_7F4A_7C15
        func next() -> UInt64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return seed
        }
        var names: [String] = []
        for round in 0..<600 {
            let v4 = ClientAddress.v4(UInt32(truncatingIfNeeded: next() >> 32 & (round % 3 == 0 ? 0x0303_0303 : 0xffff_ffff)))
            let v6 = ClientAddress.v6(UInt128(next() & (round % 2 == 0 ? 0x0003_0000_0003_0003 : .max)) << 64)
            names.append(RecordKey(address: v4, ipv4Prefix: [32, 24, 19, 16][round % 4], ipv6Prefix: 64).name)
            names.append(RecordKey(address: v6, ipv4Prefix: 32, ipv6Prefix: [64, 48, 56][round % 3]).name)
        }
        let keys = try names.map { try #require(clientKey($0)) }
        for (a, b) in zip(keys.indices, keys.indices.shuffled().prefix(keys.count)) {
            #expect((keys[a] == keys[b]) == (names[a] == names[b]))
            #expect(keys[a].precedes(keys[b]) == Array(names[a].utf8).lexicographicallyPrecedes(Array(names[b].utf8)))
            #expect((keys[a].hash(seed: 7) == keys[b].hash(seed: 7)) || names[a] != names[b])
        }
    }

    /// A log read in chunks, a round of them at a time, each chunk's changes made by the owners of the keys'
    /// shards, reports what reading it in one go does: for every chunk size and number of owners, timed or not.
    @Test(arguments: [true, false]) func chunksWhoseChangesTheOwnersMakeReportWhatTheWholeDoes(timed: Bool) {
        var lines: [String] = []
        for index in 0..<400 {
            let client = "10.0.\(index % 7).\(index % 53)"
            let reason = ["new", "early", "retried", "known", "expired"][index * 7 % 5]
            let action = reason == "retried" || reason == "known" ? "pass" : "greylist"
            let line = "cqgreylist: pid=1 ip=\(client) key=\(client) action=\(action) age=\(index % 900) reason=\(reason)"
            let time = UInt64(1_764_000_000 + (index * 37 % 400) * 100) + (1 << 62) + 10
            lines.append(timed ? "@" + String(time, radix: 16) + "00000000 " + line : line)
        }
        func report(_ lines: ArraySlice<String>, holdingFor owners: Int = 0) -> LogReport {
            var report = LogReport(window: 86_400, holdingClientChangesFor: owners)
            for line in lines { report.add(line) }
            return report
        }
        let whole = report(lines[...]).text()
        for (chunkLines, owners) in [(1, 2), (7, 2), (50, 3), (399, 4), (400, 1)] {
            var read = report(lines[..<10])
            var tables = (0..<owners).map { read.lendClients(to: $0, of: owners) }
            let chunks = stride(from: 10, to: lines.count, by: chunkLines).map { report(lines[$0..<min($0 + chunkLines, lines.count)], holdingFor: owners) }
            for first in stride(from: 0, to: chunks.count, by: owners) {
                let round = chunks[first..<min(first + owners, chunks.count)]
                for owner in 0..<owners { for chunk in round { tables[owner].apply(changesHeldBy: chunk, owner: owner, of: owners) } }
                for chunk in round { read.append(chunk) }
            }
            for (owner, table) in tables.enumerated() { read.takeBackClients(table, from: owner, of: owners) }
            #expect(read.text() == whole, "\(chunkLines) lines a chunk, \(owners) owners")
        }
    }
}
