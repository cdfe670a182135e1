import Foundation
import Glibc
import Testing

/// A planted problem: what to break in a fresh installation, and the start of the line the check must print.
struct PlantedProblem: CustomTestStringConvertible, Sendable {
    let testDescription: String
    /// A shell command run in the destination root (`$R`, with `$P` the prefix below it).
    let plant: String
    /// A `problem:` line the check must print, `$R` standing for the root.
    let expected: String
}

/// tools/install into a temporary destination root, and its check mode finding each planted problem. The state
/// directory's owner is `nobody`, as `qmaild` is on a mail server; changing owners needs root.
@Suite(.enabled(if: runningAsRoot, "giving the state directory to another user needs root"))
struct InstallTests {
    let root: TemporaryDirectory
    var prefix: String { root.path + "/var/qmail" }
    static let account = ["--user", "nobody", "--group", "nogroup"]
    /// The DNS server the installer compiles the big senders' spf: lines with: their fixture zones (no internet here).
    let dns: DNSServer

    init() throws {
        dns = try DNSServer(zones: BigSenders.zones)
        root = try TemporaryDirectory()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: root.path)   // nobody must reach it
    }

    func install(_ arguments: [String], asNobody: Bool = false, from tree: String = Built.source(""), built: String = Built.directory,
                 account: [String] = Self.account) throws -> Finished {
        let command = [tree + "/tools/install", "--root", root.path, "--dns-server", dns.address] + account + arguments
        let environment = ["CQGREYLIST_BUILT": built, "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"]
        if asNobody {
            return try run("/usr/bin/setpriv", ["--reuid=nobody", "--regid=nogroup", "--clear-groups"] + command, environment: environment, limit: 60)
        }
        return try run(command[0], Array(command.dropFirst()), environment: environment, limit: 60)
    }

    /// A copy of what the installer reads (itself, etc/, the built programs) that other users can reach: the source
    /// tree may sit below a directory only its owner can enter (a clone in a private temporary directory).
    func stagedTree() throws -> TemporaryDirectory {
        let tree = try TemporaryDirectory()
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: tree.path)
        try FileManager.default.createDirectory(atPath: tree.path + "/tools", withIntermediateDirectories: false)
        for tool in ["install", "install-check.sh"] {
            try FileManager.default.copyItem(atPath: Built.source("tools/" + tool), toPath: tree.path + "/tools/" + tool)
        }
        try FileManager.default.copyItem(atPath: Built.source("etc"), toPath: tree.path + "/etc")
        try FileManager.default.createDirectory(atPath: tree.path + "/bin", withIntermediateDirectories: false)
        for program in ["cqgreylist", "cqgreylist-mkwhitelist", "cqgreylist-clean", "cqgreylist-report"] {
            try FileManager.default.copyItem(atPath: Built.path(program), toPath: tree.path + "/bin/" + program)
        }
        #expect(try shell("chmod -R a+rX \"$T\"", environment: ["T": tree.path]).status == 0)
        return tree
    }

    func attributes(_ relative: String) throws -> (owner: String, mode: Int) {
        let attributes = try FileManager.default.attributesOfItem(atPath: root.path + relative)
        return (attributes[.ownerAccountName] as? String ?? "", (attributes[.posixPermissions] as? NSNumber)?.intValue ?? -1)
    }

    @Test func installsEverythingAndTheCheckFindsNothingWrong() throws {
        let installed = try install(["--service", "/service/qmail-smtpd"])
        #expect(installed.status == 0, "\(installed.output)\(installed.errors)")
        for program in ["cqgreylist", "cqgreylist-mkwhitelist", "cqgreylist-clean", "cqgreylist-report"] {
            #expect(try attributes("/var/qmail/bin/\(program)").mode == 0o755)
            #expect(FileManager.default.contentsEqual(atPath: root.path + "/var/qmail/bin/\(program)", andPath: Built.path(program)))
            #expect(try attributes("/var/qmail/man/man8/\(program).8").mode == 0o644)
        }
        for tool in ["cqgreylist-mkwhitelist", "cqgreylist-clean", "cqgreylist-report"] {
            let bash = try String(contentsOfFile: root.path + "/usr/share/bash-completion/completions/\(tool)", encoding: .utf8)
            #expect(bash.contains("complete") && bash.contains(tool))
            let zsh = try String(contentsOfFile: root.path + "/usr/share/zsh/vendor-completions/_\(tool)", encoding: .utf8)
            #expect(zsh.hasPrefix("#compdef \(tool)"))
            #expect(FileManager.default.fileExists(atPath: root.path + "/usr/share/fish/vendor_completions.d/\(tool).fish"))
        }
        let bashReport = try String(contentsOfFile: root.path + "/usr/share/bash-completion/completions/cqgreylist-report", encoding: .utf8)
        #expect(bashReport.contains("--prometheus") && bashReport.contains("--since"))
        #expect(try attributes("/var/qmail/cqgreylist") == ("nobody", 0o700))
        #expect(try attributes("/var/qmail/control/cqgreylist.cdb").mode == 0o644)
        let runScript = try String(contentsOfFile: root.path + "/service/qmail-smtpd/run", encoding: .utf8)
        #expect(runScript.contains("/var/qmail/bin/cqgreylist \\"))
        let cron = try String(contentsOfFile: root.path + "/etc/cron.d/cqgreylist", encoding: .utf8)
        #expect(cron.contains("17 3 * * * nobody /var/qmail/bin/cqgreylist-clean --dir /var/qmail/cqgreylist\n"))
        // Both lists, recompiled nightly as root; only errors are mailed.
        #expect(cron.contains("\n37 4 * * * root /var/qmail/bin/cqgreylist-mkwhitelist --cdb /var/qmail/control/cqgreylist.cdb "
                              + "--dns-server \(dns.address) /var/qmail/control/cqgreylist.txt /var/qmail/control/cqgreylist-big-senders.txt >/dev/null\n"))
        #expect(FileManager.default.contentsEqual(atPath: prefix + "/control/cqgreylist-big-senders.txt", andPath: BigSenders.path))
        let google = try run(prefix + "/bin/cqgreylist-mkwhitelist", ["--cdb", prefix + "/control/cqgreylist.cdb", "--check", "74.125.0.1"])
        #expect(google.status == 0 && google.output.hasSuffix("entry spf:_spf.google.com via include:_netblocks.google.com\n"), "\(google.output)")
        // The files' names are the target system's: what the wrapper and cron will use, not the staging root.
        #expect(!runScript.contains(root.path) && !cron.contains(root.path))

        let check = try install(["--check"])
        #expect(check.status == 0 && check.output.hasPrefix("check: ok ("), "\(check.output)")
    }

    @Test func installingAgainOverwritesNoWhitelistRunScriptOrCrontab() throws {
        #expect(try install(["--service", "/service/qmail-smtpd"]).status == 0)
        let mine = ["/var/qmail/control/cqgreylist.txt": "192.0.2.1\n", "/service/qmail-smtpd/run": "#!/bin/sh\nexec true\n",
                    "/etc/cron.d/cqgreylist": "# mine\n"]
        for (file, text) in mine { try text.write(toFile: root.path + file, atomically: false, encoding: .utf8) }
        try FileManager.default.setAttributes([.posixPermissions: 0o750], ofItemAtPath: prefix + "/cqgreylist")
        let again = try install(["--service", "/service/qmail-smtpd"])
        #expect(again.status == 0, "\(again.errors)")
        for (file, text) in mine { #expect(try String(contentsOfFile: root.path + file, encoding: .utf8) == text, "\(file)") }
        #expect(again.output.contains("install: kept \(root.path)/service/qmail-smtpd/run: put /var/qmail/bin/cqgreylist before qmail-smtpd"))
        #expect(try attributes("/var/qmail/cqgreylist").mode == 0o750)   // kept; the check says what is wrong with it
        #expect(try install(["--check"]).output.contains("problem: state directory \(prefix)/cqgreylist has mode 750, not 700\n  fix: chmod 700 "))
    }

    /// The list of big senders is the project's: a new version replaces it, and the check says the cdb is older;
    /// an existing cdb is not recompiled by the install, so an administrator who dropped the list stays without it.
    @Test func installingAgainReplacesTheBigSendersAndTheCheckAsksForARecompile() throws {
        #expect(try install([]).status == 0)
        let installed = prefix + "/control/cqgreylist-big-senders.txt"
        try "# an old version\nspf:_spf.google.com    # Google\n".write(toFile: installed, atomically: false, encoding: .utf8)
        #expect(try shell(#"touch -d '-1 hour' "$F""#, environment: ["F": installed]).status == 0)
        let cdb = try Data(contentsOf: URL(fileURLWithPath: prefix + "/control/cqgreylist.cdb"))
        let again = try install([])
        #expect(again.status == 0, "\(again.errors)")
        #expect(FileManager.default.contentsEqual(atPath: installed, andPath: BigSenders.path))
        #expect(try Data(contentsOf: URL(fileURLWithPath: prefix + "/control/cqgreylist.cdb")) == cdb)
        let check = try install(["--check"])
        #expect(check.status == 111)
        #expect(check.output.contains("problem: the list of big senders \(installed) is newer than \(prefix)/control/cqgreylist.cdb (a new version "
                                      + "installed): the wrapper does not see it\n  fix: /var/qmail/bin/cqgreylist-mkwhitelist --cdb "
                                      + "/var/qmail/control/cqgreylist.cdb --dns-server \(dns.address) /var/qmail/control/cqgreylist.txt "
                                      + "/var/qmail/control/cqgreylist-big-senders.txt\n"), "\(check.output)")
        // Opting out: the administrator drops the list from the crontab's compile line; the check then leaves it alone.
        let crontab = root.path + "/etc/cron.d/cqgreylist"
        let edited = try String(contentsOfFile: crontab, encoding: .utf8).replacingOccurrences(of: " /var/qmail/control/cqgreylist-big-senders.txt", with: "")
        try edited.write(toFile: crontab, atomically: false, encoding: .utf8)
        let optedOut = try install(["--check"])
        #expect(optedOut.status == 0, "\(optedOut.output)")
        #expect(optedOut.output.contains("note: \(installed) is not in \(crontab)'s compile line: the big senders are not whitelisted\n"))
    }

    /// Where the big senders cannot be compiled now (here: the DNS server refuses their domains, as a broken one does), the cdb holds the
    /// administrator's whitelist meanwhile, and the install says what is left to do.
    @Test func bigSendersThatDoNotCompileLeaveTheAdministratorsWhitelistCompiled() throws {
        let empty = try DNSServer(zones: ["example": ""])
        let command = [Built.source("tools/install"), "--root", root.path, "--dns-server", empty.address] + Self.account
        let installed = try run(command[0], Array(command.dropFirst()),
                                environment: ["CQGREYLIST_BUILT": Built.directory, "PATH": "/usr/local/bin:/usr/bin:/bin:/usr/sbin:/sbin"], limit: 60)
        #expect(installed.status == 111)
        #expect(installed.errors.contains("install: \(prefix)/control/cqgreylist-big-senders.txt could not be compiled (exit 111, see above): "
                                          + "/var/qmail/control/cqgreylist.cdb holds /var/qmail/control/cqgreylist.txt alone until the nightly "
                                          + "recompile, or until you run: /var/qmail/bin/cqgreylist-mkwhitelist --cdb "), "\(installed.errors)")
        let sample = try run(prefix + "/bin/cqgreylist-mkwhitelist", ["--cdb", prefix + "/control/cqgreylist.cdb", "--check", "192.0.2.25"])
        #expect(sample.status == 0, "\(sample.output)")
        #expect(FileManager.default.fileExists(atPath: root.path + "/etc/cron.d/cqgreylist"))
    }

    /// Directories that exist keep their modes: installing makes only the missing ones.
    @Test func installingChangesNoModeOfADirectoryThatExists() throws {
        for (directory, mode) in [("/var/qmail/bin", 0o711), ("/var/qmail/control", 0o750), ("/var/qmail/man/man8", 0o775)] {
            try FileManager.default.createDirectory(atPath: root.path + directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: mode])
            try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: root.path + directory)
        }
        let installed = try install([])
        #expect(installed.status == 0, "\(installed.errors)")
        #expect(try [attributes("/var/qmail/bin").mode, attributes("/var/qmail/control").mode, attributes("/var/qmail/man/man8").mode]
                == [0o711, 0o750, 0o775])
        #expect(try attributes("/usr/share/bash-completion/completions").mode == 0o755)   // made: 755
    }

    /// A whitelist that cannot be compiled now (here a bad line; as well a DNS failure on an spf: line) is
    /// reported, and the rest is installed all the same; the exit status says something is left to do.
    @Test func aWhitelistThatDoesNotCompileStopsNothingElse() throws {
        try FileManager.default.createDirectory(atPath: prefix + "/control", withIntermediateDirectories: true)
        try "192.0.2.300\n".write(toFile: prefix + "/control/cqgreylist.txt", atomically: false, encoding: .utf8)
        let installed = try install(["--service", "/service/qmail-smtpd"])
        #expect(installed.status == 111)
        #expect(installed.errors.contains("install: \(prefix)/control/cqgreylist.txt could not be compiled"), "\(installed.errors)")
        #expect(FileManager.default.fileExists(atPath: root.path + "/service/qmail-smtpd/run"))
        #expect(FileManager.default.fileExists(atPath: root.path + "/etc/cron.d/cqgreylist"))
    }

    @Test(arguments: [
        PlantedProblem(testDescription: "binary missing", plant: #"rm "$P/bin/cqgreylist-report""#,
                       expected: "problem: $R/var/qmail/bin/cqgreylist-report is missing\n  fix: tools/install"),
        PlantedProblem(testDescription: "binary not executable", plant: #"chmod 644 "$P/bin/cqgreylist""#,
                       expected: "problem: $R/var/qmail/bin/cqgreylist is not an executable file\n  fix: chmod 755 "),
        PlantedProblem(testDescription: "state directory missing", plant: #"rmdir "$P/cqgreylist""#,
                       expected: "problem: state directory $R/var/qmail/cqgreylist is missing\n  fix: install -d -m 700 -o nobody -g nogroup "),
        PlantedProblem(testDescription: "state directory a file", plant: #"rmdir "$P/cqgreylist" && touch "$P/cqgreylist""#,
                       expected: "problem: state directory $R/var/qmail/cqgreylist is not a directory\n"),
        PlantedProblem(testDescription: "state directory owned by root", plant: #"chown root "$P/cqgreylist""#,
                       expected: "problem: state directory $R/var/qmail/cqgreylist is owned by root, not nobody\n  fix: chown nobody "),
        PlantedProblem(testDescription: "state directory of another group", plant: #"chgrp root "$P/cqgreylist""#,
                       expected: "problem: state directory $R/var/qmail/cqgreylist has group root, not nogroup\n  fix: chgrp nogroup "),
        PlantedProblem(testDescription: "state directory open to all", plant: #"chmod 777 "$P/cqgreylist""#,
                       expected: "problem: state directory $R/var/qmail/cqgreylist has mode 777, not 700\n"),
        PlantedProblem(testDescription: "state directory not writable by the user", plant: #"chmod 500 "$P/cqgreylist""#,
                       expected: "problem: nobody cannot make files in $R/var/qmail/cqgreylist\n"),
        PlantedProblem(testDescription: "state directory out of the user's reach", plant: #"chmod 700 "$P""#,
                       expected: "problem: nobody cannot reach $R/var/qmail/cqgreylist: $R/var/qmail is not searchable by nobody\n"),
        PlantedProblem(testDescription: "a prefix directory root's own", plant: #"install -d -m 700 "$P/cqgreylist/192""#,
                       expected: "problem: state directory $R/var/qmail/cqgreylist holds directories or records nobody cannot write: 192\n"
                           + "  fix: chown -R nobody:nogroup $R/var/qmail/cqgreylist/; chmod -R u+rwX "),
        PlantedProblem(testDescription: "a prefix directory not writable", plant: #"install -d -m 500 -o nobody "$P/cqgreylist/2001""#,
                       expected: "problem: state directory $R/var/qmail/cqgreylist holds directories or records nobody cannot write: 2001\n"),
        PlantedProblem(testDescription: "whitelist source newer than its cdb", plant: #"touch -d '+1 hour' "$P/control/cqgreylist.txt""#,
                       expected: "problem: whitelist $R/var/qmail/control/cqgreylist.txt is newer than $R/var/qmail/control/cqgreylist.cdb: "
                           + "the wrapper does not see the changes\n  fix: /var/qmail/bin/cqgreylist-mkwhitelist --cdb /var/qmail/control/cqgreylist.cdb "),
        PlantedProblem(testDescription: "whitelist source that does not compile",
                       plant: #"echo 192.0.2.300 >> "$P/control/cqgreylist.txt" && touch -d '-1 hour' "$P/control/cqgreylist.txt""#,
                       expected: "problem: whitelist $R/var/qmail/control/cqgreylist.txt does not compile: "
                           + "$R/var/qmail/control/cqgreylist.txt:$N: "),
        PlantedProblem(testDescription: "whitelist never compiled", plant: #"rm "$P/control/cqgreylist.cdb""#,
                       expected: "problem: whitelist $R/var/qmail/control/cqgreylist.txt was never compiled ($R/var/qmail/control/cqgreylist.cdb is missing)\n"),
        PlantedProblem(testDescription: "whitelist cdb unreadable by the user", plant: #"chmod 600 "$P/control/cqgreylist.cdb""#,
                       expected: "problem: whitelist cdb $R/var/qmail/control/cqgreylist.cdb cannot be used by nobody: unable to read "
                           + "$R/var/qmail/control/cqgreylist.cdb: Permission denied\n  fix: chmod 644 "),
        PlantedProblem(testDescription: "whitelist cdb made by tcprules",
                       plant: #"echo ':allow' | tcprules "$P/control/cqgreylist.cdb" "$P/control/x.tmp""#,
                       expected: "problem: whitelist cdb $R/var/qmail/control/cqgreylist.cdb cannot be used by nobody: unable to read "
                           + "$R/var/qmail/control/cqgreylist.cdb: not a cqgreylist whitelist"),
        PlantedProblem(testDescription: "a setting that does not parse", plant: #"echo 5x > "$R/env/CQGREYLIST_DELAY""#,
                       expected: "problem: bad CQGREYLIST_DELAY value \"5x\": not a duration like 300, 300s, 5m, 1h or 1d (in $R/env)\n  fix: "),
        PlantedProblem(testDescription: "a retry window shorter than the delay", plant: #"echo 1h > "$R/env/CQGREYLIST_DELAY"; echo 30m > "$R/env/CQGREYLIST_WINDOW""#,
                       expected: "problem: retry window 1800s (CQGREYLIST_WINDOW \"30m\") is shorter than the delay 3600s (CQGREYLIST_DELAY \"1h\") (in $R/env)\n"),
        PlantedProblem(testDescription: "a variable that is no setting", plant: #"echo 2m > "$R/env/CQGREYLIST_DELEY""#,
                       expected: "problem: unknown variable CQGREYLIST_DELEY: not a setting of cqgreylist (see cqgreylist --help) (in $R/env)\n"),
        PlantedProblem(testDescription: "a relative state directory", plant: #"echo cqgreylist > "$R/env/CQGREYLIST_DIR""#,
                       expected: "problem: bad CQGREYLIST_DIR value \"cqgreylist\": not an absolute path (in $R/env)\n"),
        PlantedProblem(testDescription: "a state directory named by the envdir", plant: #"echo /var/qmail/elsewhere > "$R/env/CQGREYLIST_DIR""#,
                       expected: "problem: state directory $R/var/qmail/elsewhere is missing\n"),
    ])
    func theCheckFindsEachPlantedProblem(_ planted: PlantedProblem) throws {
        #expect(try install([]).status == 0)
        try FileManager.default.createDirectory(atPath: root.path + "/env", withIntermediateDirectories: false)
        try "300\n".write(toFile: root.path + "/env/CQGREYLIST_DELAY", atomically: false, encoding: .utf8)
        #expect(try install(["--check", "--envdir", "/env"]).status == 0)
        let planting = try shell(planted.plant, environment: ["R": root.path, "P": prefix, "PATH": "/usr/bin:/bin"])
        #expect(planting.status == 0, "\(planting.errors)")
        let check = try install(["--check", "--envdir", "/env"])
        #expect(check.status == 111)
        // $N: the line after the sample whitelist's last, where a planted line lands.
        let sampleLines = try String(contentsOfFile: Built.source("etc/whitelist"), encoding: .utf8).split(separator: "\n", omittingEmptySubsequences: false).count
        let expected = planted.expected.replacingOccurrences(of: "$R", with: root.path).replacingOccurrences(of: "$N", with: "\(sampleLines)")
        #expect(check.output.contains(expected), "\(check.output)")
        #expect(check.output.hasSuffix(" problem\n") || check.output.hasSuffix(" problems\n"))
        let problems = check.output.split(separator: "\n").filter { $0.hasPrefix("problem: ") }.count
        let fixes = check.output.split(separator: "\n").filter { $0.hasPrefix("  fix: ") }.count
        #expect(problems >= 1 && problems == fixes)
    }

    @Test func oneRunReportsEveryProblem() throws {
        #expect(try install([]).status == 0)
        let plant = #"rm "$P/bin/cqgreylist"; chmod 755 "$P/cqgreylist"; chmod 600 "$P/control/cqgreylist.cdb"; touch -d '+1 hour' "$P/control/cqgreylist.txt""#
        #expect(try shell(plant, environment: ["P": prefix, "PATH": "/usr/bin:/bin"]).status == 0)
        let check = try install(["--check"])
        #expect(check.status == 111)
        #expect(check.output.hasSuffix("check: 4 problems\n"), "\(check.output)")
    }

    @Test func asAnUnprivilegedUser() throws {
        try FileManager.default.setAttributes([.ownerAccountName: "nobody"], ofItemAtPath: root.path)
        let tree = try stagedTree()
        let install = { (arguments: [String]) throws -> Finished in
            try self.install(arguments, asNobody: true, from: tree.path, built: tree.path + "/bin")
        }
        let installed = try install([])
        #expect(installed.status == 0, "\(installed.output)\(installed.errors)")
        #expect(try attributes("/var/qmail/cqgreylist") == ("nobody", 0o700))
        let check = try install(["--check"])
        #expect(check.status == 0 && check.output.hasPrefix("check: ok"), "\(check.output)")
        try FileManager.default.setAttributes([.posixPermissions: 0o500], ofItemAtPath: prefix + "/cqgreylist")
        let broken = try install(["--check"])
        #expect(broken.status == 111 && broken.output.contains("problem: nobody cannot make files in \(prefix)/cqgreylist\n"), "\(broken.output)")
        // Someone else cannot tell what nobody can do, and says so rather than guess.
        let other = try run("/usr/bin/setpriv", ["--reuid=daemon", "--regid=daemon", "--clear-groups", tree.path + "/tools/install",
                                                 "--check", "--root", root.path] + Self.account)
        #expect(other.output.contains("note: not root: could not check that nobody can write in \(prefix)/cqgreylist\n"), "\(other.output)")
        #expect(other.output.contains("note: could not read \(prefix)/cqgreylist to check the directories in it\n"), "\(other.output)")
        #expect(other.output.hasSuffix("check: 1 problem\n"), "\(other.output)")   // the mode 500; and it ran to the end
    }
}
