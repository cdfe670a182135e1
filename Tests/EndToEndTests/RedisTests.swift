import Foundation
import Testing

/// Several MX hosts sharing one greylist on a real redis-server: the built wrapper under real tcpservers, swaks
/// as the client, and the cleaner's statistics and copy of a state directory.
@Suite struct RedisTests {
    let scratch: TemporaryDirectory
    init() throws { scratch = try TemporaryDirectory() }

    func mx(_ name: String, redis: String, mail: String) throws -> TCPServer {
        try TCPServer(environment: ["STANDIN_MAILDIR": mail, "CQGREYLIST_REDIS": redis],
                      [Built.wrapper, "--dir", scratch.path + "/unused", Built.standIn], log: scratch.path + "/" + name + ".log")
    }

    @Test func aSenderRefusedByOneMXIsAcceptedByAnotherAfterTheDelay() throws {
        let redis = try RedisTestServer(tcp: true)
        let first = try mx("mx1", redis: redis.socket, mail: scratch.path + "/mail1")
        let second = try mx("mx2", redis: "127.0.0.1:\(redis.port!)", mail: scratch.path + "/mail2")
        #expect(try sendMail(to: first).showsRefusal)
        #expect(try sendMail(to: second).showsRefusal)   // the same record: early, not new
        try redis.writeRecord("127.0.0.1", age: 301)
        let retried = try sendMail(to: second)
        #expect(retried.showsDelivery, "\(retried)")
        #expect(try sendMail(to: first).showsDelivery)
        let reasons = (first.wrapperLog + second.wrapperLog).map { String($0.split(separator: " reason=").last ?? "") }
        #expect(reasons == ["new", "known", "early", "retried"], "\(first.wrapperLog) \(second.wrapperLog)")
        #expect(try redis.records().keys.sorted() == ["cqgreylist:127.0.0.1"])
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/unused"))
    }

    @Test func recordsSurviveARestartWithAppendOnly() throws {
        let redis = try RedisTestServer(["appendonly yes", "appendfsync always"])
        let environment = ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_REDIS": redis.socket]
        #expect(try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment).errors.hasSuffix("reason=new\n"))
        let before = try redis.records()
        redis.stop()
        try redis.start()
        #expect(try redis.records() == before)
        #expect(try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment).errors.contains("reason=early"))
    }

    @Test func twoHundredSimultaneousNewConnectionsMakeOneKeyAndOneNew() throws {
        let redis = try RedisTestServer()
        // The 200 wrappers wait at one barrier until all have started, so they decide at the same moment.
        let result = try shell(burst(200, #"exec "$W" /bin/true"#), environment: [
            "D": scratch.path, "W": Built.wrapper, "TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_REDIS": redis.socket,
            "CQGREYLIST_REDIS_TIMEOUT": "4s"], limit: 60)
        #expect(result.status == 0)
        let log = try String(contentsOfFile: scratch.path + "/log", encoding: .utf8).split(separator: "\n")
        #expect(log.count == 200)
        #expect(log.filter { $0.hasSuffix("reason=new") }.count == 1, "\(log.filter { !$0.hasSuffix("reason=early") })")
        #expect(log.filter { $0.hasSuffix("reason=early") }.count == 199)
        #expect(try redis.records().count == 1)
    }

