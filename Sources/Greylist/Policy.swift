/// A client's record in the state directory, as one `stat` reads it.
public enum Record: Equatable, Sendable {
    /// Seen, not yet retried after the delay: an empty file whose mtime is the first-seen time.
    case pending(firstSeen: Timestamp)
    /// Retried after the delay: a non-empty file whose mtime is the last-seen time.
    case passed(lastSeen: Timestamp)
}

/// Why a connection was passed or refused; the words are the log's.
public enum Reason: Equatable, Sendable, CustomStringConvertible {
    case relayClient, whitelisted, new, early, retried, known, expired
    case whitelist(entry: String)
    case error(String)

    public var description: String {
        switch self {
        case .relayClient: "relayclient"
        case .whitelisted: "whitelisted"
        case .new: "new"
        case .early: "early"
        case .retried: "retried"
        case .known: "known"
        case .expired: "expired"
        case .whitelist(let entry): "whitelist \(entry)"
        case .error(let text): "error \(text)"
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

    /// Creates a decision.
    public init(_ outcome: Outcome, _ storeAction: StoreAction, age: Seconds?) {
        (self.outcome, self.storeAction, self.age) = (outcome, storeAction, age)
    }
}

/// The greylisting windows.
public struct Policy: Equatable, Sendable {
    /// How old a pending record must be before a retry passes.
    public var delay: Seconds
    /// How long a pending record waits for its retry; later, it starts over.
    public var window: Seconds
    /// How long a passed record lives since it was last seen.
    public var lifetime: Seconds
    /// How stale a passed record's last-seen time may get before it is refreshed (spares disk writes).
    public var refreshInterval: Seconds

    /// Creates a policy.
    public init(delay: Seconds, window: Seconds, lifetime: Seconds, refreshInterval: Seconds = 3600) {
        (self.delay, self.window, self.lifetime, self.refreshInterval) = (delay, window, lifetime, refreshInterval)
    }

    /// Whether `record` has outlived its window at `now` by more than `grace`: what the cleaner removes. With a
    /// grace longer than a wrapper takes to decide, no wrapper can be passing a record the cleaner removes.
    public func isExpired(_ record: Record, now: Timestamp, grace: Seconds = 0) -> Bool {
        decide(record: record, now: now - grace).storeAction == .restart
    }

    /// Decides for a client whose record (if any) was read at `now`. Ages from the future count as 0.
    public func decide(record: Record?, now: Timestamp) -> Decision {
        switch record {
        case nil:
            return Decision(.refuse(.new), .create, age: nil)
        case .pending(let firstSeen):
            let age = max(0, now - firstSeen)
            if age < delay { return Decision(.refuse(.early), .none, age: age) }
            if age <= window { return Decision(.pass(.retried), .markPassed, age: age) }
            return Decision(.refuse(.expired), .restart, age: age)
        case .passed(let lastSeen):
            let age = max(0, now - lastSeen)
            if age > lifetime { return Decision(.refuse(.expired), .restart, age: age) }
            return Decision(.pass(.known), age >= refreshInterval ? .refresh : .none, age: age)
        }
    }
}
