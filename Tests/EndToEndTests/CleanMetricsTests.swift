import Foundation
import Testing

/// cqgreylist-clean's metrics and settings check.
@Suite struct CleanMetricsTests {
    let state: TemporaryDirectory
    init() throws { state = try TemporaryDirectory() }

    @Test func statsAsPrometheusMetrics() throws {
        try state.writeRecord("192/192.0.2.1", age: 3 * 86_400)
        try state.writeRecord("192/192.0.2.2", age: 60)
        try state.writeRecord("192/192.0.2.3", passed: true, age: 2 * 3600)
        try state.writeRecord("2001/2001:db8:1:2::", passed: true, age: 10 * 86_400)
        let output = try TemporaryDirectory()
        let metrics = output.path + "/cqgreylist_state.prom"
        let result = try run(Built.clean, ["--dir", state.path, "--stats", "--prometheus", metrics])
        #expect(result.status == 0, "\(result.errors)")
        let samples = try prometheusSamples(metrics)
        #expect(samples[#"cqgreylist_state_records{state="pending"}"#] == 2)
        #expect(samples[#"cqgreylist_state_records{state="passed"}"#] == 2)
        #expect(samples[#"cqgreylist_state_record_age_seconds_bucket{le="3600",state="pending"}"#] == 1)
        #expect(samples[#"cqgreylist_state_record_age_seconds_bucket{le="+Inf",state="pending"}"#] == 2)
        #expect(samples[#"cqgreylist_state_record_age_seconds_bucket{le="86400",state="passed"}"#] == 1)
        #expect(samples[#"cqgreylist_state_record_age_seconds_count{state="passed"}"#] == 2)
        let sum = try #require(samples[#"cqgreylist_state_record_age_seconds_sum{state="pending"}"#])
        #expect((259_260.0...259_270.0).contains(sum))   // 3 days and 60 s, and the seconds the run took
        #expect(samples["cqgreylist_state_never_came_back_records"] == 1)
        #expect(samples[#"cqgreylist_state_busiest_prefix_records{prefix="192.0.2.0/24"}"#] == 3)
        #expect(samples[#"cqgreylist_state_busiest_prefix_records{prefix="2001:db8:1:2::/64"}"#] == 1)
        #expect(samples["cqgreylist_state_foreign_files"] == 0 && samples["cqgreylist_state_errors"] == 0)
        #expect(samples["cqgreylist_state_scan_duration_seconds"] != nil)
        #expect(samples["cqgreylist_clean_removed_records"] == nil)   // --stats removes nothing
        #expect(try FileManager.default.contentsOfDirectory(atPath: output.path) == ["cqgreylist_state.prom"])

        let cleanedMetrics = output.path + "/cqgreylist_clean.prom"
        let cleaned = try run(Built.clean, ["--dir", state.path, "--prometheus", cleanedMetrics])
        #expect(cleaned.status == 0)
        let after = try prometheusSamples(cleanedMetrics)
        #expect(after["cqgreylist_clean_removed_records"] == 1 && after["cqgreylist_clean_repaired_records"] == 0)
        #expect(after[#"cqgreylist_clean_records{state="pending"}"#] == 2 && after["cqgreylist_clean_duration_seconds"] != nil)
        #expect(after["cqgreylist_state_never_came_back_records"] == nil)   // statistics only with --stats

        // node_exporter's textfile collector reads both files as one and rejects a series found in both.
        #expect(Set(samples.keys).isDisjoint(with: after.keys), "\(Set(samples.keys).intersection(after.keys))")
        let both = output.path + "/both"
        try (String(contentsOfFile: metrics, encoding: .utf8) + String(contentsOfFile: cleanedMetrics, encoding: .utf8))
            .write(toFile: both, atomically: false, encoding: .utf8)
        #expect(try prometheusSamples(both).count == samples.count + after.count)
    }

    @Test func aMetricsFileThatCannotBeWrittenIsASystemError() throws {
        let result = try run(Built.clean, ["--dir", state.path, "--stats", "--prometheus", state.path + "/missing/x.prom"])
        #expect(result.status == 111)
        #expect(result.errors.contains("cqgreylist-clean: fatal: unable to write metrics: create \(state.path)/missing/x.prom.tmp."))
    }

    @Test func checkSettingsUnderEnvdir() throws {
        let env = try TemporaryDirectory()
        try "/srv/greylist\n".write(toFile: env.path + "/CQGREYLIST_DIR", atomically: false, encoding: .utf8)
        try "10m\n".write(toFile: env.path + "/CQGREYLIST_DELAY", atomically: false, encoding: .utf8)
        try "\n".write(toFile: env.path + "/CQGREYLIST_LOGONLY", atomically: false, encoding: .utf8)
        let good = try run("/usr/bin/envdir", [env.path, Built.clean, "--check-settings"])
        #expect(good.status == 0 && good.errors.isEmpty, "\(good.errors)")
        #expect(good.output == "CQGREYLIST_DIR=/srv/greylist\nCQGREYLIST_WHITELIST=/var/qmail/control/cqgreylist.cdb\nCQGREYLIST_LOGONLY=on\n")
        try "129\n".write(toFile: env.path + "/CQGREYLIST_IPV6_PREFIX", atomically: false, encoding: .utf8)
        try "x y\n".write(toFile: env.path + "/CQGREYLIST_HOSTNAME", atomically: false, encoding: .utf8)
        let bad = try run("/usr/bin/envdir", [env.path, Built.clean, "--check-settings"])
        #expect(bad.status == 100)
        #expect(bad.errors == """
            cqgreylist-clean: bad CQGREYLIST_IPV6_PREFIX value "129": must be 16 to 128
            cqgreylist-clean: bad CQGREYLIST_HOSTNAME value "x y": must be printable ASCII without spaces

            """, "\(bad.errors)")
        #expect(state.files().isEmpty)
    }

    /// `ms` is for the Redis time budget only: a whole-seconds setting given in ms says what it needs.
    @Test func millisecondsWhereWholeSecondsAreNeeded() throws {
        let result = try run(Built.clean, ["--dir", state.path, "--window", "1500ms"])
        #expect(result.status == 100)
        #expect(result.errors == "cqgreylist-clean: fatal: bad --window value \"1500ms\": must be whole seconds (ms is for the Redis time budget)\n",
                "\(result.errors)")
    }
}
