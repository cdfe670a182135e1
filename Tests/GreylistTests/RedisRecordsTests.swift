import Greylist
import GreylistAdmin
import Testing

@Suite struct RedisRecordsTests {
    let records = RedisRecords(prefix: "cqgreylist:", policy: Settings.defaults.policy)
    let key = RecordKey(address: ClientAddress("192.0.2.7")!, ipv4Prefix: 32, ipv6Prefix: 64)

    @Test(arguments: [Record.pending(firstSeen: 1_764_486_000), .passed(lastSeen: 0), .passed(lastSeen: 1_764_486_000)])
    func valuesRoundTrip(_ record: Record) {
        #expect(RedisRecords.record(fromValue: RedisRecords.value(of: record)) == record)
    }

    @Test(arguments: ["", "pending", "pending ", "pending x", "pending -5", "passed 1 2", "PENDING 5", "known 5",
                      "pending 99999999999999999999", "passed  5"])
    func valuesThatAreNoRecords(_ text: String) {
        #expect(RedisRecords.record(fromValue: Array(text.utf8)) == nil)
    }

    @Test func keysAreThePrefixAndTheRecordName() {
        #expect(records.key(for: key) == Array("cqgreylist:192.0.2.7".utf8))
        let v6 = RecordKey(address: ClientAddress("2001:db8:1:2::99")!, ipv4Prefix: 32, ipv6Prefix: 64)
        #expect(records.key(for: v6) == Array("cqgreylist:2001:db8:1:2::".utf8))
        #expect(RecordKey(name: Array("2001:db8:1:2::".utf8)) == v6)
        #expect(RecordKey(name: Array("2001:db8:1:2::99".utf8)) == nil)   // not a /64 prefix
    }

    @Test func timesToLiveAreTheCleanersWindows() {
        let policy = records.policy, now: Timestamp = 1_000_000
        #expect(records.timeToLive(of: .pending(firstSeen: now), now: now) == policy.window + Policy.cleanerGrace)
        #expect(records.timeToLive(of: .passed(lastSeen: now), now: now) == policy.lifetime + 3600 + Policy.cleanerGrace)
        #expect(records.timeToLive(of: .pending(firstSeen: now - 600), now: now) == policy.window + Policy.cleanerGrace - 600)
        #expect(records.timeToLive(of: .pending(firstSeen: 0), now: now) == 1)
    }

