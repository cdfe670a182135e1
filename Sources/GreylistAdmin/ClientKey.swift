import Greylist

/// A record key as a report keeps it: its network in 9 bytes (the bits and a kind), for every key `RecordKey`
/// spells for an IPv4 address or an IPv6 prefix of at most 64 bits (what a wrapper writes unless told
/// otherwise). `text` spells it back with `RecordKey`, so a key is made only from its one canonical spelling:
/// other keys (longer prefixes, spellings no wrapper writes) are kept apart as bytes. A report makes one per
/// greylisting and pass line, and a String would cost more than parsing the line (about 400 ns, measured).
struct ClientKey: Equatable, Sendable {
    /// The network: an IPv4 address in the low 32 bits, or the first 64 bits of an IPv6 prefix.
    let bits: UInt64
    /// The family's mark (`ipv4` or `ipv6`) with the prefix length in the low bits; 0 is no key.
    let kind: UInt8

    static let ipv4: UInt8 = 0x40, ipv6: UInt8 = 0x80

    init(bits: UInt64, kind: UInt8) { (self.bits, self.kind) = (bits, kind) }

    /// The key spelled at `range` of `line`; nil unless it is a canonical record key of an IPv4 network or an
    /// IPv6 one of at most 64 bits.
    init?(_ line: Span<UInt8>, _ range: Range<Int>) {
        if let key = Self.dottedQuad(line, range) {
            self = key
            return
        }
        guard range.count <= 24 else { return nil }   // "ffff:ffff:ffff:fff0::_60": the longest that may fit
        var name: [UInt8] = []
        for index in range { name.append(line[index]) }
        guard let key = RecordKey(name: name) else { return nil }
        let suffix = name.firstIndex(of: UInt8(ascii: "_")).flatMap { ClientAddress.parseDecimal(name[($0 + 1)...], maximum: 128) }
        switch key.address {
        case .v4(let value):   // a network with its length after `_`: plain addresses and /24s are `dottedQuad`'s
            self.init(bits: UInt64(value), kind: Self.ipv4 | UInt8(suffix ?? 32))
        case .v6(let value):
            let length = suffix ?? RecordKey.defaultIPv6PrefixLength
            guard length <= 64 else { return nil }
            self.init(bits: UInt64(truncatingIfNeeded: value >> 64), kind: Self.ipv6 | UInt8(length))
        }
    }

    /// The common case without an allocation: a whole IPv4 address (`192.0.2.7`) or a /24 (`192.0.2`), in
    /// canonical decimal (no leading zero, each octet at most 255); nil for anything else, which `RecordKey` then
    /// reads (`_<length>` keys, IPv6, junk).
    private static func dottedQuad(_ line: Span<UInt8>, _ range: Range<Int>) -> ClientKey? {
        guard range.count <= 15 else { return nil }
        var value: UInt32 = 0, octet: UInt32 = 0, digits = 0, dots = 0
        for index in range {
            let byte = line[index]
            if byte == UInt8(ascii: ".") {
                guard digits > 0, dots < 3 else { return nil }
                (value, octet, digits, dots) = (value << 8 | octet, 0, 0, dots + 1)
                continue
            }
            guard (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte), digits == 0 || octet != 0 else { return nil }
            (octet, digits) = (octet * 10 + UInt32(byte - UInt8(ascii: "0")), digits + 1)
            guard octet <= 255 else { return nil }
        }
        guard digits > 0, dots >= 2 else { return nil }
        value = value << 8 | octet
        return dots == 3 ? ClientKey(bits: UInt64(value), kind: ipv4 | 32) : ClientKey(bits: UInt64(value << 8), kind: ipv4 | 24)
    }

    /// The key as the log spells it (`RecordKey`'s name).
    var text: String {
        if kind & Self.ipv6 != 0 {
            return RecordKey(address: .v6(UInt128(bits) << 64), ipv4Prefix: 32, ipv6Prefix: Int(kind & ~Self.ipv6)).name
        }
        return RecordKey(address: .v4(UInt32(truncatingIfNeeded: bits)), ipv4Prefix: Int(kind & ~Self.ipv4), ipv6Prefix: 64).name
    }

    /// Whether this key comes before `other` in byte order (as their texts do).
    func precedes(_ other: ClientKey) -> Bool { text.utf8.lexicographicallyPrecedes(other.text.utf8) }

    /// The key's hash under a secret `seed`: multiply and shift rounds, every bit reaching both the high bits
    /// (a table's shard) and the low ones (the slot) (a tenth of `Hasher`'s time, measured; the seed keeps keys
    /// from being crafted to collide).
    func hash(seed: UInt64) -> Int {
        var hash = (seed ^ bits) &* 0x9E37_79B9_7F4A_7C15
        hash = (hash ^ hash >> 29 ^ UInt64(kind)) &* 0xBF58_476D_1CE4_E5B9
        hash = (hash ^ hash >> 32) &* 0xD6E8_FEB8_6659_FD93
        return Int(truncatingIfNeeded: hash ^ hash >> 32)
    }
}
