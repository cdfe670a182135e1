import Greylist
import GreylistAdmin
import Testing

/// What other delays would have done, on a log whose right answers are worked out by hand below.
@Suite struct DelayWhatIfTests {
    static let base: Timestamp = 1_764_000_000
    static let longKey = "2001:db8:1234:5678:9abc:def0:1234:5678_128"   // a /128, which no ClientKey holds: kept as bytes

    static func connection(_ key: String, _ action: String, _ reason: String, age: Int? = nil) -> String {
        "cqgreylist: pid=1 ip=\(key) key=\(key) action=\(action)\(age.map { " age=\($0)" } ?? "") reason=\(reason)"
    }

    /// Seven clients under a 300 s delay, asked about 60, 120 and 600 s. By hand (attempts' ages; the least at or
    /// above each delay):
    ///
    ///     client        attempts                  passed   60 s      120 s     600 s
    ///     10.0.0.1      30 90 200, retried 420    420      90        200       unknown (420 < 600)
    ///     10.0.0.2      50, retried 310           310      310       310       unknown
    ///     10.0.0.3      100 250                   never    100 too   250 too   -
    ///     10.0.0.4      10                        never    -         -         -
    ///     10.0.0.5      retried 700               700      700       700       700
    ///     long key      65, retried 900           900      65        900       900
    ///     10.0.0.7      130, expired 90000, 40    never    130 too   130 too   - (an expired age is no attempt)
    static let lines: [String] = [
        connection("10.0.0.1", "greylist", "new"), connection("10.0.0.2", "greylist", "new"),
        connection("10.0.0.1", "greylist", "early", age: 30), connection("10.0.0.2", "greylist", "early", age: 50),
        connection("10.0.0.3", "greylist", "new"), connection("10.0.0.1", "greylist", "early", age: 90),
        connection("10.0.0.4", "greylist", "new"), connection("10.0.0.3", "greylist", "early", age: 100),
        connection("10.0.0.4", "greylist", "early", age: 10), connection("10.0.0.5", "logonly", "new"),
        connection(longKey, "greylist", "new"), connection(longKey, "greylist", "early", age: 65),
        connection("10.0.0.7", "greylist", "new"), connection("10.0.0.7", "greylist", "early", age: 130),
        connection("10.0.0.1", "greylist", "early", age: 200), connection("10.0.0.3", "greylist", "early", age: 250),
        connection("10.0.0.2", "pass", "retried", age: 310), connection("10.0.0.1", "pass", "retried", age: 420),
        connection("10.0.0.5", "pass", "retried", age: 700), connection(longKey, "pass", "retried", age: 900),
        connection("10.0.0.1", "pass", "known", age: 20), connection("10.0.0.7", "greylist", "expired", age: 90_000),
        connection("10.0.0.7", "greylist", "early", age: 40), "tcpserver: end 1 status 0",
    ]

    static let expected: [DelayWhatIf.Outcome] = [
        .init(delay: 60, paid: [65, 90, 310, 700], unknown: 0, passedToo: 2),
        .init(delay: 120, paid: [200, 310, 700, 900], unknown: 0, passedToo: 2),
        .init(delay: 600, paid: [600, 600, 700, 900], unknown: 2, passedToo: 0),
    ]

    /// The report of `lines`, the odd ones stamped by multilog (the what-if does not use times).
    static func report(_ lines: some Sequence<String>, delays: [Seconds] = [600, 60, 120, 60], inForce: Seconds = 300) -> LogReport {
        var report = LogReport(whatIf: DelayWhatIf(delays: delays, delayInForce: inForce))
        for (index, line) in lines.enumerated() {
            let stamp = index % 2 == 1 ? "@" + String(UInt64(base + Timestamp(index)) + (1 << 62) + 10, radix: 16) + "00000000 " : ""
            report.add(stamp + line)
        }
        return report
    }

    @Test func eachDelayAgainstTheHandWorkedAnswer() throws {
        let whatIf = try #require(Self.report(Self.lines).whatIf)
        #expect(whatIf.delays == [60, 120, 600])
        #expect(whatIf.outcomes == Self.expected)
        #expect(whatIf.inForce == .init(delay: 300, paid: [310, 420, 700, 900], unknown: 0, passedToo: 0))
        #expect((whatIf.youngestRetry, whatIf.oldestEarly) == (310, 250))
    }

