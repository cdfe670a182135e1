/// The log's writer: every line the wrapper writes on stderr is made here, of `LogVocabulary`'s words (which the
/// log report reads back). One line per connection (after a `warning:` line for each problem met), as multilog
/// and grep read it:
///
///     cqgreylist: pid=4711 ip=192.0.2.7 key=192.0.2.7 action=greylist age=12 reason=early
///
/// `action` is `pass`, `greylist`, or `logonly` (log-only mode passed a client it would have greylisted).
/// Fields are space-free; `reason` comes last and may contain spaces.
public enum LogLine {
    /// The lines describing `verdict` for the given program name and process id, newline included.
    public static func text(for verdict: Verdict, program: String, pid: Int32) -> String {
        let action: LoggedAction, reason: Reason
        switch verdict.outcome {
        case .pass(let why): (action, reason) = (.pass, why)
        case .refuse(let why): (action, reason) = (verdict.logOnly ? .logonly : .greylist, why)
        }
        var warnings = verdict.warnings
        if let skew = verdict.clockSkew, let key = verdict.key {
            warnings.append("record \(key.name) was dated \(skew)s ahead of the clock: started over as of now")
        }
        var text = ""
        for warning in warnings { text += notice(.warning, warning, program: program, pid: pid) }
        var line = "\(program):" + field(.pid, "\(pid)") + field(.ip, verdict.client.map { escaped($0) } ?? "-")
        if let key = verdict.key { line += field(.key, key.name) }
        line += field(.action, action.description)
        if let age = verdict.age { line += field(.age, "\(age)") }
        // A reason's values (a server's reply, a client's bytes) were escaped where they were put in: escaping its
        // backslashes again would log `\x20` as `\x5cx20`. What is not printable is escaped all the same.
        return text + line + field(.reason, escaped(reason.description, keepingSpaces: true, keepingBackslashes: true, limit: 500)) + "\n"
    }

    /// A `warning:` or `fatal:` line of the process `pid` saying `text`, newline included.
    public static func notice(_ kind: LogNotice, _ text: String, program: String, pid: Int32) -> String {
        "\(program):" + field(.pid, "\(pid)") + " " + kind.rawValue + ": " + text + "\n"
    }

    /// The two lines of a usage error (the wrapper stops before it has a connection to log): what is wrong, then
    /// the synopsis.
    public static func usageError(_ message: String, program: String) -> String {
        "\(program): " + LogNotice.fatal.rawValue + ": " + message + "\n"
            + LogVocabulary.usage + ": " + LogVocabulary.synopsis + " (see --help)\n"
    }

    /// ` name=value`.
    private static func field(_ name: LogField, _ value: String) -> String { " " + name.rawValue + "=" + value }

    /// `text` with every byte outside printable ASCII (and spaces and backslashes, unless kept) as `\xNN`, cut to
    /// `limit` bytes (100 by default, for what a client sent; a reason with a long path gets more).
    public static func escaped(_ text: String, keepingSpaces: Bool = false, keepingBackslashes: Bool = false, limit: Int = 100) -> String {
        escaped(bytes: text.utf8, keepingSpaces: keepingSpaces, keepingBackslashes: keepingBackslashes, limit: limit)
    }

    /// `bytes` (a file name, say, which need not be UTF-8) escaped as `escaped(_:)` does.
    public static func escaped(bytes: some Collection<UInt8>, keepingSpaces: Bool = false, keepingBackslashes: Bool = false,
                               limit: Int = 100) -> String {
        var result = ""
        for byte in bytes.prefix(limit) {
            if (0x21...0x7e).contains(byte) && (byte != UInt8(ascii: "\\") || keepingBackslashes) || keepingSpaces && byte == 0x20 {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
            }
        }
        return bytes.count > limit ? result + "..." : result
    }

    /// `text` escaped and in double quotes, for values in warnings.
    public static func quoted(_ text: String) -> String { quoted(bytes: text.utf8) }

    /// `bytes` (a DNS answer's, which need not be UTF-8) escaped and quoted as `quoted(_:)` does.
    public static func quoted(bytes: some Collection<UInt8>) -> String {
        var result = "\""
        for character in escaped(bytes: bytes, keepingSpaces: true) { result += character == "\"" ? "\\x22" : String(character) }
        return result + "\""
    }
}
