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

}
