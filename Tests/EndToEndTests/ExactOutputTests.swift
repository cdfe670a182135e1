import Foundation
import Testing

/// The shipped wrapper's whole output, byte for byte: the log lines (pid aside), the replies, the exit status.
/// The shipped build is Embedded Swift, which prints an interpolated value that is not CustomStringConvertible
/// as a placeholder without a warning: these rows catch that on every kind of line the wrapper writes.
@Suite struct ExactOutputTests {
    struct Row: CustomTestStringConvertible, Sendable {
        var testDescription: String
        var arguments: [String]
        var environment: [String: String]
        var input = ""
        var status: Int32 = 0
        var output: String
        /// With `pid=N` for the pid and `DIR` for the temporary directory.
        var errors: String
    }

    static let session = "EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nQUIT\r\n"
    static let refused = "220 mx.test ESMTP\r\n250 mx.test\r\n250 ok\r\n451 greylisted, please try again later\r\n"
        + "451 greylisted, please try again later\r\n221 mx.test closing connection\r\n"

    static let rows: [Row] = [
        Row(testDescription: "new client → refusal dialogue and one line", arguments: ["/bin/echo", "passed"],
            environment: ["TCPREMOTEIP": "192.0.2.7"], input: session, output: refused,
            errors: "cqgreylist: pid=N ip=192.0.2.7 key=192.0.2.7 action=greylist reason=new\n"),
        Row(testDescription: "IPv6 client, /64 key", arguments: ["/bin/echo", "passed"],
            environment: ["TCPREMOTEIP": "2001:DB8::1:2:3:4"], input: session, output: refused,
            errors: "cqgreylist: pid=N ip=2001:DB8::1:2:3:4 key=2001:db8:: action=greylist reason=new\n"),
        Row(testDescription: "WHITELISTED → exec", arguments: ["/bin/echo", "passed"],
            environment: ["TCPREMOTEIP": "192.0.2.7", "WHITELISTED": ""], output: "passed\n",
            errors: "cqgreylist: pid=N ip=192.0.2.7 action=pass reason=whitelisted\n"),
        Row(testDescription: "bad settings → quoted warnings, then the line", arguments: ["/bin/echo", "passed"],
            environment: ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DELAY": "5 minutes", "CQGREYLIST_MESSAGE": "say \"no\"\u{1}"],
            input: session, output: refused,
            errors: "cqgreylist: pid=N warning: bad CQGREYLIST_DELAY value \"5 minutes\": not a duration like 300, 300s, 5m, 1h or 1d, using the default\n"
                + "cqgreylist: pid=N warning: bad CQGREYLIST_MESSAGE value \"say \\x22no\\x22\\x01\": must be 1 to 200 printable ASCII characters, using the default\n"
                + "cqgreylist: pid=N ip=192.0.2.7 key=192.0.2.7 action=greylist reason=new\n"),
        Row(testDescription: "corrupt whitelist → warning with path and reason", arguments: ["/bin/echo", "passed"],
            environment: ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_WHITELIST": "DIR/corrupt.cdb"], input: session, output: refused,
            errors: "cqgreylist: pid=N warning: whitelist ignored: read DIR/corrupt.cdb: corrupt or truncated cdb\n"
                + "cqgreylist: pid=N ip=192.0.2.7 key=192.0.2.7 action=greylist reason=new\n"),
        Row(testDescription: "store fault → error with path and strerror, fail open", arguments: ["/bin/echo", "passed"],
            environment: ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DIR": "DIR/missing/state"], output: "passed\n",
            errors: "cqgreylist: pid=N ip=192.0.2.7 key=192.0.2.7 action=pass reason=error mkdir DIR/missing/state/192: No such file or directory\n"),
        Row(testDescription: "unusable address → escaped, pass", arguments: ["/bin/echo", "passed"],
            environment: ["TCPREMOTEIP": "1.2.3.4 x"], output: "passed\n",
            errors: "cqgreylist: pid=N ip=1.2.3.4\\x20x action=pass reason=error bad TCPREMOTEIP\n"),
        Row(testDescription: "unknown option → usage, 100", arguments: ["--nonsense", "prog"], environment: [:], status: 100,
            output: "", errors: "cqgreylist: fatal: unknown option \"--nonsense\"\n"
                + "usage: cqgreylist [options] [--] program [arguments...] (see --help)\n"),
        Row(testDescription: "next program missing → fatal line, 111", arguments: ["DIR/qmail-smtpd"],
            environment: ["TCPREMOTEIP": "192.0.2.7", "RELAYCLIENT": ""], status: 111, output: "",
            errors: "cqgreylist: pid=N ip=192.0.2.7 action=pass reason=relayclient\n"
                + "cqgreylist: pid=N fatal: unable to run DIR/qmail-smtpd: No such file or directory\n"),
    ]

    @Test(arguments: rows)
    func outputIsExact(_ row: Row) throws {
        let directory = try TemporaryDirectory()
        #expect(FileManager.default.createFile(atPath: directory.path + "/corrupt.cdb", contents: Data("not a cdb".utf8)))
        let placed = { (text: String) in text.replacingOccurrences(of: "DIR", with: directory.path) }
        var environment = ["CQGREYLIST_DIR": directory.path, "CQGREYLIST_HOSTNAME": "mx.test"]
        for (name, value) in row.environment { environment[name] = placed(value) }
        let result = try run(Built.wrapper, row.arguments.map(placed), environment: environment, input: Data(row.input.utf8))
        #expect(result.status == row.status)
        #expect(result.output == row.output)
        let errors = result.errors.replacingOccurrences(of: #"pid=[0-9]+"#, with: "pid=N", options: .regularExpression)
        #expect(errors == placed(row.errors))
    }

    /// The decision's deadline (a SIGKILL timer) is cancelled before the dialogue, however long that lasts
    /// (glibc's first timer has id 0, a null `timer_t`, which the wrapper once took for no timer).
    @Test func aDialogueOutlivesTheDecisionDeadline() throws {
        let directory = try TemporaryDirectory()
        let result = try shell(#"(sleep 6; printf 'QUIT\r\n') | "$W" /bin/false"#, environment: [
            "W": Built.wrapper, "TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DIR": directory.path, "CQGREYLIST_HOSTNAME": "mx.test"])
        #expect(result.status == 0)
        #expect(result.output == "220 mx.test ESMTP\r\n221 mx.test closing connection\r\n")
    }
}
