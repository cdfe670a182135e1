import Foundation
import Glibc
import Greylist
import Testing

/// The samples of a Prometheus text file as the `prometheus_client` package's own parser reads them:
/// `name{label="value",...}` (labels sorted) to value. A file the parser rejects fails the test.
func prometheusSamples(_ path: String) throws -> [String: Double] {
    let script = """
        import sys
        from prometheus_client.parser import text_string_to_metric_families
        for family in text_string_to_metric_families(open(sys.argv[1]).read()):
            for s in family.samples:
                labels = ",".join('%s="%s"' % kv for kv in sorted(s.labels.items()))
                print("%s%s %r" % (s.name, "{" + labels + "}" if labels else "", s.value))
        """
    let parsed = try run("/usr/bin/python3", ["-c", script, path])
    #expect(parsed.status == 0, "prometheus_client rejects \(path): \(parsed.errors)")
    var samples: [String: Double] = [:]
    for line in parsed.output.split(separator: "\n") {
        guard let space = line.lastIndex(of: " ") else { continue }
        samples[String(line[..<space])] = Double(line[line.index(after: space)...])
    }
    return samples
}

/// cqgreylist-report on the log of a real run: the wrapper under tcpserver -v (whose own lines the report must
/// skip) with swaks as the client, the log then stamped and rotated by daemontools' multilog.
@Suite(.serialized) struct ReportTests {
    let scratch: TemporaryDirectory
    let state: String
    /// The multilog directory holding the run's log.
    let logDirectory: String

