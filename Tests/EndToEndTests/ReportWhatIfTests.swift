import Foundation
import Testing

/// cqgreylist-report --what-if-delay on a log whose answers are worked out by hand, as the shipped binary prints
/// them, as metrics, and read in parallel parts.
@Suite struct ReportWhatIfTests {
    let scratch: TemporaryDirectory
    let log: String

    /// Seven clients under a 300 s delay; by hand (attempts' ages; with a delay T a client passes at its youngest
    /// attempt aged T or more):
    ///
    ///     client        attempts                  passed   90 s      240 s     900 s
    ///     192.0.2.1     30 90 200, retried 420    420      90        420       unknown (420 < 900)
    ///     192.0.2.2     50, retried 310           310      310       310       unknown
    ///     192.0.2.3     100 250                   never    100 too   250 too   -
    ///     192.0.2.4     10                        never    -         -         -
    ///     192.0.2.5     retried 700               700      700       700       unknown
    ///     2001:db8::    65, retried 900           900      900       900       900
    ///     192.0.2.7     130, expired, 40          never    130 too   -         -
    static let story: [(key: String, reason: String, age: Int?)] = [
        ("192.0.2.1", "new", nil), ("192.0.2.2", "new", nil), ("192.0.2.1", "early", 30), ("192.0.2.2", "early", 50),
        ("192.0.2.3", "new", nil), ("192.0.2.1", "early", 90), ("192.0.2.4", "new", nil), ("192.0.2.3", "early", 100),
        ("192.0.2.4", "early", 10), ("192.0.2.5", "new", nil), ("2001:db8::", "new", nil), ("2001:db8::", "early", 65),
        ("192.0.2.7", "new", nil), ("192.0.2.7", "early", 130), ("192.0.2.1", "early", 200), ("192.0.2.3", "early", 250),
        ("192.0.2.2", "retried", 310), ("192.0.2.1", "retried", 420), ("192.0.2.5", "retried", 700), ("2001:db8::", "retried", 900),
        ("192.0.2.1", "known", 20), ("192.0.2.7", "expired", 90_000), ("192.0.2.7", "early", 40),
    ]

    /// The story as the wrapper logs it, every other line with multilog's label, tcpserver's lines between.
    static var lines: String {
        story.enumerated().map { index, line in
            let action = ["retried", "known"].contains(line.reason) ? "pass" : "greylist"
            let text = "cqgreylist: pid=\(100 + index) ip=\(line.key) key=\(line.key) action=\(action)"
                + (line.age.map { " age=\($0)" } ?? "") + " reason=\(line.reason)\n"
            let label = "@" + String(UInt64(1_764_000_000 + 60 * index) + (1 << 62) + 10, radix: 16) + "00000000 "
            return (index % 2 == 0 ? label : "") + text + "tcpserver: end \(100 + index) status 0\n"
        }.joined()
    }

    /// Nearest-rank figures of the four clients a retry passed: the median is the 2nd, the 90th percentile the 4th.
    static let table = [
        "what if the delay were other than the 5m in force: 4 clients passed by a retry",
        "  delay   median  90th   max    passed too  unknown",
        "  1m 30s  5m 10s  15m    15m    2           0",
        "  4m      7m      15m    15m    1           0",
        "  5m      7m      15m    15m    0           0        (in force)",
        "  15m     >=15m   >=15m  >=15m  0           3",
    ]

    init() throws {
        scratch = try TemporaryDirectory()
        log = scratch.path + "/log"
        try Self.lines.write(toFile: log, atomically: false, encoding: .utf8)
    }

    /// The what-if section of a report's output.
    func section(_ output: String) -> [String] {
        let lines = output.split(separator: "\n").map(String.init)
        guard let start = lines.firstIndex(where: { $0.hasPrefix("what if") }) else { return [] }
        return Array(lines[start...].prefix { $0.hasPrefix("what if") || $0.hasPrefix("  ") })
    }

    @Test func theTableOfSeveralDelays() throws {
        let result = try run(Built.report, ["--what-if-delay", "15m", "--what-if-delay", "90", "--what-if-delay", "4m", log])
        #expect(result.status == 0 && result.errors.isEmpty, "\(result.errors)")
        let found = section(result.output)
        #expect(Array(found.prefix(Self.table.count)) == Self.table, "\(result.output)")
        #expect(found.contains { $0.hasPrefix("  unknown: ") } && !found.contains { $0.contains("note:") })
        #expect(section(try run(Built.report, [log]).output).isEmpty)
    }

