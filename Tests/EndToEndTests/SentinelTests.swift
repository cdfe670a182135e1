import Foundation
import Testing

/// Three real Redis Sentinels (`redis-server --sentinel`) watching a set named `cq`: they promote a replica when
/// its master is down for a second. Stopped when the value goes away.
final class Sentinels: @unchecked Sendable {
    let ports: [Int]
    private let directory: TemporaryDirectory
    private var processes: [Process] = []

    init(watching master: RedisTestServer) throws {
        directory = try TemporaryDirectory()
        var ports: [Int] = []
        for index in 0..<3 {
            let port = Int.random(in: 20_000...60_000)
            let file = directory.path + "/sentinel\(index).conf"
            try """
                port \(port)
                bind 127.0.0.1
                dir \(directory.path)
                logfile \(directory.path)/sentinel\(index).log
                sentinel monitor cq 127.0.0.1 \(master.port!) 2
                sentinel down-after-milliseconds cq 1000
                sentinel failover-timeout cq 3000
                sentinel parallel-syncs cq 1

                """.write(toFile: file, atomically: true, encoding: .utf8)
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
            process.arguments = [file, "--sentinel"]
            try process.run()
            processes.append(process)
            ports.append(port)
        }
        self.ports = ports
        // A returning old master is made a replica once it has reported its role for four publish periods, and a
        // replica's role is read every info period: 8 and 10 s by default, 2 and 1 s here, so the test waits less.
        for port in ports {
            _ = eventually(within: 10) {
                (try? run("/usr/bin/redis-cli", ["-p", String(port), "SENTINEL", "DEBUG", "info-period", "1000",
                                                  "publish-period", "500"]))?.output.hasPrefix("OK") == true
            }
        }
    }

