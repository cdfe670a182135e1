import Greylist

/// What a stretch of the wrapper's log says: connections by action and reason, the clients greylisted and
/// whether they came back, the delay the ones that passed paid (the `age` of `retried`), the clients that
/// retried too early most often, store errors and warnings. Fed one line at a time; it keeps one small tally
/// per client key and one count per distinct retry age (at most the retry window in seconds), never the lines.
public struct LogReport: Sendable {
    /// A client key's story in the period, in 24 bytes (a busy server's log has hundreds of thousands of clients).
    /// Timed lines are matched by time, so that logs of several hosts sharing records (Redis) may be read in any
    /// order; a line without a time is matched by order (a pass after a greylisting passes the client).
    struct ClientTally: Sendable {
        /// The first and last times it was greylisted, in seconds since the epoch (0: not on a timed line).
        var firstGreylisted: UInt32 = 0, lastGreylisted: UInt32 = 0
        /// The last time it passed by a retry or as known, the first time by a retry (0: not on a timed line).
        var lastPassed: UInt32 = 0, firstRetried: UInt32 = 0
        var earlyRetries: UInt32 = 0
        var marks: Marks = []

        /// What the lines without a time said, in order.
        struct Marks: OptionSet, Sendable {
            let rawValue: UInt8
            /// Greylisted on a line without a time.
            static let greylistedUntimed = Marks(rawValue: 1)
            /// A pass followed a greylisting, one of the two on a line without a time.
            static let passedInOrder = Marks(rawValue: 2)
            /// A pass without a time came before any greylisting (in a part of a log read in parallel: the
            /// greylisting may be in an earlier part).
            static let untimedPassFirst = Marks(rawValue: 4)
            /// A timed pass came before any greylisting without a time.
            static let timedPassFirst = Marks(rawValue: 8)
            /// A retry without a time came before any greylisting: it was greylisted before the period.
            static let untimedRetryFirst = Marks(rawValue: 16)
        }

        var greylisted: Bool { firstGreylisted != 0 || marks.contains(.greylistedUntimed) }

        /// Whether it passed after being greylisted in the period: by a retry or as known, timed at or after its
        /// first greylisting, or following it in order where either line has no time.
        var passed: Bool {
            marks.contains(.passedInOrder) || (firstGreylisted != 0 && lastPassed >= firstGreylisted)
        }

        /// Whether a retry passed it before any greylisting in the period (it was greylisted before the period).
        var retriedBeforeGreylisting: Bool {
            marks.contains(.untimedRetryFirst)
                || (firstRetried != 0 && !marks.contains(.greylistedUntimed) && (firstGreylisted == 0 || firstRetried < firstGreylisted))
        }

        /// Takes in a greylisting, at `time` if the line had one.
        mutating func greylist(at time: UInt32?) {
            guard let time else { marks.insert(.greylistedUntimed); return }
            firstGreylisted = firstGreylisted == 0 ? time : min(firstGreylisted, time)
            lastGreylisted = max(lastGreylisted, time)
        }

        /// Takes in a pass by a retry or as known, at `time` if the line had one.
        mutating func pass(at time: UInt32?, retry: Bool) {
            if let time {
                lastPassed = max(lastPassed, time)
                if retry { firstRetried = firstRetried == 0 ? time : min(firstRetried, time) }
                if marks.contains(.greylistedUntimed) { marks.insert(.passedInOrder) } else { marks.insert(.timedPassFirst) }
            } else if greylisted {
                marks.insert(.passedInOrder)
            } else {
                marks.insert(retry ? [.untimedPassFirst, .untimedRetryFirst] : .untimedPassFirst)
            }
        }

        /// Makes `change`.
        mutating func apply(_ change: Change) {
            switch change {
            case .greylisted(let time, let early):
                greylist(at: time)
                if early { earlyRetries += 1 }
            case .passed(let time, let retry): pass(at: time, retry: retry)
            case .followedBy(let next): append(next)
            }
        }

