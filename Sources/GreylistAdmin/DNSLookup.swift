import Greylist

/// Why a DNS lookup gave no answer.
public enum DNSLookupError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The name does not exist (NXDOMAIN).
    case noSuchDomain
    /// No answer could be had (a server failure, a timeout, a refusal): why, in words.
    case failed(String)

    public var description: String {
        switch self {
        case .noSuchDomain: "no such domain"
        case .failed(let reason): reason
        }
    }
}

/// The DNS lookups an SPF expansion makes: a resolver's in the whitelist compiler, a table's in tests.
public struct DNSLookup {
    /// The TXT records of a name, each one's strings joined; empty when it has none.
    public var texts: (DNSName) throws(DNSLookupError) -> [[UInt8]]
    /// The IPv4 and IPv6 addresses of a name (its A and AAAA records); empty when it has none.
    public var addresses: (DNSName) throws(DNSLookupError) -> [ClientAddress]
    /// The targets of a name's MX records, as the answer spells them; empty when it has none.
    public var mailExchangers: (DNSName) throws(DNSLookupError) -> [String]

    /// Lookups made by these functions.
    public init(texts: @escaping (DNSName) throws(DNSLookupError) -> [[UInt8]],
                addresses: @escaping (DNSName) throws(DNSLookupError) -> [ClientAddress],
                mailExchangers: @escaping (DNSName) throws(DNSLookupError) -> [String]) {
        (self.texts, self.addresses, self.mailExchangers) = (texts, addresses, mailExchangers)
    }
}

/// A name an SPF record has DNS looked up: any visible ASCII but `%` (RFC 7208 section 7.1 allows
/// `foo:bar/baz.example.com`), in lowercase, without its trailing dot; labels of 1 to 63 bytes, at most 253 in all.
/// Every host name is one; these may hold more.
public struct DNSName: Hashable, Sendable, CustomStringConvertible {
    /// The lowercase spelling's bytes.
    public let bytes: [UInt8]

    /// The name `text` spells (any case, one trailing dot allowed); throws the reason it is not one.
    public init(validating text: some Collection<UInt8>) throws(WhitelistError) {
        var bytes = Array(text)
        if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        guard !bytes.isEmpty else { throw WhitelistError("empty name") }
        guard bytes.count <= HostName.maximumLength else { throw WhitelistError("name longer than \(HostName.maximumLength) bytes") }
        for label in bytes.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard !label.isEmpty else { throw WhitelistError("empty label in name") }
            guard label.count <= HostName.maximumLabelLength else { throw WhitelistError("label longer than \(HostName.maximumLabelLength) bytes in name") }
        }
        for index in bytes.indices {
            guard (0x21...0x7e).contains(bytes[index]), bytes[index] != UInt8(ascii: "%") else {
                throw WhitelistError("not a name (visible ASCII but '%' only)")
            }
            if (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[index]) { bytes[index] += 32 }
        }
        self.bytes = bytes
    }

    /// The name of a host.
    public init(_ host: HostName) { bytes = host.bytes }

    /// The name `text` spells, nil if it is not one.
    public init?(_ text: String) {
        do { try self.init(validating: text.utf8) } catch { return nil }
    }

    /// The name as it is asked for.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// The name for messages: its text with `\` escaped, as `LogLine.escaped` does.
    public var description: String { LogLine.escaped(bytes: bytes, limit: HostName.maximumLength) }
}
