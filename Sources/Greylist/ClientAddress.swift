/// A client's IP address, parsed strictly from its text form.
///
/// IPv4-mapped IPv6 addresses (`::ffff:192.0.2.7`) are IPv4 addresses.
public enum ClientAddress: Hashable, Sendable {
    case v4(UInt32)
    case v6(UInt128)

    /// The longest text any valid address can have (`ffff:…:255.255.255.255`).
    public static let maximumTextLength = 45

    /// Parses `text` as an IPv4 or IPv6 address; nil for anything else (zone ids, brackets, junk).
    public init?(_ text: String) {
        self.init(utf8: text.utf8)
    }

    /// Parses the UTF-8 bytes of an address's text; nil for anything that is not exactly one address.
    public init?<Bytes: Collection<UInt8>>(utf8 bytes: Bytes) {
        guard !bytes.isEmpty, bytes.count <= Self.maximumTextLength else { return nil }
        if let v4 = Self.parseIPv4(bytes) {
            self = .v4(v4)
        } else if let v6 = Self.parseIPv6(bytes) {
            self = v6 >> 32 == 0xffff ? .v4(UInt32(truncatingIfNeeded: v6)) : .v6(v6)
        } else {
            return nil
        }
    }

    /// The address's one canonical spelling: dotted quad, or RFC 5952 text for IPv6.
    public var text: String {
        var bytes: [UInt8] = []
        appendText(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// Appends the canonical spelling's bytes to `bytes` (no `String` is made: the whitelist compiler does this a million times).
    public func appendText(to bytes: inout [UInt8]) {
        bytes.append(addingCapacity: Self.maximumTextLength) { write(to: &$0) }
    }

    /// Writes the canonical spelling into `output`, which has room for `maximumTextLength` more bytes.
    func write(to output: inout OutputSpan<UInt8>) {
        switch self {
        case .v4(let value):
            for shift in stride(from: 24, through: 0, by: -8) {
                if shift != 24 { output.append(UInt8(ascii: ".")) }
                Self.writeDecimal(Int(value >> UInt32(shift) & 0xff), to: &output)
            }
        case .v6(let value):
            var groups = InlineArray<8, UInt16>(repeating: 0), rest = value
            for index in stride(from: 7, through: 0, by: -1) {   // constant shifts: the closure form cost a third more
                groups[index] = UInt16(truncatingIfNeeded: rest)
                rest >>= 16
            }
            var bestStart = 8, bestLength = 1, runStart = 0
            for index in 0...8 where index == 8 || groups[index] != 0 {
                if index - runStart > bestLength { (bestStart, bestLength) = (runStart, index - runStart) }
                runStart = index + 1
            }
            var index = 0
            while index < 8 {
                if index == bestStart {
                    output.append(UInt8(ascii: ":"))
                    output.append(UInt8(ascii: ":"))
                    index += bestLength
                    continue
                }
                if index != 0 && index != bestStart + bestLength { output.append(UInt8(ascii: ":")) }
                Self.writeHex(groups[index], to: &output)
                index += 1
            }
        }
    }

    /// Appends a non-negative number in decimal.
    static func appendDecimal(_ number: Int, to bytes: inout [UInt8]) {
        bytes.append(addingCapacity: 20) { writeDecimal(number, to: &$0) }
    }

    /// Writes a non-negative number in decimal.
    static func writeDecimal(_ number: Int, to output: inout OutputSpan<UInt8>) {
        var divisor = 1
        while divisor <= number / 10 { divisor *= 10 }
        while divisor > 0 {
            output.append(UInt8(ascii: "0") + UInt8(number / divisor % 10))
            divisor /= 10
        }
    }

    /// Writes a 16-bit group in lowercase hex without leading zeros.
    static func writeHex(_ group: UInt16, to output: inout OutputSpan<UInt8>) {
        var shift = max(0, (15 - group.leadingZeroBitCount) / 4 * 4)
        while shift >= 0 {
            let digit = UInt8(group >> UInt16(shift) & 0xf)
            output.append(digit < 10 ? UInt8(ascii: "0") + digit : UInt8(ascii: "a") + digit - 10)
            shift -= 4
        }
    }

    /// The address with all but the first `prefixLength` bits cleared.
    public func masked(to prefixLength: Int) -> ClientAddress {
        switch self {
        case .v4(let value):
            return .v4(prefixLength <= 0 ? 0 : value & ~(UInt32.max >> UInt32(min(prefixLength, 32))))
        case .v6(let value):
            return .v6(prefixLength <= 0 ? 0 : value & ~(UInt128.max >> UInt128(min(prefixLength, 128))))
        }
    }

    /// A decimal number of one to three digits, without leading zeros, at most `maximum`.
    @inlinable package static func parseDecimal<Bytes: Collection<UInt8>>(_ digits: Bytes, maximum: Int) -> Int? {
        guard (1...3).contains(digits.count), digits.count == 1 || digits.first != UInt8(ascii: "0") else { return nil }
        var value = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + Int(byte - UInt8(ascii: "0"))
        }
        return value <= maximum ? value : nil
    }

    /// Four (or `octets`) decimal octets, no leading zeros, nothing else.
    static func parseIPv4<Bytes: Collection<UInt8>>(_ bytes: Bytes, octets: Int = 4) -> UInt32? {
        var value: UInt32 = 0, octet: UInt32 = 0, digits = 0, dots = 0
        for byte in bytes {
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < octets - 1 else { return nil }
                (value, octet, digits, dots) = (value << 8 | octet, 0, 0, dots + 1)
            } else {
                guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), digits == 0 || octet != 0 else { return nil }
                octet = octet * 10 + UInt32(byte - UInt8(ascii: "0"))
                digits += 1
                guard octet <= 255 else { return nil }
            }
        }
        return digits > 0 && dots == octets - 1 ? value << 8 | octet : nil
    }

    /// RFC 4291 text: eight groups of one to four hex digits, at most one `::`, an optional trailing dotted quad.
    static func parseIPv6<Bytes: Collection<UInt8>>(_ bytes: Bytes) -> UInt128? {
        let colon = UInt8(ascii: ":")
        var head: UInt128 = 0, headGroups = 0, tail: UInt128 = 0, tailGroups = 0
        var compressed = false
        var index = bytes.startIndex
        func append(_ group: UInt128) {
            if compressed { (tail, tailGroups) = (tail << 16 | group, tailGroups + 1) } else { (head, headGroups) = (head << 16 | group, headGroups + 1) }
        }
        if bytes.first == colon {
            index = bytes.index(after: index)
            guard index != bytes.endIndex, bytes[index] == colon else { return nil }
            compressed = true
            index = bytes.index(after: index)
        }
        while index != bytes.endIndex {
            let fieldStart = index
            var group: UInt128 = 0, digits = 0
            while index != bytes.endIndex, let digit = hexDigitValue(bytes[index]) {
                (group, digits) = (group << 4 | UInt128(digit), digits + 1)
                index = bytes.index(after: index)
            }
            if index != bytes.endIndex && bytes[index] == UInt8(ascii: ".") {
                guard let v4 = parseIPv4(bytes[fieldStart...]) else { return nil }
                append(UInt128(v4 >> 16))
                append(UInt128(v4 & 0xffff))
                break
            }
            guard (1...4).contains(digits) else { return nil }
            append(group)
            guard index != bytes.endIndex else { break }
            guard bytes[index] == colon else { return nil }
            index = bytes.index(after: index)
            if index != bytes.endIndex && bytes[index] == colon {
                guard !compressed else { return nil }
                compressed = true
                index = bytes.index(after: index)
            } else if index == bytes.endIndex {
                return nil
            }
        }
        let groups = headGroups + tailGroups
        guard compressed ? groups <= 7 : groups == 8 else { return nil }
        return (headGroups == 0 ? 0 : head << UInt128(16 * (8 - headGroups))) | tail
    }

    /// The value of one hex digit, either case.
    static func hexDigitValue(_ byte: UInt8) -> UInt16? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt16(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt16(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt16(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
