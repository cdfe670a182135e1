/// The wrapper's log read back: the grammar `LogLine.text(for:program:pid:)` writes, as a log collector stores it
/// (multilog puts `@` and a TAI64N label before each line; a plain file or syslog-free stderr has none).
///
///     @400000006929c83b1c9c3f54 cqgreylist: pid=4711 ip=192.0.2.7 key=192.0.2.7 action=pass age=412 reason=retried
///     cqgreylist: pid=4712 warning: whitelist ignored: read /var/qmail/control/cqgreylist.cdb: corrupt or truncated cdb
extension LogLine {
    /// What one line of a log says, with its multilog time where it has one. A line that is not the wrapper's
    /// (tcpserver's, another program's) is `.other`; a wrapper line that does not follow the grammar throws.
    public static func parse(_ line: ArraySlice<UInt8>) throws(UnreadableLogLine) -> (time: Timestamp?, entry: LogEntry) {
        var cursor = ByteCursor(line)
        var time: Timestamp?
        if cursor.peek == UInt8(ascii: "@") {
            guard let stamp = cursor.taiStamp() else {
                if cursor.skipping(programPrefix, from: line.startIndex) { throw UnreadableLogLine("bad multilog timestamp") }
                return (nil, .other)
            }
            time = stamp
        }
        guard cursor.skip(programPrefix) else { return (time, .other) }
        guard cursor.skip(pidField), cursor.skipDigits(), cursor.skip(space) else { throw UnreadableLogLine("no pid= field") }
        if cursor.skip(warningWord) { return (time, .warning(cursor.rest)) }
        if cursor.skip(fatalWord) { return (time, .fatal(cursor.rest)) }
        guard cursor.skip(ipField), cursor.word() != nil else { throw UnreadableLogLine("no ip= field") }
        let key = cursor.skip(keyField) ? cursor.word() : nil
        guard cursor.skip(actionField), let actionWord = cursor.word(), let action = LoggedAction(actionWord) else {
            throw UnreadableLogLine("no action=pass, greylist or logonly")
        }
        var age: Seconds?
        if cursor.skip(ageField) {
            let digits = cursor.word() ?? []
            guard (1...18).contains(digits.count), let value = ByteCursor.number(digits) else { throw UnreadableLogLine("bad age= field") }
            age = value
        }
        guard cursor.skip(reasonField) else { throw UnreadableLogLine("no reason= field") }
        let reasonText = cursor.rest
        let word = reasonText.prefix { $0 != space[0] }
        guard let reason = LoggedReason(word) else { throw UnreadableLogLine("unknown reason") }
        let detail = reasonText.dropFirst(word.count + 1)
        guard reason.hasDetail ? !detail.isEmpty : word.count == reasonText.count else { throw UnreadableLogLine("unknown reason") }
        return (time, .connection(LoggedConnection(action: action, reason: reason, key: key, age: age, detail: detail)))
    }

    private static let programPrefix = Array("cqgreylist: ".utf8)
    private static let pidField = Array("pid=".utf8)
    private static let space = Array(" ".utf8)
    private static let warningWord = Array("warning: ".utf8)
    private static let fatalWord = Array("fatal: ".utf8)
    private static let ipField = Array("ip=".utf8)
    private static let keyField = Array("key=".utf8)
    private static let actionField = Array("action=".utf8)
    private static let ageField = Array("age=".utf8)
    private static let reasonField = Array("reason=".utf8)

    /// TAI64N labels count from 2^62 + 10 s at the Unix epoch (daemontools' tai64nlocal subtracts the same).
    static let taiOffset: UInt64 = (1 << 62) + 10
}

/// Why a line that starts as the wrapper's does not follow its grammar.
public struct UnreadableLogLine: Error, Equatable, Sendable {
    /// What is wrong, e.g. `no action= field`.
    public var problem: String
    /// Creates the error.
    public init(_ problem: String) { self.problem = problem }
}

/// One line of a log, read.
public enum LogEntry: Equatable, Sendable {
    /// The wrapper's one line about a connection.
    case connection(LoggedConnection)
    /// A `warning:` line (a bad setting, an unusable whitelist, a record dated ahead): its text.
    case warning(ArraySlice<UInt8>)
    /// A `fatal:` line (the next program could not be run): its text.
    case fatal(ArraySlice<UInt8>)
    /// A line that is not the wrapper's.
    case other
}

/// The `action=` of a connection's line.
public enum LoggedAction: Int, CaseIterable, Sendable, CustomStringConvertible {
    case pass, greylist, logonly

    /// The action named by `word`, if any.
    init?(_ word: ArraySlice<UInt8>) {
        guard let index = Self.words.firstIndex(where: { ByteCursor.equal(word, $0) }) else { return nil }
        self = Self.allCases[index]
    }

    private static let words = allCases.map { Array($0.description.utf8) }

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
    case relayclient, whitelisted, whitelist, new, early, retried, known, expired, error

