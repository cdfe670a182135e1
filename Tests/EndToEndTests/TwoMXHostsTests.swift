import Foundation
import Testing

/// A real retrying MTA against two greylisting MX hosts. In a private network namespace, Postfix delivers to
/// `dest.test`, whose two MX records of equal preference (served by NSD, the namespace's name server) name
/// mx1.dest.test (10.0.0.1) and mx2.dest.test (10.0.0.2): each a real tcpserver on port 25 running the built
/// wrapper (5 s delay) before the stand-in SMTP server. Postfix sends from 10.0.0.3, so both hosts see one
/// client address, as they would see a real sender's.
///
/// Postfix logs every session it had (`host mx1.dest.test[10.0.0.1] said: 451 ...` for each MX host that
/// refused, and the attempt's `status=` line), so its log gives the order of the sessions across both hosts,
/// and each host's wrapper log gives, in the same order, what was decided for them: together, the story of
/// the message.
@Suite struct TwoMXHostsTests {
    struct Setup: CustomTestStringConvertible, Sendable {
        var testDescription: String
        /// Both wrappers keep their records on one Redis; else each has its own state directory.
        var sharedRedis: Bool
        /// Each delivery attempt ends after one MX host (`smtp_mx_session_limit = 1`); else Postfix tries both.
        var oneHostPerAttempt: Bool
    }

    static let setups = [
        Setup(testDescription: "shared Redis, each attempt tries both hosts", sharedRedis: true, oneHostPerAttempt: false),
        Setup(testDescription: "shared Redis, one host per attempt", sharedRedis: true, oneHostPerAttempt: true),
        Setup(testDescription: "a state directory each, one host per attempt", sharedRedis: false, oneHostPerAttempt: true),
    ]

    static let zone = """
        @ IN MX 10 mx1
        @ IN MX 10 mx2
        mx1 IN A 10.0.0.1
        mx2 IN A 10.0.0.2
        """

    /// One SMTP session of Postfix's: the host it reached (1 or 2), whether the message was sent in it, and whether
    /// it ended a delivery attempt (Postfix logs the attempt's `status=` with its last session).
    struct Session {
        var host: Int
        var sent: Bool
        var endedAttempt: Bool
    }

    @Test(.enabled(if: runningAsRoot, "a network namespace and Postfix's master need root"), arguments: setups)
    func postfixDeliversOnceThroughTwoGreylistingMXHosts(_ setup: Setup) throws {
        let scratch = try TemporaryDirectory()
        let namespace = try NetworkNamespace(addresses: ["10.0.0.1", "10.0.0.2", "10.0.0.3"])
        let dns = try DNSServer(zones: ["dest.test": Self.zone], in: namespace)
        let redis = setup.sharedRedis ? try RedisTestServer() : nil
        let state = [1, 2].map { scratch.path + "/state\($0)" }, mail = [1, 2].map { scratch.path + "/mail\($0)" }
        let hosts = try [1, 2].map { n in
            try FileManager.default.createDirectory(atPath: state[n - 1], withIntermediateDirectories: false)
            // The largest Redis budget: on a loaded machine the default 200 ms could pass the sender on `error`.
            let shared = redis.map { ["CQGREYLIST_REDIS": $0.socket, "CQGREYLIST_REDIS_TIMEOUT": "4s"] } ?? [:]
            return try TCPServer(host: "10.0.0.\(n)", port: "25", name: "mx\(n).dest.test", namespace: namespace,
                                 environment: ["STANDIN_MAILDIR": mail[n - 1]].merging(shared) { $1 },
                                 [Built.wrapper, "--delay", "5", "--dir", state[n - 1], Built.standIn], log: scratch.path + "/mx\(n).log")
        }
        let postfix = try Postfix(in: scratch.path + "/postfix", delivery: [
            "smtp_dns_support_level = enabled", "smtp_host_lookup = dns", "smtp_bind_address = 10.0.0.3",
        ] + (setup.oneHostPerAttempt ? ["smtp_mx_session_limit = 1"] : []), namespace: namespace)

        try postfix.submit(from: "sender@sender.test", to: "postmaster@dest.test",
                           "Subject: two MX hosts\n\nDelivered through one of two greylisting MX hosts.\n")
        // Refused until the 5 s delay is over, then accepted and removed from the queue: well within the limit.
        #expect(eventually(within: 60) { postfix.logText.contains(": removed") },
                "not delivered: \(postfix.logText)\n\(hosts[0].wrapperLog)\n\(hosts[1].wrapperLog)")
        let log = postfix.logText
        #expect(!log.contains("status=bounced") && !log.contains("non-delivery notification"), "\(log)")

