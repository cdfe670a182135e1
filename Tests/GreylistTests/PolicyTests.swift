import Greylist
import Testing

struct DecisionCase: CustomTestStringConvertible, Sendable {
    let name: String, record: Record?, now: Timestamp, decision: Decision
    var testDescription: String { name }
    init(_ name: String, _ record: Record?, now: Timestamp, _ outcome: Outcome, _ action: StoreAction, age: Seconds?) {
        (self.name, self.record, self.now, self.decision) = (name, record, now, Decision(outcome, action, age: age))
    }
}

@Suite struct PolicyTests {
    static let t0: Timestamp = 1_800_000_000
    static let policy = Policy(delay: 300, window: 86_400, lifetime: 36 * 86_400, refreshInterval: 3600)
    static let lifetime = 36 * 86_400 as Seconds

    static let cases: [DecisionCase] = [
        .init("no record → new, create", nil, now: t0, .refuse(.new), .create, age: nil),
        .init("pending, age 0 → early", .pending(firstSeen: t0), now: t0, .refuse(.early), .none, age: 0),
        .init("pending, age = delay − 1 → early", .pending(firstSeen: t0), now: t0 + 299, .refuse(.early), .none, age: 299),
        .init("pending, age = delay → retried", .pending(firstSeen: t0), now: t0 + 300, .pass(.retried), .markPassed, age: 300),
        .init("pending, age = window → retried", .pending(firstSeen: t0), now: t0 + 86_400, .pass(.retried), .markPassed, age: 86_400),
        .init("pending, age = window + 1 → expired, restart", .pending(firstSeen: t0), now: t0 + 86_401, .refuse(.expired), .restart, age: 86_401),
        .init("pending from the future → age 0, early", .pending(firstSeen: t0 + 1000), now: t0, .refuse(.early), .none, age: 0),
        .init("passed, age 0 → known", .passed(lastSeen: t0), now: t0, .pass(.known), .none, age: 0),
        .init("passed, age = refresh − 1 → known, no write", .passed(lastSeen: t0), now: t0 + 3599, .pass(.known), .none, age: 3599),
        .init("passed, age = refresh → known, refresh", .passed(lastSeen: t0), now: t0 + 3600, .pass(.known), .refresh, age: 3600),
        .init("passed, age = lifetime → known, refresh", .passed(lastSeen: t0), now: t0 + lifetime, .pass(.known), .refresh, age: lifetime),
        .init("passed, age = lifetime + 1 → expired, restart", .passed(lastSeen: t0), now: t0 + lifetime + 1, .refuse(.expired), .restart, age: lifetime + 1),
        .init("passed from the future → age 0, known", .passed(lastSeen: t0 + 1000), now: t0, .pass(.known), .none, age: 0),
    ]

    @Test(arguments: cases)
    func decisionTable(_ row: DecisionCase) {
        #expect(Self.policy.decide(record: row.record, now: row.now) == row.decision)
    }

    @Test func zeroDelayPassesTheFirstRetryAtOnce() {
        let policy = Policy(delay: 0, window: 10, lifetime: 10)
        #expect(policy.decide(record: .pending(firstSeen: Self.t0), now: Self.t0).outcome == .pass(.retried))
    }
}
