import Greylist
import Testing

@Suite struct LogLineTests {
    static let key = RecordKey(address: ClientAddress("192.0.2.7")!, ipv4Prefix: 32, ipv6Prefix: 64)

    @Test(arguments: [
        (LogLine(client: "192.0.2.7", key: key, outcome: .refuse(.new)),
         "cqgreylist: pid=7 ip=192.0.2.7 key=192.0.2.7 action=greylist reason=new\n"),
        (LogLine(client: "192.0.2.7", key: key, outcome: .pass(.retried), age: 301),
         "cqgreylist: pid=7 ip=192.0.2.7 key=192.0.2.7 action=pass age=301 reason=retried\n"),
        (LogLine(client: "192.0.2.7", key: key, outcome: .refuse(.early), age: 5, logOnly: true),
         "cqgreylist: pid=7 ip=192.0.2.7 key=192.0.2.7 action=logonly age=5 reason=early\n"),
        (LogLine(client: nil, outcome: .pass(.error("no TCPREMOTEIP"))),
         "cqgreylist: pid=7 ip=- action=pass reason=error no TCPREMOTEIP\n"),
        (LogLine(client: "../x y\n\u{1b}", outcome: .pass(.error("bad TCPREMOTEIP"))),
         "cqgreylist: pid=7 ip=../x\\x20y\\x0a\\x1b action=pass reason=error bad TCPREMOTEIP\n"),
        (LogLine(client: "10.0.0.1", outcome: .pass(.relayClient)),
         "cqgreylist: pid=7 ip=10.0.0.1 action=pass reason=relayclient\n"),
    ])
    func format(_ line: LogLine, _ text: String) {
        #expect(line.text(program: "cqgreylist", pid: 7) == text)
    }

    @Test func aLongHostileValueStaysOneShortLine() {
        let text = LogLine(client: String(repeating: "\n", count: 5000), outcome: .pass(.error("bad TCPREMOTEIP")))
            .text(program: "cqgreylist", pid: 1)
        #expect(text.filter { $0 == "\n" }.count == 1 && text.hasSuffix("\n"))
        #expect(text.utf8.count < 600)
    }

    @Test func logOnlyPassesWhatItWouldRefuse() {
        #expect(LogLine(client: nil, outcome: .refuse(.new), logOnly: true).passes)
        #expect(!LogLine(client: nil, outcome: .refuse(.new)).passes)
        #expect(LogLine(client: nil, outcome: .pass(.known)).passes)
    }
}

@Suite struct ClientTests {
    @Test(arguments: [
        (["RELAYCLIENT": "", "TCPREMOTEIP": "192.0.2.7"], Client.exempt(.relayClient)),
        (["WHITELISTED": "1", "TCPREMOTEIP": "junk"], .exempt(.whitelisted)),
        (["TCPREMOTEIP": "192.0.2.7"], .address(ClientAddress("192.0.2.7")!)),
        (["TCPREMOTEIP": ""], .unidentified(.error("bad TCPREMOTEIP"))),
        (["TCPREMOTEIP": "../../etc/x"], .unidentified(.error("bad TCPREMOTEIP"))),
        ([:], .unidentified(.error("no TCPREMOTEIP"))),
    ] as [([String: String], Client)])
    func classification(_ environment: [String: String], _ client: Client) {
        #expect(Client(environment: Environment(environment)) == client)
    }
}
