import Greylist
import GreylistAdmin
import Testing

/// What a line reads as, in words: `pass retried key=192.0.2.7 age=412`, `warning: text`, `other`, `unreadable: why`,
/// with `@time ` first where the line has one.
func reading(_ line: String) -> String {
    let bytes = Array(line.utf8)
    do {
        let (time, entry) = try LogLine.parse(bytes.span)
        let stamp = time.map { "@\($0) " } ?? ""
        switch entry {
        case .connection(let c):
            let key = c.key.map { " key=" + LogLine.text(in: bytes.span, $0) } ?? ""
            let detail = c.detail.isEmpty ? "" : " [" + LogLine.text(in: bytes.span, c.detail) + "]"
            return stamp + "\(c.action) \(c.reason)\(detail)\(key)" + (c.age.map { " age=\($0)" } ?? "")
        case .warning(let text): return stamp + "warning: " + LogLine.text(in: bytes.span, text)
        case .fatal(let text): return stamp + "fatal: " + LogLine.text(in: bytes.span, text)
        case .other: return stamp + "other"
        }
    } catch {
        return "unreadable: \(error.problem)"
    }
}

/// The report of lines given as text.
extension LogReport {
    @discardableResult
    mutating func add(_ line: String) -> UnreadableLogLine? {
        let bytes = Array(line.utf8)
        return add(line: bytes.span)
    }
}

@Suite struct LogLineParsingTests {
    /// 2025-11-24 16:00:00 UTC as a multilog label (2^62 + 10 + the Unix time, then nanoseconds).
    static let stamp = "@4000000069248110" + "1c9c3f54"
    static let time: Timestamp = 0x6924_8110 - 10

    @Test(arguments: [
        ("cqgreylist: pid=7 ip=192.0.2.7 key=192.0.2.7 action=pass age=412 reason=retried", "pass retried key=192.0.2.7 age=412"),
        ("\(stamp) cqgreylist: pid=7 ip=192.0.2.7 key=192.0.2.7 action=greylist reason=new", "@\(time) greylist new key=192.0.2.7"),
        ("cqgreylist: pid=7 ip=198.51.100.9 action=pass reason=whitelist 198.51.100.0/24", "pass whitelist [198.51.100.0/24]"),
        ("cqgreylist: pid=7 ip=192.0.2.9 key=192.0.2.9 action=pass reason=error mkdir /q/192: Permission denied",
         "pass error [mkdir /q/192: Permission denied] key=192.0.2.9"),
        ("cqgreylist: pid=7 ip=::1 key=:: action=logonly age=3 reason=early", "logonly early key=:: age=3"),
        ("cqgreylist: pid=7 ip=10.0.0.1 action=pass reason=relayclient", "pass relayclient"),
        ("\(stamp) cqgreylist: pid=7 warning: whitelist ignored: read x: corrupt", "@\(time) warning: whitelist ignored: read x: corrupt"),
        ("cqgreylist: pid=7 fatal: unable to run qmail-smtpd: No such file or directory",
         "fatal: unable to run qmail-smtpd: No such file or directory"),
        ("\(stamp) tcpserver: end 7 status 0", "other"),   // another program's time is not read
        ("rblsmtpd: 192.0.2.7 pid 7: 451 listed", "other"),
        ("", "other"),
        ("@nonsense tcpserver: x", "other"),
        ("@", "other"),
        ("cqgreylist: ip=192.0.2.7 action=pass reason=known", "unreadable: no pid= field"),
        ("cqgreylist: pid=7 ", "unreadable: no ip= field"),
        ("cqgreylist: pid=7 ip=1.2.3.4 key=1.2.3.4 action=drop reason=new", "unreadable: no action=pass, greylist or logonly"),
        ("cqgreylist: pid=7 ip=1.2.3.4 key=1.2.3.4 action=passes reason=new", "unreadable: no action=pass, greylist or logonly"),
        ("cqgreylist: pid=7 ip=1.2.3.4 key=1.2.3.4 action=pass reason=lucky", "unreadable: unknown reason"),
        ("cqgreylist: pid=7 ip=1.2.3.4 key=1.2.3.4 action=pass reason=kn0wn", "unreadable: unknown reason"),
        ("cqgreylist: pid=7 ip=1.2.3.4 action=pass reason=known x", "unreadable: unknown reason"),
        ("cqgreylist: pid=7 ip=1.2.3.4 action=pass reason=whitelist", "unreadable: unknown reason"),
        ("cqgreylist: pid=7 ip=1.2.3.4 action=pass reason=whitelist ", "unreadable: unknown reason"),
        ("cqgreylist: pid=7 ip=1.2.3.4 action=pass reason=", "unreadable: unknown reason"),
        ("cqgreylist: pid=7 ip=1.2.3.4 key=1.2.3.4 action=pass age=-5 reason=known", "unreadable: bad age= field"),
        ("cqgreylist: pid=7 ip=1.2.3.4 key=1.2.3.4 action=pass age=5", "unreadable: no reason= field"),
        ("cqgreylist: pid=7 ip=1.2.3.4 key= action=pass reason=known", "unreadable: bad key= field"),
        ("cqgreylist: pid=7 ip=1.2.3.4 key=1.2.\u{7f}.4 action=pass reason=known", "unreadable: bad key= field"),
        ("@40000000692481 cqgreylist: pid=7 ip=1.2.3.4 action=pass reason=known", "unreadable: bad multilog timestamp"),
        ("@4000000069248110xc9c3f54 cqgreylist: pid=7 ip=1.2.3.4 action=pass reason=known", "unreadable: bad multilog timestamp"),
    ])
    func parse(_ line: String, _ expected: String) {
        #expect(reading(line) == expected)
    }