    /// The delay in force comes from CQGREYLIST_DELAY, which wins over --delay, as --window's does; a log whose
    /// early ages pass it says it was written under a longer one.
    @Test func theDelayInForce() throws {
        let option = try run(Built.report, ["--delay", "4m", "--what-if-delay", "1m", log])
        let variable = try run(Built.report, ["--delay", "5m", "--what-if-delay", "1m", log], environment: ["CQGREYLIST_DELAY": "240"])
        for result in [option, variable] {
            #expect(result.status == 0, "\(result.errors)")
            let found = section(result.output)
            #expect(found.first == "what if the delay were other than the 4m in force: 4 clients passed by a retry")
            #expect(found.contains("  4m     7m      15m      15m      0           0        (in force)"), "\(found)")
            #expect(found.contains { $0.hasPrefix("  note: an early retry was refused at 4m 10s, past the delay in force") })
        }
    }

    @Test func oneSeriesPerDelay() throws {
        let metrics = scratch.path + "/log.prom"
        let result = try run(Built.report, ["-q", "--prometheus", metrics, "--what-if-delay", "1m", "--what-if-delay", "10m", log])
        #expect(result.status == 0 && result.output.isEmpty, "\(result.errors)")
        let samples = try prometheusSamples(metrics)
        #expect(samples["cqgreylist_log_what_if_delay_in_force_seconds"] == 300)
        #expect(samples[#"cqgreylist_log_what_if_retry_delay_seconds{delay="60",quantile="0.5"}"#] == 90)
        #expect(samples[#"cqgreylist_log_what_if_retry_delay_seconds{delay="600",quantile="0.5"}"#] == 600)
        #expect(samples[#"cqgreylist_log_what_if_retry_delay_seconds_count{delay="60"}"#] == 4)
        #expect(samples[#"cqgreylist_log_what_if_retry_delay_seconds_sum{delay="600"}"#] == 2800)
        #expect(samples[#"cqgreylist_log_what_if_clients_passed_too{delay="60"}"#] == 2)
        #expect(samples[#"cqgreylist_log_what_if_clients_unknown{delay="600"}"#] == 2)
        #expect(samples.keys.filter { $0.hasPrefix("cqgreylist_log_what_if_clients_unknown") }.count == 2)
    }

    @Test(arguments: [
        (["--what-if-delay", "0"], "bad --what-if-delay value \"0\""), (["--what-if-delay", "soon"], "bad --what-if-delay value \"soon\""),
        ((1...9).flatMap { ["--what-if-delay", "\($0)m"] }, "too many --what-if-delay values: at most 8"),
        (["--delay", "5m"], "--delay is for --what-if-delay"),
    ])
    func badValuesAreUsageErrors(_ arguments: [String], _ message: String) throws {
        let result = try run(Built.report, arguments + [log])
        #expect(result.status == 100 && result.output.isEmpty && result.errors.contains(message), "\(result.errors)")
    }

    /// A bad CQGREYLIST_DELAY stops a what-if, which needs it, but not the plain report.
    @Test func aBadDelayVariable() throws {
        let environment = ["CQGREYLIST_DELAY": "5 minutes"]
        let whatIf = try run(Built.report, ["--what-if-delay", "1m", log], environment: environment)
        #expect(whatIf.status == 100 && whatIf.errors.hasPrefix("cqgreylist-report: fatal: bad CQGREYLIST_DELAY value \"5 minutes\""))
        #expect(try run(Built.report, [log], environment: environment).status == 0)
    }

    /// A file big enough to be read in parallel parts, the story told over and over (the same clients): the same table.
    @Test func aBigFileReadInParts() throws {
        let big = scratch.path + "/big"
        let one = Data(Self.lines.utf8)
        #expect(FileManager.default.createFile(atPath: big, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: big))
        let block = Data((0..<1000).flatMap { _ in one })
        for _ in 0..<(Int(80 << 20) / block.count + 1) { handle.write(block) }
        try handle.close()
        let result = try run(Built.report, ["--what-if-delay", "90s", "--what-if-delay", "4m", "--what-if-delay", "15m", big], limit: 120)
        #expect(result.status == 0, "\(result.errors)")
        #expect(Array(section(result.output).prefix(Self.table.count)) == Self.table, "\(result.output)")
    }
}
