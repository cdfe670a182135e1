import Foundation
import Glibc
import Testing

/// A Redis setup with one thing wrong, and the start of the problem line the check must print.
struct PlantedRedisProblem: CustomTestStringConvertible, Sendable {
    let testDescription: String
    /// The server's ACL for the user `cq` (password `secret`), and other configuration lines.
    var configuration = ["user cq on >secret ~cqgreylist:* resetchannels -@all +get +set +eval +time +role +info +scan +mget"]
    /// What the password file holds; nil: there is none where the envdir says.
    var password: String? = "cq secret"
    /// The password file's owner: nobody (the wrapper's user) or root, and its mode.
    var passwordOwner = "nobody", passwordMode = 0o400
    /// CQGREYLIST_REDIS, `$M` standing for the server's address.
    var servers = "$M"
    /// The problem line, `$M` standing for the server's address, `$F` for the password file.
    let expected: String
}

/// tools/install --check finding what would switch greylisting off, with fixes that work as printed; the
/// installation as InstallTests makes it (the state directory's user `nobody`), so root is needed.
@Suite(.enabled(if: runningAsRoot, "giving the state directory to another user needs root"))
struct InstallCheckTests {
    let installation: InstallTests
    var root: String { installation.root.path }
    var prefix: String { installation.prefix }

    init() throws {
        installation = try InstallTests()
        #expect(try installation.install(["--service", "/service/qmail-smtpd"]).status == 0)
        try FileManager.default.createDirectory(atPath: root + "/env", withIntermediateDirectories: false)
        #expect(try check().status == 0)
    }

    func check(_ arguments: [String] = []) throws -> Finished {
        try installation.install(["--check", "--envdir", "/env", "--service", "/service/qmail-smtpd"] + arguments)
    }

    func plant(_ command: String) throws {
        let planting = try shell(command, environment: ["R": root, "P": prefix, "PATH": "/usr/bin:/bin:/usr/sbin:/sbin"])
        #expect(planting.status == 0, "\(planting.errors)")
    }

    /// The check's `fix:` lines, run as printed (as root; the installation's paths, which name the target system's
    /// files, put below the destination root), leave nothing for the check to find.
    func expectFixesWork(_ output: String, _ description: String) throws {
        let fixes = output.split(separator: "\n").filter { $0.hasPrefix("  fix: ") }
            .map { (" " + $0.dropFirst(7)).replacingOccurrences(of: " /var/qmail/", with: " \(prefix)/") }
        #expect(!fixes.isEmpty, "\(description): \(output)")
        for fix in fixes {
            let ran = try shell(fix, environment: ["PATH": "/usr/bin:/bin:/usr/sbin:/sbin"])
            #expect(ran.status == 0, "\(description): \(fix): \(ran.errors)")
        }
        let again = try check()
        #expect(again.status == 0 && again.output.hasPrefix("check: ok"), "\(description): after \(fixes): \(again.output)")
    }

