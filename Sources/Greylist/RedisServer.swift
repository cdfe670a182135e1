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
        guard let server = ServerAddress(text), let port = server.port else { return nil }
        self = .tcp(address: server.address, port: port)
    }

    /// The server as written in settings and logs: `/run/redis.sock`, `192.0.2.7:6379`, `[2001:db8::1]:6379`.
    public var description: String {
        switch self {
        case .socket(let path): path
        case .tcp(let address, let port): ServerAddress(address: address, port: port).description
        }
    }
}
