import Foundation
import Glibc
import Greylist
import GreylistAdmin
@testable import GreylistSystem
@testable import GreylistTools
import TestSupport
import Testing

/// The cleaner's walk on real directories.
@Suite struct RecordSweepTests {
    static let day = 86_400, hour = 3600
    static let policy = Policy(delay: 300, window: 86_400, lifetime: 36 * 86_400)
    let state: TemporaryDirectory
    init() throws { state = try TemporaryDirectory() }

    /// Writes a record (`passed` adds content) aged `seconds` (negative: dated ahead).
    func record(_ relative: String, passed: Bool = false, age seconds: Int) throws {
        try state.writeRecord(relative, passed: passed, age: seconds)
    }

    /// Makes a file or directory whose name is `name`'s bytes, under `parent` (relative to the state directory).
    func make(_ name: [UInt8], in parent: String = "", directory: Bool = false, age seconds: Int = 0) throws {
        let path = Array((state.path + "/" + parent + (parent.isEmpty ? "" : "/")).utf8) + name + [0]
        let fd = directory ? mkdir(path.map { CChar(bitPattern: $0) }, 0o700) : open(path.map { CChar(bitPattern: $0) }, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        try #require(fd >= 0)
        if !directory { close(fd) }
    }

    var files: [String] {
        (FileManager.default.subpaths(atPath: state.path) ?? []).filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: state.path + "/" + $0, isDirectory: &isDirectory) && !isDirectory.boolValue
        }.sorted()
    }

    func modificationTime(_ relative: String) throws -> Timestamp {
        try #require(try fileStatus(of: state.path + "/" + relative, in: AT_FDCWD)).modificationTime
    }

    /// Runs a sweep and returns its events (without the records read and the ends of directories) and counts.
    func sweep(changing: Bool = true, batchSize: Int = 10_000,
               beforeActing: (_ directory: [UInt8], _ names: [[UInt8]]) -> Void = { _, _ in }) throws(SweepFailure)
        -> (events: [SweepEvent], counts: SweepCounts) {
        var sweep = RecordSweep(path: state.path, policy: Self.policy, changing: changing)
        sweep.batchSize = batchSize
        var events: [SweepEvent] = [], counts = SweepCounts()
        try sweep.run({ event in
            counts.count(event)
            switch event {
            case .record, .finishedDirectory: break
            default: events.append(event)
            }
        }, beforeActing: beforeActing)
        return (events, counts)
    }

    func path(_ relative: String) -> [UInt8] { Array((state.path + "/" + relative).utf8) }

    @Test func removesTheExpiredKeepsTheRestAndCountsEachOnce() throws {
        try record("192/192.0.2.1", age: Self.day + Self.hour - 60)                          // pending, inside the grace
        try record("192/192.0.2.2", age: Self.day + Self.hour + 60)                          // pending, expired
        try record("192/192.0.2.3", passed: true, age: 36 * Self.day + 2 * Self.hour - 60)   // passed, inside refresh + grace
        try record("192/192.0.2.4", passed: true, age: 36 * Self.day + 2 * Self.hour + 60)   // passed, expired
        try record("2001/2001:db8:1::_48", age: 2 * Self.day)                                // a /48 key, expired
        try record("10/notes", age: 400 * Self.day)
        let (events, counts) = try sweep()
        #expect(files == ["10/notes", "192/192.0.2.1", "192/192.0.2.3"])
        #expect(counts.summary(changing: true, seconds: 0)
            == "scanned=6 pending=3 passed=2 removed=3 repaired=0 skipped=1 errors=0 elapsed=0.00s")
        #expect(events.contains(.skipped(path: path("10/notes"), reason: .notARecordName)))
    }

    @Test func aRecordRenewedAfterItWasReadIsKept() throws {
        for host in 1...4 { try record("192/192.0.2.\(host)", passed: host > 2, age: 40 * Self.day) }
        let (events, counts) = try sweep { directory, names in
            // Between the read and the removal, wrappers renew two records: one restarted (mtime now), one passed.
            #expect(directory == path("192"))
            #expect(names.count == 4)
            try? age(state.path + "/192/192.0.2.1", by: 0)
            _ = FileManager.default.createFile(atPath: state.path + "/192/192.0.2.2", contents: Data("passed\n".utf8))
        }
        #expect(files == ["192/192.0.2.1", "192/192.0.2.2"])
        #expect(events.filter { if case .changed = $0 { true } else { false } }.count == 2)
        #expect(events.contains(.changed(path: path("192/192.0.2.1"))))
        #expect(counts.removed == 2 && counts.errors == 0)
    }

    @Test func anotherFileUnderTheSameNameIsKeptEvenIfExpired() throws {
        try record("192/192.0.2.1", age: 40 * Self.day)
        let (events, counts) = try sweep { _, _ in
            try? record("192/replacement", age: 40 * Self.day)   // as old, but another file: look at it next time
            rename(state.path + "/192/replacement", state.path + "/192/192.0.2.1")
        }
        #expect(files == ["192/192.0.2.1"])
        #expect(events == [.changed(path: path("192/192.0.2.1"))])
        #expect(counts.removed == 0)
    }

    @Test func aRecordRemovedMeanwhileIsNeitherRemovedNorAnError() throws {
        try record("192/192.0.2.1", age: 40 * Self.day)
        let (events, counts) = try sweep { _, _ in try? FileManager.default.removeItem(atPath: state.path + "/192/192.0.2.1") }
        #expect(events.isEmpty && counts.removed == 0 && counts.errors == 0)
    }

    @Test func removalsComeInBatchesInInodeOrder() throws {
        for host in 1...10 { try record("10/10.0.0.\(host)", age: 40 * Self.day) }
        try record("10/10.0.0.11", age: 60)
        var batches: [[UInt64]] = []
        let (_, counts) = try sweep(batchSize: 3) { _, names in
            batches.append(names.map { (try? OpenDirectory(atPath: state.path + "/10").status(of: $0))??.inode ?? 0 })
        }
        #expect(batches.map(\.count) == [3, 3, 3, 1])
        #expect(batches.allSatisfy { $0 == $0.sorted() && !$0.contains(0) })
        #expect(files == ["10/10.0.0.11"])
        #expect(counts.scanned == 11 && counts.removed == 10)
    }

    @Test func aRecordFromTheFutureIsRepairedKeepingItsState() throws {
        try record("192/192.0.2.1", age: -2 * Self.day)
        try record("192/192.0.2.2", passed: true, age: -400 * Self.day)
        try record("192/192.0.2.3", passed: true, age: -30)   // within the tolerance: left alone
        let before = try modificationTime("192/192.0.2.3")
        let (events, counts) = try sweep()
        #expect(counts.repaired == 2 && counts.removed == 0)
        let now = currentTime()
        #expect(try abs(modificationTime("192/192.0.2.1") - now) <= 2)
        #expect(try abs(modificationTime("192/192.0.2.2") - now) <= 2)
        #expect(try modificationTime("192/192.0.2.3") == before)
        #expect(try fileStatus(of: state.path + "/192/192.0.2.1", in: AT_FDCWD)?.size == 0)
        #expect(try fileStatus(of: state.path + "/192/192.0.2.2", in: AT_FDCWD)?.size == 7)
        #expect(events.count == 2)
    }

    @Test func aRecordSetRightBeforeItsRepairIsKept() throws {
        try record("192/192.0.2.1", age: -2 * Self.day)
        let (events, counts) = try sweep { _, _ in try? age(state.path + "/192/192.0.2.1", by: 0) }
        #expect(events == [.changed(path: path("192/192.0.2.1"))] && counts.repaired == 0)
    }

    @Test func aSweepThatChangesNothingChangesNothing() throws {
        try record("192/192.0.2.1", age: 40 * Self.day)
        try record("192/192.0.2.2", age: -2 * Self.day)
        let before = try modificationTime("192/192.0.2.2")
        let (events, counts) = try sweep(changing: false)
        #expect(files == ["192/192.0.2.1", "192/192.0.2.2"])
        #expect(try modificationTime("192/192.0.2.2") == before)
        #expect(counts.removed == 1 && counts.repaired == 1 && events.count == 2)
    }

    @Test func namesAreBytesAndForeignOnesAreSkippedWithoutError() throws {
        try record("192/192.0.2.1", age: 40 * Self.day)
        try make(Array("192.0.2.9\ncqgreylist-clean: scanned=0".utf8), in: "192")
        try make([0x31, 0x39, 0x32, 0xff], in: "192")
        try make([0xff, 0xfe], directory: true)   // not a record directory's name, but read like one: nothing in it
        try make([0xff])
        try make(Array("10\n".utf8), directory: true)
        try make([0xff], in: "192/../10\n")
        let (events, counts) = try sweep()
        #expect(counts.errors == 0 && counts.removed == 1 && counts.skipped == 4 && counts.scanned == 4)
        #expect(events.contains(.skipped(path: path("192/192.0.2.9\ncqgreylist-clean: scanned=0"), reason: .notARecordName)))
        #expect(events.contains(.skipped(path: path("192/") + [0x31, 0x39, 0x32, 0xff], reason: .notARecordName)))
        #expect(events.contains(.skipped(path: path("") + [0xff], reason: .notADirectoryOfRecords)))
        #expect(events.contains(.skipped(path: path("10\n/") + [0xff], reason: .notARecordName)))
    }

    @Test func symlinksAreNeverFollowed() throws {
        let outside = try TemporaryDirectory()
        #expect(FileManager.default.createFile(atPath: outside.path + "/10.0.0.1", contents: Data()))
        try age(outside.path + "/10.0.0.1", by: 400 * Self.day)
        try FileManager.default.createDirectory(atPath: state.path + "/10", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: state.path + "/10/10.0.0.1", withDestinationPath: outside.path + "/10.0.0.1")
        try FileManager.default.createSymbolicLink(atPath: state.path + "/11", withDestinationPath: outside.path)
        let (events, _) = try sweep()
        #expect(events == [.skipped(path: path("10/10.0.0.1"), reason: .notARegularFile),
                           .skipped(path: path("11"), reason: .notADirectoryOfRecords)]
            || events == [.skipped(path: path("11"), reason: .notADirectoryOfRecords),
                          .skipped(path: path("10/10.0.0.1"), reason: .notARegularFile)])
        #expect(FileManager.default.fileExists(atPath: outside.path + "/10.0.0.1"))
    }

    @Test func oneSweepThatChangesRecordsAtATime() throws {
        try record("192/192.0.2.1", age: 40 * Self.day)
        var second: SweepFailure?, readOnly: SweepCounts?
        _ = try sweep { _, _ in
            do throws(SweepFailure) { _ = try sweep() } catch { second = error }
            readOnly = try? sweep(changing: false).counts
        }
        #expect(second == .locked)
        #expect(readOnly?.removed == 1)   // a sweep that changes nothing takes no lock
        #expect(files.isEmpty)
        #expect(try sweep().counts.scanned == 0)   // the lock went with the first sweep
    }

    @Test func aMissingStateDirectoryFailsTheSweep() {
        #expect(throws: SweepFailure.unreadable(Errno(rawValue: ENOENT))) {
            try RecordSweep(path: state.path + "/missing", policy: Self.policy, changing: true).run { _ in }
        }
    }
}
