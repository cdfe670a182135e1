import Foundation
import Glibc
import Testing

/// A real Postfix (Debian's, not configured system-wide) with its own configuration, queue and log under
/// `directory`: it relays every message to `[127.0.0.1]:relayPort` (or delivers as other settings say),
/// retries a deferred message after two seconds, and logs to `log`. The backoff outlasts the one-second queue
/// scan: with both at one second, a scan could catch the message while its deferral was still being recorded
/// ("skipped, still being delivered"), after which Postfix left it alone. Each attempt gets its own connection
/// (no session caching), as the tests match attempts to the wrapper's log lines. Stopped when the value goes
/// away. Root only (Postfix's master runs as root).
final class Postfix: @unchecked Sendable {
    let config: String
    let log: String
    private let pid: pid_t
    private let namespace: NetworkNamespace?

    convenience init(in directory: String, relayPort: String) throws {
        try self.init(in: directory, delivery: ["relayhost = [127.0.0.1]:\(relayPort)", "smtp_dns_support_level = disabled"])
    }

    /// A Postfix whose SMTP client delivers as the main.cf lines `delivery` say, started in `namespace` if given
    /// (where its resolver reads the namespace's resolv.conf).
    init(in directory: String, delivery: [String], namespace: NetworkNamespace? = nil) throws {
        self.namespace = namespace
        config = directory + "/config"
        log = directory + "/maillog"
        let queue = directory + "/queue", data = directory + "/data"
        for path in [directory, config, queue, data] {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false,
                                                    attributes: [.posixPermissions: 0o755])
        }
        guard let owner = getpwnam("postfix") else { throw POSIXError(.ENOENT) }
        chown(data, owner.pointee.pw_uid, owner.pointee.pw_gid)
        try """
            compatibility_level = 3.6
            queue_directory = \(queue)
            data_directory = \(data)
            maillog_file = /dev/stdout
            myhostname = sender.test
            mydestination =
            inet_interfaces = loopback-only
            inet_protocols = ipv4
            \(delivery.joined(separator: "\n"))
            alias_maps =
            alias_database =
            queue_run_delay = 1s
            minimal_backoff_time = 2s
            maximal_backoff_time = 4s
            smtp_connection_cache_on_demand = no

            """.write(toFile: config + "/main.cf", atomically: true, encoding: .utf8)
        // The services a message needs from submission (sendmail -> postdrop -> pickup) to relaying, none chrooted.
        try """
            pickup    unix  n       -       n       60      1       pickup
            cleanup   unix  n       -       n       -       0       cleanup
            qmgr      unix  n       -       n       300     1       qmgr
            rewrite   unix  -       -       n       -       -       trivial-rewrite
            bounce    unix  -       -       n       -       0       bounce
            defer     unix  -       -       n       -       0       bounce
            trace     unix  -       -       n       -       0       bounce
            smtp      unix  -       -       n       -       -       smtp
            relay     unix  -       -       n       -       -       smtp
            error     unix  -       -       n       -       -       error
            retry     unix  -       -       n       -       -       error
            proxymap  unix  -       -       n       -       -       proxymap
            anvil     unix  -       -       n       -       1       anvil
            scache    unix  -       -       n       -       1       scache
            showq     unix  n       -       n       -       -       showq
            postlog   unix-dgram n  -       n       -       1       postlogd

            """.write(toFile: config + "/master.cf", atomically: true, encoding: .utf8)
        let check = try run("/usr/sbin/postfix", ["-c", config, "check"])
        #expect(check.status == 0, "postfix check: \(check.errors)")
        let start = ["-c", config, "start-fg"]
        if let namespace {
            pid = try namespace.spawn("/usr/sbin/postfix", start, environment: [:], stdin: "/dev/null", stdout: log, stderr: log + ".stderr")
        } else {
            pid = try spawn("/usr/sbin/postfix", start, environment: [:], stdin: "/dev/null", stdout: log, stderr: log + ".stderr")
        }
        #expect(eventually(within: 20) { self.logText.contains("daemon started") }, "Postfix did not start: \(logText)")
    }

    deinit {
        _ = try? run("/usr/sbin/postfix", ["-c", config, "stop"])
        _ = waitForExit(pid, limit: 20)
    }

    /// Submits a message with Postfix's sendmail.
    func submit(from sender: String, to recipient: String, _ message: String) throws {
        let result = try run("/usr/sbin/sendmail", ["-C", config, "-f", sender, recipient], input: Data(message.utf8))
        #expect(result.status == 0, "sendmail: \(result.errors)")
    }

    var logText: String { (try? String(contentsOfFile: log, encoding: .utf8)) ?? "" }
}

/// What users rely on: a real MTA, refused with the temporary code, queues the message, retries by itself,
/// and gets it delivered once the delay is over.
@Suite struct PostfixTests {
    @Test(.enabled(if: runningAsRoot, "Postfix's master must start as root"))
    func postfixRetriesThroughGreylistingUntilDelivered() throws {
        let scratch = try TemporaryDirectory()
        let state = scratch.path + "/state", mail = scratch.path + "/mail"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: false)
        let server = try TCPServer(environment: ["STANDIN_MAILDIR": mail],
                                   [Built.wrapper, "--dir", state, Built.standIn], log: scratch.path + "/log")
        let postfix = try Postfix(in: scratch.path + "/postfix", relayPort: server.port)
        let reasons = { server.wrapperLog.map { $0.split(separator: " reason=").last.map(String.init) ?? "" } }

        try postfix.submit(from: "sender@sender.test", to: "postmaster@mx.test",
                           "Subject: greylisting with a real MTA\n\nPostfix retried this one.\n")
        // Refused as new, then Postfix retries on its own schedule and is refused again as too early.
        #expect(eventually(within: 30) { reasons().starts(with: ["new", "early"]) },
                "no retry seen: \(server.wrapperLog)\n\(postfix.logText)")
        let delivered = { (try? FileManager.default.contentsOfDirectory(atPath: mail)) ?? [] }
        #expect(delivered().isEmpty)

        // Time passes (the record ages past the 5-minute delay): Postfix's next retry is accepted.
        try age(state + "/127/127.0.0.1", by: 6 * 60)
        #expect(eventually(within: 30) { delivered().count == 1 }, "not delivered: \(server.wrapperLog)\n\(postfix.logText)")
        #expect(eventually(within: 10) { postfix.logText.contains(": removed") })

        let logged = reasons()
        #expect(logged.first == "new" && logged.last == "retried" && logged.dropFirst().dropLast().allSatisfy { $0 == "early" },
                "\(server.wrapperLog)")
        let statuses = postfix.logText.split(separator: "\n").filter { $0.contains(" to=<postmaster@mx.test>") }
        #expect(statuses.count == logged.count, "\(statuses)")
        #expect(statuses.dropLast().allSatisfy { $0.contains("status=deferred (host 127.0.0.1[127.0.0.1] said: 451 ") },
                "\(statuses)")
        #expect(statuses.last?.contains("status=sent (250 ok ") == true, "\(statuses)")
        let message = try String(contentsOfFile: mail + "/" + delivered()[0], encoding: .utf8)
        #expect(message.contains("Received: from 127.0.0.1 by mx.test") && message.contains("Postfix retried this one."), "\(message)")
    }
}
