import Greylist

/// What a report's counts add up to: clients, connections, errors and warnings, the delays retries paid.
extension LogReport {
    /// What the client keys' stories add up to.
    public struct ClientCounts: Equatable, Sendable {
        /// Distinct client keys greylisted (or, in log-only mode, that would have been) in the period.
        public var greylisted = 0
        /// Of those, the ones that came back after the delay and passed.
        public var passed = 0
        /// Of those that never passed, the ones greylisted within the retry window before the last line: they
        /// may still come back.
        public var stillInWindow = 0
        /// Client keys a retry passed before any greylisting in the period (they were greylisted before it began).
        public var retriedWithoutGreylisting = 0
    }

    /// The client counts, in one pass over the tallies.
    public var clientCounts: ClientCounts {
        var counts = ClientCounts()
        func count(_ tally: ClientTally) {
            if tally.greylisted {
                counts.greylisted += 1
                if tally.passed {
                    counts.passed += 1
                } else if let lastTime, Timestamp(tally.lastGreylisted) > lastTime - window {
                    counts.stillInWindow += 1
                }
            }
            if tally.retriedBeforeGreylisting { counts.retriedWithoutGreylisting += 1 }
        }
        for entry in clients.entries { count(entry.tally) }
        for tally in longClients.values { count(tally) }
        return counts
    }

    /// Connections counted with `action` and `reason`.
    public func count(_ action: LoggedAction, _ reason: LoggedReason) -> Int {
        connections[action.rawValue * Self.reasonCount + reason.rawValue]
    }

    /// All connections counted.
    public var connectionCount: Int { connections.reduce(0, +) }

    /// Store errors (`reason=error` on a line with a key), by operation and problem, most frequent first.
    public var storeErrorCounts: [(text: String, count: Int)] { storeErrors.sorted }
    /// `warning:` lines by kind, most frequent first.
    public var warningCounts: [(text: String, count: Int)] { warnings.sorted }
    /// How many store errors were counted.
    public var storeErrorTotal: Int { storeErrors.total }
    /// How many warnings were counted.
    public var warningTotal: Int { warnings.total }

    /// The number of retries that passed, and the sum of their ages.
    public var retries: (count: Int, totalAge: Seconds) {
        retryAges.reduce((0, 0)) { ($0.0 + $1.value, $0.1 + $1.key * Seconds($1.value)) }
    }

    /// The ages at `quantiles` (fractions of 0...1, ascending) of the retries, by the nearest-rank method; nil
    /// without retries.
    public func retryAges(atQuantiles quantiles: [(numerator: Int, denominator: Int)]) -> [Seconds]? {
        precondition(zip(quantiles, quantiles.dropFirst()).allSatisfy { $0.numerator * $1.denominator <= $1.numerator * $0.denominator },
                     "quantiles in ascending order")
        let ages = retryAges.sorted { $0.key < $1.key }, total = ages.reduce(0) { $0 + $1.value }
        guard total > 0 else { return nil }
        var found: [Seconds] = [], seen = 0, next = ages.makeIterator()
        var age = ages[0].key
        for quantile in quantiles {
            let rank = Self.nearestRank(of: quantile, among: total)
            while seen < rank, let entry = next.next() { (age, seen) = (entry.key, seen + entry.value) }
            found.append(age)
        }
        return found
    }

    /// The rank (from 1) of the value at `quantile` (a fraction of 0...1) of `total` values, by the nearest-rank method.
    static func nearestRank(of quantile: (numerator: Int, denominator: Int), among total: Int) -> Int {
        max(1, (total * quantile.numerator + quantile.denominator - 1) / quantile.denominator)
    }

    /// The quantiles the report gives: median, 90th and 99th percentile, maximum.
    public static let quantiles: [(name: String, label: String, fraction: (numerator: Int, denominator: Int))] = [
        ("median", "0.5", (1, 2)), ("90th", "0.9", (9, 10)), ("99th", "0.99", (99, 100)), ("max", "1", (1, 1)),
    ]

    /// The histogram's buckets of retried ages, as upper bounds (exclusive).
    public static let delayBuckets: [(label: String, below: Seconds)] = [
        ("<5m", 300), ("5m-10m", 600), ("10m-15m", 900), ("15m-30m", 1800), ("30m-1h", 3600), ("1h-2h", 7200),
        ("2h-4h", 14_400), ("4h-8h", 28_800), ("8h-1d", 86_400), (">=1d", .max),
    ]

    /// How many retries fell in each of `delayBuckets`.
    public var delayHistogram: [Int] {
        var counts = [Int](repeating: 0, count: Self.delayBuckets.count)
        for (age, count) in retryAges {
            counts[Self.delayBuckets.firstIndex { age < $0.below } ?? Self.delayBuckets.count - 1] += count
        }
        return counts
    }

    /// The `count` client keys with the most early retries (at least two), most first.
    /// Ties go to the key first in byte order. Short keys are ranked before they are spelled out: a busy log
    /// has tens of thousands of clients with two early retries.
    public func mostEarlyRetries(_ count: Int) -> [(key: String, retries: Int)] {
        let short = clients.entries.lazy.filter { $0.tally.earlyRetries >= 2 }.map { (key: $0.key, retries: Int($0.tally.earlyRetries)) }
        let long = longClients.lazy.filter { $0.value.earlyRetries >= 2 }
            .map { (key: String(decoding: $0.key, as: UTF8.self), retries: Int($0.value.earlyRetries)) }
        let spelled = Self.top(count, of: short, keyPrecedes: { $0.precedes($1) }).map { (key: $0.key.text, retries: $0.retries) }
        return Self.top(count, of: spelled + long, keyPrecedes: <)
    }

    /// The `count` entries with the most retries, most first, ties in key order.
    private static func top<Key>(_ count: Int, of entries: some Sequence<(key: Key, retries: Int)>,
                                 keyPrecedes: (Key, Key) -> Bool) -> [(key: Key, retries: Int)] {
        func ranksBefore(_ a: (key: Key, retries: Int), _ b: (key: Key, retries: Int)) -> Bool {
            a.retries != b.retries ? a.retries > b.retries : keyPrecedes(a.key, b.key)
        }
        var top: [(key: Key, retries: Int)] = []
        guard count > 0 else { return top }
        for entry in entries {
            guard top.count < count || ranksBefore(entry, top[top.count - 1]) else { continue }
            top.insert(entry, at: top.firstIndex { ranksBefore(entry, $0) } ?? top.count)
            if top.count > count { top.removeLast() }
        }
        return top
    }

    /// A store error's kind: its operation and problem without the path (`mkdir: Permission denied`), so one
    /// broken directory is one line, not one per client.
    static func errorKind(_ text: String) -> String {
        guard let operation = text.split(separator: " ").first, let colon = text.lastIndex(of: ":") else { return text }
        return String(operation) + text[colon...]
    }

    /// A warning's kind: its text up to the first quote, or for a record dated ahead, that alone.
    static func warningKind(_ string: String) -> String {
        if string.hasPrefix("record "), string.hasSuffix(" ahead of the clock: started over as of now") {
            return "record dated ahead of the clock: started over as of now"
        }
        let kind = string.prefix { $0 != "\"" }
        return String(kind.count < string.count ? kind + "…" : kind)
    }
}
