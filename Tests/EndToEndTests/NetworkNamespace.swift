import Foundation
import Glibc

/// A private network namespace made with `ip netns` (root only): its own loopback, up, carrying `addresses`
/// besides 127.0.0.1, and its own resolv.conf naming 127.0.0.1 as the name server, which `ip netns exec`
/// bind-mounts over /etc/resolv.conf for the programs it starts. Nothing of the machine's network, port 53 or
/// resolv.conf is used or changed: traffic between those addresses never leaves the namespace. Deleted, with
/// its resolv.conf, when the value goes away; servers started in it keep a reference to it, so it outlives them.
final class NetworkNamespace: @unchecked Sendable {
    let name: String
    private var etc: String { "/etc/netns/" + name }

    init(addresses: [String]) throws {
        name = "cqgreylist-\(getpid())-\(UUID().uuidString.prefix(8))"
        let added = try run("/usr/sbin/ip", ["netns", "add", name])
        guard added.status == 0 else { throw NamespaceError(step: "ip netns add \(name)", output: added.errors) }
        // Several namespaces may be made at once: /etc/netns is made by whichever comes first, and removed by the
        // last to go (see deinit), so making it is retried if it vanished in between.
        for attempt in 1...3 {
            do {
                try FileManager.default.createDirectory(atPath: etc, withIntermediateDirectories: true)
                break
            } catch where attempt < 3 { continue }
        }
        try "nameserver 127.0.0.1\n".write(toFile: etc + "/resolv.conf", atomically: false, encoding: .utf8)
        let commands = [["link", "set", "lo", "up"]] + addresses.map { ["address", "add", $0 + "/32", "dev", "lo"] }
        for command in commands {
            let result = try run("/usr/sbin/ip", ["-n", name] + command)
            guard result.status == 0 else { throw NamespaceError(step: "ip " + command.joined(separator: " "), output: result.errors) }
        }
    }

    deinit {
        _ = try? run("/usr/sbin/ip", ["netns", "delete", name])
        try? FileManager.default.removeItem(atPath: etc)
        rmdir("/etc/netns")   // only if no other namespace's files are left in it
    }

    /// Starts `executable` inside the namespace, as `spawn` does outside (`ip netns exec` execs it: the pid is its own).
    func spawn(_ executable: String, _ arguments: [String], environment: [String: String],
               stdin: String, stdout: String, stderr: String) throws -> pid_t {
        try EndToEndTests.spawn("/usr/sbin/ip", ["netns", "exec", name, executable] + arguments, environment: environment,
                                stdin: stdin, stdout: stdout, stderr: stderr)
    }
}

/// A step of making a network namespace that failed, with what `ip` said.
struct NamespaceError: Error, CustomStringConvertible {
    var step: String
    var output: String
    var description: String { "\(step): \(output)" }
}