    /// Nearest-rank figures of four clients: the median is the 2nd, the 90th percentile and the maximum the 4th.
    @Test func theTable() throws {
        let text = try #require(Self.report(Self.lines).whatIf).text
        #expect(text == [
            "what if the delay were other than the 5m in force: 4 clients passed by a retry",
            "  delay  median  90th     max      passed too  unknown",
            "  1m     1m 30s  11m 40s  11m 40s  2           0",
            "  2m     5m 10s  15m      15m      2           0",
            "  5m     7m      15m      15m      0           0        (in force)",
            "  10m    >=10m   >=15m    >=15m    0           2",
            "  passed too: clients no retry passed that retried at or after the delay (what a shorter one lets in)",
            "  unknown: clients a retry passed younger than the delay, refused there; the log holds no later retry:",
            "  counted at the delay, so the figures marked >= are lower bounds (and some may never have come back)",
        ])
        #expect(Self.report(Self.lines).text().contains("  1m     1m 30s  11m 40s  11m 40s  2           0"))
    }

    /// The log read in two parts appended, cut anywhere, or its lines in another order: the same answers.
    @Test func partsAndOrderChangeNothing() throws {
        for cut in 0...Self.lines.count {
            var first = Self.report(Self.lines[..<cut])
            first.append(Self.report(Self.lines[cut...]))
            #expect(first.whatIf?.outcomes == Self.expected, "cut at \(cut)")
            #expect(first.whatIf?.inForce.paid == [310, 420, 700, 900], "cut at \(cut)")
        }
        #expect(Self.report(Self.lines.reversed()).whatIf?.outcomes == Self.expected)
        var empty = LogReport(whatIf: DelayWhatIf(delays: [60, 120, 600], delayInForce: 300))
        empty.append(Self.report(Self.lines))
        #expect(empty.emptyCopy().whatIf?.outcomes.allSatisfy { $0.paid.isEmpty } == true && empty.whatIf?.outcomes == Self.expected)
    }

    /// A retry passed younger than the delay in force, or an early refusal older than it: the log was written
    /// under another delay, and the section says so, and how to give it.
    @Test(arguments: [(connection("10.0.0.1", "pass", "retried", age: 200), "a retry passed at 3m 20s, under the delay in force"),
                      (connection("10.0.0.1", "greylist", "early", age: 400), "an early retry was refused at 6m 40s, past the delay in force")])
    func anotherDelayInTheLogIsNamed(_ line: String, _ note: String) throws {
        let text = try #require(Self.report(Self.lines + [line]).whatIf).text
        let at = try #require(text.firstIndex { $0.hasPrefix("  note: " + note) }, "\(text)")
        // How to give the delay, and that the variable wins over the option (as for the wrapper): `--delay` alone
        // would change nothing where the report runs with the service's environment.
        #expect(text[at + 1] == "    give that delay with --delay (CQGREYLIST_DELAY, if set, wins over it)")
        #expect(!(try #require(Self.report(Self.lines).whatIf).text.contains { $0.contains("note:") }))
    }

    /// Without the question, no section and no metric; with it, one series per delay asked.
    @Test func metricsPerDelay() {
        #expect(!LogReport().metrics.text.contains("what_if"))
        #expect(!LogReport().text().contains { $0.hasPrefix("what if") })
        let metrics = Self.report(Self.lines).metrics.text.split(separator: "\n").map(String.init)
        for sample in [
            "cqgreylist_log_what_if_delay_in_force_seconds 300",
            #"cqgreylist_log_what_if_retry_delay_seconds{delay="60",quantile="0.5"} 90"#,
            #"cqgreylist_log_what_if_retry_delay_seconds{delay="600",quantile="1"} 900"#,
            #"cqgreylist_log_what_if_retry_delay_seconds_sum{delay="120"} 2110"#,
            #"cqgreylist_log_what_if_retry_delay_seconds_count{delay="600"} 4"#,
            #"cqgreylist_log_what_if_clients_passed_too{delay="120"} 2"#,
            #"cqgreylist_log_what_if_clients_unknown{delay="600"} 2"#,
        ] {
            #expect(metrics.contains(sample), "\(sample)")
        }
        #expect(metrics.filter { $0.hasPrefix("cqgreylist_log_what_if_clients_unknown{") }.count == 3)
    }
}
