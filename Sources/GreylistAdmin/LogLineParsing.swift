import Greylist

/// The wrapper's log read back: the lines `LogLine` writes, as a log collector stores them (multilog puts `@` and a
/// TAI64N label before each line; a plain file or syslog-free stderr has none).
///
///     @400000006929c83b1c9c3f54 cqgreylist: pid=4711 ip=192.0.2.7 key=192.0.2.7 action=pass age=412 reason=retried
///     cqgreylist: pid=4712 warning: whitelist ignored: read /var/qmail/control/cqgreylist.cdb: corrupt or truncated cdb
///
/// A report reads gigabytes of these, so the parser works on a `Span` of the line and answers with offsets into
/// it: nothing is copied or reference-counted per line.
extension LogLine {
    /// What one line of a log says, with its multilog time where the line is the wrapper's and has one. A line
    /// that is not the wrapper's (tcpserver's, another program's) is `.other`; a wrapper line that does not
    /// follow the grammar throws.
    @inline(never)   // out of line: the report calls it only for an overlong line, inlining `parse(_:words:)` for the rest
    public static func parse(_ line: Span<UInt8>) throws(UnreadableLogLine) -> (time: Timestamp?, entry: LogEntry) {
        try parse(line, words: LogWords.standard)
    }

    /// `parse(_:)` with the words given. Inlined into the report's loop over lines: the entry then stays in
    /// registers instead of being returned through memory (a tenth of a report's time, measured). The parser's
    /// helpers are `@inline(always)`: the compiler did not take `@inline(__always)`'s hint for them (a sixth of a
    /// report's time, measured).
    @inline(always)
    static func parse(_ line: Span<UInt8>, words: LogWords) throws(UnreadableLogLine) -> (time: Timestamp?, entry: LogEntry) {
        var index = 0
        let stamped = line.count > 0 && line[0] == UInt8(ascii: "@")
        if stamped {
            // Most lines of a log are other programs': find that out before decoding the label.
            index = 25   // where a TAI64N label's space is
            if line.count <= index || line[index] != UInt8(ascii: " ") {
                index = firstIndex(in: line, from: 0, wordTest: firstSpace) { $0 == UInt8(ascii: " ") }
            }
            index += 1
        }
        let labelEnd = index
        let usage = !words.program.skip(in: line, at: &index)
        if usage && !(words.usage.skip(in: line, at: &index) && words.synopsis.skip(in: line, at: &index)) { return (nil, .other) }
        var time: Timestamp?
        if stamped {
            guard labelEnd == 26, let stamp = taiLabel(line) else { throw UnreadableLogLine("bad multilog timestamp") }
            time = stamp
        }
        if usage { return (time, .usage) }
        if words.fatal.skip(in: line, at: &index) { return (time, .fatal(text: index..<line.count)) }   // a usage error's
        guard words.pid.skip(in: line, at: &index), skipDigits(in: line, at: &index), words.space.skip(in: line, at: &index)
        else { throw UnreadableLogLine("no pid= field") }
        if words.warning.skip(in: line, at: &index) { return (time, .warning(text: index..<line.count)) }
        if words.fatal.skip(in: line, at: &index) { return (time, .fatal(text: index..<line.count)) }
        return (time, .connection(try connection(line, from: index, words: words)))
    }

    /// The fields of a connection's line from `start` on, in the order written (`LogField`'s); a field of another
    /// name (a newer wrapper's) is skipped wherever it is, up to `reason=`, which comes last.
    @inline(always)
    private static func connection(_ line: Span<UInt8>, from start: Int, words: LogWords) throws(UnreadableLogLine)
        -> LoggedConnection {
        var index = start
        guard field(words.ip, in: line, at: &index, words: words), !word(in: line, at: &index).isEmpty else {
            throw UnreadableLogLine("no ip= field")
        }
        var key: Range<Int>?, age: Seconds?
        if field(words.key, in: line, at: &index, words: words) { key = try recordKey(in: line, at: &index) }
        guard field(words.action, in: line, at: &index, words: words), let action = loggedAction(in: line, word(in: line, at: &index), words: words)
        else { throw UnreadableLogLine("no action=pass, greylist or logonly") }
        if field(words.age, in: line, at: &index, words: words) {
            let digits = word(in: line, at: &index)
            guard (1...18).contains(digits.count), let value = number(in: line, digits) else { throw UnreadableLogLine("bad age= field") }
            age = value
        }
        guard field(words.reason, in: line, at: &index, words: words) else { throw UnreadableLogLine("no reason= field") }
        let reasonWord = word(in: line, at: &index)
        guard let reason = loggedReason(in: line, reasonWord, words: words),
              reason.hasDetail ? index < line.count && reasonWord.upperBound < line.count : reasonWord.upperBound == line.count
        else { throw UnreadableLogLine("unknown reason") }
        return LoggedConnection(action: action, reason: reason, key: key, age: age, detail: index..<line.count)
    }

