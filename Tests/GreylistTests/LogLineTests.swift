import Greylist
import GreylistAdmin
import Testing

@Suite struct LogLineTests {
    static let key = RecordKey(address: ClientAddress("192.0.2.7")!, ipv4Prefix: 32, ipv6Prefix: 64)

    @Test(arguments: [
        (Verdict(client: "192.0.2.7", key: key, outcome: .refuse(.new)),
         "cqgreylist: pid=7 ip=192.0.2.7 key=192.0.2.7 action=greylist reason=new\n"),
        (Verdict(client: "192.0.2.7", key: key, outcome: .pass(.retried), age: 301),
         "cqgreylist: pid=7 ip=192.0.2.7 key=192.0.2.7 action=pass age=301 reason=retried\n"),
        (Verdict(client: "192.0.2.7", key: key, outcome: .refuse(.early), age: 5, logOnly: true),
         "cqgreylist: pid=7 ip=192.0.2.7 key=192.0.2.7 action=logonly age=5 reason=early\n"),
        (Verdict(client: nil, outcome: .pass(.error("no TCPREMOTEIP"))),
         "cqgreylist: pid=7 ip=- action=pass reason=error no TCPREMOTEIP\n"),
        (Verdict(client: "../x y\n\u{1b}", outcome: .pass(.error("bad TCPREMOTEIP"))),
         "cqgreylist: pid=7 ip=../x\\x20y\\x0a\\x1b action=pass reason=error bad TCPREMOTEIP\n"),
        (Verdict(client: "10.0.0.1", outcome: .pass(.relayClient)),
         "cqgreylist: pid=7 ip=10.0.0.1 action=pass reason=relayclient\n"),
        // A value escaped where it was put in is logged as it is, once; what is not printable is still escaped.
        (Verdict(client: "192.0.2.7", key: key, outcome: .pass(.error(#"redis /s: GET: not a record: pending\x20-100"#))),
         #"cqgreylist: pid=7 ip=192.0.2.7 key=192.0.2.7 action=pass reason=error redis /s: GET: not a record: pending\x20-100"# + "\n"),
        (Verdict(client: "192.0.2.7", key: key, outcome: .pass(.error("stat /d\n\u{1b}/x: gone"))),
         #"cqgreylist: pid=7 ip=192.0.2.7 key=192.0.2.7 action=pass reason=error stat /d\x0a\x1b/x: gone"# + "\n"),
    ])
    func format(_ verdict: Verdict, _ text: String) {
        #expect(LogLine.text(for: verdict, program: "cqgreylist", pid: 7) == text)
    }

    @Test func aRecordFromTheFutureIsLoggedAsStartedOver() {
        let verdict = Verdict(client: "192.0.2.7", key: Self.key, outcome: .refuse(.early), age: 0, clockSkew: 3600,
                              warnings: ["bad CQGREYLIST_DELAY value \"5x\": not a duration, using the default"])
        #expect(LogLine.text(for: verdict, program: "cqgreylist", pid: 7) == """
            cqgreylist: pid=7 warning: bad CQGREYLIST_DELAY value "5x": not a duration, using the default
            cqgreylist: pid=7 warning: record 192.0.2.7 was dated 3600s ahead of the clock: started over as of now
            cqgreylist: pid=7 ip=192.0.2.7 key=192.0.2.7 action=greylist age=0 reason=early

            """)
    }

    @Test func aLongHostileValueStaysOneShortLine() {
        let text = LogLine.text(for: Verdict(client: String(repeating: "\n", count: 5000), outcome: .pass(.error("bad TCPREMOTEIP"))),
                                program: "cqgreylist", pid: 1)
        #expect(text.filter { $0 == "\n" }.count == 1 && text.hasSuffix("\n"))
        #expect(text.utf8.count < 600)
    }

    @Test func logOnlyPassesWhatItWouldRefuse() {
        #expect(Verdict(client: nil, outcome: .refuse(.new), logOnly: true).passes)
        #expect(!Verdict(client: nil, outcome: .refuse(.new)).passes)
        #expect(Verdict(client: nil, outcome: .pass(.known)).passes)
    }
}
