import Foundation
import Greylist
import GreylistAdmin
@testable import GreylistSystem
@testable import GreylistTools
import TestSupport
import Testing

/// Compiles `lines` into a cdb at `path` with the library's compiler, as cqgreylist-mkwhitelist does.
func compile(_ lines: [String], to path: String) throws -> Bool {
    _ = try WhitelistDatabase(path: path).compile(from: .text(Array(lines.map { $0 + "\n" }.joined().utf8)))
    return true
}

/// The names in a directory, sorted.
func names(in directory: TemporaryDirectory) throws -> [String] {
    try FileManager.default.contentsOfDirectory(atPath: directory.path).sorted()
}

struct BoundaryCase: CustomTestStringConvertible, Sendable {
    let entry: String, inside: [String], outside: [String]
    var testDescription: String { entry }
}

struct CorruptLengthCase: CustomTestStringConvertible, Sendable {
    let key: String, length: UInt32
    var testDescription: String { "data length of \(key) claims \(length) bytes" }
}

@Suite struct WhitelistDatabaseTests {
    static let boundaries: [BoundaryCase] = [
        .init(entry: "0.0.0.0/0", inside: ["0.0.0.0", "255.255.255.255", "::ffff:1.2.3.4"], outside: ["::1", "2001:db8::1"]),
        .init(entry: "128.0.0.0/1", inside: ["128.0.0.0", "255.255.255.255"], outside: ["127.255.255.255", "0.0.0.0"]),
        .init(entry: "192.0.2.0/24", inside: ["192.0.2.0", "192.0.2.255"], outside: ["192.0.1.255", "192.0.3.0"]),
        .init(entry: "192.0.2.6/31", inside: ["192.0.2.6", "192.0.2.7"], outside: ["192.0.2.5", "192.0.2.8"]),
        .init(entry: "192.0.2.7", inside: ["192.0.2.7", "::ffff:192.0.2.7"], outside: ["192.0.2.6", "192.0.2.8"]),
        .init(entry: "::/0", inside: ["::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"], outside: ["192.0.2.1"]),
        .init(entry: "8000::/1", inside: ["8000::", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"], outside: ["7fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff"]),
        .init(entry: "2001:db8::/32", inside: ["2001:db8::", "2001:db8:ffff:ffff:ffff:ffff:ffff:ffff"], outside: ["2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", "2001:db9::"]),
        .init(entry: "2001:db8::/127", inside: ["2001:db8::", "2001:db8::1"], outside: ["2001:db8::2", "2001:db7:ffff:ffff:ffff:ffff:ffff:ffff"]),
        .init(entry: "2001:db8::1", inside: ["2001:db8::1"], outside: ["2001:db8::", "2001:db8::2"]),
        .init(entry: "192.0.2.4-7", inside: ["192.0.2.4", "192.0.2.7"], outside: ["192.0.2.3", "192.0.2.8"]),
    ]

    @Test(arguments: boundaries)
    func compileThenLookUp(_ row: BoundaryCase) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/w.cdb"
        #expect(try compile(["198.51.100.0/24", row.entry, "3fff:ffff::/48"], to: path))
        let database = WhitelistDatabase(path: path)
        for address in row.inside {
            #expect(try database.entry(matching: ClientAddress(address)!) == row.entry, "\(address)")
        }
        for address in row.outside {
            #expect(try database.entry(matching: ClientAddress(address)!) == nil, "\(address)")
        }
    }

    @Test func aMissingCDBIsAnEmptyWhitelist() throws {
        #expect(try WhitelistDatabase(path: "/nonexistent/w.cdb").entry(matching: ClientAddress("192.0.2.7")!) == nil)
    }

    @Test func corruptAndTruncatedFilesThrowInsteadOfMatching() throws {
        let directory = try TemporaryDirectory()
        let good = directory.path + "/good.cdb"
        #expect(try compile((0..<300).map { "10.\($0 / 256).\($0 % 256).0/24" }, to: good))
        let bytes = try Data(contentsOf: URL(fileURLWithPath: good))
        let address = ClientAddress("10.0.5.9")!
        #expect(try WhitelistDatabase(path: good).entry(matching: address) == "10.0.5.0/24")
        for cut in [0, 100, 2047, 2048, 3000, bytes.count / 2, bytes.count - 8, bytes.count - 1] {
            let path = directory.path + "/cut\(cut).cdb"
            try bytes.prefix(cut).write(to: URL(fileURLWithPath: path))
            #expect(throws: FileError.self, "truncated at \(cut)") { try WhitelistDatabase(path: path).entry(matching: address) }
        }
        let garbage = directory.path + "/garbage.cdb"
        try Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: URL(fileURLWithPath: garbage))
        #expect(throws: FileError.self) { try WhitelistDatabase(path: garbage).entry(matching: address) }
    }

    static let corruptLengths: [CorruptLengthCase] = [
        .init(key: "10.0.5.0/24", length: UInt32(Whitelist.maximumLineLength + 1)),  // inside the file, over the limit
        .init(key: "10.0.5.0/24", length: 200_000_000),
        .init(key: "10.0.5.0/24", length: UInt32.max),
        .init(key: "prefix-lengths", length: 4_000_000_000),
    ]

