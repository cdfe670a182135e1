/// A server's IP address and TCP port as settings write them: `192.0.2.7:6379`, `[2001:db8::1]:6379` (an IPv6
/// address needs brackets to be told from its port), or, where a default port is allowed, the address alone.
/// The one grammar of the Redis servers (`CQGREYLIST_REDIS`) and the whitelist compiler's DNS servers.
public struct ServerAddress: Equatable, Sendable, CustomStringConvertible {
    /// The server's address.
    public let address: ClientAddress
    /// Its port, 1 to 65535; nil when the text named none (the caller's default applies).
    public let port: UInt16?

    /// Parses `ip:port` or `[ipv6]:port` (a port of one to five digits, 1 to 65535), and the address alone (`ip`,
    /// `ipv6`) if `portOptional`; nil for anything else, a name included: no lookup can stall a connection.
    public init?(_ text: some StringProtocol, portOptional: Bool = false) {
        let bytes = Array(text.utf8)
        if portOptional, let address = ClientAddress(utf8: bytes[...]) {
            (self.address, port) = (address, nil)
            return
        }
        guard let colon = bytes.lastIndex(of: UInt8(ascii: ":")) else { return nil }
        var host = bytes[..<colon]
        let portText = bytes[(colon + 1)...]
        if host.first == UInt8(ascii: "[") {
            guard host.last == UInt8(ascii: "]") else { return nil }
            host = host.dropFirst().dropLast()
            guard host.contains(UInt8(ascii: ":")) else { return nil }   // brackets are for IPv6
        } else if host.contains(UInt8(ascii: ":")) {
            return nil   // an IPv6 address needs brackets to be told from its port
        }
        guard let address = ClientAddress(utf8: host), (1...5).contains(portText.count),
              portText.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let number = UInt16(String(decoding: portText, as: UTF8.self)), number > 0
        else { return nil }
        (self.address, port) = (address, number)
    }

    /// A server at `address` and `port`.
    public init(address: ClientAddress, port: UInt16?) { (self.address, self.port) = (address, port) }

    /// `192.0.2.7:6379`, `[2001:db8::1]:6379`, or the address alone when there is no port.
    public var description: String {
        guard let port else { return address.text }
        return switch address {
        case .v4: "\(address.text):\(port)"
        case .v6: "[\(address.text)]:\(port)"
        }
    }
}
