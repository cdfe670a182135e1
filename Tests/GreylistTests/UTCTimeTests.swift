import Greylist
import GreylistAdmin
import Testing

@Suite struct UTCTimeTests {
    @Test(arguments: [
        (0, "1970-01-01 00:00:00"), (951_782_400, "2000-02-29 00:00:00"), (1_764_487_245, "2025-11-30 07:20:45"),
        (4_107_542_399, "2100-02-28 23:59:59"),
    ] as [(Timestamp, String)])
    func formatAndParse(_ time: Timestamp, _ text: String) {
        #expect(UTCTime.format(time) == text)
        #expect(UTCTime.parse(text, now: 0) == time)
        #expect(UTCTime.parse(String(text.map { $0 == " " ? "T" : $0 }), now: 0) == time)
    }

    @Test(arguments: [("2025-11-30", 1_764_460_800), ("2025-11-30 07:20", 1_764_487_200), ("7d", 1_000_000 - 604_800), ("300", 999_700)]
          as [(String, Timestamp)])
    func otherForms(_ text: String, _ time: Timestamp) {
        #expect(UTCTime.parse(text, now: 1_000_000) == time)
    }

    @Test(arguments: ["", "2025-13-01", "2025-02-29", "2025-1-1", "2025-11-30 24:00", "2025-11-30 07", "yesterday", "2025-11-30 07:20:61"])
    func badTimes(_ text: String) {
        #expect(UTCTime.parse(text, now: 1_000_000) == nil)
    }
}