    init() throws {
        scratch = try TemporaryDirectory()
        state = scratch.path + "/state"
        logDirectory = scratch.path + "/log"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: false)
        try Self.makeLog(state: state, scratch: scratch.path, into: logDirectory)
    }

    /// Runs the connections whose lines the tests expect, then hands the log to `multilog t s4096` (the smallest
    /// file size it allows), so the directory holds rotated files and `current`.
    static func makeLog(state: String, scratch: String, into directory: String) throws {
        let rules = scratch + "/tcp.smtp"
        try "127.0.0.3:allow,RELAYCLIENT=\"\"\n:allow\n".write(toFile: rules, atomically: false, encoding: .utf8)
        #expect(try shell(#"tcprules "$R.cdb" "$R.tmp" < "$R""#, environment: ["R": rules]).status == 0)
        let whitelist = scratch + "/whitelist.cdb"
        #expect(try run(Built.mkwhitelist, ["--cdb", whitelist, "-"], input: Data("127.0.0.4\n".utf8)).status == 0)
        // A directory where 127.0.0.5's record should be: a store error.
        try FileManager.default.createDirectory(atPath: state + "/127/127.0.0.5", withIntermediateDirectories: true)
        let log = scratch + "/tcpserver.log"
        do {
            let server = try TCPServer(rules: rules + ".cdb", environment: ["STANDIN_MAILDIR": scratch + "/mail"], verbose: true,
                                       [Built.wrapper, "--dir", state, "--whitelist", whitelist, Built.standIn], log: log)
            func send(from client: String) throws -> String { try sendMail(to: server, from: client) }
            #expect(try send(from: "127.0.0.1").showsRefusal)                       // new
            #expect(try send(from: "127.0.0.1").showsRefusal)                       // early
            #expect(try send(from: "127.0.0.2").showsRefusal)                       // new
            #expect(try send(from: "127.0.0.2").showsRefusal)                       // early
            #expect(try send(from: "127.0.0.2").showsRefusal)                       // early
            #expect(try send(from: "127.0.0.3").showsDelivery)                      // relayclient
            #expect(try send(from: "127.0.0.4").showsDelivery)                      // whitelist 127.0.0.4
            #expect(try send(from: "127.0.0.5").showsDelivery)                      // error stat .../127.0.0.5: not a regular file
            try age(state + "/127/127.0.0.1", by: 400)
            #expect(try send(from: "127.0.0.1").showsDelivery)                      // retried, age about 400
            #expect(try send(from: "127.0.0.1").showsDelivery)                      // known
            #expect(server.wrapperLog.count == 10, "\(server.wrapperLog)")
        }   // tcpserver stopped: its log is complete
        let stamped = try shell(#"multilog t s4096 "$D" < "$L""#, environment: ["D": directory, "L": log])
        #expect(stamped.status == 0, "\(stamped.errors)")
    }

    func report(_ arguments: [String], input: Data = Data(), environment: [String: String] = [:]) throws -> Finished {
        try run(Built.report, arguments, environment: environment, input: input)
    }

    /// What the ten connections above make the report say, whichever way the log is read.
    func expectTheRun(_ text: String, times: Int = 1) {
        let lines = text.split(separator: "\n").map(String.init)
        #expect(lines.contains("connections: \(10 * times)"), "\(text)")
        #expect(lines.contains("  pass: relayclient \(times), whitelist \(times), retried \(times), known \(times), error \(times)"), "\(text)")
        #expect(lines.contains("  greylist: new \(2 * times), early \(3 * times)"), "\(text)")
        #expect(lines.contains("clients greylisted: 2"), "\(text)")
        #expect(lines.contains("  came back and passed: 1 (50%)"), "\(text)")
        #expect(lines.contains { $0.hasPrefix("  never passed: 1 (50%)") }, "\(text)")
        #expect(lines.contains("delay paid by retries that passed: \(times)"), "\(text)")
        #expect(lines.contains("retried too early most often:"), "\(text)")
        #expect(lines.contains("  127.0.0.2 \(2 * times)"), "\(text)")
        #expect(lines.contains("store errors: \(times)"), "\(text)")
        #expect(lines.contains("  \(times) stat: not a regular file"), "\(text)")
        #expect(lines.contains("warnings: 0"), "\(text)")
    }

    @Test func aMultilogDirectoryWithRotatedFiles() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: logDirectory)
        #expect(files.contains { $0.hasPrefix("@") && $0.hasSuffix(".s") } && files.contains("current"), "\(files)")
        let result = try report([logDirectory])
        #expect(result.status == 0 && result.errors.isEmpty, "\(result.errors)")
        expectTheRun(result.output)
        #expect(result.output.contains("  never passed: 1 (50%), of which 1 greylisted in the last 1d (may still retry)\n"))
        // The one retry waited the 400 s the record was aged, plus what the machine took to deliver it.
        let delay = try #require(result.output.split(separator: "\n").first { $0.hasPrefix("  median ") })
        let figures = delay.split(separator: ",").map { $0.split(separator: " ").dropFirst().joined(separator: " ") }
        #expect(Set(figures).count == 1 && (400..<430).map { Settings.formatDuration($0) }.contains(figures[0]), "\(delay)")
        #expect(result.output.contains("   5m-10m ######################################## 1\n"))
        #expect(result.output.contains("lines: ") && result.output.contains(" 10 of cqgreylist counted, "))
        #expect(!result.output.contains(" 0 of other programs"), "tcpserver -v lines are skipped, not missing")
    }

    /// The multilog directory's files, oldest first, as one.
    func wholeLog() throws -> Data {
        let rotated = try FileManager.default.contentsOfDirectory(atPath: logDirectory).filter { $0.hasPrefix("@") }.sorted()
        var whole = Data()
        for file in rotated + ["current"] { whole += try Data(contentsOf: URL(fileURLWithPath: logDirectory + "/" + file)) }
        return whole
    }

    @Test func standardInputAndTheStampedLinesOrNot() throws {
        let whole = try wholeLog()
        expectTheRun(try report([], input: whole).output)
        // tai64nlocal's reading of the labels, then without them: the counts do not depend on the stamps.
        let plain = try shell(#"cat "$D"/@* "$D"/current | sed 's/^@[0-9a-f]* //'"#, environment: ["D": logDirectory])
        let unstamped = try report(["-"], input: Data(plain.output.utf8))
        expectTheRun(unstamped.output)
        #expect(unstamped.output.hasPrefix("period: (no timestamps)\n"))
    }

    /// Two MX hosts sharing records: one host's log has the greylistings, the other's the passes. The clients
    /// that came back are counted whichever log is named first (the lines' times decide, not their order).
    @Test func twoHostsLogsInEitherOrder() throws {
        let lines = String(decoding: try wholeLog(), as: UTF8.self).split(separator: "\n")
        let isPass = { (line: Substring) in line.contains(" reason=retried") || line.contains(" reason=known") }
        let (mxA, mxB) = (scratch.path + "/mxA.log", scratch.path + "/mxB.log")
        try (lines.filter { !isPass($0) }.joined(separator: "\n") + "\n").write(toFile: mxA, atomically: false, encoding: .utf8)
        try (lines.filter(isPass).joined(separator: "\n") + "\n").write(toFile: mxB, atomically: false, encoding: .utf8)
        for files in [[mxA, mxB], [mxB, mxA]] {
            let result = try report(files)
            #expect(result.status == 0, "\(result.errors)")
            expectTheRun(result.output)
        }
    }

    @Test func thePeriodComesFromMultilogsLabels() throws {
        // tai64nlocal's reading of the first wrapper line's label, in UTC, to the second.
        let first = try shell(#"cat "$D"/@* "$D"/current | grep ' cqgreylist: ' | head -1 | tai64nlocal"#,
                              environment: ["D": logDirectory, "TZ": "UTC"])
        let result = try report([logDirectory])
        #expect(result.output.hasPrefix("period: from \(first.output.prefix(19)) to "), "\(first.output) \(result.output)")
        // The labels are of the last minutes: a period that ends before them leaves every line out.
        let before = try report(["--until", "2000-01-01", logDirectory])
        #expect(before.output.contains("connections: 0"))
        #expect(before.output.contains(" 10 outside the period, 0 without a timestamp"), "\(before.output)")
        expectTheRun(try report(["--since", "1h", logDirectory]).output)
        let bad = try report(["--since", "yesterday", logDirectory])
        #expect(bad.status == 100 && bad.errors.contains("cqgreylist-report: fatal: bad --since value \"yesterday\""), "\(bad.errors)")
    }

    @Test func unreadableLinesAreNamedAndSkipped() throws {
        let broken = scratch.path + "/broken"
        var data = try wholeLog()
        data += Data("cqgreylist: pid=1 ip=192.0.2.7 key=192.0.2.7 act".utf8) + Data([10])                       // cut short
        data += Data("@4000zzzz00000000000000000 cqgreylist: pid=1 ip=1.2.3.4 action=pass reason=known\n".utf8)   // bad label
        data += Data([0xff, 0x00, 0x1b]) + Data("binary junk\n".utf8)                                            // not ours
        data += Data("cqgreylist: pid=2 ip=".utf8) + Data(repeating: 0x41, count: 100_000) + Data([10])           // 100 KB line
        data += Data("cqgreylist: pid=3 ip=192.0.2.8 key=192.0.2.8 action=greylist reason=new".utf8)                  // no newline at the end
        try data.write(to: URL(fileURLWithPath: broken))
        let before = data.split(separator: 10, omittingEmptySubsequences: false).count - 5
        let result = try report([broken])
        #expect(result.status == 0)
        let errors = result.errors.split(separator: "\n").map(String.init)
        #expect(errors.count == 3, "\(result.errors)")
        #expect(errors.first == "\(broken):\(before + 1): unreadable (no action=pass, greylist or logonly): cqgreylist: pid=1 ip=192.0.2.7 key=192.0.2.7 act")
        #expect(errors.dropFirst().first?.hasPrefix("\(broken):\(before + 2): unreadable (bad multilog timestamp): @4000zzzz") == true)
        #expect(errors.last?.hasPrefix("\(broken):\(before + 4): unreadable (line over 4096 bytes): cqgreylist: pid=2 ip=AAAA") == true)
        // The last line, without its newline, is read: a client greylisted as new, never back.
        #expect(result.output.contains(" 3 unreadable"))
        #expect(result.output.contains("clients greylisted: 3"))
    }

    @Test func prometheusMetricsReadByPrometheusOwnParser() throws {
        let metrics = scratch.path + "/cqgreylist_log.prom"
        let result = try report(["--quiet", "--prometheus", metrics, logDirectory])
        #expect(result.status == 0 && result.output.isEmpty, "\(result.errors)")
        let samples = try prometheusSamples(metrics)
        #expect(samples[#"cqgreylist_log_connections{action="greylist",reason="early"}"#] == 3)
        #expect(samples[#"cqgreylist_log_connections{action="pass",reason="error"}"#] == 1)
        #expect(samples[#"cqgreylist_log_connections{action="pass",reason="relayclient"}"#] == 1)
        #expect(samples[#"cqgreylist_log_connections{action="logonly",reason="new"}"#] == 0)
        #expect(samples["cqgreylist_log_clients_greylisted"] == 2)
        #expect(samples["cqgreylist_log_clients_passed"] == 1)
        #expect(samples["cqgreylist_log_clients_never_passed"] == 1)
        #expect(samples["cqgreylist_log_store_errors"] == 1)
        #expect(samples["cqgreylist_log_unreadable_lines"] == 0)
        #expect(samples["cqgreylist_log_retry_delay_seconds_count"] == 1)
        let median = try #require(samples[#"cqgreylist_log_retry_delay_seconds{quantile="0.5"}"#])
        #expect((400..<430).contains(median) && samples[#"cqgreylist_log_retry_delay_seconds{quantile="1"}"#] == median)
        #expect(samples["cqgreylist_log_retry_delay_seconds_sum"] == median)
        let first = try #require(samples["cqgreylist_log_first_line_timestamp_seconds"])
        #expect(abs(first - Date().timeIntervalSince1970) < 600)
        // Written through a temp file and a rename: nothing else is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: scratch.path).filter { $0.hasPrefix("cqgreylist_log.prom") }
                == ["cqgreylist_log.prom"])
        let unwritable = try report(["--quiet", "--prometheus", scratch.path + "/no/such/dir/x.prom", logDirectory])
        #expect(unwritable.status == 111 && unwritable.errors.contains("cqgreylist-report: fatal: unable to write metrics: create "))
    }

    /// A file big enough to be read in parts on several threads reads as the same lines one after the other.
    @Test func aBigFileReadInPartsLosesAndDoublesNoLine() throws {
        let one = try wholeLog()
        let times = Int(80 << 20) / one.count + 1   // over 64 MB: two parts or more on a machine with two processors
        let big = scratch.path + "/big"
        #expect(FileManager.default.createFile(atPath: big, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: big))
        for _ in 0..<times { handle.write(one) }
        try handle.close()
        let result = try report([big])
        #expect(result.status == 0 && result.errors.isEmpty, "\(result.errors)")
        expectTheRun(result.output, times: times)
        let lines = one.split(separator: 10).count * times
        #expect(result.output.contains("lines: \(lines) read, \(10 * times) of cqgreylist counted"), "\(result.output)")
    }
}
