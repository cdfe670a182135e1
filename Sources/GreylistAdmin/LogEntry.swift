import Greylist

/// Why a line that starts as the wrapper's does not follow its grammar.
public struct UnreadableLogLine: Error, Equatable, Sendable {
    /// What is wrong, e.g. `no action= field`.
    public var problem: String
    /// Creates the error.
    public init(_ problem: String) { self.problem = problem }
}

/// One line of a log, read; text is given as offsets into the line.
public enum LogEntry: Equatable, Sendable {
    /// The wrapper's one line about a connection.
    case connection(LoggedConnection)
    /// A `warning:` line (a bad setting, an unusable whitelist, a record dated ahead): where its text is.
    case warning(text: Range<Int>)
    /// A `fatal:` line (the next program could not be run): where its text is.
    case fatal(text: Range<Int>)
    /// The second line of a usage error (`usage: cqgreylist …`), after its `fatal:` line.
    case usage
    /// A line that is not the wrapper's.
    case other
}

/// The fields of a connection's line that a report needs; text as offsets into the line.
public struct LoggedConnection: Equatable, Sendable {
    /// Pass, greylist or logonly.
    public var action: LoggedAction
    /// The reason's first word.
    public var reason: LoggedReason
    /// Where the record key is, if the line has one.
    public var key: Range<Int>?
    /// The record's age in seconds, where the line has one.
    public var age: Seconds?
    /// Where the text after the reason's word is (the whitelist entry, the error); empty for other reasons.
    public var detail: Range<Int>

    /// Creates the fields.
    public init(action: LoggedAction, reason: LoggedReason, key: Range<Int>? = nil, age: Seconds? = nil, detail: Range<Int>) {
        (self.action, self.reason, self.key, self.age, self.detail) = (action, reason, key, age, detail)
    }
}
