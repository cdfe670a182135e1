import Greylist
import Testing

/// `%s` in the refusal text: the whole seconds until the client may pass (DESIGN §2).
@Suite struct RefusalTextTests {
    @Test(arguments: [
        ("greylisted, please try again later", 300, "greylisted, please try again later"),
        ("try again in %s seconds", 287, "try again in 287 seconds"),
        ("%s", 1, "1"), ("%s and %s", 5, "5 and 5"), ("100% sure, %s s", 60, "100% sure, 60 s"), ("ends with %", 9, "ends with %"),
        ("%%s", 7, "%7"),
    ] as [(String, Seconds, String)])
    func secondsReplaceEachPercentS(_ message: String, _ seconds: Seconds, _ text: String) {
        #expect(SMTPDialogue.refusalText(message, secondsUntilPass: seconds) == text)
    }

    @Test func whatIsLeftOfTheDelayForAnEarlyRetryTheWholeDelayOtherwise() {
        let early = Verdict(client: "192.0.2.7", outcome: .refuse(.early), age: 100)
        #expect(early.secondsUntilPass(delay: 300) == 200)
        #expect(Verdict(client: "192.0.2.7", outcome: .refuse(.early), age: 299).secondsUntilPass(delay: 300) == 1)
        #expect(Verdict(client: "192.0.2.7", outcome: .refuse(.new)).secondsUntilPass(delay: 300) == 300)
        #expect(Verdict(client: "192.0.2.7", outcome: .refuse(.expired), age: 90_000).secondsUntilPass(delay: 300) == 300)
        #expect(Verdict(client: "192.0.2.7", outcome: .refuse(.error("x"))).secondsUntilPass(delay: 60) == 60)
    }
}
