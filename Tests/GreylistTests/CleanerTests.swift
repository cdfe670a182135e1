import Greylist
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

    @Test(arguments: cases)
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
        let key = try #require(RecordKey(directory: directory.utf8, name: name.utf8))
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
        #expect(RecordKey(directory: directory.utf8, name: name.utf8) == nil)
    }
}

@Suite struct RecordStatisticsTests {
    @Test func countsAgesNeverCameBackAndBusiestPrefixes() {
        let now: Timestamp = 1_800_000_000
        var statistics = RecordStatistics(now: now, policy: Policy(delay: 300, window: 86_400, lifetime: 3_110_400))
        func key(_ name: String) -> RecordKey {
            RecordKey(address: ClientAddress(name)!, ipv4Prefix: 32, ipv6Prefix: name.contains("::") ? 128 : 64)
        }
        for host in 1...3 { statistics.add(.pending(firstSeen: now - 10), key: key("192.0.2.\(host)")) }
        statistics.add(.pending(firstSeen: now - 3 * 86_400), key: key("198.51.100.1"))
        statistics.add(.passed(lastSeen: now - 40 * 86_400), key: key("2001:db8::1"))
        statistics.add(.passed(lastSeen: now - 7200), key: key("2001:db8::2"))
        statistics.addForeign()
        statistics.finishDirectory()
        #expect(statistics.report() == [
            "records: 6 (pending 4, passed 2), foreign files: 1",
            "pending by age: <1h 3, 1h-1d 0, 1d-7d 1, 7d-30d 0, >=30d 0",
            "passed by time since last seen: <1h 0, 1h-1d 1, 1d-7d 0, 7d-30d 0, >=30d 1",
            "never came back (pending past the 86400s retry window): 1 (25% of pending)",
            "busiest /24: 192.0.2.0/24 3, 198.51.100.0/24 1",
            "busiest /64: 2001:db8::/64 2",
        ])
    }

    @Test(arguments: [(0, "0s"), (42, "42s"), (300, "5m"), (3661, "1h 1m"), (86_400, "1d"), (3 * 86_400 + 300, "3d 5m")] as [(Seconds, String)])
    func durationsForPeople(_ seconds: Seconds, _ text: String) {
        #expect(Settings.formatDuration(seconds) == text)
    }
}
