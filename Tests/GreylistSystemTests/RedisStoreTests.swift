import Foundation
import Greylist
import GreylistAdmin
import GreylistSystem
import GreylistTools
import Testing
import TestSupport

@Suite struct RedisStoreTests {
    func settings(_ servers: String, _ environment: [String: String] = [:]) -> Settings {
        Settings(options: [.init(.redis, servers)], environment: Environment(environment))
    }

    func decide(_ settings: Settings, _ address: String = "192.0.2.7") -> (Verdict, milliseconds: Int64) {
        let started = monotonicMilliseconds()
        let verdict = Greylister(settings: settings).run(environment: Environment(["TCPREMOTEIP": address]), now: currentTime())
        return (verdict, monotonicMilliseconds() - started)
    }

    @Test func keysValuesAndTimesToLiveAreReadable() throws {
        let redis = try RedisTestServer(tcp: true)
        let settings = settings("127.0.0.1:\(redis.port!)", ["CQGREYLIST_REDIS_PREFIX": "grey:"])
        #expect(decide(settings).0.outcome == .refuse(.new))
        #expect(decide(settings, "2001:db8:1:2::99").0.outcome == .refuse(.new))
        let now = try redis.now()
        let records = try redis.records()
        #expect(Set(records.keys) == ["grey:192.0.2.7", "grey:2001:db8:1:2::"])
        // Dated the server's next whole second after the read (so its age never exceeds the time passed).
        #expect(records["grey:192.0.2.7"].map { ["pending \(now + 1)", "pending \(now)", "pending \(now - 1)"].contains($0) } == true)
        let pendingLife = policy.window + Policy.cleanerGrace
        #expect((pendingLife - 2...pendingLife + 1).contains(Int64(try redis.cli("TTL", "grey:192.0.2.7")) ?? 0))

        try redis.writeRecord("192.0.2.7", age: 400, prefix: "grey:")
        #expect(decide(settings).0.outcome == .pass(.retried))
        let passedLife = policy.passedRecordLife + Policy.cleanerGrace
        #expect((passedLife - 2...passedLife + 1).contains(Int64(try redis.cli("TTL", "grey:192.0.2.7")) ?? 0))
    }

    @Test func aReplyLongerThanManyReadsComesWhole() throws {
        // The connection reads 1 KB at first (a connection's replies are short) and more at a time once a reply fills it.
        let redis = try RedisTestServer()
        try redis.cli("EVAL", "redis.call('SET', KEYS[1], string.rep('0123456789', 30000))", "1", "long")
        let connection = try RedisConnection(to: .socket(path: redis.socket), deadline: monotonicMilliseconds() + 5_000)
        let replies = try connection.exchange([[Array("GET".utf8), Array("long".utf8)], [Array("PING".utf8)]],
                                              deadline: monotonicMilliseconds() + 5_000)
        #expect(replies == [.bulk(Array(String(repeating: "0123456789", count: 30_000).utf8)), .status("PONG")])
    }

    @Test func aWriteNeverOverridesWhatAnotherHostDidSinceTheRead() throws {
        let redis = try RedisTestServer()
        let store = RedisStore(settings: settings(redis.socket, ["CQGREYLIST_REDIS_TIMEOUT": "4s"]))   // redis-cli runs between
        defer { store.close() }
        let key = RecordKey(address: ClientAddress("192.0.2.7")!, ipv4Prefix: 32, ipv6Prefix: 64)

        try redis.writeRecord("192.0.2.7", age: 400)
        let (read, now) = try store.read(key, now: 0)
        try redis.cli("SET", "cqgreylist:192.0.2.7", "passed \(now)")   // another MX host passed it meanwhile
        #expect(try store.apply(.markPassed, to: key, previous: read, now: now) == false)
        #expect(try redis.cli("GET", "cqgreylist:192.0.2.7") == "passed \(now)")

        try redis.cli("DEL", "cqgreylist:192.0.2.7")   // expired meanwhile: not brought back
        #expect(try store.apply(.restart, to: key, previous: .passed(lastSeen: now), now: now) == false)
        #expect(try redis.cli("EXISTS", "cqgreylist:192.0.2.7") == "0")

        #expect(try store.apply(.create, to: key, previous: nil, now: now) == true)
        #expect(try store.apply(.create, to: key, previous: nil, now: now) == false)   // SET NX: one creator
    }

    @Test func theSecondListedServerIsUsedWhenTheFirstIsDown() throws {
        let redis = try RedisTestServer()
        let (verdict, _) = decide(settings("127.0.0.1:1,\(redis.socket)"))
        #expect(verdict.outcome == .refuse(.new))
        #expect(verdict.warnings == ["redis 127.0.0.1:1: connect: Connection refused; used \(redis.socket)"])
    }

