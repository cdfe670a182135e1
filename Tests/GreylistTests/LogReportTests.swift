import Greylist
import GreylistAdmin
import Testing

/// The report of lines given as text.
extension LogReport {
    @discardableResult
    mutating func add(_ line: String) -> UnreadableLogLine? {
        let bytes = Array(line.utf8)
        return add(line: bytes.span)
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

    /// Keys of every length the wrapper writes are told apart and printed back whole (held in binary, or as bytes).
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

    /// A newer wrapper's extra fields leave the report as it was: every line counted, none unreadable.
    @Test func fieldsItDoesNotKnowChangeNothing() {
        let t = Self.base
        let lines: [(Timestamp?, String)] = [
            (t, connection("10.0.0.1", "greylist", "new")), (t + 60, connection("10.0.0.1", "greylist", "early", age: 60)),
            (t + 400, connection("10.0.0.1", "pass", "retried", age: 400)), (t + 500, connection("10.0.0.2", "pass", "known", age: 9)),
            (t + 600, connection("10.0.0.3", "pass", "whitelist 10.0.0.0/8", keyed: false)),
            (t + 700, connection("10.0.0.4", "pass", "error mkdir /q/10: Permission denied")),
        ]
        let extra = ["ip=": "mx=a", "action=": "store_ms=12", "reason=": "v=2"]
        let newer = lines.map { time, line in
            let words = line.split(separator: " ").flatMap { word in
                (extra.first { word.hasPrefix($0.key) }.map { [$0.value] } ?? []) + [String(word)]
            }
            return (time, words.joined(separator: " "))
        }
        #expect(newer[0].1 == "cqgreylist: pid=1 mx=a ip=10.0.0.1 key=10.0.0.1 store_ms=12 action=greylist v=2 reason=new")
        let old = report(lines), new = report(newer)
        #expect(new.unreadableLines == 0 && new.wrapperLines == lines.count)
        #expect(new.text() == old.text())
    }

    /// The wrapper's fatal and usage lines, as its writer makes them, are its own: none is unreadable or another program's.
    @Test func theWrappersFatalAndUsageLinesAreReadable() {
        let text = LogLine.usageError("unknown option \"-x\"", program: "cqgreylist")
            + LogLine.notice(.fatal, "unable to run x: No such file or directory", program: "cqgreylist", pid: 7)
        let report = report(text.split(separator: "\n").map { (Self.base, String($0)) })
        #expect((report.lines, report.wrapperLines, report.otherLines, report.unreadableLines, report.fatalLines) == (3, 3, 0, 0, 2))
    }

    @Test func anOverlongLineIsUnreadableOnlyIfItIsTheWrappers() {
        var report = LogReport()
        let long = String(repeating: "x", count: LogReport.maximumLineLength)
        #expect(report.add("tcpserver: " + long) == nil)
        #expect(report.add("cqgreylist: pid=1 ip=" + long)?.problem == "line over 4096 bytes")
        #expect((report.otherLines, report.unreadableLines) == (1, 1))
    }
}