        /// A change to a tally, as a value: changes wait in batches (see `ClientTable`).
        enum Change: Sendable {
            /// Greylisted, at the time if the line had one; `early`: a retry before the delay was up.
            case greylisted(at: UInt32?, early: Bool)
            /// Passed by a retry or as known, at the time if the line had one.
            case passed(at: UInt32?, retry: Bool)
            /// The tally of the same key in the lines that followed.
            case followedBy(ClientTally)
        }

        /// Takes in the tally of the same key in the lines that followed.
        mutating func append(_ next: ClientTally) {
            if greylisted {
                if next.marks.contains(.untimedPassFirst) { marks.insert(.passedInOrder) }
            } else {
                marks.formUnion(next.marks.intersection([.untimedPassFirst, .untimedRetryFirst]))
            }
            if marks.contains(.greylistedUntimed) {
                if next.marks.contains(.timedPassFirst) { marks.insert(.passedInOrder) }
            } else {
                marks.formUnion(next.marks.intersection(.timedPassFirst))
            }
            marks.formUnion(next.marks.intersection([.greylistedUntimed, .passedInOrder]))
            func earliest(_ a: UInt32, _ b: UInt32) -> UInt32 { a == 0 ? b : b == 0 ? a : min(a, b) }
            (firstGreylisted, lastGreylisted) = (earliest(firstGreylisted, next.firstGreylisted), max(lastGreylisted, next.lastGreylisted))
            (lastPassed, firstRetried) = (max(lastPassed, next.lastPassed), earliest(firstRetried, next.firstRetried))
            earlyRetries += next.earlyRetries
        }
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
    /// Tallies by key: keys up to 24 bytes (nearly all) in a table of small entries, longer ones apart.
    private var clients = ClientTable()
    private var longClients: [[UInt8]: ClientTally] = [:]
    private var retryAges: [Seconds: Int] = [:]
    private var storeErrors = TextCounts(), warnings = TextCounts()
    /// The log's words, kept here: the loop over lines then reads them without a check that they are made.
    private let words = LogWords.standard

    /// An empty report for the period `since...until` (either may be open), with the given retry window.
    public init(since: Timestamp? = nil, until: Timestamp? = nil, window: Seconds = Settings.defaults.policy.window) {
        (self.since, self.until, self.window) = (since, until, window)
    }

    /// Makes room for `count` clients at once rather than growing step by step (each step rehashes them all).
    public mutating func reserveClients(_ count: Int) { clients.reserve(count) }

    /// Makes the changes to clients' tallies that still wait in a batch. Call it once the lines are added:
    /// the report reads the same without, but each reading then works on a copy of the tallies.
    public mutating func finish() { clients.makeWaitingChanges() }

    /// Takes in one line (without its newline); returns why it could not be read, if it could not. A line
    /// longer than `maximumLineLength` is unreadable if it is the wrapper's, skipped as another program's if not.
    @discardableResult
    public mutating func add(line: Span<UInt8>) -> UnreadableLogLine? {
        lines += 1
        if line.count > Self.maximumLineLength {
            if case .other? = try? LogLine.parse(line.extracting(first: 40), words: words).entry {
                otherLines += 1
                return nil
            }
            unreadableLines += 1
            return UnreadableLogLine("line over \(Self.maximumLineLength) bytes")
        }
        let time: Timestamp?, entry: LogEntry
        do { (time, entry) = try LogLine.parse(line, words: words) } catch {
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
        case .usage, .other: break
        }
        return nil
    }

    /// The longest line read: the wrapper's are far shorter (client values are cut to 100 bytes, a reason to 500).
    public static let maximumLineLength = 4096

    /// A line's time as a tally keeps it: 0 is kept for none.
    private static func tallyTime(_ time: Timestamp) -> UInt32 { UInt32(clamping: max(time, 1)) }

    /// Counts one connection's line.
    private mutating func add(_ connection: LoggedConnection, time: Timestamp?, in line: Span<UInt8>) {
        connections[connection.action.rawValue * Self.reasonCount + connection.reason.rawValue] += 1
        guard let keyRange = connection.key else { return }
        switch connection.reason {
        case .new, .early, .expired:
            updateTally(of: keyRange, in: line, .greylisted(at: time.map(Self.tallyTime), early: connection.reason == .early))
        case .retried, .known:
            if connection.reason == .retried, let age = connection.age { retryAges[age, default: 0] += 1 }
            updateTally(of: keyRange, in: line, .passed(at: time.map(Self.tallyTime), retry: connection.reason == .retried))
        case .error:
            storeErrors.add(Self.errorKind(LogLine.text(in: line, connection.detail)))
        case .relayclient, .whitelisted, .whitelist:
            break
        }
    }