    @Test func passwordsAndACLUsers() throws {
        let redis = try RedisTestServer(password: "secret", [
                                         "user greylist on >pw ~cqgreylist:* -@all +get +set +eval +time +scan +mget",
                                         "user norights on >pw ~cqgreylist:* -@all +get +time"])
        let files = try TemporaryDirectory()
        for (name, contents) in [("default", "secret\n"), ("wrong", "nope\n"), ("acl", "greylist pw\r\n"), ("denied", "norights pw")] {
            try contents.write(toFile: files.path + "/" + name, atomically: true, encoding: .utf8)
        }
        let withFile = { (name: String) in self.settings(redis.socket, ["CQGREYLIST_REDIS_PASSWORD_FILE": files.path + "/" + name]) }
        #expect(decide(withFile("default")).0.outcome == .refuse(.new))
        #expect(decide(withFile("acl"), "192.0.2.8").0.outcome == .refuse(.new))
        guard case .pass(.error(let wrong)) = decide(withFile("wrong"), "192.0.2.9").0.outcome else { Issue.record("no error"); return }
        #expect(wrong.hasPrefix("redis \(redis.socket): AUTH: WRONGPASS"))
        guard case .pass(.error(let denied)) = decide(withFile("denied"), "192.0.2.10").0.outcome else { Issue.record("no error"); return }
        #expect(denied.hasPrefix("redis \(redis.socket): NOPERM"), "\(denied)")
        guard case .pass(.error(let none)) = decide(settings(redis.socket), "192.0.2.11").0.outcome else { Issue.record("no error"); return }
        #expect(none.hasPrefix("redis \(redis.socket): TIME: NOAUTH"), "\(none)")
        guard case .pass(.error(let missing)) = decide(withFile("absent")).0.outcome else { Issue.record("no error"); return }
        #expect(missing == "redis: password file \(files.path)/absent does not exist")
        // Never cut silently, and never a FIFO read as an empty file (nor waited on).
        try String(repeating: "p", count: 4097).write(toFile: files.path + "/long", atomically: true, encoding: .utf8)
        guard case .pass(.error(let long)) = decide(withFile("long")).0.outcome else { Issue.record("no error"); return }
        #expect(long == "redis: password file \(files.path)/long is longer than 4096 bytes")
        #expect(mkfifo(files.path + "/fifo", 0o600) == 0)
        guard case .pass(.error(let fifo)) = decide(withFile("fifo")).0.outcome else { Issue.record("no error"); return }
        #expect(fifo == "redis: password file \(files.path)/fifo is not a regular file")
        try String(repeating: "p", count: 4096).write(toFile: files.path + "/longest", atomically: true, encoding: .utf8)
        guard case .pass(.error(let longest)) = decide(withFile("longest")).0.outcome else { Issue.record("no error"); return }
        #expect(longest.hasPrefix("redis \(redis.socket): AUTH: WRONGPASS"), "\(longest)")   // read whole, then refused
    }

    /// Each fault: one error naming the server, the store-fault policy (fail open here), within the budget.
    @Test func faultsFailOpenWithinTheBudget() throws {
        let redis = try RedisTestServer()
        let replica = try RedisTestServer(["replicaof 127.0.0.1 1", "replica-read-only yes"])
        let full = try RedisTestServer(["maxmemory 1", "maxmemory-policy noeviction"])
        let stalled = try RedisTestServer()
        stalled.pause()
        defer { stalled.resume() }
        let scratch = try TemporaryDirectory()
        let garbage = try FakeRedis(at: scratch.path + "/garbage.sock", replies: "+OK\r\n?junk\r\n")
        let cut = try FakeRedis(at: scratch.path + "/cut.sock", replies: "*2\r\n$10\r\n17960")
        let busy = try FakeRedis(at: scratch.path + "/busy.sock", replies: "-ERR max number of clients reached\r\n")
        let cases: [(String, String)] = [
            (scratch.path + "/none.sock", "redis \(scratch.path)/none.sock: connect: No such file or directory"),
            ("127.0.0.1:1", "redis 127.0.0.1:1: connect: Connection refused"),
            (stalled.socket, "redis \(stalled.socket): reply: no answer within the time budget"),
            (replica.socket, "redis \(replica.socket): READONLY You can't write against a read only replica."),
            (full.socket, "redis \(full.socket): OOM command not allowed when used memory > 'maxmemory'."),
            (garbage.path, "redis \(garbage.path): bad reply: Protocol error, got \"?\" as reply type byte"),
            (cut.path, "redis \(cut.path): connection closed by the server"),
            (busy.path, "redis \(busy.path): connection closed by the server after: ERR max number of clients reached"),
        ]
        for (server, problem) in cases {
            let (verdict, milliseconds) = decide(settings(server))
            #expect(verdict.outcome == .pass(.error(problem)), "\(server)")
            #expect(milliseconds < 450, "\(server): \(milliseconds) ms")   // the 200 ms budget, and a loaded machine
        }
        let closed = Greylister(settings: settings(stalled.socket, ["CQGREYLIST_FAILCLOSED": "", "CQGREYLIST_REDIS_TIMEOUT": "50ms"]))
        let started = monotonicMilliseconds()
        #expect(closed.run(environment: ["TCPREMOTEIP": "192.0.2.7"], now: 0).outcome
                == .refuse(.error("redis \(stalled.socket): reply: no answer within the time budget")))
        #expect(monotonicMilliseconds() - started < 300)
        _ = redis
    }

    @Test func aServerThatAcceptsButNeverAnswersLeavesTimeForTheNext() throws {
        let stalled = try RedisTestServer(tcp: true), healthy = try RedisTestServer()
        stalled.pause()
        defer { stalled.resume() }
        let (verdict, milliseconds) = decide(settings("127.0.0.1:\(stalled.port!),\(healthy.socket)"))
        #expect(verdict.outcome == .refuse(.new))
        #expect(verdict.warnings == ["redis 127.0.0.1:\(stalled.port!): reply: no answer within the time budget; used \(healthy.socket)"])
        #expect((90..<350).contains(milliseconds), "\(milliseconds) ms")   // half the budget went to the first
        #expect(try healthy.records().keys.sorted() == ["cqgreylist:192.0.2.7"])
    }
}
