import Greylist

/// The log's words (`LogVocabulary`, `LogField`, `LogNotice`, `LoggedAction`, `LoggedReason` in the core, where the
/// wrapper writes them) as the parser compares them: made once from the core's spelling. A class: a report hands
/// its parser one reference per line, not a copy of the table (a copy per line was measured at a sixth of its time).
final class LogWords: Sendable {
    /// `cqgreylist: `, which starts every line of the wrapper's but a usage error's second.
    let program: LogWord
    /// `usage: ` and `cqgreylist `, which start a usage error's second line.
    let usage: LogWord, synopsis: LogWord
    /// `pid=`, then `warning: ` or `fatal: `, or the connection's fields: `ip=`, `key=`, `action=`, `age=`, `reason=`.
    let pid: LogWord, warning: LogWord, fatal: LogWord
    let ip: LogWord, key: LogWord, action: LogWord, age: LogWord, reason: LogWord
    let space = LogWord(" ")
    /// The actions' and reasons' words, by raw value (in arrays of fixed size, held in the table itself: no
    /// further reference to follow or count).
    let actions: InlineArray<3, LogWord>, reasons: InlineArray<10, LogWord>

    /// The words `LogLine.parse(_:)` reads. A report makes its own table (see `LogReport`).
    static let standard = LogWords()

    /// The words, made from the core's spelling.
    init() {
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
/// lowest bits, so that the table of words holds no array (nothing to count, nor to initialize lazily per line),
/// and a line is compared with it eight bytes at a time where it has sixteen left.
struct LogWord: Equatable, Sendable {
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

    /// The word at `range` of `line`, if it has at most 16 bytes.
    @inline(always)
    init?(_ line: Span<UInt8>, _ range: Range<Int>) {
        guard range.count <= 16 else { return nil }
        count = range.count
        if line.count - range.lowerBound >= 16 {
            low = LogLine.eightBytes(in: line, at: range.lowerBound) & Self.mask(count)
            high = count > 8 ? LogLine.eightBytes(in: line, at: range.lowerBound + 8) & Self.mask(count - 8) : 0
            return
        }
        var low: UInt64 = 0, high: UInt64 = 0
        for offset in 0..<count {
            let byte = UInt64(line[range.lowerBound + offset])
            if offset < 8 { low |= byte << (8 * UInt64(offset)) } else { high |= byte << (8 * UInt64(offset - 8)) }
        }
        (self.low, self.high) = (low, high)
    }

    /// A word's worth of low bytes: `bytes` of them (8 or more: all).
    @inline(always)
    private static func mask(_ bytes: Int) -> UInt64 { bytes >= 8 ? ~0 : (1 << (8 * UInt64(max(bytes, 0)))) - 1 }

    /// Whether `line` holds this word at `index`.
    @inline(always)
    func isAt(_ index: Int, in line: Span<UInt8>) -> Bool {
        let left = line.count - index
        // Most lines are other programs' and differ at the first byte.
        guard left > 0, line[index] == UInt8(truncatingIfNeeded: low) else { return count == 0 }
        if left >= 16 {
            return LogLine.eightBytes(in: line, at: index) & Self.mask(count) == low
                && (count <= 8 || LogLine.eightBytes(in: line, at: index + 8) & Self.mask(count - 8) == high)
        }
        guard left >= count else { return false }
        for offset in 0..<count where line[index + offset] != UInt8(truncatingIfNeeded: (offset < 8 ? low : high) >> (8 * UInt64(offset & 7))) {
            return false
        }
        return true
    }

    /// Moves `index` past this word if `line` goes on with it there.
    @inline(always)
    func skip(in line: Span<UInt8>, at index: inout Int) -> Bool {
        guard isAt(index, in: line) else { return false }
        index += count
        return true
    }
}
