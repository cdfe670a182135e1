import Foundation
import Greylist
import GreylistAdmin
import GreylistSystem
import GreylistTools
import Testing
import TestSupport

/// One row of DESIGN §3's table: a record of some age, what the wrapper decides, and the record it leaves.
struct StoreCase: CustomTestStringConvertible, Sendable {
    enum After: Sendable { case unchanged, pendingNow, passedNow }
    let testDescription: String
    let record: (passed: Bool, age: Int64)?
    let outcome: Outcome
    let after: After

    init(_ description: String, _ record: (passed: Bool, age: Int64)?, _ outcome: Outcome, _ after: After) {
        (testDescription, self.record, self.outcome, self.after) = (description, record, outcome, after)
    }
}

/// The two stores the same table runs against.
enum StoreKind: String, CaseIterable, Sendable { case directory, redis }

let policy = Settings.defaults.policy
let storeCases: [StoreCase] = [
    StoreCase("none → new, pending now", nil, .refuse(.new), .pendingNow),
    // A few seconds off each boundary: the clock may tick between writing a record and deciding on it (the exact
    // boundaries are PolicyTests' job).
    StoreCase("pending, age = delay − 5 → early", (false, policy.delay - 5), .refuse(.early), .unchanged),
    StoreCase("pending, age = delay + 1 → retried, passed now", (false, policy.delay + 1), .pass(.retried), .passedNow),
    StoreCase("pending, age = window − 5 → retried", (false, policy.window - 5), .pass(.retried), .passedNow),
    StoreCase("pending, age = window + 1 → expired, pending now", (false, policy.window + 1), .refuse(.expired), .pendingNow),
    StoreCase("passed, age 10 → known, not rewritten", (true, 10), .pass(.known), .unchanged),
    StoreCase("passed, age = refresh interval → known, refreshed", (true, policy.effectiveRefreshInterval), .pass(.known), .passedNow),
    StoreCase("passed, age = life + 1 → expired, pending now", (true, policy.passedRecordLife + 1), .refuse(.expired), .pendingNow),
    StoreCase("pending, dated 2 min ahead → early, pending now", (false, -120), .refuse(.early), .pendingNow),
    StoreCase("passed, dated 2 min ahead → known, passed now", (true, -120), .pass(.known), .passedNow),
]

@Suite struct RecordStoreTableTests {
    @Test(arguments: StoreKind.allCases, storeCases)
    func theDecisionTableHoldsOnBothStores(_ kind: StoreKind, _ row: StoreCase) throws {
        let environment: Environment = ["TCPREMOTEIP": "192.0.2.7"]
        let verdict: Verdict, after: Record?, now: Int64
        switch kind {
        case .directory:
            let state = try TemporaryDirectory()
            if let record = row.record { try state.writeRecord("192/192.0.2.7", passed: record.passed, age: Int(record.age)) }
            let settings = Settings(options: [.init(.directory, state.path)])
            (verdict, now) = (Greylister(settings: settings).run(environment: environment, now: currentTime()), currentTime())
            after = try RecordDirectory(path: state.path).record(for: verdict.key!)
        case .redis:
            let redis = try RedisTestServer()
            if let record = row.record { try redis.writeRecord("192.0.2.7", passed: record.passed, age: record.age) }
            let settings = Settings(options: [.init(.redis, redis.socket)])
            // The wall clock is given as 0: the Redis store must judge by the server's clock.
            (verdict, now) = (Greylister(settings: settings).run(environment: environment, now: 0), try redis.now())
            let value = try redis.cli("GET", "cqgreylist:192.0.2.7")
            after = value.isEmpty ? nil : RedisRecords.record(fromValue: Array(value.utf8))
        }
        #expect(verdict.outcome == row.outcome, "\(verdict.warnings)")
        let closeToNow = { (time: Int64) in abs(time - now) <= 2 }
        switch (row.after, after) {
        case (.unchanged, .pending(let time)?): #expect(row.record?.passed == false && abs(time - (now - row.record!.age)) <= 2)
        case (.unchanged, .passed(let time)?): #expect(row.record?.passed == true && abs(time - (now - row.record!.age)) <= 2)
        case (.pendingNow, .pending(let time)?): #expect(closeToNow(time))
        case (.passedNow, .passed(let time)?): #expect(closeToNow(time))
        default: Issue.record("record after: \(String(describing: after)), expected \(row.after)")
        }
    }
}
