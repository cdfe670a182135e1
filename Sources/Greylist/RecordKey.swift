/// Where a client's record lives in the state directory: `<directory>/<name>`.
///
/// IPv4: `<first octet>/<a.b.c.d>` (the cqgreylist 0.2 layout), or `<first octet>/<a.b.c>` with /24 keys,
/// which no address can collide with. IPv6: `<first 16 bits in hex>/<RFC 5952 text of the masked prefix>`.
public struct RecordKey: Hashable, Sendable {
    /// The first-level directory: the first octet, or the first 16 bits in hex.
    public let directory: String
    /// The file name inside `directory`, also the key's name in the log.
    public let name: String
    /// The key's address: the client's, masked to the key's prefix.
    public let address: ClientAddress

    /// The IPv4 prefix lengths a key may use: a whole address, or its /24.
    public static let ipv4PrefixLengths = [24, 32]
    /// The IPv6 prefix lengths a key may use.
    public static let ipv6PrefixLengths = 16...128

    /// The key for `address` with the given prefix lengths (which `Settings` has already validated).
    public init(address: ClientAddress, ipv4Prefix: Int, ipv6Prefix: Int) {
        let masked = address.masked(to: address.isIPv4 ? ipv4Prefix : ipv6Prefix)
        let text = masked.text
        self.address = masked
        switch masked {
        case .v4(let value):
            directory = String(value >> 24)
            name = ipv4Prefix == 24 ? String(text[..<text.lastIndex(of: ".")!]) : text
        case .v6(let value):
            directory = String(UInt16(truncatingIfNeeded: value >> 112), radix: 16)
            name = text
        }
    }

    /// The key a file of the state directory stands for; nil for anything that is not a record name of
    /// this layout (the cleaner reports such files and leaves them alone).
    public init?(directory: String, name: String) {
        let bytes = name.utf8
        let expectedDirectory: String
        if let value = ClientAddress.parseIPv4(bytes) ?? ClientAddress.parseIPv4(bytes, octets: 3).map({ $0 << 8 }) {
            address = .v4(value)   // the strict parser accepts only the canonical spelling
            expectedDirectory = String(value >> 24)
        } else if bytes.count <= ClientAddress.maximumTextLength, let value = ClientAddress.parseIPv6(bytes), value >> 32 != 0xffff {
            address = .v6(value)
            var canonical: [UInt8] = []
            address.appendText(to: &canonical)
            guard canonical.elementsEqual(bytes) else { return nil }
            expectedDirectory = String(UInt16(truncatingIfNeeded: value >> 112), radix: 16)
        } else {
            return nil
        }
        guard directory == expectedDirectory else { return nil }
        (self.directory, self.name) = (directory, name)
    }

    /// The record's path relative to the state directory.
    public var relativePath: String { directory + "/" + name }
}

extension ClientAddress {
    /// Whether this is an IPv4 address (IPv4-mapped IPv6 ones included).
    public var isIPv4: Bool {
        if case .v4 = self { true } else { false }
    }
}
