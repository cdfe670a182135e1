import Greylist
import GreylistAdmin
import Testing

struct ExpiryCase: CustomTestStringConvertible, Sendable {
    let name: String, record: Record, expired: Bool
    var testDescription: String { name }
}

@Suite struct ExpiryTests {
    static let now: Timestamp = 1_800_000_000
    static let policy = Policy(delay: 300, window: 86_400, lifetime: 36 * 86_400)
    static let grace: Seconds = 3600
    static let cases: [ExpiryCase] = [
        .init(name: "pending, age = window + grace → kept", record: .pending(firstSeen: now - 86_400 - 3600), expired: false),
        .init(name: "pending, age = window + grace + 1 → removed", record: .pending(firstSeen: now - 86_400 - 3601), expired: true),
        .init(name: "pending, age = window + 1 → kept (inside the grace)", record: .pending(firstSeen: now - 86_401), expired: false),
        .init(name: "pending from the future → kept", record: .pending(firstSeen: now + 999), expired: false),
        .init(name: "pending a year in the future → kept (repaired, not removed)", record: .pending(firstSeen: now + 366 * 86_400), expired: false),
        .init(name: "passed, age = lifetime + refresh + grace → kept", record: .passed(lastSeen: now - 36 * 86_400 - 7200), expired: false),
        .init(name: "passed, age = lifetime + refresh + grace + 1 → removed", record: .passed(lastSeen: now - 36 * 86_400 - 7201), expired: true),
        .init(name: "passed a year in the future → kept", record: .passed(lastSeen: now + 366 * 86_400), expired: false),
        .init(name: "passed, age = window + grace + 1 → kept", record: .passed(lastSeen: now - 86_400 - 3601), expired: false),
    ]

    static let young: [ExpiryCase] = [
        .init(name: "pending, age = 0 → kept", record: .pending(firstSeen: now), expired: false),
        .init(name: "pending, age = 1m → kept", record: .pending(firstSeen: now - 60), expired: false),
        .init(name: "pending, age = grace → kept", record: .pending(firstSeen: now - 3600), expired: false),
        .init(name: "pending, 30s ahead (within the tolerance) → kept", record: .pending(firstSeen: now + 30), expired: false),
        .init(name: "passed, age = 1m → kept", record: .passed(lastSeen: now - 60), expired: false),
    ]

    @Test(arguments: cases + young)
    func theCleanerRemovesExactlyWhatTheWrapperWouldRestart(_ row: ExpiryCase) {
        #expect(Self.policy.isExpired(row.record, now: Self.now, grace: Self.grace) == row.expired)
    }
}

@Suite struct RecordNameTests {
    @Test(arguments: [
        ("192", "192.0.2.7", "192.0.2.7"), ("192", "192.0.2", "192.0.2.0"), ("0", "0.0.0.0", "0.0.0.0"),
        ("2001", "2001:db8:1:2::", "2001:db8:1:2::"), ("0", "::", "::"), ("fe80", "fe80::1_128", "fe80::1"),
        ("2001", "2001:db8:1::_48", "2001:db8:1::"), ("2001", "2001::_16", "2001::"),
    ])
    func recordNames(_ directory: String, _ name: String, _ address: String) throws {
        let key = try #require(RecordKey(directory: directory, name: name))
        #expect(key.address == ClientAddress(address))
        #expect(key.relativePath == directory + "/" + name)
    }

    @Test(arguments: [
        ("10", "192.0.2.7"), ("192", "192.0.2.07"), ("192", "192.0.2.7.tmp"), ("192", ".clean"), ("192", "junk"),
        ("2001", "2001:DB8::"), ("2001", "2001:0db8::"), ("2002", "2001:db8::"), ("0", "::ffff:1.2.3.4"),
        ("192", "192.0"), ("192", "192.0.2."), ("192", ""), ("x", "192.0.2.7"),
        ("fe80", "fe80::1"), ("2001", "2001:db8:1::_64"), ("2001", "2001:db8:1::_15"), ("2001", "2001:db8:1::_129"),
        ("2001", "2001:db8:1::1_48"), ("2001", "2001:db8:1::_048"), ("2001", "2001:db8:1::_"), ("192", "192.0.2.7_32"),
    ])
    func foreignNames(_ directory: String, _ name: String) {
        #expect(RecordKey(directory: directory, name: name) == nil)
    }
}

@Suite struct RecordStatisticsTests {
    @Test func countsAgesNeverCameBackAndBusiestPrefixes() {
        let now: Timestamp = 1_800_000_000
        var statistics = RecordStatistics(now: now, policy: Policy(delay: 300, window: 86_400, lifetime: 3_110_400))
        var counts = SweepCounts()
        func key(_ name: String) -> RecordKey {
            RecordKey(address: ClientAddress(name)!, ipv4Prefix: 32, ipv6Prefix: name.contains("::") ? 128 : 64)
        }
        func add(_ event: SweepEvent) { counts.count(event); statistics.add(event) }
        for host in 1...3 { add(.record(key("192.0.2.\(host)"), .pending(firstSeen: now - 10))) }
        add(.record(key("198.51.100.1"), .pending(firstSeen: now - 3 * 86_400)))
        add(.record(key("2001:db8::1"), .passed(lastSeen: now - 40 * 86_400)))
        add(.record(key("2001:db8::2"), .passed(lastSeen: now - 7200)))
        add(.skipped(path: Array("/d/192/notes".utf8), reason: .notARecordName))
        add(.finishedDirectory)
        #expect(statistics.report(counts: counts) == [
            "records: 6 (pending 4, passed 2), foreign files: 1",
            "pending by age: <=1h 3, 1h-1d 0, 1d-7d 1, 7d-30d 0, >30d 0",
            "passed by time since last seen: <=1h 0, 1h-1d 1, 1d-7d 0, 7d-30d 0, >30d 1",
            "never came back (pending past the 86400s retry window): 1 (25% of pending)",
            "busiest /24: 192.0.2.0/24 3, 198.51.100.0/24 1",
            "busiest /64: 2001:db8::/64 2",
        ])
    }

    /// A record exactly as old as a bucket's bound is counted in that bucket, as Prometheus reads `le` (at most).
    @Test(arguments: [(3599, 1), (3600, 1), (3601, 0)] as [(Seconds, Int)])
    func anAgeOnABoundIsInItsBucket(_ age: Seconds, _ inFirstBucket: Int) {
        let now: Timestamp = 1_800_000_000
        var statistics = RecordStatistics(now: now, policy: Policy(delay: 300, window: 86_400, lifetime: 3_110_400))
        var counts = SweepCounts()
        let event = SweepEvent.record(RecordKey(address: ClientAddress("192.0.2.1")!, ipv4Prefix: 32, ipv6Prefix: 64),
                                      .pending(firstSeen: now - age))
        counts.count(event)
        statistics.add(event)
        #expect(statistics.pendingAges[0] == inFirstBucket)
        let text = counts.metrics(changing: false, milliseconds: 0, statistics: statistics).text
        #expect(text.contains("cqgreylist_state_record_age_seconds_bucket{state=\"pending\",le=\"3600\"} \(inFirstBucket)\n"), "\(text)")
    }

    @Test(arguments: [(0, "0s"), (42, "42s"), (300, "5m"), (3661, "1h 1m"), (86_400, "1d"), (3 * 86_400 + 300, "3d 5m")] as [(Seconds, String)])
    func durationsForPeople(_ seconds: Seconds, _ text: String) {
        #expect(Settings.formatDuration(seconds) == text)
    }
}

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