    deinit {
        for process in processes where process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    /// Runs one command on the first sentinel and returns its output, trimmed.
    @discardableResult
    func cli(_ arguments: String...) throws -> String {
        let result = try run("/usr/bin/redis-cli", ["-p", String(ports[0])] + arguments)
        return result.output.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The port of the master the sentinels agree on now.
    func masterPort() -> Int? {
        (try? cli("SENTINEL", "get-master-addr-by-name", "cq")).flatMap { Int($0.split(separator: "\n").last ?? "") }
    }
}

/// A replicated Redis set under Redis Sentinel, as sites with several MX hosts run it: the built wrapper against a
/// master and its replica through failovers, a crash, a manual failover, the old master back as a replica listed
/// first, and a master loading its append-only file.
@Suite(.serialized) struct SentinelTests {
    /// One connection of `client` with records on `servers`: its log line's reason and the whole log.
    /// (A budget of 2 s rather than the default 200 ms: on a loaded test machine a healthy server can take longer than
    /// its share to answer, which would look like the failures these tests look for.)
    func connect(_ client: String, _ servers: String, budget: String = "2s") throws -> (reason: String, errors: String) {
        let result = try run(Built.wrapper, ["/bin/true"], environment: ["TCPREMOTEIP": client, "CQGREYLIST_REDIS": servers,
                                                                         "CQGREYLIST_REDIS_TIMEOUT": budget])
        let last = result.errors.split(separator: "\n").last ?? ""
        return (String(last.split(separator: " reason=", maxSplits: 1).last ?? ""), result.errors)
    }

    /// Known senders (passed records) and new ones, alternating, until `done` says so after a connection: each
    /// connection's reason, and whether `done` had said so yet when it ran.
    func stream(_ servers: String, known: [String], newFrom start: Int, limit: Int = 2000,
                phase: () -> Int) throws -> [(phase: Int, client: String, isKnown: Bool, reason: String)] {
        var results: [(phase: Int, client: String, isKnown: Bool, reason: String)] = []
        var index = 0
        while index < limit {
            let current = phase()
            if current < 0 { break }
            let isKnown = index % 2 == 0
            let client = isKnown ? known[index / 2 % known.count] : "198.51.\((start + index) / 250 % 250).\((start + index) % 250 + 1)"
            results.append((current, client, isKnown, try connect(client, servers).reason))
            index += 1
        }
        return results
    }

    func roleOf(_ server: RedisTestServer) -> String {
        (try? server.cli("ROLE"))?.split(separator: "\n").first.map(String.init) ?? ""
    }

    @Test(.timeLimit(.minutes(3))) func failoversNeverLeaveGreylistingOffOnceTheSetHasAMaster() throws {
        let first = try RedisTestServer(tcp: true, ["appendonly yes"])
        let second = try RedisTestServer(tcp: true, ["replicaof 127.0.0.1 \(first.port!)", "appendonly yes"])
        let sentinels = try Sentinels(watching: first)
        #expect(eventually(within: 20) { (try? sentinels.cli("SENTINEL", "replicas", "cq"))?.contains("\(second.port!)") == true })
        #expect(eventually(within: 20) { (try? second.cli("INFO", "replication"))?.contains("master_link_status:up") == true })
        let servers = "\(first.socket),\(second.socket)"
        let known = (1...5).map { "192.0.2.\($0)" }
        for client in known {   // each passed through the wrapper: new, then retried once its record is aged
            #expect(try connect(client, servers).reason == "new")
            try first.writeRecord(client, age: 400)
            #expect(try connect(client, servers).reason == "retried")
        }
        #expect(try first.cli("WAIT", "1", "5000") == "1")   // steady replication: the replica has them all

        // 1. The master crashes under a stream of connections; the sentinels promote the replica.
        var crashed = false
        let crashedAt = Date()
        let crash = try stream(servers, known: known, newFrom: 0) {
            if !crashed { crashed = true; first.crash(); return 0 }
            return sentinels.masterPort() == second.port! && roleOf(second) == "master" ? -1 : 1
        }
        let crashSeconds = String(format: "%.1f", Date().timeIntervalSince(crashedAt))
        let promoted = try stream(servers, known: known, newFrom: 1000, limit: 20) { 2 }
        #expect(crash.allSatisfy { $0.reason == ($0.isKnown ? "known" : "new") || $0.reason.hasPrefix("error ") }, "\(crash)")
        #expect(promoted.allSatisfy { $0.reason == ($0.isKnown ? "known" : "new") }, "\(promoted)")
        for client in known { #expect(try second.cli("GET", "cqgreylist:" + client).hasPrefix("passed ")) }

        // 2. The old master comes back; the sentinels make it a replica of the new one. Listed first, it is passed over.
        try first.start()
        let returnedAt = Date()
        // Within a minute: a sentinel whose timer was held up for 2 s (a loaded machine) stays passive for 30 s.
        #expect(eventually(within: 60) { roleOf(first) == "slave" && (try? first.cli("INFO", "replication"))?.contains("master_link_status:up") == true })
        let returnSeconds = String(format: "%.1f", Date().timeIntervalSince(returnedAt))
        let back = try stream(servers, known: known, newFrom: 2000, limit: 20) { 3 }
        #expect(back.allSatisfy { $0.reason == ($0.isKnown ? "known" : "new") }, "\(back)")

        // 3. A manual failover back to the first: no connection passes on an error at any time.
        let accepted = eventually(within: 20) { (try? sentinels.cli("SENTINEL", "FAILOVER", "cq")) == "OK" }
        #expect(accepted)
        let manual = try stream(servers, known: known, newFrom: 3000) {
            sentinels.masterPort() == first.port! && roleOf(first) == "master" && roleOf(second) == "slave" ? -1 : 4
        }
        let after = try stream(servers, known: known, newFrom: 4000, limit: 20) { 5 }
        #expect((manual + after).allSatisfy { $0.reason == ($0.isKnown ? "known" : "new") }, "\(manual + after)")
        // What was written while the set had a master, before the manual failover, is on the first again.
        let records = try first.records()
        for connection in promoted + back where !connection.isKnown { #expect(records["cqgreylist:" + connection.client] != nil) }
        let errors = crash.filter { $0.reason.hasPrefix("error ") }.count
        print("sentinel failover: \(errors) of \(crash.count) connections passed on an error in \(crashSeconds)s from the crash to the promotion; "
              + "the old master a replica again in \(returnSeconds)s")
    }

    @Test(.timeLimit(.minutes(1))) func aMasterLoadingItsAppendOnlyFileLeavesTheReadsToItsReplica() throws {
        // Loading made slow on purpose (a delay per key, events served every kilobyte), as a large file would be.
        let master = try RedisTestServer(tcp: true, ["appendonly yes", "key-load-delay 20", "loading-process-events-interval-bytes 1024"])
        let replica = try RedisTestServer(tcp: true, ["replicaof 127.0.0.1 \(master.port!)"])
        try master.cli("EVAL", "for i = 1, 100000 do redis.call('SET', 'filler:' .. i, 'x') end", "0")
        try master.writeRecord("192.0.2.1", passed: true, age: 10)
        #expect(try master.cli("WAIT", "1", "5000") == "1")
        master.stop()
        try master.start(waiting: false)
        #expect(eventually(within: 10) { (try? master.cli("PING"))?.hasPrefix("LOADING") == true })
        let servers = "\(master.socket),\(replica.socket)"
        // A loading server answers between chunks of its file: on a loaded machine that can take longer than half of
        // the default 200 ms, so the budget here is long enough to hear its -LOADING every time.
        let known = try connect("192.0.2.1", servers, budget: "4s")
        let new = try connect("192.0.2.2", servers, budget: "4s")
        let stillLoading = (try? master.cli("PING"))?.hasPrefix("LOADING") == true
        #expect(stillLoading, "the master finished loading too soon for this test")
        #expect(known.reason == "known", "\(known.errors)")
        #expect(known.errors.contains("warning: redis \(master.socket): LOADING Redis is loading the dataset in memory; "), "\(known.errors)")
        #expect(known.errors.contains("warning: redis: no master answered; read from the replica \(replica.socket)\n"))
        #expect(new.reason.hasPrefix("error redis "), "\(new.errors)")   // a write needs the master: fail open, logged
    }
}
