import Greylist

/// What a stretch of the wrapper's log says: connections by action and reason, the clients greylisted and
/// whether they came back, the delay the ones that passed paid (the `age` of `retried`), the clients that
/// retried too early most often, the connections each whitelist entry passed, store errors and warnings; when
/// asked, what other delays would have done (`DelayWhatIf`). Fed one line at a time; it keeps one small tally
/// per client key and one count per distinct retry age (at most the retry window in seconds), never the lines.
public struct LogReport: Sendable {
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
    static let reasonCount = LoggedReason.error.rawValue + 1
    /// Connections by action and reason, row by row (`count(_:_:)` reads it).
    private(set) var connections = [Int](repeating: 0, count: LoggedAction.allCases.count * LoggedReason.allCases.count)
    /// `fatal:` lines (the next program could not be run).
    public private(set) var fatalLines = 0
    /// Tallies by key: keys a `ClientKey` holds (nearly all) in a table of small entries, others apart.
    private(set) var clients = ClientTable()
    /// Changes to the table's tallies held rather than made, by the thread that will make them (a chunk of a log
    /// read by several threads: see `ClientTable`); none if the changes are made here.
    private(set) var heldClientChanges: [[ClientTable.Change]]
    private(set) var longClients: [[UInt8]: ClientTally] = [:]
    private(set) var retryAges: [Seconds: Int] = [:]
    private(set) var storeErrors = TextCounts(), warnings = TextCounts()
    /// Connections passed by each whitelist entry (a handful of entries, not clients).
    private(set) var whitelistPasses: [FieldKey: Int] = [:]
    /// What other delays would have done, when asked.
    public private(set) var whatIf: DelayWhatIf?
    /// The log's words, this report's own: the loop over lines reads them without a check that they are made, and
    /// reports read in parallel do not count references to one shared table (its counter would bounce between
    /// processors' caches: a tenth of a parallel report's time, measured).
    private let words = LogWords()

    /// An empty report for the period `since...until` (either may be open), with the given retry window, and
    /// `whatIf` (empty) to reckon what other delays would have done. One holding client changes for `owners`
    /// threads keeps its changes to the clients' tallies for `ClientTable.apply(changesHeldBy:owner:of:)` instead of
    /// making them: its clients then count in no figure, nor does `append` take them in.
    public init(since: Timestamp? = nil, until: Timestamp? = nil, window: Seconds = Settings.defaults.policy.window,
                whatIf: DelayWhatIf? = nil, holdingClientChangesFor owners: Int = 0) {
        (self.since, self.until, self.window, self.whatIf) = (since, until, window, whatIf)
        heldClientChanges = Array(repeating: [], count: owners)
    }

    /// An empty report with this one's period, window and questions, for another part of the same log; holding its
    /// changes to clients' tallies for `owners` threads, if any (see `init`).
    public func emptyCopy(holdingClientChangesFor owners: Int = 0) -> LogReport {
        LogReport(since: since, until: until, window: window, whatIf: whatIf?.emptyCopy, holdingClientChangesFor: owners)
    }

    /// Makes room for `count` clients at once rather than growing step by step (each step rehashes them all).
    public mutating func reserveClients(_ count: Int) { clients.reserve(count) }

    /// Makes the changes to clients' tallies that still wait in a batch. Call it once the lines are added:
    /// the report reads the same without, but each reading then works on a copy of the tallies.
    public mutating func finish() { clients.makeWaitingChanges() }

    /// Takes out the clients' tallies that thread `owner` of `owners` keeps while they read a log in chunks, each
    /// applying every chunk's held changes to its own (`ClientTable`); `takeBackClients` puts them back.
    public mutating func lendClients(to owner: Int, of owners: Int) -> ClientTable { clients.owned(by: owner, of: owners) }

    /// Puts back the tallies lent to `owner` of `owners`.
    public mutating func takeBackClients(_ table: ClientTable, from owner: Int, of owners: Int) {
        clients.takeBack(table, owner: owner, of: owners)
    }

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
        if connection.reason == .whitelist || whatIf != nil { takeInForQuestions(connection, in: line) }
        guard let keyRange = connection.key else { return }
        switch connection.reason {
        case .new, .early, .expired:
            updateTally(of: keyRange, in: line, .greylisted(at: time.map(Self.tallyTime), early: connection.reason == .early))
        case .retried, .known:
            if connection.reason == .retried, let age = connection.age { retryAges[age, default: 0] += 1 }
            updateTally(of: keyRange, in: line, .passed(at: time.map(Self.tallyTime), retry: connection.reason == .retried))
        case .error:
            storeErrors.add(Self.errorKind(LogLine.text(in: line, connection.detail)))
        case .relayclient, .whitelisted, .whitelist, .named:
            break
        }
    }

    /// Counts a whitelist pass by its entry, and gives a keyed connection to the what-if reckoning if there is one.
    /// Out of line, behind one test: inline, the plain report ran 0.3% more instructions (callgrind, measured).
    @inline(never)
    private mutating func takeInForQuestions(_ connection: LoggedConnection, in line: Span<UInt8>) {
        if connection.reason == .whitelist { whitelistPasses[Self.whitelistEntry(in: line, connection.detail), default: 0] += 1 }
        if let key = connection.key { whatIf?.add(connection, key: key, in: line) }
    }

    /// Changes the tally of the key at `range` of `line`, starting an empty one if needed.
    private mutating func updateTally(of range: Range<Int>, in line: Span<UInt8>, _ change: ClientTally.Change) {
        if let key = ClientKey(line, range) {
            if heldClientChanges.isEmpty {
                clients.update(key, change)
            } else {
                heldClientChanges[ClientTable.owner(of: key, among: heldClientChanges.count)].append((key, change))
            }
        } else {
            var bytes: [UInt8] = []
            for index in range { bytes.append(line[index]) }
            longClients[bytes, default: ClientTally()].apply(change)
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
        clients.merge(later.clients)
        for (key, next) in later.longClients { longClients[key, default: ClientTally()].append(next) }
        for (entry, count) in later.whitelistPasses { whitelistPasses[entry, default: 0] += count }
        if let laterWhatIf = later.whatIf { whatIf?.append(laterWhatIf) }
    }
}