    /// Moves `index` past the name of the field `name` (`ip=`) where the line goes on with it, as it nearly always
    /// does; else `seek`s it.
    @inline(always)
    private static func field(_ name: LogWord, in line: Span<UInt8>, at index: inout Int, words: LogWords) -> Bool {
        name.skip(in: line, at: &index) || seek(name, in: line, at: &index, words: words)
    }

    /// Moves `index` past any fields whose names the parser does not know and the name of the field `name` after
    /// them; false, with `index` where it was, if `reason=` or the end comes first, or a word that is no field. A
    /// field the parser knows but looks for later (an optional one left out) is not passed.
    private static func seek(_ name: LogWord, in line: Span<UInt8>, at index: inout Int, words: LogWords) -> Bool {
        var next = index
        while !words.reason.isAt(next, in: line) && !words.isKnownField(at: next, in: line) && skipField(in: line, at: &next) {
            if name.skip(in: line, at: &next) {
                index = next
                return true
            }
        }
        return false
    }

    /// The record key at `index` (printable bytes up to a space or the end, in one pass); `index` moves past it.
    @inline(always)
    private static func recordKey(in line: Span<UInt8>, at index: inout Int) throws(UnreadableLogLine) -> Range<Int> {
        let start = index
        index = firstIndex(in: line, from: index, wordTest: firstUnprintable) { !(0x21...0x7e).contains($0) }
        guard index > start, index == line.count || line[index] == UInt8(ascii: " ") else { throw UnreadableLogLine("bad key= field") }
        defer { if index < line.count { index += 1 } }
        return start..<index
    }

    /// The action spelled at `range` of `line`, if any.
    @inline(always)
    private static func loggedAction(in line: Span<UInt8>, _ range: Range<Int>, words: LogWords) -> LoggedAction? {
        guard let word = LogWord(line, range) else { return nil }
        for raw in words.actions.indices where words.actions[raw] == word { return LoggedAction(rawValue: raw) }
        return nil
    }

    /// The reason whose first word is spelled at `range` of `line`, if any.
    @inline(always)
    private static func loggedReason(in line: Span<UInt8>, _ range: Range<Int>, words: LogWords) -> LoggedReason? {
        guard let word = LogWord(line, range) else { return nil }
        for raw in words.reasons.indices where words.reasons[raw] == word { return LoggedReason(rawValue: raw) }
        return nil
    }

    /// Moves `index` past a field the parser does not know, `name=value` (a name of lowercase letters, digits and
    /// `_`; a value up to a space or the end), if one is there.
    private static func skipField(in line: Span<UInt8>, at index: inout Int) -> Bool {
        func isNameByte(_ byte: UInt8) -> Bool { (0x61...0x7a).contains(byte) || (0x30...0x39).contains(byte) || byte == 0x5f }
        var end = index
        while end < line.count && isNameByte(line[end]) { end += 1 }
        guard end > index, end < line.count, line[end] == UInt8(ascii: "=") else { return false }
        index = end + 1
        _ = word(in: line, at: &index)
        return true
    }

    /// The text at `range` of `line` (bytes that are not UTF-8 become U+FFFD).
    public static func text(in line: Span<UInt8>, _ range: Range<Int>) -> String {
        if let text = try? UTF8Span(validating: line.extracting(range)) { return String(copying: text) }
        var text = ""
        for index in range { text.unicodeScalars.append(line[index] < 0x80 ? Unicode.Scalar(line[index]) : "\u{FFFD}") }
        return text
    }
}
