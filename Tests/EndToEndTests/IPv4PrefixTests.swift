import Foundation
import Testing

/// Records keyed by an IPv4 network of any length from 16 to 32 (DESIGN §3: `198/198.51.96.0_19`), through every
/// program that reads or writes them.
@Suite struct IPv4PrefixTests {
    @Test func aNineteenBitKeyThroughTheWrapperTheCleanerRedisAndTheReport() throws {
        let state = try TemporaryDirectory(), logs = try TemporaryDirectory()
        let environment = ["CQGREYLIST_DIR": state.path, "CQGREYLIST_IPV4_PREFIX": "19"]
        var log = ""
        let first = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment.merging(["TCPREMOTEIP": "198.51.100.7"]) { $1 })
        #expect(first.errors.hasSuffix(" ip=198.51.100.7 key=198.51.96.0_19 action=greylist reason=new\n"), "\(first.errors)")
        #expect(state.files() == ["198/198.51.96.0_19"])
        log += first.errors
        try age(state.path + "/198/198.51.96.0_19", by: 400)
        // Another address of the same /19 retries: the provider's pool passes as one sender.
        let retry = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment.merging(["TCPREMOTEIP": "198.51.127.200"]) { $1 })
        #expect(retry.output == "passed\n" && retry.errors.contains(" key=198.51.96.0_19 action=pass age=40"), "\(retry.errors)")
        log += retry.errors
        let outside = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment.merging(["TCPREMOTEIP": "198.51.128.1"]) { $1 })
        #expect(outside.errors.hasSuffix(" key=198.51.128.0_19 action=greylist reason=new\n"), "\(outside.errors)")
        log += outside.errors

        let stats = try run(Built.clean, ["--dir", state.path, "--stats"])
        #expect(stats.status == 0 && stats.output.contains("scanned=2 pending=1 passed=1 ") && stats.output.contains(" skipped=0 "),
                "\(stats.output)\(stats.errors)")
        #expect(try run(Built.clean, ["--check-settings"], environment: ["CQGREYLIST_IPV4_PREFIX": "19"]).status == 0)
        let bad = try run(Built.clean, ["--check-settings"], environment: ["CQGREYLIST_IPV4_PREFIX": "15"])
        #expect(bad.status == 100 && bad.errors.contains(#"bad CQGREYLIST_IPV4_PREFIX value "15": must be 16 to 32"#), "\(bad.errors)")

        let redis = try RedisTestServer()
        let copy = try run(Built.clean, ["--dir", state.path, "--redis", redis.socket, "--copy-to-redis"])
        #expect(copy.status == 0 && copy.output.contains(" copied=2 "), "\(copy.output)\(copy.errors)")
        #expect(try redis.records().keys.sorted() == ["cqgreylist:198.51.128.0_19", "cqgreylist:198.51.96.0_19"])
        let known = try run(Built.wrapper, ["/bin/echo", "passed"], environment: [
            "TCPREMOTEIP": "198.51.99.1", "CQGREYLIST_IPV4_PREFIX": "19", "CQGREYLIST_REDIS": redis.socket, "CQGREYLIST_REDIS_TIMEOUT": "4s"])
        #expect(known.output == "passed\n" && known.errors.hasSuffix(" key=198.51.96.0_19 action=pass age=0 reason=known\n")
                || known.errors.hasSuffix(" key=198.51.96.0_19 action=pass age=1 reason=known\n"), "\(known.errors)")
        log += known.errors

        try log.write(toFile: logs.path + "/current", atomically: true, encoding: .utf8)
        let report = try run(Built.report, [logs.path + "/current"])
        #expect(report.status == 0 && report.output.contains(" 0 unreadable\n") && report.output.contains("connections: 4\n")
                && report.output.contains("clients greylisted: 2\n") && report.output.contains("came back and passed: 1 (50%)"), "\(report.output)")
    }
}
