import Greylist

/// A whitelist line's entry.
public struct WhitelistLine: Equatable, Sendable {
    /// The entry's text, without blanks, CR and comment.
    public let entry: ArraySlice<UInt8>
    /// What a host-name or SPF entry names; nil for addresses and networks.
    public let name: NamedEntry?

    /// The entry as the cdb stores it with its keys and a whitelist pass names it in the log: its text, or for
    /// an `spf:` line the canonical `spf:domain` (an SPF network's stored value goes on with the terms that led to it).
    public var storedEntry: String {
        if case .spf(let domain)? = name { return Whitelist.spfEntry(domain) }
        return String(decoding: entry, as: UTF8.self)
    }
}

/// A whitelist entry that names no networks by itself.
public enum NamedEntry: Equatable, Sendable {
    /// `mail.example.org` or `.example.org`: matched against the client's verified host name.
    case host(HostPattern)
    /// `spf:example.com`: the networks the domain's SPF record authorizes, looked up when the list is compiled.
    case spf(HostName)
}

/// The plaintext whitelist format and its cdb encoding (DESIGN §5).
///
/// Each network is stored under its canonical CIDR text, with the entry it came from as value; the key
/// `prefix-lengths` lists the prefix lengths present, so a lookup probes only those: at most 33 keys for
/// IPv4 and 129 for IPv6, whatever the size of the list.
public enum Whitelist {
    /// The longest line accepted: an entry is stored as a record's value, at most this long.
    public static let maximumLineLength = WhitelistCDB.maximumValueLength

    /// Parses one line (without its LF; CR, blanks and `#` comments allowed), calling `network` with each
    /// network it means (a tcprules range can mean several) and the entry's text. Returns the entry's text and,
    /// for a host-name or SPF entry (which mean no networks here), what it names; nil for a blank line.
    @discardableResult
    public static func parseLine(_ line: ArraySlice<UInt8>, maskingHostBits: Bool = false,
                                 _ network: (Network, _ entry: ArraySlice<UInt8>) -> Void) throws(WhitelistError) -> WhitelistLine? {
        guard let entry = try entry(in: line) else { return nil }
        if entry.contains(where: isBlank) { throw WhitelistError("one entry per line, found \(quoted(entry))") }
        if let name = try namedEntry(entry) { return WhitelistLine(entry: entry, name: name) }
        try parseEntry(entry, maskingHostBits: maskingHostBits) { network($0, entry) }
        return WhitelistLine(entry: entry, name: nil)
    }