    @Test(arguments: [
        ("state directory a dangling symlink", #"rmdir "$P/cqgreylist" && ln -s "$R/srv/greylist" "$P/cqgreylist""#,
         "problem: state directory $P/cqgreylist is a symlink to $R/srv/greylist, which does not exist\n"
             + "  fix: install -d -m 700 -o nobody -g nogroup $R/srv/greylist\n"),
        ("state directory out of the user's reach", #"chmod 700 "$P""#,
         "problem: nobody cannot reach $P/cqgreylist: $P is not searchable by nobody\n  fix: chmod a+x $P\n"),
        ("a record root's own", #"install -d -m 700 -o nobody "$P/cqgreylist/192" && touch "$P/cqgreylist/192/192.0.2.7""#,
         "problem: state directory $P/cqgreylist holds directories or records nobody cannot write: 192/192.0.2.7\n"),
        ("a record the user cannot write",
         #"install -d -m 700 -o nobody "$P/cqgreylist/2001" && install -m 400 -o nobody /dev/null "$P/cqgreylist/2001/2001:db8::""#,
         "problem: state directory $P/cqgreylist holds directories or records nobody cannot write: 2001/2001:db8::\n"),
        ("a directory root's own", #"install -d -m 700 "$P/cqgreylist/192""#,
         "problem: state directory $P/cqgreylist holds directories or records nobody cannot write: 192\n"
             + "  fix: chown -R nobody:nogroup $P/cqgreylist/; chmod -R u+rwX $P/cqgreylist/\n"),
        ("a directory root's own in a state directory that is a symlink",
         #"mv "$P/cqgreylist" "$R/real" && ln -s "$R/real" "$P/cqgreylist" && install -d -m 700 "$R/real/192""#,
         "problem: state directory $P/cqgreylist holds directories or records nobody cannot write: 192\n"),
        ("whitelist cdb made by tcprules", #"echo ':allow' | tcprules "$P/control/cqgreylist.cdb" "$P/control/x.tmp""#,
         "not a cqgreylist whitelist (no prefix-lengths record; made by tcprules or cdb -c?)\n"
             + "  fix: /var/qmail/bin/cqgreylist-mkwhitelist --cdb /var/qmail/control/cqgreylist.cdb --dns-server $DNS "
             + "/var/qmail/control/cqgreylist.txt /var/qmail/control/cqgreylist-big-senders.txt\n"),
        ("whitelist cdb out of the user's reach", #"chmod 700 "$P/control""#,
         "problem: nobody cannot reach $P/control/cqgreylist.cdb: $P/control is not searchable by nobody\n  fix: chmod a+x $P/control\n"),
    ])
    func theCheckFindsItAndItsFixWorks(_ description: String, _ plant: String, _ expected: String) throws {
        try self.plant(plant)
        let found = try check()
        let expected = expected.replacingOccurrences(of: "$P", with: prefix).replacingOccurrences(of: "$R", with: root)
            .replacingOccurrences(of: "$DNS", with: installation.dns.address)
        #expect(found.status == 111 && found.output.contains(expected), "\(description): \(found.output)")
        try expectFixesWork(found.output, description)
    }

