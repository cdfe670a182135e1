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
        case .usage: return stamp + "usage"
        case .other: return stamp + "other"
        }
    } catch {
        return "unreadable: \(error.problem)"
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

    /// A usage error's two lines and a fatal line, as the writer makes them, read back as the wrapper's.
    @Test func theWrappersOtherLinesReadBack() {
        let usage = LogLine.usageError(#"unknown option "--nonsense""#, program: "cqgreylist").split(separator: "\n").map(String.init)
        #expect(usage.map(reading) == [#"fatal: unknown option "--nonsense""#, "usage"])
        let fatal = LogLine.notice(.fatal, "unable to run x: No such file or directory", program: "cqgreylist", pid: 7)
        #expect(reading(String(fatal.dropLast())) == "fatal: unable to run x: No such file or directory")
        #expect(reading("\(Self.stamp) " + usage[1]) == "@\(Self.time) usage")
    }

    /// DESIGN §6: a field the parser does not know (a newer wrapper's), anywhere before `reason=`, is skipped; what
    /// is not a field still makes the line unreadable.
    @Test(arguments: [
        ("cqgreylist: pid=7 host=mx1 ip=192.0.2.7 key=192.0.2.7 action=pass age=412 reason=retried", "pass retried key=192.0.2.7 age=412"),
        ("cqgreylist: pid=7 ip=192.0.2.7 via=redis:/s key=192.0.2.7 action=pass age=412 reason=retried", "pass retried key=192.0.2.7 age=412"),
        ("cqgreylist: pid=7 ip=192.0.2.7 key=192.0.2.7 ms=3 action=greylist tries= reason=new", "greylist new key=192.0.2.7"),
        ("cqgreylist: pid=7 ip=192.0.2.7 key=192.0.2.7 action=pass age=9 x_2=a=b reason=known", "pass known key=192.0.2.7 age=9"),
        ("cqgreylist: pid=7 ip=10.0.0.1 action=pass store=redis reason=whitelist 10.0.0.0/8", "pass whitelist [10.0.0.0/8]"),
        ("cqgreylist: pid=7 ip=10.0.0.1 action=pass reason=known extra=1", "unreadable: unknown reason"),
        ("cqgreylist: pid=7 ip=1.2.3.4 Host=x action=pass reason=known", "unreadable: no action=pass, greylist or logonly"),
        ("cqgreylist: pid=7 ip=1.2.3.4 =x action=pass reason=known", "unreadable: no action=pass, greylist or logonly"),
        ("cqgreylist: pid=7 ip=1.2.3.4 action=pass extra=1", "unreadable: no reason= field"),
        ("cqgreylist: pid=7 host=mx1 reason=known", "unreadable: no ip= field"),
        ("usage: tcpserver [ -1UXpPhHrRoOdDqQv ]", "other"),
    ])
    func aFieldItDoesNotKnowIsSkipped(_ line: String, _ expected: String) {
        #expect(reading(line) == expected)
    }

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