    /// Every line the wrapper writes reads back as what it says.
    @Test(arguments: [
        (Verdict(client: "192.0.2.7", key: key, outcome: .refuse(.new)), "greylist new key=192.0.2.7"),
        (Verdict(client: "192.0.2.7", key: key, outcome: .refuse(.early), age: 12), "greylist early key=192.0.2.7 age=12"),
        (Verdict(client: "192.0.2.7", key: key, outcome: .pass(.retried), age: 301), "pass retried key=192.0.2.7 age=301"),
        (Verdict(client: "192.0.2.7", key: key, outcome: .pass(.known), age: 5000), "pass known key=192.0.2.7 age=5000"),
        (Verdict(client: "192.0.2.7", key: key, outcome: .refuse(.expired), age: 90_000), "greylist expired key=192.0.2.7 age=90000"),
        (Verdict(client: "192.0.2.7", key: key, outcome: .refuse(.new), logOnly: true), "logonly new key=192.0.2.7"),
        (Verdict(client: "192.0.2.7", outcome: .pass(.relayClient)), "pass relayclient"),
        (Verdict(client: "192.0.2.7", outcome: .pass(.whitelisted)), "pass whitelisted"),
        (Verdict(client: "192.0.2.7", outcome: .pass(.whitelist(entry: "192.0.2.0/24"))), "pass whitelist [192.0.2.0/24]"),
        (Verdict(client: "192.0.2.7", key: key, outcome: .refuse(.error("create /x/192/192.0.2.7: No space left on device"))),
         "greylist error [create /x/192/192.0.2.7: No space left on device] key=192.0.2.7"),
        (Verdict(client: "../x y\n", outcome: .pass(.error("bad TCPREMOTEIP"))), "pass error [bad TCPREMOTEIP]"),
        (Verdict(client: "2001:db8::1", key: RecordKey(address: ClientAddress("2001:db8::1")!, ipv4Prefix: 32, ipv6Prefix: 48),
                 outcome: .refuse(.new)), "greylist new key=2001:db8::_48"),
    ])
    func whatTheWrapperWritesReadsBack(_ verdict: Verdict, _ expected: String) {
        let text = LogLine.text(for: verdict, program: "cqgreylist", pid: 4711)
        #expect(reading(String(text.dropLast())) == expected)
    }

    static let key = RecordKey(address: ClientAddress("192.0.2.7")!, ipv4Prefix: 32, ipv6Prefix: 64)