    @Test(arguments: corruptLengths)
    func aStoredLengthPastTheFileOrTheLimitThrowsWithoutAllocatingIt(_ row: CorruptLengthCase) throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/w.cdb"
        #expect(try compile((0..<300).map { "10.\($0 / 256).\($0 % 256).0/24" }, to: path))
        try patchDataLength(ofKey: row.key, in: path, to: row.length)
        let corrupt = FileError(operation: "read", path: path, problem: "corrupt or truncated cdb")
        #expect(throws: corrupt) { try WhitelistDatabase(path: path).entry(matching: ClientAddress("10.0.5.9")!) }
        #expect(throws: FileError.self) { try WhitelistDatabase(path: path).forEachEntry { _, _ in } }
    }

    @Test(arguments: ["directory", "/dev/null", "fifo"])
    func aPathThatIsNotARegularFileThrowsWithoutBlocking(_ kind: String) throws {
        let directory = try TemporaryDirectory()
        let path = kind.hasPrefix("/") ? kind : directory.path + "/" + kind
        if kind == "directory" { try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false) }
        var writer: CInt = -1
        if kind == "fifo" {
            #expect(mkfifo(path, 0o644) == 0)
            writer = open(path, O_RDWR)  // a writer, so that even a blocking open would return
        }
        defer { if writer >= 0 { close(writer) } }
        let expected = FileError(operation: "read", path: path, problem: "not a regular file")
        #expect(throws: expected) { try WhitelistDatabase(path: path).entry(matching: ClientAddress("192.0.2.7")!) }
        #expect(throws: expected) { try WhitelistDatabase(path: path).forEachEntry { _, _ in } }
    }

    @Test func aCDBWithoutThePrefixIndexIsNotAWhitelist() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/plain.cdb"
        let writer = try CDBWriter(replacing: path)
        try writer.add(key: Array("192.0.2.7/32".utf8), value: Array("x".utf8)[...])
        try writer.finish()
        let expected = FileError(operation: "read", path: path,
                                 problem: "not a cqgreylist whitelist (no prefix-lengths record; made by tcprules or cdb -c?)")
        #expect(throws: expected) { try WhitelistDatabase(path: path).entry(matching: ClientAddress("192.0.2.7")!) }
        #expect(throws: expected) { try WhitelistDatabase(path: path).entry(matching: ClientAddress("198.51.100.1")!) }
        #expect(throws: expected) { try WhitelistDatabase(path: path).forEachEntry { _, _ in } }
    }

    @Test func anAbortedWriteLeavesTheOldFileAndNoTemp() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/w.cdb"
        #expect(try compile(["192.0.2.7"], to: path))
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        do {
            let abandoned = try CDBWriter(replacing: path)
            try abandoned.add(key: Array("k".utf8), value: Array("v".utf8)[...])
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try names(in: directory) == ["w.cdb"])
        #expect(try permissions(path) == 0o644)
    }

    @Test func eachWriteHasATempNameOfItsOwn() throws {
        let first = uniqueTemporaryPath(besides: "/x/w.cdb"), second = uniqueTemporaryPath(besides: "/x/w.cdb")
        #expect(first.hasPrefix("/x/w.cdb.tmp.\(getpid()).") && second.hasPrefix("/x/w.cdb.tmp.\(getpid())."))
        #expect(first != second)
    }

    @Test func staleTempFilesDoNotBlockAWrite() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/w.cdb"
        for stale in [".tmp", ".tmp.1.0", ".tmp.\(getpid())"] { _ = FileManager.default.createFile(atPath: path + stale, contents: Data("old".utf8)) }
        #expect(try compile(["192.0.2.7"], to: path))
        #expect(try WhitelistDatabase(path: path).entry(matching: ClientAddress("192.0.2.7")!) == "192.0.2.7")
        #expect(try names(in: directory) == ["w.cdb", "w.cdb.tmp", "w.cdb.tmp.1.0", "w.cdb.tmp.\(getpid())"])
    }

    @Test func aSymlinkAtTheTempPathIsNotFollowed() throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/w.cdb", victim = directory.path + "/victim", temporary = path + ".tmp.planted"
        _ = FileManager.default.createFile(atPath: victim, contents: Data("keep".utf8))
        try FileManager.default.createSymbolicLink(atPath: temporary, withDestinationPath: victim)
        #expect(throws: FileError(operation: "create", path: temporary, problem: "File exists")) {
            _ = try WhitelistWriter(WhitelistDatabase(path: path), temporaryPath: temporary)
        }
        #expect(try String(contentsOfFile: victim, encoding: .utf8) == "keep")
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func aTerminatingSignalDuringAWriteRemovesTheTempAndExits111() async throws {
        let directory = try TemporaryDirectory()
        let path = directory.path + "/w.cdb"
        #expect(try compile(["192.0.2.7"], to: path))
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        await #expect(processExitsWith: .exitCode(111)) { [path = path as String] in
            removeTemporaryCDBOnTermination()
            let writer = try? CDBWriter(replacing: path)
            try? writer?.add(key: Array("k".utf8), value: Array("v".utf8)[...])
            withExtendedLifetime(writer) {
                kill(getpid(), SIGTERM)
                while true { pause() }   // until the handler, on whichever thread takes the signal, ends the process
            }
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try names(in: directory) == ["w.cdb"])
    }
}
