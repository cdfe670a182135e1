import Foundation
import Glibc
import Testing

/// Whether this machine has nothing of cqgreylist's that installing the package would touch: no package, no
/// /var/qmail, no crontab. The package tests install it for real and leave the machine as they found it.
private let machineIsFree = !["/var/qmail", "/etc/cron.d/cqgreylist", "/var/lib/cqgreylist"].contains(where: FileManager.default.fileExists)
    && ((try? run("/usr/bin/dpkg-query", ["-W", "-f", "${Status}", "cqgreylist"]))
        .map { $0.status != 0 || $0.output.hasSuffix("not-installed") } ?? false)

/// tools/package's Debian package, installed on this machine as an administrator would (apt), then upgraded,
/// removed and purged. Installing a package is machine-wide, so the tests run one at a time, each purging the package
/// and removing the qmail user and group it made (if it made them) when it ends, whatever happened.
@Suite(.serialized,
       .enabled(if: runningAsRoot, "installing a Debian package needs root"),
       .enabled(if: machineIsFree, "cqgreylist (or /var/qmail) is installed on this machine: the package tests would change it"))
final class PackageTests {
    let scratch: TemporaryDirectory
    let version: String
    let package: String
    /// The qmail user and group, made for the test where missing (qmail is not packaged in Debian).
    private var madeUser = false, madeGroup = false
    static let environment = ["PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "DEBIAN_FRONTEND": "noninteractive"]
    static let sbin = ["cqgreylist", "cqgreylist-mkwhitelist", "cqgreylist-clean", "cqgreylist-report"].map { "/usr/sbin/" + $0 }

    init() throws {
        scratch = try TemporaryDirectory()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path)   // qmaild must reach it
        version = BuiltPackage.shared.version
        package = BuiltPackage.shared.path
        try #require(!package.isEmpty, "tools/package failed: \(BuiltPackage.shared.result.errors)")
    }

    deinit {
        _ = try? apt(["purge", "cqgreylist"])
        if madeUser { _ = try? run("/usr/sbin/userdel", ["qmaild"], environment: Self.environment) }
        if madeGroup { _ = try? run("/usr/sbin/groupdel", ["nofiles"], environment: Self.environment) }
        for path in ["/var/qmail", "/etc/cron.d/cqgreylist"] {   // what the test made as the administrator (none was there)
            try? FileManager.default.removeItem(atPath: path)
        }
    }

    /// apt-get as an administrator runs it, waiting for a lock another apt may hold; output and errors together.
    @discardableResult
    func apt(_ arguments: [String]) throws -> Finished {
        let options = ["-y", "-q", "--no-install-recommends", "-o", "DPkg::Lock::Timeout=240"]
        let done = try run("/usr/bin/apt-get", options + arguments, environment: Self.environment, limit: 300)
        return Finished(status: done.status, output: done.output + done.errors, errors: "")
    }

    func makeQmailUser() throws {
        if (try run("/usr/bin/getent", ["group", "nofiles"])).status != 0 {
            #expect(try run("/usr/sbin/groupadd", ["--system", "nofiles"], environment: Self.environment).status == 0)
            madeGroup = true
        }
        if (try run("/usr/bin/getent", ["passwd", "qmaild"])).status != 0 {
            let added = try run("/usr/sbin/useradd", ["--system", "--gid", "nofiles", "--home-dir", "/var/qmail", "--no-create-home",
                                                      "--shell", "/usr/sbin/nologin", "qmaild"], environment: Self.environment)
            #expect(added.status == 0, "\(added.errors)")
            madeUser = true
        }
    }

