/// What a stretch of the wrapper's log says: connections by action and reason, the clients greylisted and
/// whether they came back, the delay the ones that passed paid (the `age` of `retried`), the clients that
/// retried too early most often, store errors and warnings. Fed one line at a time; it keeps one small tally
/// per client key and one count per distinct retry age (at most the retry window in seconds), never the lines.
public struct LogReport: Sendable {
    /// A client key's story in the period, in 16 bytes (a busy server's log has hundreds of thousands of clients).
    struct ClientTally: Sendable {
        /// When it was last greylisted, in seconds since the epoch (0: never, or only on lines without a time).
        var lastGreylisted: UInt32 = 0
        var earlyRetries: UInt32 = 0
        /// Retries that passed it before it was greylisted in the period (it was greylisted before the period,
        /// or, in a part of a log read in parallel, before the part).
        var unmatchedRetries: UInt32 = 0
        var greylisted = false
        /// Whether it passed by a retry after being greylisted in the period.
        var passed = false
    }

    /// The lines to count: those timed within `since...until` when either is given (untimed lines are then
    /// left out); every line otherwise.
    public let since: Timestamp?, until: Timestamp?
    /// The retry window: a client greylisted less than this before the last line may still come back.
    public let window: Seconds

    /// Lines read, lines of the wrapper's that were counted, lines of other programs, unreadable lines.
    public private(set) var lines = 0, wrapperLines = 0, otherLines = 0, unreadableLines = 0
    /// Wrapper lines left out: timed outside the period, or untimed while a period was given.
    public private(set) var outsidePeriod = 0, untimed = 0
    /// The first and last times of the counted lines.
    public private(set) var firstTime: Timestamp?, lastTime: Timestamp?
    /// How many reasons there are (the last one's raw value is a constant; `allCases` makes an array).
    private static let reasonCount = LoggedReason.error.rawValue + 1
    /// Connections by action and reason, row by row (`count(_:_:)` reads it).
    private var connections = [Int](repeating: 0, count: LoggedAction.allCases.count * LoggedReason.allCases.count)
    /// `fatal:` lines (the next program could not be run).
    public private(set) var fatalLines = 0
    private var clients: [ClientKey: ClientTally] = [:]
    private var retryAges: [Seconds: Int] = [:]
    private var storeErrors = TextCounts(), warnings = TextCounts()

    /// An empty report for the period `since...until` (either may be open), with the given retry window.
    public init(since: Timestamp? = nil, until: Timestamp? = nil, window: Seconds = Settings.defaults.policy.window) {
        (self.since, self.until, self.window) = (since, until, window)
    }

    /// Makes room for `count` clients at once rather than growing step by step (each step rehashes them all).
    public mutating func reserveClients(_ count: Int) { clients.reserveCapacity(count) }

    /// Takes in one line (without its newline); returns why it could not be read, if it could not. A line
    /// longer than `maximumLineLength` is unreadable if it is the wrapper's, skipped as another program's if not.
    @discardableResult
    public mutating func add(line: Span<UInt8>) -> UnreadableLogLine? {
        lines += 1
        if line.count > Self.maximumLineLength {
            if case .other? = try? LogLine.parse(line.extracting(first: 40)).entry {
                otherLines += 1
                return nil
            }
            unreadableLines += 1
            return UnreadableLogLine("line over \(Self.maximumLineLength) bytes")
        }
        let time: Timestamp?, entry: LogEntry
        do { (time, entry) = try LogLine.parse(line) } catch {
            unreadableLines += 1
            return error
        }
        if case .other = entry {
            otherLines += 1
            return nil
        }
        if since != nil || until != nil {
            guard let time else { untimed += 1; return nil }
            if let since, time < since { outsidePeriod += 1; return nil }
            if let until, time > until { outsidePeriod += 1; return nil }
        }
        wrapperLines += 1
        if let time {
            firstTime = min(firstTime ?? time, time)
            lastTime = max(lastTime ?? time, time)
        }
        switch entry {
        case .connection(let connection): add(connection, time: time, in: line)
        case .warning(let text): warnings.add(Self.warningKind(LogLine.text(in: line, text)))
        case .fatal: fatalLines += 1
        case .other: break
        }
        return nil
    }