    @Test func aConnectionReadsInOneRoundTrip() throws {
        let credentials = RedisCredentials(fileContents: Array("greylist s3cret\n".utf8))
        let text = { (commands: [[[UInt8]]]) in commands.map { $0.map { String(decoding: $0, as: UTF8.self) } } }
        #expect(text(RedisRecords.openingCommands(credentials: credentials) + records.readCommands(for: key))
                == [["AUTH", "greylist", "s3cret"], ["ROLE"], ["TIME"], ["GET", "cqgreylist:192.0.2.7"]])
        #expect(text(RedisRecords.openingCommands(credentials: nil)) == [["ROLE"]])
        let time = RedisReply.array([.bulk(Array("1764486000".utf8)), .bulk(Array("123456".utf8))])
        let read = try records.interpretRead([time, .null])
        #expect(read.record == nil && read.now == 1_764_486_000 && read.writingTime == 1_764_486_001)
        let passed = try records.interpretRead([.array([.bulk(Array("1764486000".utf8)), .bulk(Array("0".utf8))]), .bulk(Array("passed 17".utf8))])
        #expect(passed.record == .passed(lastSeen: 17) && passed.now == 1_764_486_000 && passed.writingTime == 1_764_486_000)
        #expect(throws: RedisReplyError("GET: not a record: hello\\x0a")) { try records.interpretRead([time, .bulk(Array("hello\n".utf8))]) }
        #expect(throws: RedisReplyError("TIME: integer 5")) { try records.interpretRead([.integer(5), .null]) }
        #expect(throws: RedisReplyError("missing replies")) { try records.interpretRead([time]) }
    }

    @Test(arguments: [
        ([.status("OK"), .array([.bulk(Array("master".utf8)), .integer(0), .array([])])], .master),
        ([.array([.bulk(Array("master".utf8)), .integer(0), .array([])])], .master),
        ([.array([.bulk(Array("slave".utf8)), .bulk(Array("192.0.2.1".utf8)), .integer(6379), .bulk(Array("connected".utf8)), .integer(5)])],
         .other("a replica of 192.0.2.1:6379 (connected)")),
        ([.array([.bulk(Array("slave".utf8))])], .other("a replica")),
        ([.array([.bulk(Array("sentinel".utf8)), .array([])])], .other("a sentinel node")),
        ([.error("NOPERM User greylist has no permissions to run the 'role' command")],
         .unknown("ROLE: NOPERM User greylist has no permissions to run the 'role' command")),
        ([.status("OK"), .integer(3)], .unknown("ROLE: integer 3")),
    ] as [([RedisReply], RedisRecords.NodeRole)])
    func aNodeSaysItsRoleInTheFirstPipeline(_ replies: [RedisReply], _ role: RedisRecords.NodeRole) throws {
        #expect(try RedisRecords.interpretOpening(replies[...]) == role)
    }

    @Test func aRefusedLoginEndsTheOpening() {
        #expect(throws: RedisReplyError("AUTH: WRONGPASS invalid username-password pair")) {
            try RedisRecords.interpretOpening([.error("WRONGPASS invalid username-password pair"), .error("NOAUTH")][...])
        }
    }

    @Test(arguments: [("-5", "0"), ("0", "0"), ("999999999", "0"), ("17644860000", "0"), ("1764486000", ""),
                      ("1764486000", "1234567"), ("1764486000", "-1"), ("176448600x", "0"), (" 764486000", "0")])
    func aServerClockThatIsNegativeOrAbsurdDatesNoRecord(_ seconds: String, _ microseconds: String) {
        let time = RedisReply.array([.bulk(Array(seconds.utf8)), .bulk(Array(microseconds.utf8))])
        #expect(RedisRecords.serverTime(time) == nil)
        #expect(throws: RedisReplyError("TIME: array of 2: string \(LogLine.escaped(seconds)), string \(LogLine.escaped(microseconds))")) {
            try records.interpretRead([time, .null])
        }
    }

    @Test func aServerClockIsSecondsWithMicroseconds() {
        let time = { (seconds: String, microseconds: String) in
            RedisRecords.serverTime(.array([.bulk(Array(seconds.utf8)), .bulk(Array(microseconds.utf8))]))
        }
        #expect(time("1000000000", "0") == 1_000_000_000 && time("9999999999", "999999") == 9_999_999_999)
        #expect(time("1764486000", "5") == 1_764_486_000)
        #expect(RedisRecords.serverTime(.array([.bulk(Array("1764486000".utf8))])) == nil)
    }

    @Test(arguments: [
        ([.error("LOADING Redis is loading the dataset in memory")], "LOADING Redis is loading the dataset in memory"),
        ([.status("OK"), .error("BUSY Redis is busy running a script.")], "BUSY Redis is busy running a script."),
        ([.error("MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'.")],
         "MASTERDOWN Link with MASTER is down and replica-serve-stale-data is set to 'no'."),
        ([.error("READONLY You can't write against a read only replica.")], "READONLY You can't write against a read only replica."),
        ([.error("ERR unknown command"), .null], nil), ([.error("NOAUTH Authentication required.")], nil),
        ([.error("LOADINGX")], nil), ([.status("LOADING")], nil), ([.bulk(Array("READONLY".utf8))], nil),
    ] as [([RedisReply], String?)])
    func aNodeThatCannotServeRecordsNowIsPassedOver(_ replies: [RedisReply], _ error: String?) {
        #expect(RedisRecords.passOverError(in: replies) == error)
    }

    @Test func writesAreCreatesOrCompareAndSets() throws {
        let text = { (command: [[UInt8]]?) in command?.map { String(decoding: $0, as: UTF8.self) } }
        #expect(text(records.writeCommand(.none, for: key, previous: .passed(lastSeen: 5), now: 100)) == nil)
        #expect(text(records.writeCommand(.create, for: key, previous: nil, now: 100))
                == ["SET", "cqgreylist:192.0.2.7", "pending 100", "NX", "EX", "90000"])
        #expect(text(records.writeCommand(.markPassed, for: key, previous: .pending(firstSeen: 0), now: 400))
                == ["EVAL", RedisRecords.compareAndSetScript, "1", "cqgreylist:192.0.2.7", "pending 0", "passed 400", "3117600"])
        #expect(try RedisRecords.interpretWrite(.status("OK")) && RedisRecords.interpretWrite(.integer(1)))
        #expect(try !RedisRecords.interpretWrite(.null) && !RedisRecords.interpretWrite(.integer(0)))
        #expect(throws: RedisReplyError("OOM command not allowed\\x0d")) { try RedisRecords.interpretWrite(.error("OOM command not allowed\r")) }
    }

    @Test(arguments: [("secret", nil, "secret"), ("secret\n", nil, "secret"), ("user pw\r\n", "user", "pw"), ("user  pw\nignored", "user", "pw")]
          as [(String, String?, String)])
    func passwordFiles(_ contents: String, _ user: String?, _ password: String) {
        let credentials = RedisCredentials(fileContents: Array(contents.utf8))
        #expect(credentials?.user.map { String(decoding: $0, as: UTF8.self) } == user)
        #expect(credentials.map { String(decoding: $0.password, as: UTF8.self) } == password)
    }

    @Test(arguments: ["", "\n", "a b c", "a\tb"])
    func passwordFilesThatHoldNoPassword(_ contents: String) {
        #expect(RedisCredentials(fileContents: Array(contents.utf8)) == nil)
    }
}
