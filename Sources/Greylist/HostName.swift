/// A DNS name in its one canonical spelling: lowercase ASCII, no trailing dot, 1 to 127 labels of 1 to 63
/// letters, digits, `-` or `_` (not starting or ending with `-`), at most 253 bytes in all.
public struct HostName: Hashable, Sendable, CustomStringConvertible {
    /// The canonical spelling's bytes.
    public let bytes: [UInt8]
    /// How many labels the name has (`mail.example.org`: 3).
    public let labelCount: Int

    /// The longest name DNS carries, without its trailing dot.
    public static let maximumLength = 253
    /// The longest label.
    public static let maximumLabelLength = 63

    /// Parses `text` (any case, one trailing dot allowed); throws the reason it is not a host name.
    public init(validating text: some Collection<UInt8>) throws(WhitelistError) {
        var bytes = Array(text)
        if bytes.last == UInt8(ascii: ".") { bytes.removeLast() }
        guard !bytes.isEmpty else { throw WhitelistError("empty host name") }
        guard bytes.count <= Self.maximumLength else { throw WhitelistError("host name longer than \(Self.maximumLength) bytes") }
        var labels = 0, labelStart = 0
        for index in 0...bytes.count {
            if index == bytes.count || bytes[index] == UInt8(ascii: ".") {
                let label = bytes[labelStart..<index]
                guard !label.isEmpty else { throw WhitelistError("empty label in host name") }
                guard label.count <= Self.maximumLabelLength else {
                    throw WhitelistError("label longer than \(Self.maximumLabelLength) bytes in host name")
                }
                guard label.first != UInt8(ascii: "-"), label.last != UInt8(ascii: "-") else {
                    throw WhitelistError("label starting or ending with '-' in host name")
                }
                (labels, labelStart) = (labels + 1, index + 1)
                continue
            }
            switch bytes[index] {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): bytes[index] += 32
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "_"): break
            default: throw WhitelistError("not a host name (letters, digits, '-', '_' and dots only)")
            }
        }
        (self.bytes, labelCount) = (bytes, labels)
    }

    /// The host name `text` spells, nil if it is not one.
    public init?(_ text: String) {
        do { try self.init(validating: text.utf8) } catch { return nil }
    }

    /// The canonical spelling.
    public var description: String { String(decoding: bytes, as: UTF8.self) }

    /// The name's last `count` labels (`count` at most `labelCount`), as bytes.
    public func suffix(labels count: Int) -> ArraySlice<UInt8> {
        var remaining = labelCount - count
        var start = bytes.startIndex
        while remaining > 0, let dot = bytes[start...].firstIndex(of: UInt8(ascii: ".")) {
            (start, remaining) = (dot + 1, remaining - 1)
        }
        return bytes[start...]
    }
}

/// A host-name whitelist entry: one host (`mail.example.org`) or every name below a domain (`.example.org`),
/// matched against the client's host name as tcpserver verified it (`TCPREMOTEHOST`, with `tcpserver -p`).
public enum HostPattern: Hashable, Sendable {
    /// Exactly this name.
    case host(HostName)
    /// Every name that ends in `.` and this domain (not the domain itself).
    case below(HostName)

    /// Parses an entry's text (`mail.example.org`, `.example.org`, any case, trailing dot ignored). A pattern must
    /// name a domain: `localhost` or `.org` would match names anyone can hold, or none that tcpserver reports.
    public init(validating entry: ArraySlice<UInt8>) throws(WhitelistError) {
        let below = entry.first == UInt8(ascii: ".")
        let name = try HostName(validating: below ? entry.dropFirst() : entry)
        guard name.labelCount >= 2 else {
            throw WhitelistError(below ? "a domain with every name below it must have two labels or more, not a top-level domain"
                                       : "a host name must have a domain, like mail.example.org")
        }
        self = below ? .below(name) : .host(name)
    }

    /// The name it is written with.
    public var name: HostName {
        switch self { case .host(let name), .below(let name): name }
    }

    /// The pattern as a whitelist line writes it: `mail.example.org` or `.example.org`.
    public var text: String {
        switch self {
        case .host(let name): name.description
        case .below(let name): "." + name.description
        }
    }
}
