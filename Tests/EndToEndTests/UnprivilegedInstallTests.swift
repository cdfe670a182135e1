import Foundation
import Glibc
import Testing

/// tools/install as another user than root.
@Suite(.enabled(if: runningAsRoot, "running as another user needs root"))
struct UnprivilegedInstallTests {
    /// Packaging below --root without --user: everything but the state directory, which root must make for the user.
    @Test func aRootInstallWithoutAUserSaysWhatItSkipped() throws {
        let installation = try InstallTests()
        try FileManager.default.setAttributes([.ownerAccountName: "nobody"], ofItemAtPath: installation.root.path)
        let tree = try installation.stagedTree()
        let installed = try installation.install([], asNobody: true, from: tree.path, built: tree.path + "/bin", account: [])
        #expect(installed.status == 0, "\(installed.output)\(installed.errors)")
        #expect(installed.output.contains("install: skipped the state directory \(installation.prefix)/cqgreylist: not root, so it cannot be "
                                          + "made owned by qmaild:nofiles. On the target, as root: install -d -m 700 -o qmaild -g nofiles "
                                          + "/var/qmail/cqgreylist"), "\(installed.output)")
        #expect(FileManager.default.fileExists(atPath: installation.prefix + "/bin/cqgreylist"))
        #expect(!FileManager.default.fileExists(atPath: installation.prefix + "/cqgreylist"))
    }

    /// A destination the user may not write: qmail's 111 and a message, not coreutils' 1.
    @Test func anInstallThatCannotWriteExits111() throws {
        let installation = try InstallTests()
        let tree = try installation.stagedTree()
        let command = [tree.path + "/tools/install", "--prefix", installation.root.path + "/qmail"] + InstallTests.account
        let result = try run("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups"] + command,
                             environment: ["CQGREYLIST_BUILT": tree.path + "/bin", "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"])
        #expect(result.status == 111)
        #expect(result.errors.contains("install: fatal: stopped by the failure above (exit 1): not root; run tools/install as root, "
                                       + "or give --root DIR, a destination this user can write\n"), "\(result.errors)")
    }
}