    @Test func thePasswordFileStaysWithTheWrapper() throws {
        let redis = try RedisTestServer(password: "s3cret")
        let file = scratch.path + "/redis-password"
        try "s3cret\n".write(toFile: file, atomically: true, encoding: .utf8)
        try redis.writeRecord("192.0.2.7", passed: true, age: 10)
        let result = try run(Built.wrapper, ["/bin/sh", "-c", "env; ls -l /proc/self/fd"],
                             environment: ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_REDIS": redis.socket, "CQGREYLIST_REDIS_PASSWORD_FILE": file])
        #expect(result.errors.hasSuffix("reason=known\n"), "\(result.errors)")
        #expect(!result.output.contains("s3cret"))
        #expect(!result.output.contains("socket:"))   // the connection to Redis is not passed on
    }

    @Test func aRedisFaultIsOneLogLineNamingTheServer() throws {
        let environment = ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_REDIS": scratch.path + "/none.sock"]
        let open = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment)
        #expect(open.output == "passed\n")
        #expect(open.errors.wholeMatch(of: /cqgreylist: pid=\d+ ip=192.0.2.7 key=192.0.2.7 action=pass reason=error redis (.*)\n/)?.1
                == "\(scratch.path)/none.sock: connect: No such file or directory")
        let closed = try run(Built.wrapper, ["--fail-closed", "/bin/echo", "passed"], environment: environment,
                             input: Data("QUIT\r\n".utf8))
        #expect(closed.output.hasPrefix("220 ") && closed.errors.contains("action=greylist reason=error redis "))
    }

    @Test func repliesThatWouldBlindTheWrapperFailOpenWithinTheBudgetAndAreLogged() throws {
        // An array announcing two billion elements (hiredis alone would allocate gigabytes for it), and a clock before
        // 1970: each is one log line and a pass (the 5 s decision deadline would kill the wrapper silently).
        let huge = try FakeRedis(at: scratch.path + "/huge.sock", replies: "*2000000000\r\n", holding: true)
        let master = "*3\r\n$6\r\nmaster\r\n:0\r\n*0\r\n"   // the reply to ROLE
        let clock = try FakeRedis(at: scratch.path + "/clock.sock", replies: master + "*2\r\n$2\r\n-5\r\n$1\r\n0\r\n$-1\r\n", holding: true)
        for (server, problem) in [(huge.path, "bad reply: an array of 2000000000 elements, more than the 256 taken"),
                                  (clock.path, "TIME: array of 2: string -5, string 0")] {
            let started = Date()
            let result = try run(Built.wrapper, ["/bin/echo", "passed"], environment: ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_REDIS": server])
            #expect(result.output == "passed\n")
            #expect(result.errors.hasSuffix(" key=192.0.2.7 action=pass reason=error redis \(server): \(problem)\n"), "\(result.errors)")
            #expect(Date().timeIntervalSince(started) < 3)   // well within the 5 s deadline
        }
    }

    @Test func aNodeThatCannotServeRecordsIsPassedOverForTheNext() throws {
        let redis = try RedisTestServer()
        try redis.writeRecord("192.0.2.7", passed: true, age: 10)
        let loading = try FakeRedis(at: scratch.path + "/loading.sock", replies: String(
            repeating: "-LOADING Redis is loading the dataset in memory\r\n", count: 3), holding: true)
        let environment = ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_REDIS": "\(loading.path),\(redis.socket)", "CQGREYLIST_FAILCLOSED": "1",
                           "CQGREYLIST_REDIS_TIMEOUT": "4s"]   // each server's share is long enough on a loaded machine
        let known = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment, input: Data("QUIT\r\n".utf8))
        #expect(known.output == "passed\n")
        #expect(known.errors.contains("warning: redis \(loading.path): LOADING Redis is loading the dataset in memory; used \(redis.socket)\n"),
                "\(known.errors)")
        #expect(known.errors.hasSuffix(" action=pass age=10 reason=known\n") || known.errors.hasSuffix(" action=pass age=11 reason=known\n"))
    }

    @Test func aReplicaListedFirstIsPassedOverForTheMaster() throws {
        let master = try RedisTestServer(tcp: true)
        let replica = try RedisTestServer(["replicaof 127.0.0.1 \(master.port!)", "replica-read-only yes"])
        #expect(eventually(within: 20) { (try? replica.cli("INFO", "replication"))?.contains("master_link_status:up") == true })
        let environment = ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_REDIS": "\(replica.socket),\(master.socket)", "CQGREYLIST_FAILCLOSED": "1",
                           "CQGREYLIST_REDIS_TIMEOUT": "4s"]   // each server's share is long enough on a loaded machine
        let new = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment, input: Data("QUIT\r\n".utf8))
        #expect(new.errors.hasSuffix(" action=greylist reason=new\n"), "\(new.errors)")
        #expect(new.errors.contains("warning: redis \(replica.socket): a replica of 127.0.0.1:\(master.port!) (connected); used \(master.socket)\n"),
                "\(new.errors)")
        #expect(try master.records().keys.sorted() == ["cqgreylist:192.0.2.7"])
        try master.writeRecord("192.0.2.7", age: 400)
        #expect(eventually(within: 20) { (try? replica.cli("GET", "cqgreylist:192.0.2.7"))?.hasPrefix("pending") == true })
        let retried = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment)
        #expect(retried.output == "passed\n" && retried.errors.contains(" reason=retried\n"), "\(retried.errors)")
        #expect(try master.records()["cqgreylist:192.0.2.7"]?.hasPrefix("passed ") == true)
    }

    @Test func cleanReportsOnRedisAndCopiesAStateDirectoryIntoIt() throws {
        let redis = try RedisTestServer()
        // A state directory as cqgreylist 0.2 leaves it: empty files, mtime the first-seen time.
        let state = try TemporaryDirectory()
        try state.writeRecord("192/192.0.2.1", age: 400)
        try state.writeRecord("192/192.0.2.2", age: 2 * 86_400)           // past the retry window: not copied
        try state.writeRecord("198/198.51.100.3", passed: true, age: 3600)
        try state.writeRecord("2001/2001:db8:1:2::", age: 60)
        try state.writeRecord("192/notes.txt", age: 0)
        try state.writeRecord("203/203.0.113.9", passed: true, age: 100)
        try redis.writeRecord("198.51.100.3", passed: true, age: 5)         // a wrapper on Redis wrote it: kept
        try redis.writeRecord("203.0.113.9", age: 10)                        // pending there, passed here: replaced
        let copy = try run(Built.clean, ["--dir", state.path, "--redis", redis.socket, "--copy-to-redis"])
        #expect(copy.status == 0, "\(copy.errors)")
        #expect(copy.output.contains(" copied=3 present=1 expired=1 skipped=1 errors=0 "), "\(copy.output)")
        let now = try redis.now()
        let records = try redis.records()
        #expect(records.keys.sorted() == ["cqgreylist:192.0.2.1", "cqgreylist:198.51.100.3", "cqgreylist:2001:db8:1:2::",
                                          "cqgreylist:203.0.113.9"])
        #expect(records["cqgreylist:198.51.100.3"].map { ["passed \(now - 5)", "passed \(now - 6)"].contains($0) } == true)
        #expect(records["cqgreylist:203.0.113.9"].map { ["passed \(now - 100)", "passed \(now - 101)"].contains($0) } == true)
        #expect(records["cqgreylist:192.0.2.1"].map { ["pending \(now - 400)", "pending \(now - 401)"].contains($0) } == true)
        let ttl = Int64(try redis.cli("TTL", "cqgreylist:192.0.2.1")) ?? 0
        #expect((86_400 + 3600 - 402...86_400 + 3600 - 399).contains(ttl), "\(ttl)")
        #expect(state.files().count == 6)   // the directory is left as it was

        // The wrapper carries on from the copied record.
        let retried = try run(Built.wrapper, ["/bin/echo", "passed"], environment: ["TCPREMOTEIP": "192.0.2.1", "CQGREYLIST_REDIS": redis.socket])
        #expect(retried.errors.contains("action=pass age=40") && retried.errors.hasSuffix("reason=retried\n"), "\(retried.errors)")

        let stats = try run(Built.clean, ["--stats"], environment: ["CQGREYLIST_REDIS": redis.socket])
        #expect(stats.status == 0)
        #expect(stats.output.contains("  records: 4 (pending 1, passed 3), foreign files: 0\n"), "\(stats.output)")
        #expect(stats.output.contains("scanned=4 pending=1 passed=3 "))

        let usage = try run(Built.clean, ["--copy-to-redis", "--dir", state.path])
        #expect(usage.status == 100 && usage.errors.contains("--copy-to-redis needs --redis"))
        let badServer = try run(Built.clean, ["--stats", "--redis", "localhost:6379"])
        #expect(badServer.status == 100 && badServer.errors.contains("bad --redis value \"localhost:6379\""))
        let down = try run(Built.clean, ["--stats", "--redis", scratch.path + "/none.sock"])
        #expect(down.status == 111 && down.errors.contains("connect: No such file or directory"))
    }

    @Test func statsOnRedisReportEveryForeignKeyAndGoOnPastAHugeValue() throws {
        let redis = try RedisTestServer()
        try redis.writeRecord("192.0.2.7", passed: true, age: 10)
        try redis.cli("HSET", "cqgreylist:192.0.2.8", "field", "value")   // another program's hash under the prefix
        try redis.cli("SET", "cqgreylist:192.0.2.9", "hello")               // a record's name, not a record's value
        try redis.cli("SET", "cqgreylist:notes", "pending 5")                // a record's value, not a record's name
        try redis.cli("EVAL", "redis.call('SET', KEYS[1], string.rep('x', 17000000))", "1", "cqgreylist:192.0.2.10")
        let stats = try run(Built.clean, ["--stats", "--redis", redis.socket])
        #expect(stats.status == 0, "\(stats.errors)")
        #expect(stats.output.contains("scanned=5 pending=0 passed=1 ") && stats.output.contains(" skipped=4 "), "\(stats.output)")
        for (key, reason) in [("192.0.2.8", "not a string"), ("192.0.2.9", "not a record value"), ("notes", "not a record name"),
                              ("192.0.2.10", "not a record value")] {
            #expect(stats.errors.contains("skipping cqgreylist:\(key): \(reason)\n"), "\(stats.errors)")
        }
    }
}
