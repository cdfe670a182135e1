import Greylist

/// The wrapper's log read back: the grammar `LogLine.text(for:program:pid:)` writes, as a log collector stores it
/// (multilog puts `@` and a TAI64N label before each line; a plain file or syslog-free stderr has none).
///
///     @400000006929c83b1c9c3f54 cqgreylist: pid=4711 ip=192.0.2.7 key=192.0.2.7 action=pass age=412 reason=retried
///     cqgreylist: pid=4712 warning: whitelist ignored: read /var/qmail/control/cqgreylist.cdb: corrupt or truncated cdb
///
/// A report reads gigabytes of these, so the parser works on a `Span` of the line and answers with offsets into
/// it: nothing is copied or reference-counted per line.
extension LogLine {
    /// What one line of a log says, with its multilog time where the line is the wrapper's and has one. A line
    /// that is not the wrapper's (tcpserver's, another program's) is `.other`; a wrapper line that does not
    /// follow the grammar throws. Inlined into the report's loop over lines: the entry then stays in registers
    /// instead of being returned through memory (a tenth of a report's time, measured).
    @inline(__always)
    public static func parse(_ line: Span<UInt8>) throws(UnreadableLogLine) -> (time: Timestamp?, entry: LogEntry) {
        var index = 0, time: Timestamp?
        if line.count > 0 && line[0] == UInt8(ascii: "@") {
            // Most lines of a log are other programs': find that out before decoding the label.
            index = 25   // where a TAI64N label's space is
            if line.count <= index || line[index] != UInt8(ascii: " ") {
                index = firstIndex(in: line, from: 0, wordTest: firstSpace) { $0 == UInt8(ascii: " ") }
            }
            index += 1
            guard skip(Word.program, in: line, at: &index) else { return (nil, .other) }
            guard index == 26 + Word.program.count, let stamp = taiLabel(line) else { throw UnreadableLogLine("bad multilog timestamp") }
            time = stamp
        } else if !skip(Word.program, in: line, at: &index) {
            return (nil, .other)
        }
        guard skip(Word.pid, in: line, at: &index), skipDigits(in: line, at: &index), skip(Word.space, in: line, at: &index)
        else { throw UnreadableLogLine("no pid= field") }
        if skip(Word.warning, in: line, at: &index) { return (time, .warning(text: index..<line.count)) }
        if skip(Word.fatal, in: line, at: &index) { return (time, .fatal(text: index..<line.count)) }
        guard skip(Word.ip, in: line, at: &index), !word(in: line, at: &index).isEmpty else { throw UnreadableLogLine("no ip= field") }
        var key: Range<Int>?
        if skip(Word.key, in: line, at: &index) {
            // One pass: printable bytes up to a space or the end.
            let start = index
            index = firstIndex(in: line, from: index, wordTest: firstUnprintable) { !(0x21...0x7e).contains($0) }
            guard index > start, index == line.count || line[index] == UInt8(ascii: " ") else { throw UnreadableLogLine("bad key= field") }
            key = start..<index
            if index < line.count { index += 1 }
        }
        guard skip(Word.action, in: line, at: &index), let action = LoggedAction(line, word(in: line, at: &index)) else {
            throw UnreadableLogLine("no action=pass, greylist or logonly")
        }
        var age: Seconds?
        if skip(Word.age, in: line, at: &index) {
            let digits = word(in: line, at: &index)
            guard (1...18).contains(digits.count), let value = number(in: line, digits) else { throw UnreadableLogLine("bad age= field") }
            age = value
        }
        guard skip(Word.reason, in: line, at: &index) else { throw UnreadableLogLine("no reason= field") }
        let reasonWord = word(in: line, at: &index)
        guard let reason = LoggedReason(line, reasonWord),
              reason.hasDetail ? index < line.count && reasonWord.upperBound < line.count : reasonWord.upperBound == line.count
        else { throw UnreadableLogLine("unknown reason") }
        return (time, .connection(LoggedConnection(action: action, reason: reason, key: key, age: age, detail: index..<line.count)))
    }

    /// Moves `index` past `literal` if the line goes on with it there.
    @inline(__always)
    static func skip(_ literal: [UInt8], in line: Span<UInt8>, at index: inout Int) -> Bool {
        guard line.count - index >= literal.count else { return false }
        for offset in 0..<literal.count where line[index + offset] != literal[offset] { return false }
        index += literal.count
        return true
    }

    /// The text at `range` of `line` (bytes that are not UTF-8 become U+FFFD).
    public static func text(in line: Span<UInt8>, _ range: Range<Int>) -> String {
        if let text = try? UTF8Span(validating: line.extracting(range)) { return String(copying: text) }
        var text = ""
        for index in range { text.unicodeScalars.append(line[index] < 0x80 ? Unicode.Scalar(line[index]) : "\u{FFFD}") }
        return text
    }

