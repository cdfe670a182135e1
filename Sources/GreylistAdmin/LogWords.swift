import Greylist

/// The log's words (`LogVocabulary`, `LogField`, `LogNotice`, `LoggedAction`, `LoggedReason` in the core, where the
/// wrapper writes them) as the parser compares them: made once from the core's spelling. A class: a report passes
/// one reference to it per line, not a copy of the table.
final class LogWords: Sendable {
    /// `cqgreylist: `, which starts every line of the wrapper's but a usage error's second.
    let program: LogWord
    /// `usage: ` and `cqgreylist `, which start a usage error's second line.
    let usage: LogWord, synopsis: LogWord
    /// `pid=`, then `warning: ` or `fatal: `, or the connection's fields: `ip=`, `key=`, `action=`, `age=`, `reason=`.
    let pid: LogWord, warning: LogWord, fatal: LogWord
    let ip: LogWord, key: LogWord, action: LogWord, age: LogWord, reason: LogWord
    let space = LogWord(" ")
    /// The actions' and reasons' words, by raw value (in arrays of fixed size: the table stays a plain value,
    /// copied without reference counting).
    let actions: InlineArray<3, LogWord>, reasons: InlineArray<9, LogWord>

    /// The words a report reads (the report keeps its copy: a global would be checked for initialization on every
    /// use, a tenth of a report's time, measured).
    static let standard = LogWords()

    private init() {
        program = LogWord(LogVocabulary.program + ": ")
        usage = LogWord(LogVocabulary.usage + ": ")
        synopsis = LogWord(LogVocabulary.program + " ")
        (pid, warning, fatal) = (Self.field(.pid), LogWord(LogNotice.warning.rawValue + ": "), LogWord(LogNotice.fatal.rawValue + ": "))
        (ip, key, action, age, reason) = (Self.field(.ip), Self.field(.key), Self.field(.action), Self.field(.age), Self.field(.reason))
        actions = InlineArray { LogWord(LoggedAction(rawValue: $0)!.description) }
        reasons = InlineArray { LogWord(LoggedReason(rawValue: $0)!.description) }
        precondition(LoggedAction.allCases.count == actions.count && LoggedReason.allCases.count == reasons.count, "a word for each")
    }

    private static func field(_ name: LogField) -> LogWord { LogWord(name.rawValue + "=") }

    /// Whether one of the connection's fields that the parser reads starts at `index` of `line`.
    @inline(__always)
    func isKnownField(at index: Int, in line: Span<UInt8>) -> Bool {
        ip.isAt(index, in: line) || key.isAt(index, in: line) || action.isAt(index, in: line) || age.isAt(index, in: line)
    }
}

/// A word of the log's grammar as the parser compares it: up to 16 bytes in two integers, the first byte in the
/// lowest bits, so that the table of words holds no array (nothing to count, nor to initialize lazily per line).
struct LogWord: Sendable {
    private let low: UInt64, high: UInt64
    /// How many bytes the word has.
    let count: Int

    /// The word spelled `text` (at most 16 bytes).
    init(_ text: String) {
        var low: UInt64 = 0, high: UInt64 = 0, count = 0
        for byte in text.utf8 {
            precondition(count < 16, "a log word of at most 16 bytes")
            if count < 8 { low |= UInt64(byte) << (8 * UInt64(count)) } else { high |= UInt64(byte) << (8 * UInt64(count - 8)) }
            count += 1
        }
        (self.low, self.high, self.count) = (low, high, count)
    }

    /// Whether `line` holds this word at `index`. Byte by byte: most lines differ at the first.
    @inline(__always)
    func isAt(_ index: Int, in line: Span<UInt8>) -> Bool {
        guard line.count - index >= count else { return false }
        for offset in 0..<count where line[index + offset] != UInt8(truncatingIfNeeded: (offset < 8 ? low : high) >> (8 * UInt64(offset & 7))) {
            return false
        }
        return true
    }

    /// Whether `line` holds this word exactly at `range`.
    @inline(__always)
    func isSpelled(at range: Range<Int>, in line: Span<UInt8>) -> Bool {
        range.count == count && isAt(range.lowerBound, in: line)
    }

    /// Moves `index` past this word if `line` goes on with it there.
    @inline(__always)
    func skip(in line: Span<UInt8>, at index: inout Int) -> Bool {
        guard isAt(index, in: line) else { return false }
        index += count
        return true
    }
}