    /// The longest line read: the wrapper's are far shorter (client values are cut to 100 bytes, a reason to 500).
    public static let maximumLineLength = 4096

    /// Counts one connection's line.
    private mutating func add(_ connection: LoggedConnection, time: Timestamp?, in line: Span<UInt8>) {
        connections[connection.action.rawValue * Self.reasonCount + connection.reason.rawValue] += 1
        guard let keyRange = connection.key else { return }
        switch connection.reason {
        case .new, .early, .expired:
            // One lookup: the tally is changed in place.
            func greylist(_ tally: inout ClientTally) {
                tally.greylisted = true
                if let time { tally.lastGreylisted = UInt32(clamping: time) }
                if connection.reason == .early { tally.earlyRetries += 1 }
            }
            greylist(&clients[ClientKey(line, keyRange), default: ClientTally()])
        case .retried:
            if let age = connection.age { retryAges[age, default: 0] += 1 }
            func retry(_ tally: inout ClientTally) {
                if tally.greylisted { tally.passed = true } else { tally.unmatchedRetries += 1 }
            }
            retry(&clients[ClientKey(line, keyRange), default: ClientTally()])
        case .error:
            storeErrors.add(Self.errorKind(LogLine.text(in: line, connection.detail)))
        case .relayclient, .whitelisted, .whitelist, .known:
            break
        }
    }

    /// Takes in the report of the lines that followed this one's (another part of the same log, read in
    /// parallel): the result is the report of all the lines, as if read in one go.
    public mutating func append(_ later: LogReport) {
        (lines, wrapperLines, otherLines) = (lines + later.lines, wrapperLines + later.wrapperLines, otherLines + later.otherLines)
        (unreadableLines, outsidePeriod, untimed) = (unreadableLines + later.unreadableLines, outsidePeriod + later.outsidePeriod,
                                                     untimed + later.untimed)
        fatalLines += later.fatalLines
        if let time = later.firstTime { firstTime = min(firstTime ?? time, time) }
        if let time = later.lastTime { lastTime = max(lastTime ?? time, time) }
        for index in connections.indices { connections[index] += later.connections[index] }
        for (age, count) in later.retryAges { retryAges[age, default: 0] += count }
        storeErrors.add(later.storeErrors)
        warnings.add(later.warnings)
        for (key, next) in later.clients {
            func append(_ tally: inout ClientTally) {
                // A retry the later part could not match passes a client this part greylisted.
                if tally.greylisted { tally.passed = tally.passed || next.unmatchedRetries > 0 } else { tally.unmatchedRetries += next.unmatchedRetries }
                tally.passed = tally.passed || next.passed
                tally.greylisted = tally.greylisted || next.greylisted
                tally.lastGreylisted = max(tally.lastGreylisted, next.lastGreylisted)
                tally.earlyRetries += next.earlyRetries
            }
            append(&clients[key, default: ClientTally()])
        }
    }

    /// Retried connections that passed a client not greylisted in the period (greylisted before it began).
    public var retriedWithoutGreylisting: Int { clients.values.reduce(0) { $0 + Int($1.unmatchedRetries) } }

    /// Connections counted with `action` and `reason`.
    public func count(_ action: LoggedAction, _ reason: LoggedReason) -> Int {
        connections[action.rawValue * Self.reasonCount + reason.rawValue]
    }

    /// All connections counted.
    public var connectionCount: Int { connections.reduce(0, +) }

    /// Distinct client keys greylisted (or, in log-only mode, that would have been) in the period.
    public var clientsGreylisted: Int { clients.values.reduce(0) { $0 + ($1.greylisted ? 1 : 0) } }

    /// Of those, the ones that came back after the delay and passed.
    public var clientsPassed: Int { clients.values.reduce(0) { $0 + ($1.greylisted && $1.passed ? 1 : 0) } }

    /// Of those that never passed, the ones greylisted within the retry window before the last line: they
    /// may still come back.
    public var clientsStillInWindow: Int {
        guard let lastTime else { return 0 }
        return clients.values.reduce(0) { $0 + ($1.greylisted && !$1.passed && Timestamp($1.lastGreylisted) > lastTime - window ? 1 : 0) }
    }

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

