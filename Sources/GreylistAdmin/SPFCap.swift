import Greylist

/// What one `spf:` line may whitelist in all (DESIGN §5): as many IPv4 addresses as a network of prefix length
/// `ipv4` holds, and as many IPv6 addresses as one of `ipv6`; overlapping networks count once. A sender domain's
/// owner writes its SPF record: without a cap, one line could whitelist the internet a /8 at a time.
public struct SPFCap: Equatable, Sendable {
    /// The prefix length whose network holds as many IPv4 addresses as the cap (8: 2^24 addresses).
    public var ipv4: Int
    /// The prefix length whose network holds as many IPv6 addresses as the cap (32: 2^96 addresses).
    public var ipv6: Int

    /// A cap of a /`ipv4`'s worth of IPv4 addresses and a /`ipv6`'s worth of IPv6 ones (0...32, 0...128).
    public init(ipv4: Int = 8, ipv6: Int = 32) { (self.ipv4, self.ipv6) = (ipv4, ipv6) }

    /// Throws, naming `domain` and the total, if `networks` hold more addresses of either family than the cap.
    func check(_ networks: [Network], of domain: HostName) throws(SPFError) {
        for (isIPv4, length) in [(true, ipv4), (false, ipv6)] {
            let (count, most) = (Self.addressCount(of: networks, ipv4: isIPv4), Self.size(ofPrefix: length, ipv4: isIPv4))
            guard count <= most else {
                let family = isIPv4 ? "IPv4" : "IPv6"
                throw SPFError("\(domain) authorizes \(count) \(family) addresses in all, more than the \(most) of a /\(length) (the cap of one spf: line)")
            }
        }
    }

    /// How many addresses of one family `networks` hold together, each counted once (at most UInt128.max).
    public static func addressCount(of networks: [Network], ipv4: Bool) -> UInt128 {
        let sorted = networks.filter { $0.address.isIPv4 == ipv4 }
            .sorted { ($0.address.value, $0.prefixLength) < ($1.address.value, $1.prefixLength) }
        var count: UInt128 = 0
        var last: Network?
        for network in sorted {
            // CIDR networks nest or are apart: one that starts inside the last counted lies inside it.
            if let last, last.contains(network.address) { continue }
            last = network
            let (sum, overflow) = count.addingReportingOverflow(size(ofPrefix: network.prefixLength, ipv4: ipv4))
            count = overflow ? UInt128.max : sum
        }
        return count
    }

    /// How many addresses a network of `length` bits holds (all of IPv6 is UInt128.max, one short).
    static func size(ofPrefix length: Int, ipv4: Bool) -> UInt128 {
        let hostBits = (ipv4 ? 32 : 128) - length
        return hostBits >= 128 ? UInt128.max : 1 << UInt128(hostBits)
    }
}

extension ClientAddress {
    /// The address as a number, for ordering.
    var value: UInt128 {
        switch self {
        case .v4(let value): UInt128(value)
        case .v6(let value): value
        }
    }
}

extension Network {
    /// The network less every address in `others`, as the fewest networks that cover what is left.
    func removing(_ others: [Network]) -> [Network] {
        let overlapping = others.filter { $0.address.isIPv4 == address.isIPv4 && ($0.contains(address) || contains($0.address)) }
        if overlapping.contains(where: { $0.prefixLength <= prefixLength }) { return [] }
        if overlapping.isEmpty { return [self] }
        let halfBit = (address.isIPv4 ? 32 : 128) - prefixLength - 1
        let upper: ClientAddress = switch address {
        case .v4(let value): .v4(value | 1 << UInt32(halfBit))
        case .v6(let value): .v6(value | 1 << UInt128(halfBit))
        }
        return Network(address, prefixLength: prefixLength + 1).removing(overlapping)
            + Network(upper, prefixLength: prefixLength + 1).removing(overlapping)
    }
}