        // Every session in order: each refused by its host with the greylisting 451 but the last, which was sent.
        var sessions: [Session] = []
        for line in log.split(separator: "\n") where line.contains("postfix/smtp[") {
            if let refused = line.firstMatch(of: #/[ (]host mx([12])\.dest\.test\[10\.0\.0\.[12]\] said: 451 /#) {
                sessions.append(Session(host: Int(refused.1)!, sent: false, endedAttempt: line.contains(" status=deferred ")))
            } else if let sent = line.firstMatch(of: #/ relay=mx([12])\.dest\.test\[10\.0\.0\.[12]\]:25, .* status=sent \(250 ok /#) {
                sessions.append(Session(host: Int(sent.1)!, sent: true, endedAttempt: true))
            } else {
                Issue.record("an SMTP client line that is no session's outcome: \(line)")
            }
        }
        #expect(sessions.filter(\.sent).count == 1 && sessions.last?.sent == true, "\(log)")
        // What each host's wrapper decided, matched to Postfix's sessions with that host, in order.
        var decisions = hosts.map { host in
            host.wrapperLog.map { line in
                line.firstMatch(of: #/ ip=10\.0\.0\.3 key=10\.0\.0\.3 action=(pass|greylist)(?: age=\d+)? reason=(\w+)$/#).map { "\($0.2)" } ?? line
            }[...]
        }
        var story: [String] = []
        for session in sessions {
            guard let reason = decisions[session.host - 1].popFirst() else {
                Issue.record("a session with mx\(session.host) that its wrapper did not log: \(hosts[session.host - 1].wrapperLog)")
                break
            }
            #expect(session.sent == ["retried", "known"].contains(reason), "mx\(session.host) \(reason) but sent: \(session.sent)")
            story.append("mx\(session.host) \(reason)")
        }
        #expect(decisions.allSatisfy { $0.isEmpty }, "wrapper lines for no session of Postfix's: \(decisions)\n\(log)")

        // The story: with one record for both hosts, one `new` (the first session) and `early` until the retry passes.
        // With a state directory each, each host tells that story itself, and only one of them gets to the end.
        let reasons = story.map { String($0.split(separator: " ")[1]) }
        if setup.sharedRedis {
            #expect(reasons.first == "new" && reasons.last == "retried"
                    && reasons.dropFirst().dropLast().allSatisfy { $0 == "early" }, "\(story)")
        } else {
            for host in [1, 2] {
                let own = story.filter { $0.hasPrefix("mx\(host) ") }.map { String($0.split(separator: " ")[1]) }
                let delivered = sessions.last?.host == host
                #expect(own.isEmpty || (own.first == "new" && own.dropFirst().dropLast(delivered ? 1 : 0).allSatisfy { $0 == "early" }
                                        && (!delivered || own.last == "retried")), "\(story)")
            }
        }
        if setup.oneHostPerAttempt {
            #expect(sessions.allSatisfy { $0.endedAttempt }, "\(log)")
        } else {
            // The first attempt went on from the host that refused it to the other: both saw the sender at once.
            #expect(sessions.count >= 2 && !sessions[0].endedAttempt && sessions[1].endedAttempt
                    && sessions[0].host != sessions[1].host, "\(log)")
        }

        // Delivered exactly once, by the host that accepted it, from the address both hosts saw.
        let host = try #require(sessions.last?.host)
        let files = mail.map { (try? FileManager.default.contentsOfDirectory(atPath: $0)) ?? [] }
        #expect(files[host - 1].count == 1 && files[2 - host].isEmpty, "\(files)")
        if let name = files[host - 1].first {
            let message = try String(contentsOfFile: mail[host - 1] + "/" + name, encoding: .utf8)
            #expect(message.contains("Received: from 10.0.0.3 by mx\(host).dest.test") && message.contains("greylisting MX hosts"), "\(message)")
        }

        // The records: one on Redis (and nothing in the state directories), or one on each host that saw the sender.
        if let redis {
            let records = try redis.records()
            #expect(records.keys.sorted() == ["cqgreylist:10.0.0.3"] && records.values.allSatisfy { $0.hasPrefix("passed ") }, "\(records)")
            #expect(state.allSatisfy { (FileManager.default.subpaths(atPath: $0) ?? ["?"]).isEmpty })
        } else {
            for n in [1, 2] {
                let record = FileManager.default.contents(atPath: state[n - 1] + "/10/10.0.0.3")
                let seen = sessions.contains { $0.host == n }
                // A passed record has content, a pending one none.
                #expect(record.map { n == host ? !$0.isEmpty : $0.isEmpty } ?? !seen, "mx\(n): \(String(describing: record))")
            }
        }

        let sent = log.split(separator: "\n").first { $0.contains(" status=sent ") }
        let delay = sent?.firstMatch(of: #/, delay=([0-9.]+),/#).map { String($0.1) } ?? "?"
        print("\(setup.testDescription): delivered \(delay) s after submission; \(story.joined(separator: ", "))")
        withExtendedLifetime((namespace, dns, redis)) {}
    }
}
