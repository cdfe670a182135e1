/// A client's record in the state directory, as one `stat` reads it.
public enum Record: Equatable, Sendable {
    /// Seen, not yet retried after the delay: an empty file whose mtime is the first-seen time.
    case pending(firstSeen: Timestamp)
    /// Retried after the delay: a non-empty file whose mtime is the last-seen time.
    case passed(lastSeen: Timestamp)

    /// The record's one time: first seen (pending) or last seen (passed).
    public var time: Timestamp {
        switch self {
        case .pending(let time), .passed(let time): time
        }
    }
}

/// Why a connection was passed or refused; the words are the log's.
public enum Reason: Equatable, Sendable, CustomStringConvertible {
    case relayClient, whitelisted, new, early, retried, known, expired
    case whitelist(entry: String)
    /// Selective mode: a verified host name that does not look dynamic.
    case named(host: String)
    case error(String)

    /// The reason's first word in the log.
    public var word: LoggedReason {
        switch self {
        case .relayClient: .relayclient
        case .whitelisted: .whitelisted
        case .new: .new
        case .early: .early
        case .retried: .retried
        case .known: .known
        case .expired: .expired
        case .whitelist: .whitelist
        case .named: .named
        case .error: .error
        }
    }

    /// The reason as the log gives it: the word, then the whitelist entry, the host name or the error.
    public var description: String {
        switch self {
        case .whitelist(let detail), .named(let detail), .error(let detail): word.description + " " + detail
        default: word.description
        }
    }
}

/// Pass the connection on to the next program, or refuse it with the greylisting dialogue.
public enum Outcome: Equatable, Sendable {
    case pass(Reason)
    case refuse(Reason)
}

/// What to write to the state directory after a decision.
public enum StoreAction: Equatable, Sendable {
    /// Leave the record as it is.
    case none
    /// Create a pending record (`O_CREAT|O_EXCL`; an existing one is fine).
    case create
    /// Turn a pending record into a passed one, last seen now.
    case markPassed
    /// Set a passed record's last-seen time to now.
    case refresh
    /// Start the record over as pending, first seen now.
    case restart
}

/// What to tell the client, and what to write to the state directory.
public struct Decision: Equatable, Sendable {
    /// Pass or refuse, and why.
    public var outcome: Outcome
    /// What to write to the record.
    public var storeAction: StoreAction
    /// The record's age at the decision, if there was a record.
    public var age: Seconds?
    /// How far ahead of `now` the record was dated, when that was past the tolerance and it was started over.
    public var clockSkew: Seconds?

    /// Creates a decision.
    public init(_ outcome: Outcome, _ storeAction: StoreAction, age: Seconds?, clockSkew: Seconds? = nil) {
        (self.outcome, self.storeAction, self.age, self.clockSkew) = (outcome, storeAction, age, clockSkew)
    }
}

/// The greylisting windows.
public struct Policy: Equatable, Sendable {
    /// How old a pending record must be before a retry passes.
    public var delay: Seconds
    /// How long a pending record waits for its retry; later, it starts over.
    public var window: Seconds
    /// How long a passed record lives since the client was last seen.
    public var lifetime: Seconds
    /// How stale a passed record's last-seen time may get before it is refreshed (spares disk writes);
    /// at most half the lifetime is used.
    public var refreshInterval: Seconds
    /// How far ahead of the clock a record may be dated and still count as age 0; further ahead, it is
    /// untrustworthy (a clock that jumped, a restored backup) and is started over.
    public static let clockSkewTolerance: Seconds = 60
    /// How long past its window the cleaner leaves a record (and a Redis key lives): longer than any wrapper takes
    /// to decide, so none can be passing a record as it goes.
    public static let cleanerGrace: Seconds = 3600

    /// Creates a policy.
    public init(delay: Seconds, window: Seconds, lifetime: Seconds, refreshInterval: Seconds = 3600) {
        (self.delay, self.window, self.lifetime, self.refreshInterval) = (delay, window, lifetime, refreshInterval)
    }

    /// The refresh interval in force: the configured one, at most half the lifetime.
    public var effectiveRefreshInterval: Seconds { min(refreshInterval, lifetime / 2) }

    /// How long past its last refresh a passed record lives. Last-seen is written only when it is at least
    /// `effectiveRefreshInterval` old, so a client seen within the lifetime may have a record that much
    /// older: it is kept that much longer, and no client seen within the lifetime is ever forgotten.
    public var passedRecordLife: Seconds { lifetime + effectiveRefreshInterval }

    /// Whether `record` is dated further ahead of `now` than the clock-skew tolerance.
    public func isFromTheFuture(_ record: Record, now: Timestamp) -> Bool {
        record.time - now > Self.clockSkewTolerance
    }

    /// Whether `record` has outlived its window at `now` by more than `grace`: what the cleaner removes. With a
    /// grace longer than a wrapper takes to decide, no wrapper can be passing a record the cleaner removes.
    /// It is judged as of `now - grace`; a record younger than that (one from the future included, which the
    /// cleaner repairs instead) has outlived nothing.
    public func isExpired(_ record: Record, now: Timestamp, grace: Seconds = 0) -> Bool {
        let then = now - grace
        return record.time < then && decide(record: record, now: then).storeAction == .restart
    }

    /// Decides for a client whose record (if any) was read at `now`. A record dated ahead of `now` within
    /// the tolerance is age 0; further ahead, it is started over as of `now`: a pending one as if first seen
    /// now (early), a passed one passes and is refreshed.
    public func decide(record: Record?, now: Timestamp) -> Decision {
        guard let record else { return Decision(.refuse(.new), .create, age: nil) }
        if isFromTheFuture(record, now: now) {
            let skew = record.time - now
            switch record {
            case .pending: return Decision(.refuse(.early), .restart, age: 0, clockSkew: skew)
            case .passed: return Decision(.pass(.known), .refresh, age: 0, clockSkew: skew)
            }
        }
        let age = max(0, now - record.time)
        switch record {
        case .pending:
            if age < delay { return Decision(.refuse(.early), .none, age: age) }
            if age <= window { return Decision(.pass(.retried), .markPassed, age: age) }
            return Decision(.refuse(.expired), .restart, age: age)
        case .passed:
            if age > passedRecordLife { return Decision(.refuse(.expired), .restart, age: age) }
            return Decision(.pass(.known), age >= effectiveRefreshInterval ? .refresh : .none, age: age)
        }
    }
}
