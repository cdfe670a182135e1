/// The log's words (DESIGN §6), each spelled here once: `LogLine` writes them, the log report's parser
/// (GreylistAdmin's `LogWords`) reads them back. The lines the wrapper writes on stderr:
///
///     cqgreylist: pid=4711 ip=192.0.2.7 key=192.0.2.7 action=greylist age=12 reason=early
///     cqgreylist: pid=4711 warning: whitelist ignored: read /var/qmail/control/cqgreylist.cdb: corrupt or truncated cdb
///     cqgreylist: pid=4711 fatal: unable to run qmail-smtpd: No such file or directory
///     cqgreylist: fatal: unknown option "--nonsense"
///     usage: cqgreylist [options] [--] program [arguments...] (see --help)
///
/// A connection's fields are `name=value`, written in `LogField`'s order; `reason=` comes last and its value may
/// hold spaces. A reader skips a field it does not know, so a newer wrapper's log stays readable by an older report.
public enum LogVocabulary {
    /// The name that starts each of the wrapper's lines, before `: `.
    public static let program = "cqgreylist"
    /// What starts the line after a usage error's `fatal:` line, before the synopsis.
    public static let usage = "usage"
    /// The wrapper's synopsis, as a usage error and `--help` give it.
    public static let synopsis = "cqgreylist [options] [--] program [arguments...]"
}

/// The fields of a connection's line, in the order they are written.
public enum LogField: String, CaseIterable, Sendable {
    case pid, ip, key, action, age, reason
}

/// The lines that are not about a connection: `warning:` (after `pid=`) and `fatal:` (after `pid=`, or straight after
/// the program's name for a usage error, when the wrapper has not started).
public enum LogNotice: String, CaseIterable, Sendable {
    case warning, fatal
}

/// The `action=` of a connection's line: `logonly` is log-only mode's pass of a client it would have greylisted.
public enum LoggedAction: Int, CaseIterable, Sendable, CustomStringConvertible {
    case pass, greylist, logonly

    /// The word as the log spells it.
    public var description: String {
        switch self {
        case .pass: "pass"
        case .greylist: "greylist"
        case .logonly: "logonly"
        }
    }
}

/// The first word of a connection's `reason=`: `Reason`'s words, without what follows `whitelist` and `error`.
public enum LoggedReason: Int, CaseIterable, Sendable, CustomStringConvertible {
    case relayclient, whitelisted, whitelist, named, new, early, retried, known, expired, error

    /// Whether text follows the word (the whitelist entry, the host name, the error).
    public var hasDetail: Bool { self == .whitelist || self == .named || self == .error }

    /// The word as the log spells it.
    public var description: String {
        switch self {
        case .relayclient: "relayclient"
        case .whitelisted: "whitelisted"
        case .whitelist: "whitelist"
        case .named: "named"
        case .new: "new"
        case .early: "early"
        case .retried: "retried"
        case .known: "known"
        case .expired: "expired"
        case .error: "error"
        }
    }
}
