/// What the wrapper decided for one connection, and what it met on the way: the value the log line describes.
public struct Verdict: Equatable, Sendable {
    /// The client's address as given (nil when `TCPREMOTEIP` is unset).
    public var client: String?
    /// The record key, where one was derived.
    public var key: RecordKey?
    /// Pass or refuse, and why.
    public var outcome: Outcome
    /// The record's age, where there was a record.
    public var age: Seconds?
    /// How far ahead of the clock the record was dated, when it was started over for it.
    public var clockSkew: Seconds?
    /// Whether log-only mode turned a refusal into a pass.
    public var logOnly: Bool
    /// Problems met on the way (a bad setting, an unusable whitelist), each logged on a `warning:` line first.
    public var warnings: [String]

    /// Creates a verdict.
    public init(client: String?, key: RecordKey? = nil, outcome: Outcome, age: Seconds? = nil, clockSkew: Seconds? = nil,
                logOnly: Bool = false, warnings: [String] = []) {
        (self.client, self.key, self.outcome, self.age) = (client, key, outcome, age)
        (self.clockSkew, self.logOnly, self.warnings) = (clockSkew, logOnly, warnings)
    }

    /// The verdict on `client`'s record under `key`, as the policy's `decision` has it.
    public init(client: String?, key: RecordKey, decision: Decision, logOnly: Bool, warnings: [String] = []) {
        self.init(client: client, key: key, outcome: decision.outcome, age: decision.age, clockSkew: decision.clockSkew,
                  logOnly: logOnly, warnings: warnings)
    }

    /// Whether the connection goes on to the next program (log-only mode passes every client).
    public var passes: Bool {
        if case .pass = outcome { true } else { logOnly }
    }
}
