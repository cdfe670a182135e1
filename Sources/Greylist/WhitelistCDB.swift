/// The whitelist cdb's keys and reserved records (DESIGN §5), in one place for the compiler that writes them and
/// the wrapper that reads them (`cdb -d` shows them as they are):
///
/// - a network is stored under its canonical CIDR text (`192.0.2.0/24`, `2001:db8::/32`), a host name under `=`
///   and the name, every name below a domain under `.` and the domain; the value is the entry's text (for an
///   `spf:` entry, where it came from);
/// - the reserved record `prefix-lengths` lists the prefix lengths present, and `host-labels` the label counts of
///   the host-name entries, so a lookup probes only those keys: a small bounded number whatever the list's size.
public enum WhitelistCDB {
    /// The longest value stored (an entry's text), and so the longest record a lookup reads.
    public static let maximumValueLength = 1000
}

extension Network {
    /// Appends the network's cdb key, its canonical CIDR text (`192.0.2.0/24`, `2001:db8::/32`), to `bytes`.
    public func appendKey(to bytes: inout [UInt8]) {
        bytes.append(addingCapacity: ClientAddress.maximumTextLength + 4) { output in
            address.write(to: &output)
            output.append(UInt8(ascii: "/"))
            ClientAddress.writeDecimal(prefixLength, to: &output)
        }
    }

