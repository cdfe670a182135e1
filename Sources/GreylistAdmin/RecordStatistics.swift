import Greylist

/// What `cqgreylist-clean --stats` tells about a state directory: records by state and age, how many clients
/// never came back, and the busiest /24 and /64 prefixes. Fed the cleaner's events, directory by directory,
/// so its memory stays bounded whatever the number of records. The totals are `SweepCounts`'s.
public struct RecordStatistics: Sendable {
    /// The age buckets of the distributions, as upper bounds (inclusive, as Prometheus' `le`).
    public static let ageBuckets: [(label: String, atMost: Seconds)] = [
        ("<=1h", 3600), ("1h-1d", 86_400), ("1d-7d", 7 * 86_400), ("7d-30d", 30 * 86_400), (">30d", .max),
    ]
    /// Prefixes counted per directory at most; past that a directory's counts are approximate.
    public static let prefixLimit = 65_536
    /// How many of the busiest prefixes are reported.
    public static let busiestCount = 10

    private let now: Timestamp
    private let policy: Policy
    /// Pending records past the retry window so far.
    public private(set) var neverCameBack = 0
    /// Records by age bucket (`ageBuckets`): pending ones by time since first seen, passed ones since last seen.
    public private(set) var pendingAges = [Int](repeating: 0, count: ageBuckets.count),
                            passedAges = [Int](repeating: 0, count: ageBuckets.count)
    /// The sums of those ages, in seconds.
    public private(set) var pendingAgeTotal: Seconds = 0, passedAgeTotal: Seconds = 0
    private var directoryCounts: [ClientAddress: Int] = [:]
    /// The busiest /24 and /64 prefixes so far, with their record counts, busiest first.
    public private(set) var busiest: (v4: [(ClientAddress, Int)], v6: [(ClientAddress, Int)]) = ([], [])
    private var approximate = false

    /// Statistics as of `now`, with `policy`'s retry window deciding who never came back.
    public init(now: Timestamp, policy: Policy) { (self.now, self.policy) = (now, policy) }

    /// Takes in one event of the sweep: a record, or the end of a first-level directory.
    public mutating func add(_ event: SweepEvent) {
        switch event {
        case .record(let key, let record): add(record, key: key)
        case .finishedDirectory: finishDirectory()
        default: break
        }
    }

    /// Counts one record.
    public mutating func add(_ record: Record, key: RecordKey) {
        switch record {
        case .pending(let firstSeen):
            pendingAges[Self.bucket(max(0, now - firstSeen))] += 1
            pendingAgeTotal += max(0, now - firstSeen)
            if now - firstSeen > policy.window { neverCameBack += 1 }
        case .passed(let lastSeen):
            passedAges[Self.bucket(max(0, now - lastSeen))] += 1
            passedAgeTotal += max(0, now - lastSeen)
        }
        let prefix = key.address.masked(to: key.address.isIPv4 ? 24 : 64)
        if directoryCounts[prefix] != nil || directoryCounts.count < Self.prefixLimit {
            directoryCounts[prefix, default: 0] += 1
        } else {
            approximate = true
        }
    }

    /// Ends a first-level directory: its prefix counts join the busiest lists and are forgotten.
    public mutating func finishDirectory() {
        for (prefix, count) in directoryCounts {
            if prefix.isIPv4 { Self.insert((prefix, count), into: &busiest.v4) } else { Self.insert((prefix, count), into: &busiest.v6) }
        }
        directoryCounts = [:]
    }

    /// The report, one line each, with the totals from `counts`.
    public func report(counts: SweepCounts) -> [String] {
        let (pending, passed) = (counts.pending, counts.passed)
        func distribution(_ counts: [Int]) -> String {
            zip(Self.ageBuckets, counts).map { "\($0.label) \($1)" }.joined(separator: ", ")
        }
        func list(_ entries: [(ClientAddress, Int)], _ length: Int) -> String {
            entries.isEmpty ? "none" : entries.map { "\(Network($0.0, prefixLength: length).key) \($0.1)" }.joined(separator: ", ")
        }
        let share = pending == 0 ? 0 : neverCameBack * 100 / pending
        return [
            "records: \(pending + passed) (pending \(pending), passed \(passed)), foreign files: \(counts.skipped)",
            "pending by age: \(distribution(pendingAges))",
            "passed by time since last seen: \(distribution(passedAges))",
            "never came back (pending past the \(policy.window)s retry window): \(neverCameBack) (\(share)% of pending)",
            "busiest /24: \(list(busiest.v4, 24))",
            "busiest /64: \(list(busiest.v6, 64))" + (approximate ? " (approximate: over \(Self.prefixLimit) prefixes in a directory)" : ""),
        ]
    }

    private static func bucket(_ age: Seconds) -> Int {
        ageBuckets.firstIndex { age <= $0.atMost } ?? ageBuckets.count - 1
    }

    private static func insert(_ entry: (ClientAddress, Int), into list: inout [(ClientAddress, Int)]) {
        guard list.count < busiestCount || entry.1 > list[list.count - 1].1 else { return }
        let index = list.firstIndex { $0.1 < entry.1 } ?? list.count
        list.insert(entry, at: index)
        if list.count > busiestCount { list.removeLast() }
    }
}
