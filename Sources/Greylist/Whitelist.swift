/// A network: an address with all bits past `prefixLength` clear.
public struct Network: Hashable, Sendable {
    /// The network's first address.
    public let address: ClientAddress
    /// How many leading bits the network fixes: 0...32 for IPv4, 0...128 for IPv6.
    public let prefixLength: Int

    /// The network of `prefixLength` bits around `address` (host bits are cleared).
    public init(_ address: ClientAddress, prefixLength: Int) {
        (self.address, self.prefixLength) = (address.masked(to: prefixLength), prefixLength)
    }

    /// Whether `address` lies in the network.
    public func contains(_ address: ClientAddress) -> Bool {
        address.isIPv4 == self.address.isIPv4 && address.masked(to: prefixLength) == self.address
    }
}

/// Why a whitelist line is not an entry; shown as `file:line: reason`.
public struct WhitelistError: Error, Equatable, Sendable {
    /// What is wrong, in words for the administrator.
    public let reason: String
    /// Whether the line may be good on another try: a DNS lookup of an `spf:` line failed (SERVFAIL, no answer).
    public let isTemporary: Bool
    /// An error with this reason.
    public init(_ reason: String, isTemporary: Bool = false) { (self.reason, self.isTemporary) = (reason, isTemporary) }
}
