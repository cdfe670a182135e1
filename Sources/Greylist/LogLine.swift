/// The one log line a connection leaves on stderr (after a `warning:` line for each problem met), as multilog and grep read it:
///
///     cqgreylist: pid=4711 ip=192.0.2.7 key=192.0.2.7 action=greylist age=12 reason=early
///
/// `action` is `pass`, `greylist`, or `logonly` (log-only mode passed a client it would have greylisted).
/// Fields are space-free; `reason` comes last and may contain spaces.
public struct LogLine: Equatable, Sendable {
    /// The client's address as given (escaped when it is not a valid address).
    public var client: String?
    /// The record key, where one was derived.
    public var key: RecordKey?
    /// What the wrapper decided.
    public var outcome: Outcome
    /// The record's age, where there was a record.
    public var age: Seconds?
    /// Whether log-only mode turned a refusal into a pass.
    public var logOnly: Bool
    /// Problems met on the way (a bad setting, an unreadable whitelist), each logged on a `warning:` line first.
    public var warnings: [String]

    /// Creates a log line.
    public init(client: String?, key: RecordKey? = nil, outcome: Outcome, age: Seconds? = nil, logOnly: Bool = false,
                warnings: [String] = []) {
        (self.client, self.key, self.outcome, self.age, self.logOnly, self.warnings) = (client, key, outcome, age, logOnly, warnings)
    }

    /// The line's text for the given program name and process id, newline included.
    public func text(program: String, pid: Int32) -> String {
        let action: String, reason: Reason
        switch outcome {
        case .pass(let why): (action, reason) = ("pass", why)
        case .refuse(let why): (action, reason) = (logOnly ? "logonly" : "greylist", why)
        }
        var text = ""
        for warning in warnings { text += "\(program): pid=\(pid) warning: \(warning)\n" }
        var line = "\(program): pid=\(pid) ip=\(client.map { Self.escaped($0) } ?? "-")"
        if let key { line += " key=\(key.name)" }
        line += " action=\(action)"
        if let age { line += " age=\(age)" }
        return text + line + " reason=\(Self.escaped(reason.description, keepingSpaces: true, limit: 500))\n"
    }

    /// `text` with every byte outside printable ASCII (and spaces, unless kept) as `\xNN`, cut to `limit` bytes
    /// (100 by default, for what a client sent; a reason with a long path gets more).
    public static func escaped(_ text: String, keepingSpaces: Bool = false, limit: Int = 100) -> String {
        escaped(bytes: text.utf8, keepingSpaces: keepingSpaces, limit: limit)
    }

    /// `bytes` (a file name, say, which need not be UTF-8) escaped as `escaped(_:)` does.
    public static func escaped(bytes: some Collection<UInt8>, keepingSpaces: Bool = false, limit: Int = 100) -> String {
        var result = ""
        for byte in bytes.prefix(limit) {
            if (0x21...0x7e).contains(byte) && byte != UInt8(ascii: "\\") || keepingSpaces && byte == 0x20 {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return bytes.count > limit ? result + "..." : result
    }

    /// `text` escaped and in double quotes, for values in warnings.
    public static func quoted(_ text: String) -> String {
        "\"" + escaped(text, keepingSpaces: true).replacing("\"", with: "\\x22") + "\""
    }
}

extension LogLine {
    /// Whether the connection goes on to the next program (log-only mode passes every client).
    public var passes: Bool {
        if case .pass = outcome { true } else { logOnly }
    }
}