    func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }
    func exists(_ path: String) -> Bool { FileManager.default.fileExists(atPath: path) }
    func installedVersion() throws -> String {
        try run("/usr/bin/dpkg-query", ["-W", "-f", "${Version} ${Status}", "cqgreylist"]).output
    }

    /// The same package with a lower version, as an older release would be.
    func olderPackage() throws -> String {
        let tree = scratch.path + "/older", older = scratch.path + "/older.deb"
        let made = try shell(#"dpkg-deb -R "$P" "$T" && sed -i "s/^Version: .*/Version: $V~older/" "$T/DEBIAN/control" && "#
                             + #"dpkg-deb --root-owner-group -Zgzip -z1 -b "$T" "$O" >/dev/null"#,
                             environment: ["P": package, "T": tree, "O": older, "V": version, "PATH": Self.environment["PATH"]!])
        #expect(made.status == 0, "\(made.errors)")
        return older
    }

    /// A program missing from a package install: `--check`'s fix is the package's own way back, and works as printed.
    func aMissingProgramsFixIsThePackages(installed package: String) throws {
        let check = { try run("/usr/share/cqgreylist/install", ["--check"], environment: Self.environment, limit: 120) }
        try FileManager.default.removeItem(atPath: "/var/qmail/bin/cqgreylist-report")   // the link
        var checked = try check()
        #expect(checked.output.contains("problem: /var/qmail/bin/cqgreylist-report is missing\n  fix: dpkg-reconfigure cqgreylist\n"),
                "\(checked.output)")
        #expect(try run("/usr/sbin/dpkg-reconfigure", ["-f", "noninteractive", "cqgreylist"], environment: Self.environment, limit: 120).status == 0)
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/var/qmail/bin/cqgreylist-report") == "/usr/sbin/cqgreylist-report")

        try FileManager.default.removeItem(atPath: "/usr/sbin/cqgreylist-report")   // the program the link names
        checked = try check()
        #expect(checked.output.contains("problem: /var/qmail/bin/cqgreylist-report is missing\n  fix: apt-get install --reinstall cqgreylist\n"),
                "\(checked.output)")
        #expect(try apt(["install", "--reinstall", package]).status == 0)
        #expect(try check().status == 0)
    }

    /// The administrator's whole round: install (first without qmail's user, then with it), a real connection
    /// through the installed wrapper, an edited whitelist and crontab, an upgrade that keeps them, remove, purge.
    @Test func installUpgradeRemovePurge() throws {
        let older = try olderPackage()
        let userExisted = try run("/usr/bin/getent", ["passwd", "qmaild"]).status == 0
        var installed = try apt(["install", older])
        #expect(installed.status == 0, "\(installed.output)")
        #expect(try installedVersion() == "\(version)~older install ok installed")
        if !userExisted {
            // No qmail here: the programs are installed, nothing is made in /var/qmail, and the note says how to finish.
            #expect(installed.output.contains("cqgreylist: there is no user qmaild or no group nofiles here"), "\(installed.output)")
            #expect(installed.output.contains("dpkg-reconfigure cqgreylist"))
            #expect(!exists("/var/qmail"))
            try makeQmailUser()
            installed = try run("/usr/sbin/dpkg-reconfigure", ["-f", "noninteractive", "cqgreylist"], environment: Self.environment, limit: 120)
            installed.output += installed.errors
            #expect(installed.status == 0, "\(installed.output)")
        }
        #expect(installed.output.contains("cqgreylist: made /var/qmail/cqgreylist, mode 700, owned by qmaild:nofiles"), "\(installed.output)")
        #expect(installed.output.contains("  check: ok (/var/qmail/bin, /var/qmail/cqgreylist, /var/qmail/control/cqgreylist.cdb)"),
                "\(installed.output)")
        for program in Self.sbin {
            #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/var/qmail/bin/" + (program as NSString).lastPathComponent) == program)
        }
        try aMissingProgramsFixIsThePackages(installed: older)
        #expect(exists("/usr/share/man/man8/cqgreylist.8.gz") && exists("/usr/share/bash-completion/completions/cqgreylist-clean"))
        #expect(try permissions("/var/qmail/cqgreylist") == 0o700)

        // The installed wrapper under a real tcpserver, run as qmaild as a qmail run script runs it.
        let mail = scratch.path + "/mail", standIn = scratch.path + "/stand-in-smtpd"
        try FileManager.default.copyItem(atPath: Built.standIn, toPath: standIn)
        let qmaild = try run("/usr/bin/id", ["-u", "qmaild"]).output, nofiles = try run("/usr/bin/getent", ["group", "nofiles"]).output
        let uid = Int(qmaild.trimmingCharacters(in: .newlines))!, gid = Int(nofiles.split(separator: ":")[2])!
        try FileManager.default.createDirectory(atPath: mail, withIntermediateDirectories: false,
                                                attributes: [.ownerAccountID: uid, .groupOwnerAccountID: gid])
        do {
            let server = try TCPServer(user: (uid, gid), environment: ["STANDIN_MAILDIR": mail],
                                       ["/var/qmail/bin/cqgreylist", standIn], log: scratch.path + "/log")
            #expect(try sendMail(to: server).showsRefusal)
            #expect(try FileManager.default.attributesOfItem(atPath: "/var/qmail/cqgreylist/127/127.0.0.1")[.ownerAccountName] as? String == "qmaild")
            // The administrator whitelists the client (the installed compiler, on PATH) and edits the crontab.
            try "# mine\n127.0.0.1\n".write(toFile: "/var/qmail/control/cqgreylist.txt", atomically: false, encoding: .utf8)
            #expect(try run("/usr/bin/env", ["cqgreylist-mkwhitelist"], environment: Self.environment).status == 0)
            #expect(try sendMail(to: server).showsDelivery)
            #expect(server.wrapperLog.last?.hasSuffix("reason=whitelist 127.0.0.1") == true, "\(server.wrapperLog)")
        }
        let cron = try #require(contents("/etc/cron.d/cqgreylist")) + Data("# MAILTO=postmaster\n".utf8)
        try cron.write(to: URL(fileURLWithPath: "/etc/cron.d/cqgreylist"))
        let admins = ["/var/qmail/control/cqgreylist.txt", "/var/qmail/control/cqgreylist.cdb", "/etc/cron.d/cqgreylist",
                      "/var/qmail/cqgreylist/127/127.0.0.1"]
        let before = admins.map(contents)

        let upgraded = try apt(["install", package])
        #expect(upgraded.status == 0, "\(upgraded.output)")
        #expect(try installedVersion() == "\(version) install ok installed")
        #expect(admins.map(contents) == before, "the upgrade changed the administrator's files")
        #expect(upgraded.output.contains("  check: ok ("), "\(upgraded.output)")
        #expect(!upgraded.output.contains("cqgreylist: made "), "\(upgraded.output)")

        let removed = try apt(["remove", "cqgreylist"])
        #expect(removed.status == 0, "\(removed.output)")
        #expect(!Self.sbin.contains(where: exists) && !exists("/var/qmail/bin/cqgreylist"))
        #expect(admins.map(contents) == before, "remove took the state, the whitelist or the crontab")

        let purged = try apt(["purge", "cqgreylist"])
        #expect(purged.status == 0, "\(purged.output)")
        #expect(purged.output.contains("cqgreylist: kept /var/qmail/control/cqgreylist.txt: it has changed since the package made it"),
                "\(purged.output)")
        #expect(try installedVersion().contains("not-installed") || installedVersion().isEmpty)
        // What the administrator made stays (the edited whitelist and the cdb compiled from it); nothing else.
        let left = try shell("find /var/qmail /var/lib/cqgreylist /etc/cron.d/cqgreylist 2>/dev/null | sort").output
        #expect(left == "/var/qmail\n/var/qmail/control\n/var/qmail/control/cqgreylist.cdb\n/var/qmail/control/cqgreylist.txt\n", "\(left)")
        #expect(contents("/var/qmail/control/cqgreylist.txt") == before[0])
    }

    /// A setup there before the package (tools/install's, or cqgreylist 0.2's state directory) is the administrator's:
    /// installing takes over only the copy of the programs (the run script's path then runs the package's), and after
    /// purging the rest is all there as it was, the crontab too (which dpkg takes for the package's conffile).
    @Test func aSetupMadeBeforeThePackageOutlivesItsPurge() throws {
        try makeQmailUser()
        let mine = try shell("""
            install -d -m 700 -o qmaild -g nofiles /var/qmail/cqgreylist /var/qmail/cqgreylist/192 &&
            install -m 600 -o qmaild -g nofiles /dev/null /var/qmail/cqgreylist/192/192.0.2.7 &&
            install -d /var/qmail/control && printf '192.0.2.25\\n' > /var/qmail/control/cqgreylist.txt &&
            printf '17 3 * * * qmaild /var/qmail/bin/cqgreylist-clean --dir /var/qmail/cqgreylist\\n' > /etc/cron.d/cqgreylist &&
            install -d /var/qmail/bin && install -m 755 "$W" /var/qmail/bin/cqgreylist
            """, environment: Self.environment.merging(["W": Built.wrapper]) { $1 })
        #expect(mine.status == 0, "\(mine.errors)")
        // All but the programs: the package takes tools/install's copy over (below).
        let listing = { try shell("find /var/qmail /etc/cron.d/cqgreylist ! -path '/var/qmail/bin/*' -printf '%p %u %g %m %y\\n' | sort; "
                                  + "cat /var/qmail/control/cqgreylist.txt /etc/cron.d/cqgreylist").output }
        let before = try listing()

        // dpkg asks whether to keep the crontab it finds in the conffile's place: the administrator keeps it.
        let installed = try apt(["-o", "Dpkg::Options::=--force-confold", "install", package])
        #expect(installed.status == 0, "\(installed.output)")
        #expect(!installed.output.contains("cqgreylist: made "), "\(installed.output)")
        #expect(exists("/var/qmail/control/cqgreylist.cdb"), "the missing cdb is compiled")
        #expect(installed.output.contains("  check: ok ("), "\(installed.output)")
        // tools/install's copy of the wrapper, which the run script names, is now the package's.
        #expect(installed.output.contains("cqgreylist: replaced /var/qmail/bin/cqgreylist (an earlier tools/install's) by a link"))
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: "/var/qmail/bin/cqgreylist") == "/usr/sbin/cqgreylist")

        let purged = try apt(["purge", "cqgreylist"])
        #expect(purged.status == 0 && purged.output.contains("cqgreylist: put back /etc/cron.d/cqgreylist"), "\(purged.output)")
        #expect(try listing() == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: "/var/qmail/bin") == [])
    }

    /// A site that gave the state directory to another user than qmaild names that user on the cleaner's line of the
    /// crontab, as the crontab's comment says: the package then checks that user's setup, and finds no problem in it
    /// (it said "owned by daemon, not qmaild" on every install and upgrade before).
    @Test func aStateDirectoryGivenToAnotherUserIsCheckedAsTheCrontabsUser() throws {
        try makeQmailUser()
        let mine = try shell("""
            install -d -m 700 -o daemon -g daemon /var/qmail/cqgreylist &&
            printf '17 3 * * * daemon /usr/sbin/cqgreylist-clean --dir /var/qmail/cqgreylist\\n' > /etc/cron.d/cqgreylist
            """, environment: Self.environment)
        #expect(mine.status == 0, "\(mine.errors)")
        let installed = try apt(["-o", "Dpkg::Options::=--force-confold", "install", package])
        #expect(installed.status == 0, "\(installed.output)")
        #expect(installed.output.contains("(/usr/share/cqgreylist/install --check --user daemon --group daemon) says:"), "\(installed.output)")
        #expect(installed.output.contains("  check: ok (") && !installed.output.contains("problem:"), "\(installed.output)")
        #expect(try FileManager.default.attributesOfItem(atPath: "/var/qmail/cqgreylist")[.ownerAccountName] as? String == "daemon")

        // A cleaner run as root names no wrapper's user (tcpserver never runs it as root): the check stays qmaild's,
        // so its fix is never to give the state directory to root.
        try "17 3 * * * root /usr/sbin/cqgreylist-clean --lifetime 40d --dir /var/qmail/cqgreylist\n"
            .write(toFile: "/etc/cron.d/cqgreylist", atomically: false, encoding: .utf8)
        let reconfigured = try run("/usr/sbin/dpkg-reconfigure", ["-f", "noninteractive", "cqgreylist"], environment: Self.environment,
                                   limit: 120)
        let said = reconfigured.output + reconfigured.errors
        #expect(said.contains("runs the cleaner as root; the state directory is checked for qmaild, the wrapper's user"), "\(said)")
        #expect(said.contains("(/usr/share/cqgreylist/install --check --user qmaild --group nofiles) says:"), "\(said)")
        #expect(!said.contains("chown root"), "\(said)")
    }
}