    /// The retried ages, ascending, with how many retries had each.
    public var retryAgeCounts: [(age: Seconds, count: Int)] {
        retryAges.sorted { $0.key < $1.key }.map { (age: $0.key, count: $0.value) }
    }

    /// The age at the given quantile (0...1) of the retries, by the nearest-rank method; nil without retries.
    public func retryAge(atQuantile quantile: (numerator: Int, denominator: Int)) -> Seconds? {
        let ages = retryAgeCounts, total = ages.reduce(0) { $0 + $1.count }
        guard total > 0 else { return nil }
        let rank = max(1, (total * quantile.numerator + quantile.denominator - 1) / quantile.denominator)
        var seen = 0
        for (age, count) in ages {
            seen += count
            if seen >= rank { return age }
        }
        return ages.last?.age
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
    public func mostEarlyRetries(_ count: Int) -> [(key: String, retries: Int)] {
        var top: [(key: String, retries: Int)] = []
        for (key, tally) in clients where tally.earlyRetries >= 2 {
            let entry = (key: key.text, retries: Int(tally.earlyRetries))
            guard top.count < count || Self.ranksBefore(entry, top[top.count - 1]) else { continue }
            top.insert(entry, at: top.firstIndex { Self.ranksBefore(entry, $0) } ?? top.count)
            if top.count > count { top.removeLast() }
        }
        return top
    }

    private static func ranksBefore(_ a: (key: String, retries: Int), _ b: (key: String, retries: Int)) -> Bool {
        a.retries != b.retries ? a.retries > b.retries : a.key < b.key
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

/// A record key as the log spells it, kept as bytes: a report makes one per greylisting and retry line, and a
/// String would cost more than parsing the line (validated and copied: about 400 ns, measured). Keys up to
/// 24 bytes (every IPv4 key, IPv6 /64 prefixes) are held inline; longer ones as text.
struct ClientKey: Hashable, Sendable {
    /// The bytes, zero-padded (a key is printable ASCII: no zero byte in it, so no length is needed).
    private var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
    private var long: [UInt8]?

    init(_ line: Span<UInt8>, _ range: Range<Int>) {
        guard range.count <= 24 else {
            var bytes: [UInt8] = []
            for index in range { bytes.append(line[index]) }
            long = bytes
            return
        }
        var word: UInt64 = 0, filled = 0
        for index in range {
            word |= UInt64(line[index]) << (8 * UInt64(filled % 8))
            filled += 1
            if filled % 8 == 0 || index == range.upperBound - 1 {
                switch (filled - 1) / 8 {
                case 0: words.0 = word
                case 1: words.1 = word
                default: words.2 = word
                }
                word = 0
            }
        }
    }

    /// The key as text.
    var text: String {
        if let long { return String(decoding: long, as: UTF8.self) }
        var text = ""
        for index in 0..<24 {
            let word = index < 8 ? words.0 : index < 16 ? words.1 : words.2
            let byte = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index % 8)))
            if byte == 0 { break }
            text.unicodeScalars.append(Unicode.Scalar(byte))
        }
        return text
    }

    static func == (a: ClientKey, b: ClientKey) -> Bool {
        a.words == b.words && a.long == b.long
    }

    func hash(into hasher: inout Hasher) {
        hasher.combine(words.0)
        hasher.combine(words.1)
        hasher.combine(words.2)
        if let long { hasher.combine(long) }
    }
}

/// Counts of texts, at most `limit` distinct ones (the rest counted as one "other").
struct TextCounts: Sendable {
    static let limit = 1000
    private var counts: [String: Int] = [:]
    private(set) var total = 0
    private var others = 0

    mutating func add(_ text: String, count: Int = 1) {
        total += count
        if counts[text] != nil || counts.count < Self.limit { counts[text, default: 0] += count } else { others += count }
    }

    mutating func add(_ other: TextCounts) {
        for (text, count) in other.counts { add(text, count: count) }
        (total, others) = (total + other.others, others + other.others)
    }

    var sorted: [(text: String, count: Int)] {
        let list = counts.map { (text: $0.key, count: $0.value) }.sorted { $0.count != $1.count ? $0.count > $1.count : $0.text < $1.text }
        return others > 0 ? list + [(text: "(other kinds)", count: others)] : list
    }
}
