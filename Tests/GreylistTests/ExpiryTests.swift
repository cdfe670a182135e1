import Greylist
import GreylistAdmin
import Testing

struct ExpiryCase: CustomTestStringConvertible, Sendable {
    let name: String, record: Record, expired: Bool
    var testDescription: String { name }
}

@Suite struct ExpiryTests {
    static let now: Timestamp = 1_800_000_000
    static let policy = Policy(delay: 300, window: 86_400, lifetime: 36 * 86_400)
    static let grace: Seconds = 3600
    static let cases: [ExpiryCase] = [
        .init(name: "pending, age = window + grace → kept", record: .pending(firstSeen: now - 86_400 - 3600), expired: false),
        .init(name: "pending, age = window + grace + 1 → removed", record: .pending(firstSeen: now - 86_400 - 3601), expired: true),
        .init(name: "pending, age = window + 1 → kept (inside the grace)", record: .pending(firstSeen: now - 86_401), expired: false),
        .init(name: "pending from the future → kept", record: .pending(firstSeen: now + 999), expired: false),
        .init(name: "pending a year in the future → kept (repaired, not removed)", record: .pending(firstSeen: now + 366 * 86_400), expired: false),
        .init(name: "passed, age = lifetime + refresh + grace → kept", record: .passed(lastSeen: now - 36 * 86_400 - 7200), expired: false),
        .init(name: "passed, age = lifetime + refresh + grace + 1 → removed", record: .passed(lastSeen: now - 36 * 86_400 - 7201), expired: true),
        .init(name: "passed a year in the future → kept", record: .passed(lastSeen: now + 366 * 86_400), expired: false),
        .init(name: "passed, age = window + grace + 1 → kept", record: .passed(lastSeen: now - 86_400 - 3601), expired: false),
    ]

    static let young: [ExpiryCase] = [
        .init(name: "pending, age = 0 → kept", record: .pending(firstSeen: now), expired: false),
        .init(name: "pending, age = 1m → kept", record: .pending(firstSeen: now - 60), expired: false),
        .init(name: "pending, age = grace → kept", record: .pending(firstSeen: now - 3600), expired: false),
        .init(name: "pending, 30s ahead (within the tolerance) → kept", record: .pending(firstSeen: now + 30), expired: false),
        .init(name: "passed, age = 1m → kept", record: .passed(lastSeen: now - 60), expired: false),
    ]

    @Test(arguments: cases + young)
    func theCleanerRemovesExactlyWhatTheWrapperWouldRestart(_ row: ExpiryCase) {
        #expect(Self.policy.isExpired(row.record, now: Self.now, grace: Self.grace) == row.expired)
    }
}