    /// The reason whose first word is `word`, if any.
    init?(_ word: ArraySlice<UInt8>) {
        guard let index = Self.words.firstIndex(where: { ByteCursor.equal(word, $0) }) else { return nil }
        self = Self.allCases[index]
    }

    private static let words = allCases.map { Array($0.description.utf8) }

    /// Whether text follows the word (the whitelist entry, the error).
    var hasDetail: Bool { self == .whitelist || self == .error }

    /// Whether the client was greylisted (or would have been, in log-only mode) for this reason.
    public var isGreylisting: Bool { self == .new || self == .early || self == .expired }

    public var description: String {
        switch self {
        case .relayclient: Reason.relayClient.description
        case .whitelisted: Reason.whitelisted.description
        case .whitelist: "whitelist"
        case .new: Reason.new.description
        case .early: Reason.early.description
        case .retried: Reason.retried.description
        case .known: Reason.known.description
        case .expired: Reason.expired.description
        case .error: "error"
        }
    }
}

/// The fields of a connection's line that a report needs.
public struct LoggedConnection: Equatable, Sendable {
    /// Pass, greylist or logonly.
    public var action: LoggedAction
    /// The reason's first word.
    public var reason: LoggedReason
    /// The record key, where the line has one.
    public var key: ArraySlice<UInt8>?
    /// The record's age in seconds, where the line has one.
    public var age: Seconds?
    /// What follows the reason's word: the whitelist entry, or the error.
    public var detail: ArraySlice<UInt8>

    /// Creates the fields.
    public init(action: LoggedAction, reason: LoggedReason, key: ArraySlice<UInt8>? = nil, age: Seconds? = nil,
                detail: ArraySlice<UInt8> = []) {
        (self.action, self.reason, self.key, self.age, self.detail) = (action, reason, key, age, detail)
    }
}

/// Reads a line of bytes from the front.
private struct ByteCursor {
    let bytes: ArraySlice<UInt8>
    var index: Int

    init(_ bytes: ArraySlice<UInt8>) { (self.bytes, index) = (bytes, bytes.startIndex) }

    var peek: UInt8? { index < bytes.endIndex ? bytes[index] : nil }
    var rest: ArraySlice<UInt8> { bytes[index...] }

    /// Moves past `literal` if the bytes go on with it.
    mutating func skip(_ literal: [UInt8]) -> Bool {
        guard bytes.endIndex - index >= literal.count else { return false }
        for offset in 0..<literal.count where bytes[index + offset] != literal[offset] { return false }
        index += literal.count
        return true
    }

    /// Whether `literal` follows the `@` label that starts at `start` (a wrapper line with a broken stamp).
    func skipping(_ literal: [UInt8], from start: Int) -> Bool {
        guard let space = bytes[start...].firstIndex(of: UInt8(ascii: " ")) else { return false }
        var after = ByteCursor(bytes)
        after.index = space + 1
        return after.skip(literal)
    }

    /// Moves past one or more decimal digits.
    mutating func skipDigits() -> Bool {
        let start = index
        while let byte = peek, (0x30...0x39).contains(byte) { index += 1 }
        return index > start
    }

    /// The bytes up to the next space (moving past it) or the end; nil if empty.
    mutating func word() -> ArraySlice<UInt8>? {
        let start = index
        while let byte = peek, byte != UInt8(ascii: " ") { index += 1 }
        let word = bytes[start..<index]
        if index < bytes.endIndex { index += 1 }
        return word.isEmpty ? nil : word
    }

    /// A multilog label, `@` and 24 hex digits and a space: its whole seconds as a Unix time.
    mutating func taiStamp() -> Timestamp? {
        guard bytes.endIndex - index >= 26, bytes[index + 25] == UInt8(ascii: " ") else { return nil }
        var seconds: UInt64 = 0
        for offset in 1...24 {
            guard let digit = Self.hexValue(bytes[index + offset]) else { return nil }
            if offset <= 16 { seconds = seconds << 4 | UInt64(digit) }
        }
        guard seconds >= LogLine.taiOffset, seconds - LogLine.taiOffset <= UInt64(Int64.max) else { return nil }
        index += 26
        return Timestamp(seconds - LogLine.taiOffset)
    }

    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case 0x30...0x39: byte - 0x30
        case 0x61...0x66: byte - 0x61 + 10
        case 0x41...0x46: byte - 0x41 + 10
        default: nil
        }
    }

    /// Whether `bytes` are exactly `literal`.
    static func equal(_ bytes: ArraySlice<UInt8>, _ literal: [UInt8]) -> Bool {
        guard bytes.count == literal.count else { return false }
        var offset = 0
        for byte in bytes {
            if byte != literal[offset] { return false }
            offset += 1
        }
        return true
    }

    /// The decimal number spelled by `digits`, if they are all digits.
    static func number(_ digits: ArraySlice<UInt8>) -> Int64? {
        var value: Int64 = 0
        for byte in digits {
            guard (0x30...0x39).contains(byte) else { return nil }
            value = value * 10 + Int64(byte - 0x30)
        }
        return value
    }
}
