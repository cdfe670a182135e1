import Foundation
import Testing

/// The sample files in etc/, the tools' output and their shell completions: edges an administrator meets
/// on the way to a working setup.
@Suite struct SmallEdgesTests {
    static let logLine = "cqgreylist: pid=1 ip=192.0.2.7 key=192.0.2.7 action=greylist reason=new\n"

    /// A report (or a summary) that could not be written is a failure the cron mail shows, not exit 0.
    @Test(arguments: [
        ("report to a full disk", "\"$B/cqgreylist-report\" \"$L\" > /dev/full", "cqgreylist-report", "No space left on device"),
        ("report with stdout closed", "\"$B/cqgreylist-report\" \"$L\" >&-", "cqgreylist-report", "Bad file descriptor"),
        ("help to a full disk", "\"$B/cqgreylist-report\" --help > /dev/full", "cqgreylist-report", "No space left on device"),
        ("cleaner's summary with stdout closed", "\"$B/cqgreylist-clean\" --dir \"$D\" >&-", "cqgreylist-clean", "Bad file descriptor"),
    ])
    func outputThatCannotBeWrittenIsASystemError(_ description: String, _ command: String, _ program: String, _ error: String) throws {
        let scratch = try TemporaryDirectory()
        try Self.logLine.write(toFile: scratch.path + "/log", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: scratch.path + "/state", withIntermediateDirectories: false)
        let result = try shell(command, environment: ["B": Built.directory, "L": scratch.path + "/log", "D": scratch.path + "/state"])
        #expect(result.status == 111, "\(description): \(result.errors)")
        #expect(result.errors.hasSuffix("\(program): fatal: unable to write to standard output: \(error)\n"), "\(result.errors)")
    }

    /// The report with a closed stdout and --prometheus: the metrics file never becomes its standard output.
    @Test func aClosedStdoutIsNotTheMetricsFile() throws {
        let scratch = try TemporaryDirectory()
        try Self.logLine.write(toFile: scratch.path + "/log", atomically: false, encoding: .utf8)
        let result = try shell("\"$B/cqgreylist-report\" --prometheus \"$S/log.prom\" \"$S/log\" >&-",
                               environment: ["B": Built.directory, "S": scratch.path])
        #expect(result.status == 111)
        let metrics = try String(contentsOfFile: scratch.path + "/log.prom", encoding: .utf8)
        #expect(!metrics.contains("clients greylisted") && metrics.hasPrefix("# HELP "), "\(metrics)")
    }

    /// etc/run starts softlimit and tcpserver from the PATH (Debian's daemontools has /usr/bin/softlimit):
    /// stand-ins on the PATH show what it runs.
    @Test func theSampleRunScriptFindsSoftlimitOnThePath() throws {
        let stubs = try TemporaryDirectory()
        for program in ["softlimit", "tcpserver"] {
            let stub = stubs.path + "/" + program
            try "#!/bin/sh\necho \"\(program) $*\"\n".write(toFile: stub, atomically: false, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: stub)
        }
        let result = try run("/bin/sh", [Built.source("etc/run")], environment: ["PATH": stubs.path + ":/usr/bin:/bin"])
        #expect(result.status == 0, "\(result.output)\(result.errors)")
        #expect(result.output.hasPrefix("softlimit -m 30000000 tcpserver -v -R -p "), "\(result.output)")
    }

    /// cron does not join a line that ends in a backslash: every cron line in etc/crontab and in the man pages'
    /// examples, commented out or not, is one line.
    @Test func noCronLineIsSplit() throws {
        let cronLine = #/^\s*#?\s*(@\w+|[0-9*][0-9*/,-]*\s+[0-9*][0-9*/,-]*\s+[0-9*][0-9*/,-]*\s+[0-9*][0-9*/,-]*\s+[0-9*][0-9*/,-]*)\s+\S/#
        var seen = 0
        for file in ["etc/crontab"] + ManPageTests.pages.map({ "etc/man/\($0).8" }) {
            for line in try String(contentsOfFile: Built.source(file), encoding: .utf8).split(separator: "\n") where line.contains(cronLine) {
                seen += 1
                #expect(!line.hasSuffix("\\") && !line.hasSuffix("\\e"), "\(file): \(line)")
            }
        }
        #expect(seen >= 8)
    }

    /// bash completion offers paths for the options and arguments that take a file or a directory.
    @Test(arguments: [
        ("cqgreylist-report", ["--prometheus", "me"], "metrics.prom"),
        ("cqgreylist-report", ["lo"], "logs"),
        ("cqgreylist-report", ["--since", "1d", "me"], "metrics.prom"),
        ("cqgreylist-clean", ["--dir", "lo"], "logs"),
        ("cqgreylist-clean", ["--prometheus", "me"], "metrics.prom"),
        ("cqgreylist-clean", ["--redis-password-file", "me"], "metrics.prom"),
        ("cqgreylist-mkwhitelist", ["--cdb", "me"], "metrics.prom"),
        ("cqgreylist-mkwhitelist", ["me"], "metrics.prom"),
    ])
    func bashCompletesPaths(_ program: String, _ words: [String], _ expected: String) throws {
        let scratch = try TemporaryDirectory()
        let script = try run(Built.path(program), ["--generate-completion-script", "bash"])
        #expect(script.status == 0)
        try script.output.write(toFile: scratch.path + "/completion", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: scratch.path + "/logs", withIntermediateDirectories: false)
        try "".write(toFile: scratch.path + "/metrics.prom", atomically: false, encoding: .utf8)
        let line = ([program] + words).joined(separator: " ")
        let complete = """
            source "$S/completion"; cd "$S"
            COMP_LINE="$LINE"; COMP_POINT=${#COMP_LINE}; read -ra COMP_WORDS <<< "$LINE"; COMP_CWORD=$((${#COMP_WORDS[@]} - 1))
            _\(program) "$P" "${COMP_WORDS[COMP_CWORD]}" "${COMP_WORDS[COMP_CWORD - 1]}"
            printf '%s\\n' "${COMPREPLY[@]}"
            """
        let result = try run("/bin/bash", ["-c", complete], environment: ["S": scratch.path, "LINE": line, "P": program])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output.split(separator: "\n").contains(Substring(expected)), "\(line): \(result.output)")
    }
}
