import Foundation
import Testing

/// The sample files in etc/, the tools' output and their shell completions: edges an administrator meets
/// on the way to a working setup.
@Suite struct SmallEdgesTests {
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

}
