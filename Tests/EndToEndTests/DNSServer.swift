import Foundation
import Glibc
import Testing

/// A real authoritative DNS server, Debian's NSD, serving fixture zones on a loopback port; stopped when the
/// value goes away. A zone listed in `failing` is configured without a zone file: NSD answers SERVFAIL for
/// every name in it, as a broken server does.
final class DNSServer: @unchecked Sendable {
    let port: Int
    let directory: TemporaryDirectory
    private let pid: pid_t
    private let namespace: NetworkNamespace?

    /// Writes NSD's configuration and the zones (origin → records, each zone given an SOA and NS record) into
    /// `directory`, for a server on `address` and `port`; returns the configuration's path.
    static func configure(in directory: String, zones: [String: String], failing: [String] = [],
                          address: String = "127.0.0.1", port: Int) throws -> String {
        var configuration = """
            server:
              ip-address: \(address)@\(port)
              username: ""
              chroot: ""
              zonesdir: "\(directory)"
              database: ""
              pidfile: "\(directory)/nsd.pid"
              xfrdfile: "\(directory)/xfrd.state"
              zonelistfile: "\(directory)/zone.list"
              xfrdir: "\(directory)"
              logfile: "\(directory)/nsd.log"
              server-count: 1
            remote-control:
              control-enable: no

            """
        for (index, (origin, records)) in zones.sorted(by: { $0.key < $1.key }).enumerated() {
            let zone = """
                $ORIGIN \(origin).
                $TTL 60
                @ IN SOA ns.\(origin). hostmaster.\(origin). 1 3600 600 86400 60
                @ IN NS ns.\(origin).
                \(records)

                """
            try zone.write(toFile: "\(directory)/zone\(index)", atomically: false, encoding: .utf8)
            configuration += "zone:\n  name: \(origin).\n  zonefile: zone\(index)\n"
        }
        for origin in failing { configuration += "zone:\n  name: \(origin).\n  zonefile: missing-\(origin)\n" }
        let path = directory + "/nsd.conf"
        try configuration.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    /// Starts NSD on a free loopback port (trying another if the one picked was taken meanwhile).
    init(zones: [String: String], failing: [String] = []) throws {
        directory = try TemporaryDirectory()
        namespace = nil
        var started: (pid_t, Int)?
        for _ in 0..<5 where started == nil {
            let port = try unusedLoopbackPort()
            let configuration = try Self.configure(in: directory.path, zones: zones, failing: failing, port: port)
            started = try Self.start(configuration, in: directory.path, spawn).map { ($0, port) }
        }
        guard let (pid, port) = started else { throw POSIXError(.EADDRINUSE) }
        (self.pid, self.port) = (pid, port)
    }

    /// Starts NSD on 127.0.0.1:53 inside `namespace`, the name server its resolv.conf names (a resolver that
    /// reads resolv.conf asks port 53, so this is the server for programs that resolve as the system does).
    init(zones: [String: String], in namespace: NetworkNamespace) throws {
        directory = try TemporaryDirectory()
        self.namespace = namespace
        port = 53
        let configuration = try Self.configure(in: directory.path, zones: zones, port: port)
        guard let pid = try Self.start(configuration, in: directory.path, namespace.spawn) else {
            throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "nsd did not start in \(namespace.name)"])
        }
        self.pid = pid
    }

    /// Starts NSD with `configuration` through `spawn` and waits until it serves; nil (and no process left) if it did not.
    private static func start(_ configuration: String, in path: String,
                              _ spawn: (String, [String], [String: String], String, String, String) throws -> pid_t) throws -> pid_t? {
        let pid = try spawn("/usr/sbin/nsd", ["-d", "-c", configuration], [:], "/dev/null", path + "/nsd.out", path + "/nsd.err")
        let log = { (try? String(contentsOfFile: path + "/nsd.log", encoding: .utf8)) ?? "" }
        if eventually(within: 10, { log().contains("nsd started") || kill(pid, 0) != 0 }), log().contains("nsd started") {
            return pid
        }
        kill(pid, SIGTERM)
        _ = waitForExit(pid, limit: 10)
        return nil
    }

    deinit {
        kill(pid, SIGTERM)
        _ = waitForExit(pid, limit: 10)
    }

    /// The server as `--dns-server` takes it.
    var address: String { "127.0.0.1:\(port)" }
}

/// A port on 127.0.0.1 that nothing listened on a moment ago (UDP; NSD fails to start if TCP's is taken).
func unusedLoopbackPort() throws -> Int { try SilentDNSServer().port }

/// A DNS server that never answers: a bound UDP socket that nobody reads, closed when the value goes away.
final class SilentDNSServer: @unchecked Sendable {
    let port: Int
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { close(fd); throw POSIXError(POSIXErrorCode(rawValue: errno) ?? .EINVAL) }
        (self.fd, port) = (fd, Int(UInt16(bigEndian: address.sin_port)))
    }

    deinit { close(fd) }
}