    /// The label is read eight digits at a time: a digit of either case reads the same at every position, and a
    /// byte that is not a hex digit is found at every position, whether or not it is next to one.
    @Test func everyDigitOfTheLabelIsChecked() {
        let line = " cqgreylist: pid=7 ip=1.2.3.4 action=pass reason=known"
        let label = Array(Self.stamp.utf8.dropFirst())
        #expect(reading("@" + String(decoding: label, as: UTF8.self) + line) == "@\(Self.time) pass known")
        #expect(reading("@" + Self.stamp.dropFirst().uppercased() + line) == "@\(Self.time) pass known")
        for position in label.indices {
            for bad: UInt8 in [0x00, 0x2f, 0x3a, 0x40, 0x47, 0x60, 0x67, 0x7f, 0x80, 0xb0, 0xff] {
                var bytes = Array("@".utf8) + label + Array(line.utf8)
                bytes[1 + position] = bad
                #expect(throws: UnreadableLogLine("bad multilog timestamp"), "byte \(bad) at \(position)") {
                    try LogLine.parse(bytes.span)
                }
            }
        }
    }

    /// Fields are searched eight bytes at a time, then byte by byte near the end: keys and words of every length,
    /// ending anywhere in a word or at the line's end, read back whole, and a bad byte anywhere in a key is found.
    @Test func fieldsOfEveryLengthEndingAnywhere() {
        for length in 1...30 {
            let key = String(String(repeating: "1234567890", count: 3).prefix(length))
            for padding in 0..<8 {
                let ip = String(repeating: "9", count: 1 + padding)
                #expect(reading("cqgreylist: pid=7 ip=\(ip) key=\(key) action=pass reason=known") == "pass known key=\(key)")
                #expect(reading("cqgreylist: pid=7 ip=\(ip) key=\(key) action=greylist age=\(key.prefix(18)) reason=early")
                        == "greylist early key=\(key) age=\(Int(key.prefix(18))!)")
            }
            for position in 0..<length {
                for bad: UInt8 in [0x00, 0x09, 0x20, 0x7f, 0x80, 0xff] {
                    var bytes = Array("cqgreylist: pid=7 ip=1 key=\(key) action=pass reason=known".utf8)
                    bytes[27 + position] = bad
                    let expected = bad == 0x20 && position > 0 ? UnreadableLogLine("no action=pass, greylist or logonly")
                        : UnreadableLogLine("bad key= field")
                    #expect(throws: expected, "byte \(bad) at \(position) of \(length)") { try LogLine.parse(bytes.span) }
                }
            }
        }
    }
}

@Suite struct LogReportTests {
    /// The report of `lines`, each stamped `seconds` after `base` where a time is given.
    func report(_ lines: [(Timestamp?, String)], since: Timestamp? = nil, until: Timestamp? = nil) -> LogReport {
        var report = LogReport(since: since, until: until, window: 86_400)
        for (time, line) in lines {
            let stamp = time.map { "@" + hex(UInt64($0) + (1 << 62) + 10, 16) + "00000000 " } ?? ""
            report.add(stamp + line)
        }
        return report
    }

    func hex(_ value: UInt64, _ digits: Int) -> String {
        let text = String(value, radix: 16)
        return String(repeating: "0", count: digits - text.count) + text
    }

    static let base: Timestamp = 1_764_000_000

    func connection(_ ip: String, _ action: String, _ reason: String, age: Int? = nil, keyed: Bool = true) -> String {
        "cqgreylist: pid=1 ip=\(ip)\(keyed ? " key=\(ip)" : "") action=\(action)\(age.map { " age=\($0)" } ?? "") reason=\(reason)"
    }