    /// The canonical CIDR text.
    public var key: String {
        var bytes: [UInt8] = []
        appendKey(to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension HostPattern {
    /// Appends the pattern's cdb key: `=` and the name for a host, `.` and the domain for every name below it
    /// (no network key has either form, nor has a reserved key).
    public func appendKey(to bytes: inout [UInt8]) {
        switch self {
        case .host: bytes.append(UInt8(ascii: "="))
        case .below: bytes.append(UInt8(ascii: "."))
        }
        bytes += name.bytes
    }

    /// The pattern a cdb key stands for, nil if the key is not a host-name key.
    public init?(key: [UInt8]) {
        guard let first = key.first, first == UInt8(ascii: "=") || first == UInt8(ascii: "."),
              let pattern = try? HostPattern(validating: first == UInt8(ascii: "=") ? key.dropFirst() : key[...]) else { return nil }
        self = pattern
    }
}

/// The set of prefix lengths present in a whitelist, stored under `PrefixLengths.key`
/// as text such as `4:8,24,32 6:64,128`.
public struct PrefixLengths: Equatable, Sendable {
    /// The reserved key of the record (no network or host-name key can look like it).
    public static let key = Array("prefix-lengths".utf8)
    private var ipv4: UInt64 = 0
    private var ipv6: UInt128 = 0
    private var ipv6Full = false

    /// No lengths.
    public init() {}

    /// Adds `network`'s length.
    public mutating func insert(_ network: Network) {
        if network.address.isIPv4 {
            ipv4 |= 1 << UInt64(network.prefixLength)
        } else if network.prefixLength == 128 {
            ipv6Full = true
        } else {
            ipv6 |= 1 << UInt128(network.prefixLength)
        }
    }

    /// Whether the lengths include `length` for addresses of `address`'s family.
    public func contains(_ length: Int, forIPv4 isIPv4: Bool) -> Bool {
        if isIPv4 { return (0...32).contains(length) && ipv4 >> UInt64(length) & 1 == 1 }
        if length == 128 { return ipv6Full }
        return (0..<128).contains(length) && ipv6 >> UInt128(length) & 1 == 1
    }

    /// The stored text.
    public var bytes: [UInt8] {
        var bytes = Array("4:".utf8)
        func append(_ length: Int) {
            if bytes.last != UInt8(ascii: ":") { bytes.append(UInt8(ascii: ",")) }
            ClientAddress.appendDecimal(length, to: &bytes)
        }
        for length in 0...32 where contains(length, forIPv4: true) { append(length) }
        bytes.append(contentsOf: " 6:".utf8)
        for length in 0...128 where contains(length, forIPv4: false) { append(length) }
        return bytes
    }

    /// Reads the stored text; nil if it is not in the form `bytes` writes.
    public init?(bytes: some Collection<UInt8>) {
        var family: Bool?   // true: IPv4
        var number: Int?
        func finish() -> Bool {
            guard let length = number, let isIPv4 = family, length <= (isIPv4 ? 32 : 128) else { return number == nil }
            if isIPv4 { ipv4 |= 1 << UInt64(length) } else if length == 128 { ipv6Full = true } else { ipv6 |= 1 << UInt128(length) }
            number = nil
            return true
        }
        var previous: UInt8 = UInt8(ascii: " ")
        for byte in bytes {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                number = (number ?? 0) * 10 + Int(byte - UInt8(ascii: "0"))
                guard number! <= 128 else { return nil }
            case UInt8(ascii: ":"):
                guard previous == UInt8(ascii: "4") || previous == UInt8(ascii: "6"), let tag = number else { return nil }
                (family, number) = (tag == 4, nil)
            case UInt8(ascii: ","), UInt8(ascii: " "):
                guard finish() else { return nil }
            default:
                return nil
            }
            previous = byte
        }
        guard finish(), family != nil else { return nil }
    }

    /// Calls `body` with `address` masked to each length present for its family, longest first:
    /// the networks a lookup probes, one cdb probe each.
    public func forEachNetwork<E: Error>(containing address: ClientAddress, _ body: (Network) throws(E) -> Bool) throws(E) {
        var length = address.isIPv4 ? 32 : 128
        while length >= 0 {
            if contains(length, forIPv4: address.isIPv4), try !body(Network(address, prefixLength: length)) { return }
            length -= 1
        }
    }
}

/// The label counts of the host-name entries in a whitelist, stored under `HostLabels.key` as text such as
/// `host:3,4 below:2`: a lookup probes only those suffixes of a client's name, one cdb key each.
public struct HostLabels: Equatable, Sendable {
    /// The reserved key of the record (no network or host-name key can look like it).
    public static let key = Array("host-labels".utf8)
    private var hosts: UInt128 = 0
    private var below: UInt128 = 0

    /// No labels.
    public init() {}

    /// Adds `pattern`'s label count.
    public mutating func insert(_ pattern: HostPattern) {
        switch pattern {
        case .host(let name): hosts |= 1 << UInt128(name.labelCount)
        case .below(let name): below |= 1 << UInt128(name.labelCount)
        }
    }

    /// Whether no host-name entry was added.
    public var isEmpty: Bool { hosts == 0 && below == 0 }

    /// The stored text.
    public var bytes: [UInt8] {
        var bytes: [UInt8] = []
        for (tag, set) in [("host:", hosts), (" below:", below)] {
            bytes += tag.utf8
            var first = true
            for count in 1..<128 where set >> UInt128(count) & 1 == 1 {
                if !first { bytes.append(UInt8(ascii: ",")) }
                ClientAddress.appendDecimal(count, to: &bytes)
                first = false
            }
        }
        return bytes
    }

    /// Reads the stored text; nil if it is not in the form `bytes` writes.
    public init?(bytes: some Collection<UInt8>) {
        let parts = Array(bytes).split(separator: UInt8(ascii: " "), omittingEmptySubsequences: false)
        guard parts.count == 2, let hosts = Self.parse(parts[0], tag: "host:"), let below = Self.parse(parts[1], tag: "below:") else {
            return nil
        }
        (self.hosts, self.below) = (hosts, below)
    }

    private static func parse(_ part: ArraySlice<UInt8>, tag: String) -> UInt128? {
        guard part.starts(with: tag.utf8) else { return nil }
        let list = part.dropFirst(tag.utf8.count)
        var set: UInt128 = 0
        guard !list.isEmpty else { return set }
        for number in list.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: false) {
            guard let count = ClientAddress.parseDecimal(number, maximum: 127), count >= 1 else { return nil }
            set |= 1 << UInt128(count)
        }
        return set
    }

    /// Calls `body` with each key a lookup of `name` probes, most specific first (the name itself, then the
    /// longest suffix present): at most one per label count present, whatever the size of the list.
    public func forEachKey<E: Error>(for name: HostName, _ body: ([UInt8]) throws(E) -> Bool) throws(E) {
        var key: [UInt8] = []
        if hosts >> UInt128(name.labelCount) & 1 == 1 {
            HostPattern.host(name).appendKey(to: &key)
            if try !body(key) { return }
        }
        var count = name.labelCount - 1
        while count >= 1 {
            if below >> UInt128(count) & 1 == 1 {
                key.removeAll(keepingCapacity: true)
                key.append(UInt8(ascii: "."))
                key += name.suffix(labels: count)
                if try !body(key) { return }
            }
            count -= 1
        }
    }
}
