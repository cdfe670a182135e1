/// Where a Redis server listens: a Unix socket, or an IP address and port. Names are not accepted: the wrapper
/// never does DNS, so a lookup cannot stall a connection.
public enum RedisServer: Equatable, Sendable, CustomStringConvertible {
    /// A Unix socket, by its absolute path.
    case socket(path: String)
    /// An IPv4 or IPv6 address and a TCP port.
    case tcp(address: ClientAddress, port: UInt16)

    /// The most servers a list may name.
    public static let maximumCount = 8

    /// Why a server list was not taken.
    public struct ListError: Error, Equatable, Sendable {
        /// What is wrong, e.g. `"redis.local:6379" is not /socket, ip:port or [ipv6]:port`.
        public let reason: String
    }

    /// Parses `CQGREYLIST_REDIS`: servers separated by commas, each `/path`, `a.b.c.d:port` or `[v6]:port`.
    public static func parseList(_ text: String) -> Result<[RedisServer], ListError> {
        var servers: [RedisServer] = []
        for item in text.split(separator: ",", omittingEmptySubsequences: false) {
            let item = String(item)
            guard let server = RedisServer(item) else {
                return .failure(ListError(reason: "\(LogLine.quoted(item)) is not /socket, ip:port or [ipv6]:port"))
            }
            servers.append(server)
        }
        guard servers.count <= maximumCount else { return .failure(ListError(reason: "more than \(maximumCount) servers")) }
        return .success(servers)
    }

    /// Parses one server: `/path`, `a.b.c.d:port` or `[v6]:port`; nil for anything else.
    public init?(_ text: String) {
        if text.hasPrefix("/") {
            // sockaddr_un holds 107 bytes and a NUL; printable, so that it can stand in a log line as it is.
            guard text.utf8.count <= 107, text.utf8.allSatisfy({ (0x21...0x7e).contains($0) }) else { return nil }
            self = .socket(path: text)
            return
        }
        guard let colon = text.utf8.lastIndex(of: UInt8(ascii: ":")) else { return nil }
        var host = text.utf8[..<colon]
        let portText = text.utf8[text.utf8.index(after: colon)...]
        if host.first == UInt8(ascii: "[") {
            guard host.last == UInt8(ascii: "]") else { return nil }
            host = host.dropFirst().dropLast()
            guard host.contains(UInt8(ascii: ":")) else { return nil }   // brackets are for IPv6
        } else if host.contains(UInt8(ascii: ":")) {
            return nil   // an IPv6 address needs brackets to be told from its port
        }
        guard let address = ClientAddress(utf8: host), (1...5).contains(portText.count),
              portText.allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let port = UInt16(String(decoding: portText, as: UTF8.self)), port > 0
        else { return nil }
        self = .tcp(address: address, port: port)
    }

    /// The server as written in settings and logs: `/run/redis.sock`, `192.0.2.7:6379`, `[2001:db8::1]:6379`.
    public var description: String {
        switch self {
        case .socket(let path): path
        case .tcp(.v4, let port): "\(addressText):\(port)"
        case .tcp(.v6, let port): "[\(addressText)]:\(port)"
        }
    }

    private var addressText: String {
        if case .tcp(let address, _) = self { address.text } else { "" }
    }
}
