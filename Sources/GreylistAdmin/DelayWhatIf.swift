import Greylist

/// What other delays would have done, from the record ages the log holds: an `early` line is an attempt refused at
/// its age, a `retried` line the attempt that passed (ages run from the client's first attempt; an early retry does
/// not refresh them; an `expired` line starts the record over, so its age is no attempt's). With a delay T, a client
/// passes at its first attempt aged T or more, which is its youngest attempt aged T or more: so each client keeps,
/// per delay asked, the least age at or above it, and parts of a log read apart combine by taking the least.
/// A longer delay than the one in force is answered up to a bound: a client that passed younger than T would have
/// been refused there, and the log does not hold its later retries.
public struct DelayWhatIf: Sendable {
    /// The most delays one report answers: a client keeps an age per delay, in a fixed array.
    public static let maximumDelays = Attempts.Ages.count
    /// The delays asked, ascending, each once.
    public let delays: [Seconds]
    /// The delay the log was written under.
    public let delayInForce: Seconds
    /// The youngest record a retry passed and the oldest one refused as early: a log written under another delay
    /// than `delayInForce` shows one beyond it.
    public private(set) var youngestRetry: Seconds?, oldestEarly: Seconds?
    private var clients: [FieldKey: Attempts] = [:]

    /// One client's attempts, as far as the delays asked need them (36 bytes).
    struct Attempts: Sendable {
        typealias Ages = InlineArray<8, UInt32>
        /// Per delay asked, the least age of an attempt at or above it (0: none; a delay is at least 1 s).
        var youngestPassing = Ages(repeating: 0)
        /// The least age a retry passed at (0: no retry passed).
        var retried: UInt32 = 0

        /// Takes in `other`'s attempts (of another part of the log).
        mutating func merge(_ other: Attempts) {
            for index in youngestPassing.indices { youngestPassing[index] = Self.least(youngestPassing[index], other.youngestPassing[index]) }
            retried = Self.least(retried, other.retried)
        }

        /// The least of two ages, 0 being none.
        static func least(_ a: UInt32, _ b: UInt32) -> UInt32 { a == 0 ? b : b == 0 ? a : min(a, b) }
    }

    /// An empty reckoning of `delays` (1 s or more, at most `maximumDelays`) against the log of `delayInForce`.
    public init(delays: [Seconds], delayInForce: Seconds) {
        precondition(!delays.isEmpty && delays.count <= Self.maximumDelays && delays.allSatisfy { $0 >= 1 })
        (self.delays, self.delayInForce) = (Array(Set(delays)).sorted(), delayInForce)
    }

    /// The same question, with nothing read.
    var emptyCopy: DelayWhatIf { DelayWhatIf(delays: delays, delayInForce: delayInForce) }

    /// Takes in a connection of the key at `key` of `line` refused as `early` or passed as `retried` at `age`;
    /// other connections say nothing about the attempts.
    mutating func add(_ connection: LoggedConnection, key: Range<Int>, in line: Span<UInt8>) {
        guard connection.reason == .early || connection.reason == .retried, let age = connection.age else { return }
        let retry = connection.reason == .retried
        if retry { youngestRetry = min(youngestRetry ?? age, age) } else { oldestEarly = max(oldestEarly ?? age, age) }
        var attempt = Attempts()
        let clamped = UInt32(clamping: age)
        for (index, delay) in delays.enumerated() where age >= delay { attempt.youngestPassing[index] = clamped }
        if retry { attempt.retried = max(clamped, 1) }
        clients[FieldKey(line, key), default: Attempts()].merge(attempt)
    }

    /// Takes in the reckoning of the lines that followed (asked the same question).
    mutating func append(_ later: DelayWhatIf) {
        precondition(later.delays == delays && later.delayInForce == delayInForce)
        if let age = later.youngestRetry { youngestRetry = min(youngestRetry ?? age, age) }
        if let age = later.oldestEarly { oldestEarly = max(oldestEarly ?? age, age) }
        for (client, attempts) in later.clients { clients[client, default: Attempts()].merge(attempts) }
    }

    /// What a delay would have done.
    public struct Outcome: Equatable, Sendable {
        /// The delay.
        public var delay: Seconds
        /// What each client that passed by a retry would have paid, ascending; a client that passed younger than
        /// the delay counts at the delay, a lower bound (`unknown` says how many).
        public var paid: [Seconds]
        /// Clients that passed by a retry younger than the delay: the log does not hold their later retries.
        public var unknown: Int
        /// Clients no retry passed that retried at or after the delay: they would have passed.
        public var passedToo: Int

        /// Creates an outcome.
        public init(delay: Seconds, paid: [Seconds], unknown: Int, passedToo: Int) {
            (self.delay, self.paid, self.unknown, self.passedToo) = (delay, paid, unknown, passedToo)
        }
    }

    /// What the clients paid under the delay in force (their least retried age), as an outcome.
    public var inForce: Outcome {
        Outcome(delay: delayInForce, paid: clients.values.compactMap { $0.retried == 0 ? nil : Seconds($0.retried) }.sorted(),
                unknown: 0, passedToo: 0)
    }

    /// What each delay asked would have done, in the order of `delays`.
    public var outcomes: [Outcome] {
        delays.indices.map { index in
            var outcome = Outcome(delay: delays[index], paid: [], unknown: 0, passedToo: 0)
            for attempts in clients.values {
                let passing = attempts.youngestPassing[index]
                if attempts.retried == 0 {
                    if passing != 0 { outcome.passedToo += 1 }
                } else if passing != 0 {
                    outcome.paid.append(Seconds(passing))
                } else {
                    outcome.paid.append(outcome.delay)
                    outcome.unknown += 1
                }
            }
            outcome.paid.sort()
            return outcome
        }
    }
}