    /// Moves `index` past one or more decimal digits.
    private static func skipDigits(in line: Span<UInt8>, at index: inout Int) -> Bool {
        let start = index
        while index < line.count && (0x30...0x39).contains(line[index]) { index += 1 }
        return index > start
    }

    /// The offsets of the bytes from `index` up to the next space or the end; `index` moves past the space.
    private static func word(in line: Span<UInt8>, at index: inout Int) -> Range<Int> {
        let start = index
        index = firstIndex(in: line, from: index, wordTest: firstSpace) { $0 == UInt8(ascii: " ") }
        defer { if index < line.count { index += 1 } }
        return start..<index
    }

    /// The index of the first byte from `start` on that `byteTest` accepts, or the line's end. Eight bytes at a
    /// time while eight are left: `wordTest` gives the offset of the first such byte in a word, 8 if none.
    @inline(__always)
    private static func firstIndex(in line: Span<UInt8>, from start: Int, wordTest: (UInt64) -> Int,
                                   byteTest: (UInt8) -> Bool) -> Int {
        var index = start
        while line.count - index >= 8 {
            let offset = wordTest(eightBytes(in: line, at: index))
            if offset < 8 { return index + offset }
            index += 8
        }
        while index < line.count && !byteTest(line[index]) { index += 1 }
        return index
    }

    /// The eight bytes of `line` at `index` (at least eight are left there) as one word, the first in the lowest
    /// bits: the compiler makes it one load.
    @inline(__always)
    private static func eightBytes(in line: Span<UInt8>, at index: Int) -> UInt64 {
        let bytes = line.extracting(index..<index + 8)
        var word: UInt64 = 0
        for offset in 0..<8 { word |= UInt64(bytes[offset]) << (8 * UInt64(offset)) }
        return word
    }

    /// A word of eight `byte`s.
    @inline(__always)
    private static func repeated(_ byte: UInt8) -> UInt64 { 0x0101_0101_0101_0101 &* UInt64(byte) }

    /// The offset of the first space in `word`, 8 if none. (A byte's high bit is set by the subtraction only
    /// where it borrows: exact for the first zero byte of `word ^ spaces`; later ones may be false, but unused.)
    private static func firstSpace(in word: UInt64) -> Int {
        let spaceless = word ^ repeated(0x20)
        return ((spaceless &- repeated(0x01)) & ~spaceless & repeated(0x80)).trailingZeroBitCount / 8
    }

    /// The offset of the first byte of `word` outside 0x21...0x7e (a space, a control byte, DEL or a non-ASCII
    /// byte), 8 if none. Exact for the first such byte, as in `firstSpace`.
    private static func firstUnprintable(in word: UInt64) -> Int {
        let below = (word &- repeated(0x21)) & ~word & repeated(0x80)   // under 0x21
        let above = ((word &+ repeated(0x01)) | word) & repeated(0x80)   // 0x7f and over
        return (below | above).trailingZeroBitCount / 8
    }

    /// The value of the eight hex digits in `word` ('0'-'9', 'a'-'f', 'A'-'F'; the first the most significant),
    /// nil if any byte is not one. Each byte is ASCII, so adding under 0x80 to it carries into no other.
    private static func hexValue(of word: UInt64) -> UInt64? {
        guard word & repeated(0x80) == 0 else { return nil }
        let folded = word | repeated(0x20)   // 'A'-'F' to 'a'-'f'
        let digit = (word &+ repeated(0x80 - 0x30)) & ~(word &+ repeated(0x7f - 0x39))   // 0x30...0x39
        let letter = (folded &+ repeated(0x80 - 0x61)) & ~(folded &+ repeated(0x7f - 0x66))   // 0x61...0x66
        guard (digit | letter) & repeated(0x80) == repeated(0x80) else { return nil }
        let nibbles = (word & repeated(0x0f)) &+ (word >> 6 & repeated(0x01)) &* 9   // a letter's low bits + 9
        var value: UInt64 = 0
        for offset in 0..<8 { value = value << 4 | nibbles >> (8 * UInt64(offset)) & 0x0f }
        return value
    }

    /// The decimal number spelled by the bytes at `range`, if they are all digits.
    private static func number(in line: Span<UInt8>, _ range: Range<Int>) -> Int64? {
        var value: Int64 = 0
        for index in range {
            guard (0x30...0x39).contains(line[index]) else { return nil }
            value = value * 10 + Int64(line[index] - 0x30)
        }
        return value
    }

    /// The multilog label that starts `line` (`@`, 24 hex digits and more): its whole seconds as a Unix time.
    /// TAI64N labels count from 2^62 + 10 s at the Unix epoch (daemontools' tai64nlocal subtracts the same); the
    /// last eight digits, the nanoseconds, are only checked.
    private static func taiLabel(_ line: Span<UInt8>) -> Timestamp? {
        guard line.count > 25, let high = hexValue(of: eightBytes(in: line, at: 1)), let low = hexValue(of: eightBytes(in: line, at: 9)),
              hexValue(of: eightBytes(in: line, at: 17)) != nil
        else { return nil }
        let seconds = high << 32 | low, offset: UInt64 = (1 << 62) + 10
        guard seconds >= offset, seconds - offset <= UInt64(Int64.max) else { return nil }
        return Timestamp(seconds - offset)
    }
}

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
    /// A line that is not the wrapper's.
    case other
}