    /// A file system with inodes left but no blocks: an empty file can be made, a record with data cannot.
    @Test func aStateDirectoryWithNoBlocksLeft() throws {
        let state = prefix + "/cqgreylist"
        let mounted = try run("/bin/mount", ["-t", "tmpfs", "-o", "size=256k,nr_inodes=1000,mode=700", "tmpfs", state])
        try #require(mounted.status == 0, "\(mounted.errors)")
        defer { _ = try? run("/bin/umount", ["-l", state]) }
        try plant(#"chown nobody:nogroup "$P/cqgreylist" && (cat /dev/zero > "$P/cqgreylist/.fill") 2>/dev/null; true"#)
        let found = try check()
        #expect(found.status == 111)
        #expect(found.output.contains("problem: nobody cannot write a record in \(state): No space left on device"), "\(found.output)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: state) == [".fill"])   // the probe removed
    }

    @Test(arguments: [
        ("without -p", #"sed -i 's/ -p / /' "$R/service/qmail-smtpd/run""#, "runs tcpserver without -p: anyone can claim"),
        ("-p turned off by -P", #"sed -i 's/ -p / -p -P /' "$R/service/qmail-smtpd/run""#, "runs tcpserver without -p"),
        ("with -H", #"sed -i 's/ -p / -pH /' "$R/service/qmail-smtpd/run""#, "runs tcpserver with -H: clients have no host names"),
    ])
    func aRunScriptThatDoesNotVerifyHostNames(_ description: String, _ plant: String, _ expected: String) throws {
        #expect(try check().status == 0)   // the sample's -p, with no host names in the whitelist
        try "mail.example.org\n".write(toFile: prefix + "/control/cqgreylist.txt", atomically: false, encoding: .utf8)
        #expect(try run(prefix + "/bin/cqgreylist-mkwhitelist", ["--cdb", prefix + "/control/cqgreylist.cdb", prefix + "/control/cqgreylist.txt"]).status == 0)
        #expect(try check().status == 0)
        try self.plant(plant)
        let found = try check()
        #expect(found.status == 111)
        #expect(found.output.contains("problem: whitelist \(prefix)/control/cqgreylist.cdb has host-name entries (mail.example.org ...), "
                                      + "but \(root)/service/qmail-smtpd/run \(expected)"), "\(description): \(found.output)")
        #expect(found.output.contains("then svc -t /service/qmail-smtpd\n"))
        // Without host names, -p does not matter.
        try "192.0.2.1\n".write(toFile: prefix + "/control/cqgreylist.txt", atomically: false, encoding: .utf8)
        #expect(try run(prefix + "/bin/cqgreylist-mkwhitelist", ["--cdb", prefix + "/control/cqgreylist.cdb", prefix + "/control/cqgreylist.txt"]).status == 0)
        #expect(try check().status == 0)
    }

    @Test func aRunScriptWithoutTheWrapperOrMissing() throws {
        try plant(#"sed -i '/cqgreylist/d' "$R/service/qmail-smtpd/run""#)
        let found = try check(["--service", "/service/other"])
        #expect(found.output.contains("problem: run script \(root)/service/qmail-smtpd/run does not run cqgreylist: no client is greylisted\n"))
        #expect(found.output.contains("problem: run script \(root)/service/other/run is missing\n"), "\(found.output)")
    }

    @Test func settingsThatSwitchGreylistingOffOrNeedWholeSeconds() throws {
        try "1\n".write(toFile: root + "/env/CQGREYLIST_LOGONLY", atomically: false, encoding: .utf8)
        let logOnly = try check()
        #expect(logOnly.output.contains("note: log-only mode is on (CQGREYLIST_LOGONLY in \(root)/env): every client passes"), "\(logOnly.output)")
        try "0\n".write(toFile: root + "/env/CQGREYLIST_LOGONLY", atomically: false, encoding: .utf8)   // the wrapper's parser: off
        let off = try check()
        #expect(off.status == 0 && !off.output.contains("log-only"), "\(off.output)")
        try "enabled\n".write(toFile: root + "/env/CQGREYLIST_FAILCLOSED", atomically: false, encoding: .utf8)
        let badSwitch = try check()
        #expect(badSwitch.status == 111)
        #expect(badSwitch.output.contains("problem: bad CQGREYLIST_FAILCLOSED value \"enabled\": not a switch"), "\(badSwitch.output)")
        try FileManager.default.removeItem(atPath: root + "/env/CQGREYLIST_FAILCLOSED")
        try "1500ms\n".write(toFile: root + "/env/CQGREYLIST_DELAY", atomically: false, encoding: .utf8)
        let milliseconds = try check()
        #expect(milliseconds.status == 111)
        #expect(milliseconds.output.contains("problem: bad CQGREYLIST_DELAY value \"1500ms\": must be whole seconds"), "\(milliseconds.output)")
    }

    /// An envdir that moves only the cdb says nothing of where its source is: none is made up.
    @Test func anEnvdirThatMovesOnlyTheCDB() throws {
        try plant(#"mkdir "$R/etc2" && cp "$P/control/cqgreylist.cdb" "$R/etc2/white.cdb" && touch -d '+1 hour' "$P/control/cqgreylist.txt""#)
        try "/etc2/white.cdb\n".write(toFile: root + "/env/CQGREYLIST_WHITELIST", atomically: false, encoding: .utf8)
        let moved = try check()
        #expect(moved.status == 0 && !moved.output.contains("cqgreylist.txt"), "\(moved.output)")
        try plant(#"echo ':allow' | tcprules "$R/etc2/white.cdb" "$R/etc2/x.tmp""#)
        let broken = try check()
        #expect(broken.output.contains("  fix: recompile it from its source: /var/qmail/bin/cqgreylist-mkwhitelist --cdb /etc2/white.cdb SOURCE\n"),
                "\(broken.output)")
    }

    @Test(arguments: [
        PlantedRedisProblem(testDescription: "password file missing", password: nil,
                            expected: "problem: redis: password file $F does not exist (in $R/env)\n  fix: put the password"),
        PlantedRedisProblem(testDescription: "password file unreadable by the user", passwordOwner: "root", passwordMode: 0o600,
                            expected: "problem: redis: unable to read password file $F: Permission denied (in $R/env)\n"
                                + "  fix: put the password (or user and password) in $F, readable by nobody only: chown nobody $F; chmod 400 $F\n"),
        PlantedRedisProblem(testDescription: "a wrong password", password: "cq wrong",
                            expected: "problem: redis $M: AUTH: WRONGPASS"),
        PlantedRedisProblem(testDescription: "server unreachable", servers: "127.0.0.1:1",
                            expected: "problem: redis 127.0.0.1:1: connect: Connection refused (in $R/env)\n"),
        PlantedRedisProblem(testDescription: "an ACL on another prefix",
                            configuration: ["user cq on >secret ~other:* resetchannels -@all +get +set +eval +time +role +info"],
                            expected: "problem: redis $M: GET on cqgreylist:*: NOPERM"),
        PlantedRedisProblem(testDescription: "an ACL without EVAL",
                            configuration: ["user cq on >secret ~cqgreylist:* resetchannels -@all +get +set +time +role +info"],
                            expected: "problem: redis $M: EVAL on cqgreylist:*: NOPERM"),
        PlantedRedisProblem(testDescription: "an ACL without INFO",
                            configuration: ["user cq on >secret ~cqgreylist:* resetchannels -@all +get +set +eval +time +role"],
                            expected: "problem: redis $M: INFO: NOPERM"),
        PlantedRedisProblem(testDescription: "an ACL without ROLE",
                            configuration: ["user cq on >secret ~cqgreylist:* resetchannels -@all +get +set +eval +time +info"],
                            expected: "problem: redis $M: ROLE on cqgreylist:*: NOPERM"),
        PlantedRedisProblem(testDescription: "a policy that evicts",
                            configuration: ["user cq on >secret ~cqgreylist:* resetchannels -@all +get +set +eval +time +role +info",
                                            "maxmemory-policy volatile-lru"],
                            expected: "problem: redis $M has maxmemory-policy volatile-lru: under memory pressure it forgets records"),
    ])
    func theCheckFindsWhatBreaksRedis(_ planted: PlantedRedisProblem) throws {
        let redis = try RedisTestServer(tcp: true, planted.configuration)
        let server = "127.0.0.1:\(redis.port!)", file = root + "/redis-password"
        if let password = planted.password {
            try plant("echo '\(password)' > \"$R/redis-password\" && chown \(planted.passwordOwner) \"$R/redis-password\" "
                      + "&& chmod \(String(planted.passwordMode, radix: 8)) \"$R/redis-password\"")
        }
        try planted.servers.replacingOccurrences(of: "$M", with: server).appending("\n")
            .write(toFile: root + "/env/CQGREYLIST_REDIS", atomically: false, encoding: .utf8)
        try (file + "\n").write(toFile: root + "/env/CQGREYLIST_REDIS_PASSWORD_FILE", atomically: false, encoding: .utf8)
        let found = try check()
        let expected = planted.expected.replacingOccurrences(of: "$M", with: server).replacingOccurrences(of: "$F", with: file)
            .replacingOccurrences(of: "$R", with: root)
        #expect(found.status == 111 && found.output.contains(expected), "\(found.output)")
    }

    @Test func aSoundRedisSetupWhateverTheOrderAndASetWithoutAMaster() throws {
        let master = try RedisTestServer(tcp: true, ["user cq on >secret ~cqgreylist:* resetchannels -@all +get +set +eval +time +role +info"])
        let replica = try RedisTestServer(tcp: true, ["replicaof 127.0.0.1 \(master.port!)",
                                                      "user cq on >secret ~cqgreylist:* resetchannels -@all +get +set +eval +time +role +info"])
        try plant(#"echo 'cq secret' > "$R/redis-password" && chown nobody "$R/redis-password" && chmod 400 "$R/redis-password""#)
        try (root + "/redis-password\n").write(toFile: root + "/env/CQGREYLIST_REDIS_PASSWORD_FILE", atomically: false, encoding: .utf8)
        try "127.0.0.1:\(master.port!),127.0.0.1:\(replica.port!)\n".write(toFile: root + "/env/CQGREYLIST_REDIS", atomically: false, encoding: .utf8)
        let sound = try check()
        #expect(sound.status == 0 && sound.output.hasPrefix("check: ok"), "\(sound.output)")
        #expect((1...60).contains(Int(try master.cli("TTL", "cqgreylist:.check")) ?? 0))   // the probe key expires
        try "127.0.0.1:\(replica.port!),127.0.0.1:\(master.port!)\n".write(toFile: root + "/env/CQGREYLIST_REDIS", atomically: false, encoding: .utf8)
        let replicaFirst = try check()   // the wrapper passes over a replica, wherever it is listed
        #expect(replicaFirst.status == 0 && replicaFirst.output.hasPrefix("check: ok"), "\(replicaFirst.output)")
        try "127.0.0.1:\(replica.port!)\n".write(toFile: root + "/env/CQGREYLIST_REDIS", atomically: false, encoding: .utf8)
        let found = try check()
        #expect(found.status == 111)
        #expect(found.output.contains("problem: redis: none of 127.0.0.1:\(replica.port!) is a master that answers: records are written on the master only"
                                      + " (in \(root)/env)\n  fix: list the master of the set (every node of it) in CQGREYLIST_REDIS\n"), "\(found.output)")
    }
}
