/// Where a client's record lives in the state directory: `<directory>/<name>`.
///
/// IPv4: `<first octet>/<a.b.c.d>` (the cqgreylist 0.2 layout), `<first octet>/<a.b.c>` with /24 keys, which
/// no address can collide with, and for any other prefix length from 16 to 31 the masked address with
/// `_<length>` after it (`198/198.51.96.0_19`). IPv6: `<first 16 bits in hex>/<RFC 5952 text of the masked
/// prefix>`, with `_<length>` after it for any prefix length but the default 64 (`2001:db8:1::_48`), so keys of
/// different lengths never share a name.
public struct RecordKey: Hashable, Sendable {
    /// The first-level directory: the first octet, or the first 16 bits in hex.
    public let directory: String
    /// The file name inside `directory`, also the key's name in the log.
    public let name: String
    /// The key's address: the client's, masked to the key's prefix.
    public let address: ClientAddress

    /// The IPv4 prefix lengths a key may use: a whole address, or a network from /16 (a provider's pool often
    /// spans a /19 to a /22).
    public static let ipv4PrefixLengths = 16...32
    /// The IPv6 prefix lengths a key may use.
    public static let ipv6PrefixLengths = 16...128
    /// The IPv6 prefix length whose names carry no `_<length>` suffix.
    public static let defaultIPv6PrefixLength = 64

    /// The key for `address` with the given prefix lengths (which `Settings` has already validated).
    public init(address: ClientAddress, ipv4Prefix: Int, ipv6Prefix: Int) {
        let masked = address.masked(to: address.isIPv4 ? ipv4Prefix : ipv6Prefix)
        let text = masked.text
        self.address = masked
        switch masked {
        case .v4(let value):
            directory = String(value >> 24)
            name = switch ipv4Prefix {
            case 32: text
            case 24: String(text[..<text.lastIndex(of: ".")!])
            default: text + "_" + String(ipv4Prefix)
            }
        case .v6(let value):
            directory = String(UInt16(truncatingIfNeeded: value >> 112), radix: 16)
            name = ipv6Prefix == Self.defaultIPv6PrefixLength ? text : text + "_" + String(ipv6Prefix)
        }
    }

    /// The key a file of the state directory stands for, from the bytes of its directory's and its own name;
    /// nil for anything that is not a record name of this layout (the cleaner reports such files and leaves
    /// them alone).
    public init?(directory: [UInt8], name: [UInt8]) {
        guard let key = RecordKey(name: name), directory.elementsEqual(key.directory.utf8) else { return nil }
        self = key
    }

    /// The key whose record name is `name` (as in the state directory, or after the prefix of a Redis key); nil
    /// for anything that is not a record name of this layout.
    public init?(name: [UInt8]) {
        if let value = ClientAddress.parseIPv4(name) ?? ClientAddress.parseIPv4(name, octets: 3).map({ $0 << 8 }) {
            address = .v4(value)   // the strict parser accepts only the canonical spelling
            directory = String(value >> 24)
        } else if let underscore = name.firstIndex(of: UInt8(ascii: "_")), let value = ClientAddress.parseIPv4(name[..<underscore]) {
            guard let length = ClientAddress.parseDecimal(name[name.index(after: underscore)...], maximum: 31),
                  Self.ipv4PrefixLengths.contains(length), length != 24, ClientAddress.v4(value).masked(to: length) == .v4(value)
            else { return nil }
            address = .v4(value)
            directory = String(value >> 24)
        } else {
            let underscore = name.firstIndex(of: UInt8(ascii: "_"))
            let text = name[..<(underscore ?? name.endIndex)]
            var length = Self.defaultIPv6PrefixLength
            if let underscore {
                guard let suffix = ClientAddress.parseDecimal(name[name.index(after: underscore)...], maximum: 128),
                      Self.ipv6PrefixLengths.contains(suffix), suffix != Self.defaultIPv6PrefixLength else { return nil }
                length = suffix
            }
            guard text.count <= ClientAddress.maximumTextLength, let value = ClientAddress.parseIPv6(text), value >> 32 != 0xffff
            else { return nil }
            address = .v6(value)
            var canonical: [UInt8] = []
            address.appendText(to: &canonical)
            guard canonical.elementsEqual(text), address.masked(to: length) == address else { return nil }
            directory = String(UInt16(truncatingIfNeeded: value >> 112), radix: 16)
        }
        self.name = String(decoding: name, as: UTF8.self)
    }

    /// The key a file of the state directory stands for, from the names' text.
    public init?(directory: String, name: String) { self.init(directory: Array(directory.utf8), name: Array(name.utf8)) }

    /// The record's path relative to the state directory.
    public var relativePath: String { directory + "/" + name }
}

extension ClientAddress {
    /// Whether this is an IPv4 address (IPv4-mapped IPv6 ones included).
    public var isIPv4: Bool {
        if case .v4 = self { true } else { false }
    }
}
