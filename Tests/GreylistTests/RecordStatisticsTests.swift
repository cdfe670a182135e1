import Greylist
import GreylistAdmin
import Testing

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