    /// The host pattern or SPF domain an entry names; nil for an entry that is not one (an address or network).
    /// A host name has a dot and its last label starts with a letter, which tells it from a mistyped address
    /// (and a lone word from a host name: it is reported as no address).
    public static func namedEntry(_ entry: ArraySlice<UInt8>) throws(WhitelistError) -> NamedEntry? {
        // One pass, no allocation: this runs for every line of a million-line list.
        var lastDot: Int?
        for index in entry.indices {
            switch entry[index] {
            case UInt8(ascii: "."): lastDot = index
            case UInt8(ascii: ":"):
                guard index == entry.startIndex + 3,
                      zip(entry, spfPrefix).allSatisfy({ $0 | 0x20 == $1 }) else { return nil }
                let domain = entry.dropFirst(4)
                do { return .spf(try HostName(validating: domain)) } catch {
                    throw WhitelistError("bad SPF domain \(quoted(domain)): \(error.reason)")
                }
            case UInt8(ascii: "/"): return nil
            default: break
            }
        }
        guard var dot = lastDot else { return nil }
        if dot == entry.endIndex - 1 {   // a trailing dot: the top label is the one before it
            dot = entry[..<dot].lastIndex(of: UInt8(ascii: ".")) ?? entry.startIndex - 1
        }
        guard dot + 1 < entry.endIndex, (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(entry[dot + 1] | 0x20) else { return nil }
        // Three numbers and a word (192.0.2.x) is a mistyped address, not a host name (163.com is a host name).
        let head = entry[..<max(dot, entry.startIndex)]
        if head.count(where: { $0 == UInt8(ascii: ".") }) == 2, head.allSatisfy({ $0 == UInt8(ascii: ".") || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }) {
            return nil
        }
        do { return .host(try HostPattern(validating: entry)) } catch {
            throw WhitelistError("bad host name \(quoted(entry)): \(error.reason)")
        }
    }

    /// An `spf:` line's entry as the cdb stores it: `spf:` and the domain's canonical spelling.
    public static func spfEntry(_ domain: HostName) -> String { "spf:\(domain)" }

    private static let spfPrefix: [UInt8] = [UInt8(ascii: "s"), UInt8(ascii: "p"), UInt8(ascii: "f")]

    /// The entry's text in a line: without blanks, CR and `#` comment; nil for a blank line.
    public static func entry(in line: ArraySlice<UInt8>) throws(WhitelistError) -> ArraySlice<UInt8>? {
        guard line.count <= maximumLineLength else { throw WhitelistError("line longer than \(maximumLineLength) bytes") }
        let content = line[..<(line.firstIndex(of: UInt8(ascii: "#")) ?? line.endIndex)]
        let start = content.firstIndex { !isBlank($0) } ?? content.endIndex
        let end = content.lastIndex { !isBlank($0) }.map { $0 + 1 } ?? start
        return start < end ? content[start..<end] : nil
    }

    /// Calls `network` for each network an entry means (one without blanks: `parseLine` checks).
    private static func parseEntry(_ entry: ArraySlice<UInt8>, maskingHostBits: Bool = false,
                                   _ network: (Network) -> Void) throws(WhitelistError) {
        if let slash = entry.firstIndex(of: UInt8(ascii: "/")) {
            network(try parseCIDR(entry, slash: slash, maskingHostBits: maskingHostBits))
        } else if let dash = entry.firstIndex(of: UInt8(ascii: "-")) {
            try parseRange(entry, dash: dash, network)
        } else if entry.last == UInt8(ascii: ".") {
            guard let (value, octets) = parseOctets(entry.dropLast()), octets < 4 else {
                throw WhitelistError("not a tcprules prefix like 10. or 192.0.2.: \(quoted(entry))")
            }
            network(Network(.v4(value << (32 - 8 * UInt32(octets))), prefixLength: 8 * octets))
        } else if let address = ClientAddress(utf8: entry) {
            network(Network(address, prefixLength: address.isIPv4 ? 32 : 128))
        } else if let colon = entry.firstIndex(of: UInt8(ascii: ":")),
                  entry[colon...].starts(with: ":allow".utf8) || entry[colon...].starts(with: ":deny".utf8) {
            throw WhitelistError("a tcprules rule, not an entry: write just the address part, \(quoted(entry[..<colon]))")
        } else {
            throw WhitelistError("not an IP address or network: \(quoted(entry))")
        }
    }

    /// `address/length`; a mapped `::ffff:a.b.c.d/len` is the IPv4 network of `len - 96` bits.
    private static func parseCIDR(_ entry: ArraySlice<UInt8>, slash: Int, maskingHostBits: Bool) throws(WhitelistError) -> Network {
        let lengthText = entry[(slash + 1)...]
        guard let address = ClientAddress(utf8: entry[..<slash]),
              let length = ClientAddress.parseDecimal(lengthText, maximum: 128) else {
            throw WhitelistError("not an IP network like 192.0.2.0/24 or 2001:db8::/32: \(quoted(entry))")
        }
        let mapped = address.isIPv4 && entry[..<slash].contains(UInt8(ascii: ":"))
        let prefixLength = mapped ? length - 96 : length
        guard prefixLength >= 0, prefixLength <= (address.isIPv4 ? 32 : 128) else {
            throw WhitelistError("prefix length /\(length) out of range in \(quoted(entry))")
        }
        let network = Network(address, prefixLength: prefixLength)
        if network.address != address && !maskingHostBits {
            throw WhitelistError("host bits set in \(String(decoding: entry, as: UTF8.self)) (the network is \(network.key); --mask-host-bits accepts it)")
        }
        return network
    }

    /// tcprules' ranges: `192.0.2.4-7` (addresses .4 to .7) or `192.0.2-3.` (192.0.2.* and 192.0.3.*), as CIDR blocks.
    private static func parseRange(_ entry: ArraySlice<UInt8>, dash: Int, _ network: (Network) -> Void) throws(WhitelistError) {
        let trailingDot = entry.last == UInt8(ascii: ".")
        let body = trailingDot ? entry.dropLast() : entry
        let lastDot = body[..<dash].lastIndex(of: UInt8(ascii: ".")) ?? body.startIndex - 1
        let prefix = body[body.startIndex..<max(lastDot, body.startIndex)]
        let parsedPrefix = lastDot < body.startIndex ? (0, 0) : parseOctets(prefix)
        guard let (high, fixed) = parsedPrefix,
              let first = ClientAddress.parseDecimal(body[(lastDot + 1)..<dash], maximum: 255),
              let last = ClientAddress.parseDecimal(body[(dash + 1)...], maximum: 255),
              first <= last, fixed + 1 == 4 || (trailingDot && fixed + 1 < 4) else {
            throw WhitelistError("not a tcprules range like 192.0.2.4-7 or 192.0.2-3.: \(quoted(entry))")
        }
        let hostBits = UInt64(8 * (3 - fixed))
        var low = (UInt64(high) << 8 | UInt64(first)) << hostBits
        let end = (UInt64(high) << 8 | UInt64(last)) << hostBits + (UInt64(1) << hostBits)
        while low < end {
            var size = low == 0 ? 32 : min(low.trailingZeroBitCount, 32)
            while UInt64(1) << size > end - low { size -= 1 }
            network(Network(.v4(UInt32(low)), prefixLength: 32 - size))
            low += UInt64(1) << size
        }
    }

    /// One to four dotted decimal octets: their value and how many there were.
    private static func parseOctets(_ text: ArraySlice<UInt8>) -> (UInt32, Int)? {
        var value: UInt32 = 0, count = 0
        for part in text.split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false) {
            guard count < 4, let octet = ClientAddress.parseDecimal(part, maximum: 255) else { return nil }
            (value, count) = (value << 8 | UInt32(octet), count + 1)
        }
        return count > 0 ? (value, count) : nil
    }

    private static func isBlank(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\r")
    }

    private static func quoted(_ bytes: ArraySlice<UInt8>) -> String {
        LogLine.quoted(String(decoding: bytes, as: UTF8.self))
    }
}
