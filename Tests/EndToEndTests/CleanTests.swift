import Foundation
import Testing

/// cqgreylist-clean against real state directories.
@Suite struct CleanTests {
    let state: TemporaryDirectory
    init() throws { state = try TemporaryDirectory() }

    /// Writes a record (`passed` adds content) aged `seconds` (negative: dated ahead).
    func record(_ relative: String, passed: Bool = false, age seconds: Int) throws {
        try state.writeRecord(relative, passed: passed, age: seconds)
    }

    func clean(_ arguments: [String] = [], environment: [String: String] = [:]) throws -> Finished {
        try run(Built.clean, ["--dir", state.path] + arguments, environment: environment)
    }

    static let day = 86_400, hour = 3600, lifetime = 36 * 86_400

    @Test func removesExactlyThePastTheirWindowByMoreThanAnHour() throws {
        try record("192/192.0.2.1", age: Self.day + Self.hour - 60)                       // pending, inside the grace
        try record("192/192.0.2.2", age: Self.day + Self.hour + 60)                       // pending, expired
        try record("192/192.0.2.3", passed: true, age: Self.lifetime + 2 * Self.hour - 60)   // passed, inside refresh + grace
        try record("192/192.0.2.4", passed: true, age: Self.lifetime + 2 * Self.hour + 60)   // passed, expired
        try record("192/192.0.2.5", passed: true, age: 10 * Self.day)                     // passed, known
        try record("2001/2001:db8:1:2::", age: 2 * Self.day)                              // IPv6 pending, expired
        try record("198/198.51.100", age: 60)                                             // a /24 key, fresh
        try record("2001/2001:db8:1::_48", age: 60)                                       // a /48 key, fresh
        let result = try clean()
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.errors.isEmpty)
        #expect(state.files() == ["192/192.0.2.1", "192/192.0.2.3", "192/192.0.2.5", "198/198.51.100", "2001/2001:db8:1::_48"])
        let summary = try #require(result.output.split(separator: "\n").last)
        #expect(summary.hasPrefix("cqgreylist-clean: scanned=8 pending=5 passed=3 removed=3 repaired=0 skipped=0 errors=0 elapsed="))
        #expect(summary.hasSuffix("s"))
    }

    @Test func settingsComeFromOptionsOrTheWrappersVariables() throws {
        try record("192/192.0.2.1", age: 3 * Self.hour)
        try record("192/192.0.2.2", passed: true, age: 3 * Self.day)
        #expect(try clean(["--window", "1h"]).status == 0)
        #expect(state.files() == ["192/192.0.2.2"])
        #expect(try clean(environment: ["CQGREYLIST_LIFETIME": "1d"]).status == 0)
        #expect(state.files().isEmpty)
    }

    @Test func aDirectoryWrittenByCqgreylist02IsCleanedByFirstSeenTime() throws {
        for octet in 1...20 { try record("10/10.0.0.\(octet)", age: octet * Self.hour * 2) }   // 0.2 writes empty files only
        #expect(try clean().status == 0)
        #expect(state.files() == (1...12).map { "10/10.0.0.\($0)" }.sorted())
    }

    @Test func foreignFilesAndSymlinksAreReportedAndLeftAlone() throws {
        let outside = try TemporaryDirectory()
        #expect(FileManager.default.createFile(atPath: outside.path + "/10.0.0.1", contents: Data()))
        try age(outside.path + "/10.0.0.1", by: 400 * Self.day)
        try record("10/notes.txt", age: 400 * Self.day)
        try record("10/10.0.0.2", age: 400 * Self.day)
        try record("README", age: 400 * Self.day)
        try FileManager.default.createSymbolicLink(atPath: state.path + "/10/10.0.0.1", withDestinationPath: outside.path + "/10.0.0.1")
        try FileManager.default.createSymbolicLink(atPath: state.path + "/11", withDestinationPath: outside.path)
        let result = try clean()
        #expect(result.status == 0)
        #expect(state.files() == ["10/10.0.0.1", "10/notes.txt", "README"])   // the symlink stays too
        #expect(FileManager.default.fileExists(atPath: outside.path + "/10.0.0.1"))
        #expect(result.errors.contains("cqgreylist-clean: skipping \(state.path)/10/notes.txt: not a record name\n"))
        #expect(result.errors.contains("cqgreylist-clean: skipping \(state.path)/10/10.0.0.1: not a regular file\n"))
        #expect(result.errors.contains("cqgreylist-clean: skipping \(state.path)/11: not a directory of records\n"))
        #expect(result.output.contains(" removed=1 repaired=0 skipped=4 errors=0 "))
    }

    @Test func dryRunAndStatsRemoveNothing() throws {
        try record("192/192.0.2.1", age: 3 * Self.day)
        try record("192/192.0.2.2", passed: true, age: 60)
        let dry = try clean(["--dry-run"])
        #expect(dry.output.hasPrefix("would remove \(state.path)/192/192.0.2.1 (pending, first seen 3d"))   // "3d", or "3d 1s" on a slow machine
        #expect(dry.output.contains(" removable=1 repairable=0 "))
        let stats = try clean(["--stats"])
        #expect(stats.output.contains("  records: 2 (pending 1, passed 1), foreign files: 0\n"))
        #expect(stats.output.contains("  never came back (pending past the 86400s retry window): 1 (100% of pending)\n"))
        #expect(stats.output.contains("  busiest /24: 192.0.2.0/24 2\n"))
        #expect(state.files().count == 2)
    }

    @Test(.enabled(if: getuid() == 0, "needs root, to make a directory unreadable to the cleaner run as nobody"))
    func errorsOnSingleFilesAreCountedAndTheScanGoesOn() throws {
        try record("10/10.0.0.1", age: 3 * Self.day)
        try record("11/11.0.0.1", age: 3 * Self.day)
        try FileManager.default.setAttributes([.posixPermissions: 0o777], ofItemAtPath: state.path + "/11")
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: state.path + "/10")
        let result = try shell(#"exec setpriv --reuid=65534 --regid=65534 --clear-groups "$C" --dir "$D""#,
                               environment: ["C": Built.clean, "D": state.path])
        #expect(result.status == 111)
        #expect(result.errors.contains("cqgreylist-clean: unable to read \(state.path)/10: Permission denied\n"))
        #expect(result.output.contains(" removed=1 repaired=0 skipped=0 errors=1 "))
        #expect(state.files() == ["10/10.0.0.1"])
    }

    @Test(arguments: [
        (["--lifetime", "90days"], [:], #"bad --lifetime value "90days": not a duration like 300, 300s, 5m, 1h or 1d"#),
        (["--window", "2 days"], [:], #"bad --window value "2 days": not a duration like 300, 300s, 5m, 1h or 1d"#),
        ([], ["CQGREYLIST_LIFETIME": "90days"], #"bad CQGREYLIST_LIFETIME value "90days": not a duration like 300, 300s, 5m, 1h or 1d"#),
        ([], ["CQGREYLIST_DELAY": "5x"], #"bad CQGREYLIST_DELAY value "5x": not a duration like 300, 300s, 5m, 1h or 1d"#),
        ([], ["CQGREYLIST_DIR": ""], #"bad CQGREYLIST_DIR value "": not a path"#),
        (["--window", "1h"], ["CQGREYLIST_DELAY": "2h"],
         #"retry window 3600s (--window "1h") is shorter than the delay 7200s (CQGREYLIST_DELAY "2h")"#),
    ] as [([String], [String: String], String)])
    func aBadValueIsAUsageErrorAndNothingIsTouched(_ arguments: [String], _ environment: [String: String], _ problem: String) throws {
        try record("192/192.0.2.1", age: 400 * Self.day)
        try record("192/192.0.2.2", passed: true, age: 400 * Self.day)
        let result = try clean(arguments, environment: environment)
        #expect(result.status == 100)
        #expect(result.errors == "cqgreylist-clean: fatal: \(problem)\n")
        #expect(result.output.isEmpty)
        #expect(state.files() == ["192/192.0.2.1", "192/192.0.2.2"])
    }

    @Test func aRelativeDirectoryIsAPath() throws {
        try record("192/192.0.2.1", age: 400 * Self.day)
        let parent = (state.path as NSString).deletingLastPathComponent, name = (state.path as NSString).lastPathComponent
        let result = try shell(#"cd "$P" && exec "$C" --dir "$N""#, environment: ["P": parent, "N": name, "C": Built.clean])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.contains(" removed=1 "))
        #expect(state.files().isEmpty)
        let fromEnvironment = try shell(#"cd "$P" && exec "$C""#, environment: ["P": parent, "C": Built.clean, "CQGREYLIST_DIR": name])
        #expect(fromEnvironment.status == 0 && fromEnvironment.output.contains(" scanned=0 "))
    }

    @Test func aSecondCleanerSaysSoAndTouchesNothing() throws {
        try record("192/192.0.2.1", age: 400 * Self.day)
        // flock(1) holds the state directory's lock while a cleaner runs; a dry run takes no lock and still works.
        let result = try shell(#"exec flock "$D" "$C" --dir "$D""#, environment: ["D": state.path, "C": Built.clean])
        #expect(result.status == 111)
        #expect(result.errors == "cqgreylist-clean: fatal: another cqgreylist-clean is cleaning \(state.path)\n")
        #expect(result.output.isEmpty)
        #expect(state.files() == ["192/192.0.2.1"])
        let dry = try shell(#"exec flock "$D" "$C" --dir "$D" --dry-run"#, environment: ["D": state.path, "C": Built.clean])
        #expect(dry.status == 0 && dry.output.contains(" removable=1 "))
        #expect(try clean().status == 0)
        #expect(state.files().isEmpty)
    }

    @Test func namesAreEscapedAndForeignOnesSkippedWithoutError() throws {
        try record("192/192.0.2.1", age: 400 * Self.day)
        // A name with a newline that would forge a summary line, and names with 0xff bytes, at both levels.
        let result = try shell(#"""
            cd "$D" && mkdir "$(printf '10\nx')" "$(printf '\377')" && touch "192/$(printf 'x\ncqgreylist-clean: scanned=0 pending=0')" \
              "$(printf '192/\377\376')" "$(printf '10\nx/10.0.0.1')" "$(printf '\377/\377.0.0.1')" "$(printf 'top\377')" && exec "$C" --dir "$D"
            """#, environment: ["D": state.path, "C": Built.clean])
        #expect(result.status == 0, "\(result.errors)")
        let lines = result.errors.split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        #expect(lines.count == 5 && lines.allSatisfy { $0.hasPrefix("cqgreylist-clean: skipping \(state.path)/") })
        #expect(result.errors.contains("skipping \(state.path)/192/x\\x0acqgreylist-clean:\\x20scanned=0\\x20pending=0: not a record name\n"))
        #expect(result.errors.contains("skipping \(state.path)/192/\\xff\\xfe: not a record name\n"))
        #expect(result.errors.contains("skipping \(state.path)/10\\x0ax/10.0.0.1: not a record name\n"))
        #expect(result.errors.contains("skipping \(state.path)/\\xff/\\xff.0.0.1: not a record name\n"))
        #expect(result.errors.contains("skipping \(state.path)/top\\xff: not a directory of records\n"))
        #expect(result.output.split(separator: "\n").count == 1)
        #expect(result.output.hasPrefix("cqgreylist-clean: scanned=5 pending=1 passed=0 removed=1 repaired=0 skipped=5 errors=0 "))
        let remaining = try shell(#"find "$D" -type f -printf x | wc -c"#, environment: ["D": state.path])
        #expect(remaining.output == "5\n", "\(remaining)")   // every foreign file stays
        let again = try clean()
        #expect(again.status == 0 && again.output.contains(" errors=0 "))
    }

    @Test func recordsFromTheFutureAreRepaired() throws {
        try record("192/192.0.2.1", age: -2 * Self.day)
        try record("192/192.0.2.2", passed: true, age: -400 * Self.day)
        let dry = try clean(["--dry-run"])
        #expect(dry.output.contains("would repair \(state.path)/192/192.0.2.1 (pending, dated 2d ahead)\n")
            || dry.output.contains("would repair \(state.path)/192/192.0.2.1 (pending, dated 1d 23h ahead)\n"))
        #expect(dry.output.contains(" removable=0 repairable=2 "))
        let result = try clean(["-v"])
        #expect(result.status == 0)
        #expect(result.output.contains("repaired \(state.path)/192/192.0.2.2 (passed, dated "))
        #expect(result.output.contains(" removed=0 repaired=2 skipped=0 errors=0 "))
        for (name, size) in [("192.0.2.1", 0), ("192.0.2.2", 7)] {
            let attributes = try FileManager.default.attributesOfItem(atPath: state.path + "/192/" + name)
            #expect(abs((attributes[.modificationDate] as! Date).timeIntervalSinceNow) < 5)
            #expect(attributes[.size] as? Int == size)
        }
        #expect(try clean().output.contains(" removed=0 repaired=0 "))
    }

    @Test func aMissingStateDirectoryIsFatal() throws {
        let result = try run(Built.clean, ["--dir", "/nonexistent/state"])
        #expect(result.status == 111)
        #expect(result.errors == "cqgreylist-clean: fatal: unable to read /nonexistent/state: No such file or directory\n")
    }

    @Test func wrappersRunningDuringACleanLoseNoPassedClient() throws {
        // 400 known clients (passed, seen 2 days ago) keep connecting while 3000 expired records are removed
        // and new clients arrive; afterwards every known client still has its passed record.
        for host in 0..<400 { try record("10/10.0.\(host / 250).\(host % 250)", passed: true, age: 2 * Self.day) }
        for host in 0..<3000 { try record("11/11.0.\(host / 250).\(host % 250)", age: 5 * Self.day) }
        let result = try shell("""
            ( for i in $(seq 0 399); do TCPREMOTEIP=10.0.$((i / 250)).$((i % 250)) "$W" /bin/true; \
                TCPREMOTEIP=12.0.$((i / 250)).$((i % 250)) "$W" /bin/true </dev/null >/dev/null; done ) 2>"$D.log" &
            "$C" --dir "$D"; status=$?
            wait
            exit $status
            """, environment: ["W": Built.wrapper, "C": Built.clean, "D": state.path, "CQGREYLIST_DIR": state.path], limit: 120)
        #expect(result.status == 0, "\(result.errors)")
        let log = try String(contentsOfFile: state.path + ".log", encoding: .utf8)
        try? FileManager.default.removeItem(atPath: state.path + ".log")
        #expect(!log.contains("reason=error"))
        #expect(log.components(separatedBy: "reason=known").count - 1 == 400)
        let files = state.files()
        #expect(files.filter { $0.hasPrefix("10/") }.count == 400)
        #expect(files.filter { $0.hasPrefix("11/") }.isEmpty)
        #expect(files.filter { $0.hasPrefix("12/") }.count == 400)
        for host in 0..<400 {
            let size = try FileManager.default.attributesOfItem(atPath: state.path + "/10/10.0.\(host / 250).\(host % 250)")[.size] as? Int
            #expect(size == 7)
        }
    }
}