    @Test func countsClientsThatCameBackAndThoseThatNeverDid() {
        let t = Self.base
        let report = report([
            (t, connection("10.0.0.1", "greylist", "new")),
            (t + 60, connection("10.0.0.1", "greylist", "early", age: 60)),
            (t + 400, connection("10.0.0.1", "pass", "retried", age: 400)),
            (t + 500, connection("10.0.0.1", "pass", "known", age: 100)),
            (t + 10, connection("10.0.0.2", "greylist", "new")),
            (t + 20, connection("10.0.0.2", "greylist", "early", age: 10)),
            (t + 30, connection("10.0.0.2", "greylist", "early", age: 20)),
            (t + 40, connection("10.0.0.2", "greylist", "early", age: 30)),
            (t + 50, connection("10.0.0.3", "logonly", "new")),
            (t + 900, connection("10.0.0.3", "pass", "retried", age: 850)),
            (t + 100_000, connection("10.0.0.4", "greylist", "new")),
            (t + 100_001, connection("10.0.0.5", "pass", "retried", age: 3000)),
            (t + 100_002, connection("10.0.0.6", "pass", "relayclient", keyed: false)),
            (t + 100_003, connection("10.0.0.7", "pass", "whitelist 10.0.0.0/8", keyed: false)),
            (t + 100_004, connection("10.0.0.8", "pass", "error mkdir /q/10: Permission denied")),
            (t + 100_005, connection("10.0.0.9", "pass", "error mkdir /q/10: Permission denied")),
            (t + 100_006, connection("10.0.0.8", "greylist", "error create /q/10/10.0.0.8: No space left on device")),
            (t + 100_007, "cqgreylist: pid=1 warning: record 10.0.0.1 was dated 3600s ahead of the clock: started over as of now"),
            (t + 100_008, "cqgreylist: pid=1 warning: bad CQGREYLIST_DELAY value \"5x\": not a duration, using the default"),
            (t + 100_009, "cqgreylist: pid=1 warning: record 10.0.0.2 was dated 7200s ahead of the clock: started over as of now"),
            (t + 100_010, "tcpserver: end 1 status 0"),
            (t + 100_011, "cqgreylist: pid=1 ip=10.0.0.9 action=panic reason=new"),
            (nil, "cqgreylist: pid=1 fatal: unable to run x: No such file or directory"),
        ])
        #expect((report.lines, report.wrapperLines, report.otherLines, report.unreadableLines) == (23, 21, 1, 1))
        #expect(report.connectionCount == 17)
        #expect(report.count(.greylist, .early) == 4 && report.count(.pass, .retried) == 3 && report.count(.logonly, .new) == 1)
        #expect(report.count(.pass, .error) == 2 && report.count(.greylist, .error) == 1)
        #expect((report.clientCounts.greylisted, report.clientCounts.passed, report.clientCounts.stillInWindow) == (4, 2, 1))   // .4 greylisted late
        #expect(report.clientCounts.retriedWithoutGreylisting == 1)
        #expect(report.retries.count == 3 && report.retries.totalAge == 4250)
        #expect(report.mostEarlyRetries(10).map { "\($0.key) \($0.retries)" } == ["10.0.0.2 3"])
        #expect(report.mostEarlyRetries(0).isEmpty)
        #expect(!report.text(top: 0).contains { $0.hasPrefix("retried too early") } && report.text(top: 1).contains("  10.0.0.2 3"))
        #expect(report.storeErrorCounts.map { "\($0.count) \($0.text)" } == ["2 mkdir: Permission denied", "1 create: No space left on device"])
        #expect(report.warningCounts.map { "\($0.count) \($0.text)" }
                == ["2 record dated ahead of the clock: started over as of now", "1 bad CQGREYLIST_DELAY value …"])
        #expect(report.fatalLines == 1)
        #expect((report.firstTime, report.lastTime) == (t, t + 100_009))   // the unreadable line's time is not taken
    }

    /// A log read in two parts and appended gives the report of reading it in one go, wherever it is cut, with
    /// multilog's timestamps or without.
    @Test(arguments: [true, false]) func partsAppendedReportWhatTheWholeDoes(timed: Bool) {
        let t = Self.base
        let lines: [String] = [
            connection("10.0.0.1", "greylist", "new"), connection("10.0.0.2", "pass", "retried", age: 700),
            connection("10.0.0.1", "greylist", "early", age: 60), connection("10.0.0.3", "greylist", "new"),
            connection("10.0.0.1", "pass", "retried", age: 400), connection("10.0.0.3", "greylist", "early", age: 30),
            "cqgreylist: pid=1 warning: record 10.0.0.1 was dated 3600s ahead of the clock: started over as of now",
            connection("10.0.0.2", "greylist", "expired", age: 90_000), connection("10.0.0.3", "greylist", "early", age: 50),
            connection("10.0.0.2", "pass", "retried", age: 330), connection("10.0.0.9", "pass", "error mkdir /q/10: Permission denied"),
            "tcpserver: end 1 status 0", "cqgreylist: pid=1 junk",
        ].enumerated().map { (t + Timestamp($0.offset) * 100, $0.element) }.map { time, line in
            timed ? "@" + hex(UInt64(time) + (1 << 62) + 10, 16) + "00000000 " + line : line
        }
        let whole = report(lines.map { (nil, $0) })
        for cut in 0...lines.count {
            var first = report(lines[..<cut].map { (nil, $0) })
            first.append(report(lines[cut...].map { (nil, $0) }))
            #expect(first.text() == whole.text(), "cut at \(cut)")
            #expect(first.clientCounts.retriedWithoutGreylisting == 1 && first.clientCounts.passed == 2, "cut at \(cut)")
        }
    }

    /// Two MX hosts sharing records (Redis): one logs the greylisting, the other the retry that passed. The
    /// report counts the client as passed whichever log is read first, by the lines' times.
    @Test func aRetryLoggedByAnotherHostPassesTheClientInEitherOrder() {
        let t = Self.base
        let mxA: [(Timestamp?, String)] = [(t, connection("10.0.0.1", "greylist", "new")),
                                           (t + 10, connection("10.0.0.2", "greylist", "new"))]
        let mxB: [(Timestamp?, String)] = [(t + 400, connection("10.0.0.1", "pass", "retried", age: 400))]
        for lines in [mxA + mxB, mxB + mxA] {
            let report = report(lines)
            #expect((report.clientCounts.greylisted, report.clientCounts.passed, report.clientCounts.retriedWithoutGreylisting) == (2, 1, 0))
        }
    }

    /// A client greylisted, then passed as known (its retry went to the other host, or it came back later) passed.
    @Test func aLaterKnownPassCountsAsPassed() {
        let t = Self.base
        let report = report([(t, connection("10.0.0.1", "greylist", "new")), (t + 3600, connection("10.0.0.1", "pass", "known")),
                             (t + 10, connection("10.0.0.2", "pass", "known"))])
        #expect((report.clientCounts.greylisted, report.clientCounts.passed) == (1, 1))
    }

    /// A pass timed before the client's greylisting (it was greylisted before the period, passed, then its record
    /// expired) does not pass it, whichever order the lines come in; it counts as greylisted before the period.
    @Test func aPassTimedBeforeTheGreylistingDoesNotCount() {
        let t = Self.base
        let retry = (Timestamp?(t), connection("10.0.0.1", "pass", "retried", age: 500))
        let again = (Timestamp?(t + 90_000), connection("10.0.0.1", "greylist", "expired", age: 90_000))
        for lines in [[retry, again], [again, retry]] {
            let report = report(lines)
            #expect((report.clientCounts.greylisted, report.clientCounts.passed, report.clientCounts.retriedWithoutGreylisting) == (1, 0, 1))
        }
    }

    /// Lines without a time keep the order rule: a pass after the greylisting passes the client, one before does not.
    @Test func untimedLinesKeepTheOrderRule() {
        let greylist = (Timestamp?.none, connection("10.0.0.1", "greylist", "new"))
        let retry = (Timestamp?.none, connection("10.0.0.1", "pass", "retried", age: 500))
        let after = report([greylist, retry]), before = report([retry, greylist])
        #expect((after.clientCounts.greylisted, after.clientCounts.passed, after.clientCounts.retriedWithoutGreylisting) == (1, 1, 0))
        #expect((before.clientCounts.greylisted, before.clientCounts.passed, before.clientCounts.retriedWithoutGreylisting) == (1, 0, 1))
    }

    /// Keys of every length the wrapper writes are told apart and printed back whole (24 bytes are kept inline).
    @Test(arguments: ["1.2.3.4", "2001:db8:1:2::", "2001:db8:abcd:1234:5678::", "2001:db8:1234:5678:9abc:def0:1234:5678_128",
                      "123456789012345678901234", "1234567890123456789012345"])
    func keysOfEveryLength(_ key: String) {
        let report = report([
            (nil, connection(key, "greylist", "early")), (nil, connection(key, "greylist", "early")),
            (nil, connection(key + "0", "greylist", "early")), (nil, connection(String(key.dropLast()), "greylist", "new")),
            (nil, connection(key, "pass", "retried", age: 400)),
        ])
        #expect(report.mostEarlyRetries(10).map { "\($0.key) \($0.retries)" } == ["\(key) 2"])
        #expect((report.clientCounts.greylisted, report.clientCounts.passed, report.clientCounts.retriedWithoutGreylisting) == (3, 1, 0))
    }

    /// Thousands of clients (the table grows while changes wait in batches; keys short, long and over 24 bytes),
    /// their lines shuffled: the counts are a plain model's, and reading the log in two parts changes nothing.
    @Test func manyClientsAreCountedAsAPlainModelCountsThem() {
        var seed: UInt64 = 0x2545_F491_4F6C_DD1D
        func next(_ bound: Int) -> Int {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(seed >> 33) % bound
        }
        var lines: [(time: Timestamp, line: String)] = []
        var greylisted = 0, passed = 0, early: [String: Int] = [:]
        for client in 0..<5000 {
            let key = switch client % 5 {
            case 0: "2001:db8:\(String(client, radix: 16))::"
            case 1: "2001:db8:1234:5678:9abc:def0:\(String(client, radix: 16)):1_128"   // over 24 bytes
            default: "10.\(client / 65_536).\(client / 256 % 256).\(client % 256)"
            }
            let start = Self.base + Timestamp(next(10_000)), retries = next(4), story = next(3)
            guard story > 0 else {   // passes as known only
                lines.append((start, connection(key, "pass", "known")))
                continue
            }
            greylisted += 1
            lines.append((start, connection(key, "greylist", "new")))
            for retry in 0..<retries { lines.append((start + 1 + Timestamp(retry), connection(key, "greylist", "early", age: 1 + retry))) }
            if retries >= 2 { early[key] = retries }
            if story == 2 {
                passed += 1
                lines.append((start + 400, connection(key, "pass", "retried", age: 400)))
            }
        }
        for index in lines.indices.reversed() { lines.swapAt(index, next(index + 1)) }
        let whole = report(lines.map { ($0.time, $0.line) })
        #expect((whole.clientCounts.greylisted, whole.clientCounts.passed, whole.clientCounts.retriedWithoutGreylisting) == (greylisted, passed, 0))
        let top = early.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.prefix(20)
        #expect(whole.mostEarlyRetries(20).map { "\($0.key) \($0.retries)" } == top.map { "\($0.key) \($0.value)" })
        var finished = whole
        finished.finish()
        #expect(finished.text() == whole.text())
        var parts = report(lines[..<2345].map { ($0.time, $0.line) })
        parts.append(report(lines[2345...].map { ($0.time, $0.line) }))
        #expect(parts.text() == whole.text())
    }

    @Test func thePeriodLeavesOutLinesBeforeAfterAndUntimed() {
        let t = Self.base
        let report = report([
            (t - 1, connection("10.0.0.1", "greylist", "new")),
            (t, connection("10.0.0.2", "greylist", "new")),
            (t + 10, connection("10.0.0.3", "greylist", "new")),
            (t + 11, connection("10.0.0.4", "greylist", "new")),
            (nil, connection("10.0.0.5", "greylist", "new")),
            (nil, "tcpserver: status: 1/40"),
        ], since: t, until: t + 10)
        #expect(report.count(.greylist, .new) == 2)
        #expect((report.outsidePeriod, report.untimed, report.otherLines) == (2, 1, 1))
    }

    /// Nearest-rank quantiles over 100 retries aged 301...400 s, plus one of a day.
    @Test func quantilesAndHistogram() {
        var lines = (1...100).map { (Self.base, connection("10.0.1.\($0)", "pass", "retried", age: 300 + $0)) }
        lines.append((Self.base, connection("10.0.2.1", "pass", "retried", age: 86_400)))
        let report = report(lines)
        let figures = report.retryAges(atQuantiles: LogReport.quantiles.map { $0.fraction })
        #expect(figures == [351, 391, 400, 86_400])
        #expect(report.delayHistogram == [0, 100, 0, 0, 0, 0, 0, 0, 0, 1])
        let text = report.text()
        #expect(text.contains("  median 5m 51s, 90th 6m 31s, 99th 6m 40s, max 1d"))
        #expect(text.contains("   5m-10m ######################################## 100"))
        #expect(text.contains("     >=1d # 1"))
        #expect(text.contains("      <5m 0"))
    }

    @Test func anEmptyLogReportsZeros() {
        let report = LogReport()
        #expect(report.retryAges(atQuantiles: [(1, 2)]) == nil)
        #expect(report.text().contains("delay paid by retries that passed: 0"))
        #expect(report.text().first == "period: (no timestamps)")
    }

    @Test func anOverlongLineIsUnreadableOnlyIfItIsTheWrappers() {
        var report = LogReport()
        let long = String(repeating: "x", count: LogReport.maximumLineLength)
        #expect(report.add("tcpserver: " + long) == nil)
        #expect(report.add("cqgreylist: pid=1 ip=" + long)?.problem == "line over 4096 bytes")
        #expect((report.otherLines, report.unreadableLines) == (1, 1))
    }
}

