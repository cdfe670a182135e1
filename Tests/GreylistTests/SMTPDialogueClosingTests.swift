import Greylist
import GreylistAdmin
import Testing

@Suite struct SMTPDialogueClosingTests {
    @Test func afterClosingTheDialogueStaysClosed() {
        var dialogue = SMTPDialogue(hostname: "h", message: "m")
        #expect(dialogue.receive("QUIT\r\n".utf8) == ("221 h closing connection\r\n", true))
        #expect(dialogue.receive("NOOP\r\n".utf8) == ("", true))
        var limited = SMTPDialogue(hostname: "h", message: "m")
        _ = limited.receive(Array(String(repeating: "NOOP\r\n", count: 51).utf8))
        #expect(limited.receive("NOOP\r\n".utf8) == ("", true))
    }
}