    /// Changes the tally of the key at `range` of `line`, starting an empty one if needed.
    private mutating func updateTally(of range: Range<Int>, in line: Span<UInt8>, _ change: ClientTally.Change) {
        if let key = ClientKey(line, range) {
            clients.update(key, change)
        } else {
            var bytes: [UInt8] = []
            for index in range { bytes.append(line[index]) }
            longClients[bytes, default: ClientTally()].apply(change)
        }
    }

    /// Takes in the report of the lines that followed this one's (another part of the same log, read in
    /// parallel): the result is the report of all the lines, as if read in one go.
    public mutating func append(_ later: LogReport) {
        if lines == 0 && (since, until, window) == (later.since, later.until, later.window) {
            self = later   // nothing read yet: the same result without copying every client's tally
            return
        }
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
        clients.merge(later.clients)
        for (key, next) in later.longClients { longClients[key, default: ClientTally()].append(next) }
    }

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
            let rank = max(1, (total * quantile.numerator + quantile.denominator - 1) / quantile.denominator)
            while seen < rank, let entry = next.next() { (age, seen) = (entry.key, seen + entry.value) }
            found.append(age)
        }
        return found
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

/// A record key of up to 24 bytes (every IPv4 key, IPv6 /64 prefixes) as the log spells it, held in three
/// words: a report makes one per greylisting and pass line, and a String would cost more than parsing the line
/// (validated and copied: about 400 ns, measured). Longer keys (rare) are kept apart as bytes.
struct ClientKey: Equatable, Sendable {
    /// The bytes, zero-padded (a key is printable ASCII: no zero byte in it, so no length is needed).
    private var words: (UInt64, UInt64, UInt64) = (0, 0, 0)

    /// The free slot's mark in a `ClientTable`: no key.
    init() {}

    /// Whether this is the free slot's mark.
    var isFree: Bool { words.0 == 0 }

    /// The first 8 bytes.
    var firstWord: UInt64 { words.0 }

    /// The key at `range` of `line`; nil if it is longer than 24 bytes.
    init?(_ line: Span<UInt8>, _ range: Range<Int>) {
        guard range.count <= 24 else { return nil }
        /// The up to 8 bytes from `start` on, the first in the lowest bits.
        func word(from start: Int) -> UInt64 {
            var word: UInt64 = 0, index = min(start + 8, range.upperBound)
            while index > start {
                index -= 1
                word = word << 8 | UInt64(line[index])
            }
            return word
        }
        words = (word(from: range.lowerBound), word(from: range.lowerBound + 8), word(from: range.lowerBound + 16))
    }

    /// The key as text.
    var text: String {
        var text = ""
        for index in 0..<24 {
            let word = index < 8 ? words.0 : index < 16 ? words.1 : words.2
            let byte = UInt8(truncatingIfNeeded: word >> (8 * UInt64(index % 8)))
            if byte == 0 { break }
            text.unicodeScalars.append(Unicode.Scalar(byte))
        }
        return text
    }

    static func == (a: ClientKey, b: ClientKey) -> Bool { a.words == b.words }

    /// Whether this key comes before `other` in byte order (as their texts do).
    func precedes(_ other: ClientKey) -> Bool {
        (words.0.byteSwapped, words.1.byteSwapped, words.2.byteSwapped) < (other.words.0.byteSwapped, other.words.1.byteSwapped,
                                                                            other.words.2.byteSwapped)
    }

