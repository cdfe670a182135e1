import Greylist
import GreylistAdmin
import Testing

struct DialogueCase: CustomTestStringConvertible, Sendable {
    let name: String, input: [UInt8], replies: [String], closes: Bool
    var testDescription: String { name }
    init(_ name: String, _ input: String, _ replies: [String], closes: Bool = false) {
        self.init(name, Array(input.utf8), replies, closes: closes)
    }
    init(_ name: String, _ input: [UInt8], _ replies: [String], closes: Bool = false) {
        (self.name, self.input, self.replies, self.closes) = (name, input, replies, closes)
    }
}

@Suite struct SMTPDialogueTests {
    static let refusal = "451 greylisted"
    static let cases: [DialogueCase] = [
        .init("HELO and EHLO get the host, no extensions", "HELO a\r\nehlo b\r\n", ["250 mx.example", "250 mx.example"]),
        .init("a whole session refuses RCPT and DATA", "EHLO a\r\nMAIL FROM:<x@y>\r\nRCPT TO:<z@w>\r\nDATA\r\nQUIT\r\n",
              ["250 mx.example", "250 ok", refusal, refusal, "221 mx.example closing connection"], closes: true),
        .init("null sender: RCPT accepted, DATA refused", "MAIL FROM:<>\r\nRCPT TO:<z@w>\r\nDATA\r\n", ["250 ok", "250 ok", refusal]),
        .init("null sender with space and parameters", "mail from: <> SIZE=10\r\nrcpt to:<z@w>\r\n", ["250 ok", "250 ok"]),
        .init("not a null sender: <>x", "MAIL FROM:<>x\r\nRCPT TO:<z@w>\r\n", ["250 ok", refusal]),
        .init("RSET forgets the null sender", "MAIL FROM:<>\r\nRSET\r\nRCPT TO:<z@w>\r\n", ["250 ok", "250 ok", refusal]),
        .init("BDAT is refused like DATA", "BDAT 10 LAST\r\n", [refusal]),
        .init("NOOP", "NOOP\r\n", ["250 ok"]),
        .init("STARTTLS not available", "STARTTLS\r\n", ["454 TLS not available"]),
        .init("HELOX is not HELO", "HELOX a\r\n", ["502 command not implemented"]),
        .init("VRFY unknown", "VRFY root\r\n", ["502 command not implemented"]),
        .init("empty line", "\r\n", ["502 command not implemented"]),
        .init("bare LF ends a line", "HELO a\nNOOP\n", ["250 mx.example", "250 ok"]),
        .init("NUL bytes", [0, 0x48, 0x45, 0x4c, 0x4f, 0, 0x0a], ["502 command not implemented"]),
        .init("binary junk", [0xff, 0xfe, 0x80, 0x0d, 0x0a], ["502 command not implemented"]),
        .init("QUIT closes, later lines unanswered", "QUIT\r\nNOOP\r\n", ["221 mx.example closing connection"], closes: true),
        .init("a partial line waits for its end", "NOOP", []),
        .init("998 bytes + CRLF is a line", String(repeating: "A", count: 998) + "\r\n", ["502 command not implemented"]),
        .init("999 bytes + CRLF is too long", String(repeating: "A", count: 999) + "\r\nNOOP\r\n", ["500 line too long", "250 ok"]),
        .init("1001-byte line then NOOP", String(repeating: "N", count: 1001) + "\r\nNOOP\r\n", ["500 line too long", "250 ok"]),
        .init("50 commands are answered", String(repeating: "NOOP\r\n", count: 50), Array(repeating: "250 ok", count: 50)),
        .init("the 51st command gets 421", String(repeating: "NOOP\r\n", count: 60),
              Array(repeating: "250 ok", count: 50) + ["421 mx.example too many commands, closing connection"], closes: true),
    ]

    static func run(_ input: [UInt8], chunk: Int) -> (replies: [String], closes: Bool) {
        var dialogue = SMTPDialogue(hostname: "mx.example", message: "greylisted")
        var output = "", closes = false
        var offset = 0
        while offset < input.count && !closes {
            let (text, close) = dialogue.receive(input[offset..<min(offset + chunk, input.count)])
            output += text
            closes = close
            offset += chunk
        }
        return (output.split(separator: "\r\n").map(String.init), closes)
    }

    @Test(arguments: cases)
    func repliesInOrder(_ row: DialogueCase) {
        for chunk in [1, 7, 4096] {
            let result = Self.run(row.input, chunk: chunk)
            #expect(result.replies == row.replies, "chunk \(chunk)")
            #expect(result.closes == row.closes, "chunk \(chunk)")
        }
    }

    @Test func greetingAndTimeoutNameTheHost() {
        let dialogue = SMTPDialogue(hostname: "mx.example", message: "m")
        #expect(dialogue.greeting == "220 mx.example ESMTP\r\n")
        #expect(dialogue.timeoutReply.hasPrefix("421 mx.example "))
    }

    @Test func aTenMegabyteLineGetsOneReply() {
        var dialogue = SMTPDialogue(hostname: "h", message: "m")
        let chunk = [UInt8](repeating: 0x41, count: 65_536)
        var replies = ""
        for _ in 0..<160 { replies += dialogue.receive(chunk).replies }
        #expect(replies == "500 line too long\r\n")
        #expect(dialogue.receive("\r\nNOOP\r\n".utf8).replies == "250 ok\r\n")
    }
}
