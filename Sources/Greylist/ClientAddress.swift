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
        self.init(bytes: Array(text.utf8)[...])
    }

    /// Parses the bytes of an address's text form; nil for anything that is not exactly one address.
    public init?(bytes: ArraySlice<UInt8>) {
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
        switch self {
        case .v4(let value): return Self.dottedQuad(value)
        case .v6(let value): return Self.rfc5952(value)
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

    /// Dotted-quad text of an IPv4 address.
    static func dottedQuad(_ value: UInt32) -> String {
        "\(value >> 24).\(value >> 16 & 0xff).\(value >> 8 & 0xff).\(value & 0xff)"
    }

    /// RFC 5952 text: lowercase hex, no leading zeros, the first longest run of two or more zero groups as `::`.
    static func rfc5952(_ value: UInt128) -> String {
        let groups = (0..<8).map { UInt16(truncatingIfNeeded: value >> UInt128(112 - 16 * $0)) }
        var bestStart = -1, bestLength = 1, runStart = 0
        for index in 0...8 where index == 8 || groups[index] != 0 {
            if index - runStart > bestLength { (bestStart, bestLength) = (runStart, index - runStart) }
            runStart = index + 1
        }
        func hex(_ range: Range<Int>) -> String {
            groups[range].map { String($0, radix: 16) }.joined(separator: ":")
        }
        guard bestStart >= 0 else { return hex(0..<8) }
        return hex(0..<bestStart) + "::" + hex((bestStart + bestLength)..<8)
    }

    /// Four decimal octets, no leading zeros, nothing else.
    static func parseIPv4(_ bytes: ArraySlice<UInt8>) -> UInt32? {
        var value: UInt32 = 0
        var parts = 0
        for part in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard let octet = parseDecimal(part, maximum: 255) else { return nil }
            value = value << 8 | octet
            parts += 1
        }
        return parts == 4 ? value : nil
    }

    /// A decimal number of one to three digits, without leading zeros, at most `maximum`.
    static func parseDecimal(_ digits: ArraySlice<UInt8>, maximum: UInt32) -> UInt32? {
        guard (1...3).contains(digits.count), digits.count == 1 || digits.first != UInt8(ascii: "0") else { return nil }
        var value: UInt32 = 0
        for byte in digits {
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) else { return nil }
            value = value * 10 + UInt32(byte - UInt8(ascii: "0"))
        }
        return value <= maximum ? value : nil
    }

    /// RFC 4291 text: eight groups of one to four hex digits, at most one `::`, an optional trailing dotted quad.
    static func parseIPv6(_ bytes: ArraySlice<UInt8>) -> UInt128? {
        let colon = UInt8(ascii: ":")
        var doubleColon: ArraySlice<UInt8>.Index?
        for index in bytes.indices.dropLast() where bytes[index] == colon && bytes[index + 1] == colon {
            guard doubleColon == nil else { return nil }
            doubleColon = index
        }
        func groups(_ text: ArraySlice<UInt8>, allowsIPv4: Bool) -> [UInt16]? {
            if text.isEmpty { return [] }
            let fields = text.split(separator: colon, omittingEmptySubsequences: false)
            var result: [UInt16] = []
            for (position, field) in fields.enumerated() {
                if allowsIPv4, position == fields.count - 1, field.contains(UInt8(ascii: ".")) {
                    guard let v4 = parseIPv4(field) else { return nil }
                    result += [UInt16(v4 >> 16), UInt16(v4 & 0xffff)]
                } else {
                    guard (1...4).contains(field.count) else { return nil }
                    var group: UInt16 = 0
                    for byte in field {
                        guard let digit = hexDigitValue(byte) else { return nil }
                        group = group << 4 | digit
                    }
                    result.append(group)
                }
            }
            return result
        }
        let head: [UInt16], tail: [UInt16]
        if let split = doubleColon {
            guard let left = groups(bytes[..<split], allowsIPv4: false),
                  let right = groups(bytes[(split + 2)...], allowsIPv4: true),
                  left.count + right.count <= 7 else { return nil }
            (head, tail) = (left, Array(repeating: 0, count: 8 - left.count - right.count) + right)
        } else {
            guard let all = groups(bytes, allowsIPv4: true), all.count == 8 else { return nil }
            (head, tail) = (all, [])
        }
        return (head + tail).reduce(UInt128(0)) { $0 << 16 | UInt128($1) }
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