/// The `action=` of a connection's line.
public enum LoggedAction: Int, CaseIterable, Sendable, CustomStringConvertible {
    case pass, greylist, logonly

    /// The action spelled at `range` of `line`, if any.
    init?(_ line: Span<UInt8>, _ range: Range<Int>) {
        let candidate: Self = switch range.count {
        case 4: .pass
        case 8: .greylist
        default: .logonly
        }
        var index = range.lowerBound
        guard LogLine.skip(candidate.word, in: line, at: &index), index == range.upperBound else { return nil }
        self = candidate
    }

    private var word: [UInt8] {
        switch self {
        case .pass: Word.pass
        case .greylist: Word.greylist
        case .logonly: Word.logonly
        }
    }

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

    /// The reason whose first word is spelled at `range` of `line`, if any.
    init?(_ line: Span<UInt8>, _ range: Range<Int>) {
        guard !range.isEmpty else { return nil }
        // Told apart by length and first byte, then checked whole.
        let candidate: Self? = switch (range.count, line[range.lowerBound]) {
        case (11, UInt8(ascii: "r")): .relayclient
        case (11, _): .whitelisted
        case (9, _): .whitelist
        case (3, _): .new
        case (5, UInt8(ascii: "k")): .known
        case (5, _): line[range.lowerBound + 1] == UInt8(ascii: "a") ? .early : .error
        case (7, UInt8(ascii: "r")): .retried
        case (7, _): .expired
        default: nil
        }
        var index = range.lowerBound
        guard let candidate, LogLine.skip(candidate.word, in: line, at: &index), index == range.upperBound else { return nil }
        self = candidate
    }

    /// Whether text follows the word (the whitelist entry, the error).
    var hasDetail: Bool { self == .whitelist || self == .error }

    private var word: [UInt8] {
        switch self {
        case .relayclient: Word.relayclient
        case .whitelisted: Word.whitelisted
        case .whitelist: Word.whitelist
        case .new: Word.new
        case .early: Word.early
        case .retried: Word.retried
        case .known: Word.known
        case .expired: Word.expired
        case .error: Word.error
        }
    }

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

/// The grammar's fixed words as bytes. Integer array literals are laid out by the compiler; an array made from a
/// string at run time would be initialized lazily, checked on every use (a tenth of a report's time, measured).
private enum Word {
    static let space: [UInt8] = [32]   // " "
    static let program: [UInt8] = [99, 113, 103, 114, 101, 121, 108, 105, 115, 116, 58, 32]   // "cqgreylist: "
    static let pid: [UInt8] = [112, 105, 100, 61]   // "pid="
    static let warning: [UInt8] = [119, 97, 114, 110, 105, 110, 103, 58, 32]   // "warning: "
    static let fatal: [UInt8] = [102, 97, 116, 97, 108, 58, 32]   // "fatal: "
    static let ip: [UInt8] = [105, 112, 61]   // "ip="
    static let key: [UInt8] = [107, 101, 121, 61]   // "key="
    static let action: [UInt8] = [97, 99, 116, 105, 111, 110, 61]   // "action="
    static let age: [UInt8] = [97, 103, 101, 61]   // "age="
    static let reason: [UInt8] = [114, 101, 97, 115, 111, 110, 61]   // "reason="
    static let pass: [UInt8] = [112, 97, 115, 115]   // "pass"
    static let greylist: [UInt8] = [103, 114, 101, 121, 108, 105, 115, 116]   // "greylist"
    static let logonly: [UInt8] = [108, 111, 103, 111, 110, 108, 121]   // "logonly"
    static let relayclient: [UInt8] = [114, 101, 108, 97, 121, 99, 108, 105, 101, 110, 116]   // "relayclient"
    static let whitelisted: [UInt8] = [119, 104, 105, 116, 101, 108, 105, 115, 116, 101, 100]   // "whitelisted"
    static let whitelist: [UInt8] = [119, 104, 105, 116, 101, 108, 105, 115, 116]   // "whitelist"
    static let new: [UInt8] = [110, 101, 119]   // "new"
    static let early: [UInt8] = [101, 97, 114, 108, 121]   // "early"
    static let retried: [UInt8] = [114, 101, 116, 114, 105, 101, 100]   // "retried"
    static let known: [UInt8] = [107, 110, 111, 119, 110]   // "known"
    static let expired: [UInt8] = [101, 120, 112, 105, 114, 101, 100]   // "expired"
    static let error: [UInt8] = [101, 114, 114, 111, 114]   // "error"
}
