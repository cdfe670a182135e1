import Foundation
import Testing

/// A small run of the load benchmark with this build: real tcpserver at concurrency 100, Postfix's smtp-source
/// on every path, 200 new client addresses each connecting twice; the script checks that exactly the expected
/// records exist, that every session was logged, and that every accepted message was delivered.
@Suite struct LoadTests {
    @Test(.enabled(if: runningAsRoot, "a private network namespace, where each new address is its own source, needs root"))
    func loadLeavesExactlyTheExpectedRecordsLogLinesAndMessages() throws {
        let result = try run("/bin/bash", [Built.source("tools/bench/load"), "100", "200", "1"],
                             environment: ["CQGREYLIST_BIN": Built.directory], limit: 120)
        #expect(result.status == 0, "\(result.output)\(result.errors)")
        let checks = result.output.split(separator: "\n").filter { $0.hasPrefix("  ok: ") || $0.hasPrefix("  FAIL: ") }
        #expect(checks.count == 16 && checks.allSatisfy { $0.hasPrefix("  ok: ") }, "\(result.output)")
    }
}
