import Greylist

/// The parser's scanning of bytes: fields found eight bytes at a time, numbers, and multilog's TAI64N label.
extension LogLine {
    /// Moves `index` past one or more decimal digits.
    static func skipDigits(in line: Span<UInt8>, at index: inout Int) -> Bool {
        let start = index
        while index < line.count && (0x30...0x39).contains(line[index]) { index += 1 }
        return index > start
    }

    /// The offsets of the bytes from `index` up to the next space or the end; `index` moves past the space.
    static func word(in line: Span<UInt8>, at index: inout Int) -> Range<Int> {
        let start = index
        index = firstIndex(in: line, from: index, wordTest: firstSpace) { $0 == UInt8(ascii: " ") }
        defer { if index < line.count { index += 1 } }
        return start..<index
    }

    /// The index of the first byte from `start` on that `byteTest` accepts, or the line's end. Eight bytes at a
    /// time while eight are left: `wordTest` gives the offset of the first such byte in a word, 8 if none.
    @inline(__always)
    static func firstIndex(in line: Span<UInt8>, from start: Int, wordTest: (UInt64) -> Int,
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
    static func eightBytes(in line: Span<UInt8>, at index: Int) -> UInt64 {
        let bytes = line.extracting(index..<index + 8)
        var word: UInt64 = 0
        for offset in 0..<8 { word |= UInt64(bytes[offset]) << (8 * UInt64(offset)) }
        return word
    }

    /// A word of eight `byte`s.
    @inline(__always)
    static func repeated(_ byte: UInt8) -> UInt64 { 0x0101_0101_0101_0101 &* UInt64(byte) }

    /// The offset of the first space in `word`, 8 if none. (A byte's high bit is set by the subtraction only
    /// where it borrows: exact for the first zero byte of `word ^ spaces`; later ones may be false, but unused.)
    static func firstSpace(in word: UInt64) -> Int {
        let spaceless = word ^ repeated(0x20)
        return ((spaceless &- repeated(0x01)) & ~spaceless & repeated(0x80)).trailingZeroBitCount / 8
    }

    /// The offset of the first byte of `word` outside 0x21...0x7e (a space, a control byte, DEL or a non-ASCII
    /// byte), 8 if none. Exact for the first such byte, as in `firstSpace`.
    static func firstUnprintable(in word: UInt64) -> Int {
        let below = (word &- repeated(0x21)) & ~word & repeated(0x80)   // under 0x21
        let above = ((word &+ repeated(0x01)) | word) & repeated(0x80)   // 0x7f and over
        return (below | above).trailingZeroBitCount / 8
    }

    /// The value of the eight hex digits in `word` ('0'-'9', 'a'-'f', 'A'-'F'; the first the most significant),
    /// nil if any byte is not one. Each byte is ASCII, so adding under 0x80 to it carries into no other.
    static func hexValue(of word: UInt64) -> UInt64? {
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
    static func number(in line: Span<UInt8>, _ range: Range<Int>) -> Int64? {
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
    static func taiLabel(_ line: Span<UInt8>) -> Timestamp? {
        guard line.count > 25, let high = hexValue(of: eightBytes(in: line, at: 1)), let low = hexValue(of: eightBytes(in: line, at: 9)),
              hexValue(of: eightBytes(in: line, at: 17)) != nil
        else { return nil }
        let seconds = high << 32 | low, offset: UInt64 = (1 << 62) + 10
        guard seconds >= offset, seconds - offset <= UInt64(Int64.max) else { return nil }
        return Timestamp(seconds - offset)
    }
}