@Suite struct UTCTimeTests {
    @Test(arguments: [
        (0, "1970-01-01 00:00:00"), (951_782_400, "2000-02-29 00:00:00"), (1_764_487_245, "2025-11-30 07:20:45"),
        (4_107_542_399, "2100-02-28 23:59:59"),
    ] as [(Timestamp, String)])
    func formatAndParse(_ time: Timestamp, _ text: String) {
        #expect(UTCTime.format(time) == text)
        #expect(UTCTime.parse(text, now: 0) == time)
        #expect(UTCTime.parse(String(text.map { $0 == " " ? "T" : $0 }), now: 0) == time)
    }

    @Test(arguments: [("2025-11-30", 1_764_460_800), ("2025-11-30 07:20", 1_764_487_200), ("7d", 1_000_000 - 604_800), ("300", 999_700)]
          as [(String, Timestamp)])
    func otherForms(_ text: String, _ time: Timestamp) {
        #expect(UTCTime.parse(text, now: 1_000_000) == time)
    }

    @Test(arguments: ["", "2025-13-01", "2025-02-29", "2025-1-1", "2025-11-30 24:00", "2025-11-30 07", "yesterday", "2025-11-30 07:20:61"])
    func badTimes(_ text: String) {
        #expect(UTCTime.parse(text, now: 1_000_000) == nil)
    }
}

@Suite struct PrometheusTextTests {
    @Test func familiesSamplesAndEscapes() {
        var out = PrometheusText()
        out.family("cqgreylist_x_seconds", .gauge, help: "A back\\slash\nand a newline.")
        out.sample("cqgreylist_x_seconds", [("path", "a\"b\\c\nd"), ("state", "pending")], 42)
        out.sample("cqgreylist_x_seconds", milliseconds: 1005)
        out.sample("cqgreylist_x_seconds", milliseconds: 12)
        #expect(out.text == """
            # HELP cqgreylist_x_seconds A back\\\\slash\\nand a newline.
            # TYPE cqgreylist_x_seconds gauge
            cqgreylist_x_seconds{path="a\\"b\\\\c\\nd",state="pending"} 42
            cqgreylist_x_seconds 1.005
            cqgreylist_x_seconds 0.012

            """)
    }

    @Test(arguments: [("cqgreylist_records", true), ("a:b_c9", true), ("9a", false), ("", false), ("a-b", false), ("ä", false)])
    func metricNames(_ name: String, _ valid: Bool) {
        #expect(PrometheusText.isMetricName(name) == valid)
    }
}