    /// The key's hash under a secret `seed`: a multiply and shift round per word, and one more so that every
    /// bit of the last word reaches the low bits a table uses (a tenth of `Hasher`'s time here, measured; the
    /// seed keeps keys from being crafted to collide).
    func hash(seed: UInt64) -> Int {
        var hash = (seed ^ words.0) &* 0x9E37_79B9_7F4A_7C15
        hash = (hash ^ hash >> 29 ^ words.1) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ hash >> 31 ^ words.2) &* 0x94D0_49BB_1331_11EB
        hash = (hash ^ hash >> 32) &* 0xD6E8_FEB8_6659_FD93
        return Int(truncatingIfNeeded: hash ^ hash >> 32)
    }
}

/// Client tallies by key in one array of key and tally side by side (open addressing, linear probing): a
/// lookup in a table bigger than the processor's caches then misses once, not once for the key and once for the
/// tally as in a Dictionary. Changes wait in batches: the slots of a batch are read all together first, so that
/// their cache misses overlap instead of following one another (a report's main cost otherwise). Keys are
/// hashed under a seed `Hasher` draws per process, so crafted keys cannot flood it.
struct ClientTable: Sendable {
    typealias Slot = (key: ClientKey, tally: LogReport.ClientTally)
    /// Keys and tallies; an all-zero key marks a free slot (a key is never empty).
    private var slots = [Slot](repeating: (ClientKey(), LogReport.ClientTally()), count: 16)
    private var count = 0
    /// Changes not made yet, in order, with their key's hash.
    private var waiting: [(key: ClientKey, hash: Int, change: LogReport.ClientTally.Change)] = []
    /// Bits of the slots a batch looked at: kept, so that the reads are made.
    private var looked: UInt64 = 0
    private let seed: UInt64 = {
        var hasher = Hasher()
        hasher.combine(0)
        return UInt64(truncatingIfNeeded: hasher.finalize())
    }()

    /// How many changes wait before they are made.
    static let batch = 32

    /// Makes room for `count` keys at once.
    mutating func reserve(_ count: Int) {
        var size = slots.count
        while size * 7 < count * 8 { size *= 2 }
        if size > slots.count { resize(to: size) }
    }

    /// Changes the tally of `key` (starting an empty one if it has none), now or with the batch it joins.
    mutating func update(_ key: ClientKey, _ change: LogReport.ClientTally.Change) {
        waiting.append((key, key.hash(seed: seed), change))
        if waiting.count == Self.batch { makeWaitingChanges() }
    }

    /// Makes the changes that wait, in order.
    mutating func makeWaitingChanges() {
        var mask = slots.count - 1
        for change in waiting {   // independent reads, their misses overlapping: the key, and the tally (a slot may span two cache lines)
            let slot = slots[change.hash & mask]
            looked |= slot.key.firstWord | UInt64(slot.tally.earlyRetries)
        }
        for (key, hash, change) in waiting {
            var index = hash & mask
            while !slots[index].key.isFree && slots[index].key != key { index = (index + 1) & mask }
            if slots[index].key.isFree {
                slots[index].key = key
                count += 1
            }
            slots[index].tally.apply(change)
            if count * 8 > slots.count * 7 {
                resize(to: slots.count * 2)
                mask = slots.count - 1
            }
        }
        waiting.removeAll(keepingCapacity: true)
    }

    /// Takes in `other`'s tallies, each following this table's of the same key. The table is first made at
    /// least as large as `other`'s: keys taken in `other`'s order (its hash order) into a smaller table would fill
    /// it in long runs.
    mutating func merge(_ other: ClientTable) {
        if slots.count < other.slots.count { resize(to: other.slots.count) }
        for (key, tally) in other.entries { update(key, .followedBy(tally)) }
        makeWaitingChanges()
    }

    /// The keys and their tallies, in no particular order (with every change made).
    var entries: LazyFilterSequence<[Slot]> {
        var table = self
        if !table.waiting.isEmpty { table.makeWaitingChanges() }   // copies the slots: only when changes wait
        return table.slots.lazy.filter { !$0.key.isFree }
    }

    private mutating func resize(to size: Int) {
        let old = slots
        slots = Array(repeating: (ClientKey(), LogReport.ClientTally()), count: size)
        let mask = size - 1
        for slot in old where !slot.key.isFree {
            var index = slot.key.hash(seed: seed) & mask
            while !slots[index].key.isFree { index = (index + 1) & mask }
            slots[index] = slot
        }
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
