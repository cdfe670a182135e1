import Greylist
import GreylistAdmin
import Testing

struct SweepCountCase: CustomTestStringConvertible, Sendable {
    let name: String, event: SweepEvent, summary: String
    var testDescription: String { name }
}

struct SweepMessageCase: CustomTestStringConvertible, Sendable {
    let name: String, event: SweepEvent, dryRun: Bool, verbose: Bool, message: SweepMessage?
    var testDescription: String { name }
}

/// The cleaner's counts and lines, from its events.
@Suite struct SweepEventTests {
    static let now: Timestamp = 1_800_000_000
    static let key = RecordKey(address: ClientAddress("192.0.2.7")!, ipv4Prefix: 32, ipv6Prefix: 64)
    static func path(_ text: String) -> [UInt8] { Array(text.utf8) }

    static let counted: [SweepCountCase] = [
        .init(name: "a pending record is scanned and pending", event: .record(key, .pending(firstSeen: now)),
              summary: "scanned=1 pending=1 passed=0 removed=0 repaired=0 skipped=0 errors=0"),
        .init(name: "a passed record is scanned and passed", event: .record(key, .passed(lastSeen: now)),
              summary: "scanned=1 pending=0 passed=1 removed=0 repaired=0 skipped=0 errors=0"),
        .init(name: "a foreign file is scanned and skipped", event: .skipped(path: path("/d/1/x"), reason: .notARecordName),
              summary: "scanned=1 pending=0 passed=0 removed=0 repaired=0 skipped=1 errors=0"),
        .init(name: "a foreign first-level entry is skipped, not scanned",
              event: .skipped(path: path("/d/x"), reason: .notADirectoryOfRecords),
              summary: "scanned=0 pending=0 passed=0 removed=0 repaired=0 skipped=1 errors=0"),
        .init(name: "a removal counts only as removed (its record was counted when read)",
              event: .removed(path: path("/d/1/x"), record: .pending(firstSeen: 0), now: now),
              summary: "scanned=0 pending=0 passed=0 removed=1 repaired=0 skipped=0 errors=0"),
        .init(name: "a repair counts only as repaired", event: .repaired(path: path("/d/1/x"), record: .passed(lastSeen: now + 999), now: now),
              summary: "scanned=0 pending=0 passed=0 removed=0 repaired=1 skipped=0 errors=0"),
        .init(name: "a record renewed since read counts nothing", event: .changed(path: path("/d/1/x")),
              summary: "scanned=0 pending=0 passed=0 removed=0 repaired=0 skipped=0 errors=0"),
        .init(name: "a file that cannot be stated is scanned and an error",
              event: .failed(operation: .stat, path: path("/d/1/x"), problem: "Permission denied"),
              summary: "scanned=1 pending=0 passed=0 removed=0 repaired=0 skipped=0 errors=1"),
        .init(name: "a directory that cannot be read is an error", event: .failed(operation: .read, path: path("/d/1"), problem: "Permission denied"),
              summary: "scanned=0 pending=0 passed=0 removed=0 repaired=0 skipped=0 errors=1"),
        .init(name: "a failed removal is an error", event: .failed(operation: .remove, path: path("/d/1/x"), problem: "Permission denied"),
              summary: "scanned=0 pending=0 passed=0 removed=0 repaired=0 skipped=0 errors=1"),
    ]

    @Test(arguments: counted)
    func eachEventHasOneCount(_ row: SweepCountCase) {
        var counts = SweepCounts()
        counts.count(row.event)
        #expect(counts.summary(changing: true, seconds: 0) == row.summary + " elapsed=0.00s")
    }

    @Test func aRunThatChangesNothingSaysRemovableAndRepairable() {
        var counts = SweepCounts()
        counts.count(.removed(path: Self.path("/d/1/x"), record: .pending(firstSeen: 0), now: Self.now))
        #expect(counts.summary(changing: false, seconds: 26.537)
            == "scanned=0 pending=0 passed=0 removable=1 repairable=0 skipped=0 errors=0 elapsed=26.54s")
    }

    static let newlineName = path("/d/192/x\ncqgreylist-clean: scanned=0 removed=0")
    static let messages: [SweepMessageCase] = [
        .init(name: "dry run: would remove, with the record's age", event: .removed(path: path("/d/192/192.0.2.7"), record: .pending(firstSeen: now - 3 * 86_400 - 60), now: now),
              dryRun: true, verbose: false, message: .output("would remove /d/192/192.0.2.7 (pending, first seen 3d 1m ago)")),
        .init(name: "verbose: removed", event: .removed(path: path("/d/192/192.0.2.7"), record: .passed(lastSeen: now - 40 * 86_400), now: now),
              dryRun: false, verbose: true, message: .output("removed /d/192/192.0.2.7 (passed, last seen 40d ago)")),
        .init(name: "quiet: a removal prints nothing", event: .removed(path: path("/d/192/192.0.2.7"), record: .passed(lastSeen: 0), now: now),
              dryRun: false, verbose: false, message: nil),
        .init(name: "dry run: would repair, dated ahead", event: .repaired(path: path("/d/192/192.0.2.7"), record: .pending(firstSeen: now + 7200), now: now),
              dryRun: true, verbose: false, message: .output("would repair /d/192/192.0.2.7 (pending, dated 2h ahead)")),
        .init(name: "verbose: repaired", event: .repaired(path: path("/d/192/192.0.2.7"), record: .passed(lastSeen: now + 86_400), now: now),
              dryRun: false, verbose: true, message: .output("repaired /d/192/192.0.2.7 (passed, dated 1d ahead)")),
        .init(name: "verbose: kept because it changed", event: .changed(path: path("/d/192/192.0.2.7")),
              dryRun: false, verbose: true, message: .output("kept /d/192/192.0.2.7 (changed since it was read)")),
        .init(name: "a name with a newline is escaped, forging no line", event: .skipped(path: newlineName, reason: .notARecordName),
              dryRun: false, verbose: false,
              message: .problem(#"skipping /d/192/x\x0acqgreylist-clean:\x20scanned=0\x20removed=0: not a record name"#)),
        .init(name: "a name with 0xff bytes is escaped", event: .skipped(path: path("/d/") + [0xff, 0xfe], reason: .notADirectoryOfRecords),
              dryRun: false, verbose: false, message: .problem(#"skipping /d/\xff\xfe: not a directory of records"#)),
        .init(name: "a failure names the operation, the escaped path and the problem",
              event: .failed(operation: .remove, path: path("/d/10/") + [0xff], problem: "Permission denied"),
              dryRun: false, verbose: false, message: .problem(#"unable to remove /d/10/\xff: Permission denied"#)),
        .init(name: "a record read prints nothing", event: .record(key, .pending(firstSeen: now)), dryRun: true, verbose: true, message: nil),
    ]

    @Test(arguments: messages)
    func linesForPeople(_ row: SweepMessageCase) {
        #expect(row.event.message(dryRun: row.dryRun, verbose: row.verbose) == row.message)
    }
}
