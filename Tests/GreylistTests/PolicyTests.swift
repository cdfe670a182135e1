import Greylist
import GreylistAdmin
import Testing

struct DecisionCase: CustomTestStringConvertible, Sendable {
    let name: String, record: Record?, now: Timestamp, decision: Decision
    var testDescription: String { name }
    init(_ name: String, _ record: Record?, now: Timestamp, _ outcome: Outcome, _ action: StoreAction, age: Seconds?,
         clockSkew: Seconds? = nil) {
        (self.name, self.record, self.now) = (name, record, now)
        decision = Decision(outcome, action, age: age, clockSkew: clockSkew)
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
        .init("pending, dated tolerance ahead → age 0, early", .pending(firstSeen: t0 + 60), now: t0, .refuse(.early), .none, age: 0),
        .init("pending, dated tolerance + 1 ahead → started over, early", .pending(firstSeen: t0 + 61), now: t0,
              .refuse(.early), .restart, age: 0, clockSkew: 61),
        .init("pending, dated a year ahead → started over, early", .pending(firstSeen: t0 + 366 * 86_400), now: t0,
              .refuse(.early), .restart, age: 0, clockSkew: 366 * 86_400),
        .init("passed, age 0 → known", .passed(lastSeen: t0), now: t0, .pass(.known), .none, age: 0),
        .init("passed, age = refresh − 1 → known, no write", .passed(lastSeen: t0), now: t0 + 3599, .pass(.known), .none, age: 3599),
        .init("passed, age = refresh → known, refresh", .passed(lastSeen: t0), now: t0 + 3600, .pass(.known), .refresh, age: 3600),
        .init("passed, age = lifetime → known, refresh", .passed(lastSeen: t0), now: t0 + lifetime, .pass(.known), .refresh, age: lifetime),
        .init("passed, age = lifetime + refresh → known, refresh", .passed(lastSeen: t0), now: t0 + lifetime + 3600,
              .pass(.known), .refresh, age: lifetime + 3600),
        .init("passed, age = lifetime + refresh + 1 → expired, restart", .passed(lastSeen: t0), now: t0 + lifetime + 3601,
              .refuse(.expired), .restart, age: lifetime + 3601),
        .init("passed, dated tolerance ahead → age 0, known", .passed(lastSeen: t0 + 60), now: t0, .pass(.known), .none, age: 0),
        .init("passed, dated tolerance + 1 ahead → known, refreshed", .passed(lastSeen: t0 + 61), now: t0,
              .pass(.known), .refresh, age: 0, clockSkew: 61),
    ]

    @Test(arguments: cases)
    func decisionTable(_ row: DecisionCase) {
        #expect(Self.policy.decide(record: row.record, now: row.now) == row.decision)
    }

    /// A sender that keeps coming back within the lifetime is never expired, however short the lifetime
    /// against the hourly refresh: each visit leaves a record that lives at least a lifetime from then.
    @Test(arguments: [60, 1800, 7200, 86_400] as [Seconds], [1, 7, 29, 59] as [Seconds])
    func anActiveSenderNeverExpires(lifetime: Seconds, gapInSixtieths: Seconds) {
        let policy = Policy(delay: 300, window: 86_400, lifetime: lifetime, refreshInterval: 3600)
        let gap = max(1, lifetime * gapInSixtieths / 60)
        var record = Record.passed(lastSeen: Self.t0)
        var now = Self.t0
        for _ in 0..<500 {
            now += gap
            let decision = policy.decide(record: record, now: now)
            #expect(decision.outcome == .pass(.known), "lifetime \(lifetime)s, visits every \(gap)s, at +\(now - Self.t0)s")
            if decision.storeAction == .refresh { record = .passed(lastSeen: now) }
        }
    }

    @Test func aThirtyMinuteLifetimeRefreshesASenderSeenTwentyFiveMinutesAgo() {
        let policy = Policy(delay: 300, window: 86_400, lifetime: 1800, refreshInterval: 3600)
        #expect(policy.decide(record: .passed(lastSeen: Self.t0), now: Self.t0 + 1500) == Decision(.pass(.known), .refresh, age: 1500))
    }

    @Test func zeroDelayPassesTheFirstRetryAtOnce() {
        let policy = Policy(delay: 0, window: 10, lifetime: 10)
        #expect(policy.decide(record: .pending(firstSeen: Self.t0), now: Self.t0).outcome == .pass(.retried))
    }
}
