import Foundation
import Testing

/// The built wrapper run directly, with files for stdin/stdout/stderr, as tcpserver would run it.
@Suite struct WrapperTests {
    static let session = Data("EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.net>\r\nDATA\r\nQUIT\r\n".utf8)

    @Test func newEarlyRetriedKnown() throws {
        let state = try TemporaryDirectory()
        let environment = ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DIR": state.path]
        let first = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment, input: Self.session)
        #expect(first.status == 0)
        #expect(first.output == "220 localhost ESMTP\r\n250 localhost\r\n250 ok\r\n451 greylisted, please try again later\r\n"
                + "451 greylisted, please try again later\r\n221 localhost closing connection\r\n")
        #expect(first.errors.hasSuffix(" ip=192.0.2.7 key=192.0.2.7 action=greylist reason=new\n"))
        #expect(state.files() == ["192/192.0.2.7"])

        // A second may tick between ageing a record and the wrapper's decision on a loaded machine.
        let early = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment, input: Self.session)
        #expect(early.output.contains("451 "))
        #expect(early.errors.contains("action=greylist age=0 reason=early") || early.errors.contains("action=greylist age=1 reason=early"))

        try age(state.path + "/192/192.0.2.7", by: 301)
        let retried = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment)
        #expect(retried.output == "passed\n")
        #expect(retried.errors.contains("action=pass age=301 reason=retried") || retried.errors.contains("action=pass age=302 reason=retried"))

        let known = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment)
        #expect(known.output == "passed\n")
        #expect(known.errors.contains("action=pass age=0 reason=known") || known.errors.contains("action=pass age=1 reason=known"))
        #expect(known.errors.filter { $0 == "\n" }.count == 1)
    }

    @Test func execLeavesSignalsDescriptorsAndEnvironmentAsTheyWere() throws {
        let probe = "grep -E '^Sig(Ign|Blk)' /proc/self/status; ls /proc/self/fd; env | grep '^CUSTOM='"
        let environment = ["RELAYCLIENT": "", "TCPREMOTEIP": "192.0.2.7", "CUSTOM": "a b=c"]
        let direct = try run("/bin/sh", ["-c", probe], environment: environment)
        let wrapped = try run(Built.wrapper, ["/bin/sh", "-c", probe], environment: environment)
        #expect(wrapped.status == 0)
        #expect(wrapped.output == direct.output)
        #expect(wrapped.output.contains("CUSTOM=a b=c"))
    }

    @Test func argvPassesByteForByte() throws {
        let environment = ["W": Built.wrapper, "WHITELISTED": "", "TCPREMOTEIP": "192.0.2.7",
                           "SHOW": #"printf '%s|' "$@" | od -An -tx1"#]
        let arguments = #"/bin/sh -c "$SHOW" sh "$(printf 'a\377b')" --delay "" '-- x'"#
        let direct = try shell("exec " + arguments, environment: environment)
        let wrapped = try shell(#"exec "$W" --delay 5m "# + arguments, environment: environment)
        #expect(direct.output.contains("61 ff 62 7c"))
        #expect(wrapped.output == direct.output)
    }

    @Test(arguments: [
        (nil, "no TCPREMOTEIP"), ("", "bad TCPREMOTEIP"), ("../../etc/x", "bad TCPREMOTEIP"),
        (String(repeating: "9", count: 5000), "bad TCPREMOTEIP"), ("１９２.０.２.７", "bad TCPREMOTEIP"),
        ("fe80::1%eth0", "bad TCPREMOTEIP"), ("192.0.2.7/../../x", "bad TCPREMOTEIP"),
    ] as [(String?, String)])
    func anUnusableClientAddressPassesAndTouchesNothing(_ address: String?, _ reason: String) throws {
        let parent = try TemporaryDirectory()
        let state = parent.path + "/state"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: false)
        var environment = ["CQGREYLIST_DIR": state]
        environment["TCPREMOTEIP"] = address
        let result = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment)
        #expect(result.output == "passed\n")
        #expect(result.errors.contains("action=pass reason=error \(reason)\n"))
        #expect(result.errors.filter { $0 == "\n" }.count == 1 && result.errors.utf8.count < 400)
        #expect(parent.files().isEmpty)
    }

    @Test func anAddressThatIsNotUTF8PassesAndIsLoggedEscaped() throws {
        let state = try TemporaryDirectory()
        let result = try shell(#"TCPREMOTEIP="$(printf '1.2.3.\377')" exec "$W" /bin/echo passed"#,
                               environment: ["W": Built.wrapper, "CQGREYLIST_DIR": state.path])
        #expect(result.output == "passed\n" && result.errors.contains(#"ip=1.2.3.\xef\xbf\xbd action=pass reason=error bad TCPREMOTEIP"#))
        #expect(state.files().isEmpty)
    }

    @Test(arguments: [("qmail-smtpd-missing", "No such file or directory"), ("not-executable", "Permission denied")])
    func aProgramThatCannotRunExits111(_ name: String, _ problem: String) throws {
        let directory = try TemporaryDirectory()
        let program = directory.path + "/" + name
        if name == "not-executable" { #expect(FileManager.default.createFile(atPath: program, contents: Data("#!/bin/sh\n".utf8))) }
        let result = try run(Built.wrapper, [program], environment: ["RELAYCLIENT": "", "TCPREMOTEIP": "192.0.2.7"])
        #expect(result.status == 111)
        #expect(result.errors.contains("action=pass reason=relayclient\n"))
        #expect(result.errors.contains(" fatal: unable to run \(program): \(problem)\n"))
    }

    @Test(arguments: [[], ["--delay"], ["--nonsense", "prog"], ["--log-only=yes", "prog"]])
    func usageErrorsExit100(_ arguments: [String]) throws {
        let result = try run(Built.wrapper, arguments)
        #expect(result.status == 100)
        #expect(result.errors.hasPrefix("cqgreylist: fatal: ") && result.errors.contains("usage: cqgreylist"))
    }

    @Test func helpShowsEveryOption() throws {
        let result = try run(Built.wrapper, ["--help"])
        #expect(result.status == 0)
        #expect(result.output.contains("--ipv6-prefix BITS") && result.output.contains("CQGREYLIST_FAILCLOSED"))
    }

    @Test func aBadSettingIsReportedAndTheDefaultUsed() throws {
        let state = try TemporaryDirectory()
        let result = try run(Built.wrapper, ["/bin/echo", "passed"], environment: [
            "TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DIR": state.path, "CQGREYLIST_DELAY": "5 minutes"])
        #expect(result.errors.contains(#"warning: bad CQGREYLIST_DELAY value "5 minutes": not a duration"#))
        #expect(result.errors.contains("reason=new"))
    }

    @Test func theRefusalSaysHowManySecondsAreLeft() throws {
        let state = try TemporaryDirectory()
        let environment = ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DIR": state.path, "CQGREYLIST_MESSAGE": "greylisted, retry in %s seconds"]
        let new = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment, input: Self.session)
        #expect(new.output.contains("451 greylisted, retry in 300 seconds\r\n"), "\(new.output)")
        try age(state.path + "/192/192.0.2.7", by: 100)
        let early = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment, input: Self.session)
        // 200, or 199 when a second ticks between ageing the record and the wrapper's look at it.
        #expect(early.output.contains("451 greylisted, retry in 200 seconds\r\n") || early.output.contains("451 greylisted, retry in 199 seconds\r\n"),
                "\(early.output)")
    }

    @Test func logOnlyPassesAndKeepsRecords() throws {
        let state = try TemporaryDirectory()
        let result = try run(Built.wrapper, ["--log-only", "/bin/echo", "passed"],
                             environment: ["TCPREMOTEIP": "2001:db8:1:2:3:4:5:6", "CQGREYLIST_DIR": state.path])
        #expect(result.output == "passed\n" && result.errors.contains("key=2001:db8:1:2:: action=logonly reason=new"))
        #expect(state.files() == ["2001/2001:db8:1:2::"])
    }

    @Test(arguments: ["0", "no", "OFF", "false"])
    func aSwitchSetToOffIsOff(_ value: String) throws {
        let state = try TemporaryDirectory()
        let logOnly = try run(Built.wrapper, ["--log-only", "/bin/echo", "passed"],
                              environment: ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DIR": state.path, "CQGREYLIST_LOGONLY": value],
                              input: Self.session)
        #expect(logOnly.output.contains("451 greylisted") && !logOnly.output.contains("passed"))
        #expect(logOnly.errors.hasSuffix(" action=greylist reason=new\n") && !logOnly.errors.contains("warning"), "\(logOnly.errors)")
        let failClosed = try run(Built.wrapper, ["--fail-closed", "/bin/echo", "passed"],
                                 environment: ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DIR": "/nonexistent/state", "CQGREYLIST_FAILCLOSED": value],
                                 input: Self.session)
        #expect(failClosed.output == "passed\n")
        #expect(failClosed.errors.hasSuffix(" action=pass reason=error mkdir /nonexistent/state/192: No such file or directory\n"))
    }

    @Test func aSwitchWithABadValueIsOffAndSaysSo() throws {
        let state = try TemporaryDirectory()
        let result = try run(Built.wrapper, ["/bin/echo", "passed"],
                             environment: ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DIR": state.path, "CQGREYLIST_LOGONLY": "enabled"],
                             input: Self.session)
        #expect(result.output.contains("451 greylisted"))
        #expect(result.errors.contains(#"warning: bad CQGREYLIST_LOGONLY value "enabled": not a switch: 1, yes, on, true or empty for on; 0, no, off or false for off, using the default"#))
        #expect(result.errors.hasSuffix(" action=greylist reason=new\n"))
    }

    @Test(arguments: ["redis.local:6379", "/run/redis.sock,", "/run/redis.sock ", ""])
    func aRedisListThatCannotBeUsedIsAStoreFaultOnEveryConnection(_ value: String) throws {
        let state = try TemporaryDirectory()
        let environment = ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DIR": state.path, "CQGREYLIST_REDIS": value]
        let open = try run(Built.wrapper, ["--redis", "/run/redis.sock", "/bin/echo", "passed"], environment: environment)
        #expect(open.output == "passed\n")
        let quoted = "\"" + value + "\""
        #expect(open.errors.contains(" key=192.0.2.7 action=pass reason=error redis: bad CQGREYLIST_REDIS value \(quoted): "), "\(open.errors)")
        #expect(!open.errors.contains("warning"))
        #expect(state.files().isEmpty)   // never the state directory, which would greylist every sender the others know
        let closed = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment.merging(["CQGREYLIST_FAILCLOSED": "1"]) { $1 },
                             input: Self.session)
        #expect(closed.output.contains("451 greylisted") && closed.errors.contains("action=greylist reason=error redis: bad CQGREYLIST_REDIS"))
        #expect(state.files().isEmpty)
    }

    @Test func aMissingStateDirectoryFailsOpenOrClosedAsAsked() throws {
        let environment = ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DIR": "/nonexistent/state"]
        let open = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment)
        #expect(open.output == "passed\n")
        #expect(open.errors.contains("action=pass reason=error mkdir /nonexistent/state/192: No such file or directory\n"))
        let closed = try run(Built.wrapper, ["--fail-closed", "/bin/echo", "passed"], environment: environment, input: Self.session)
        #expect(closed.output.contains("451 greylisted") && !closed.output.contains("passed"))
        #expect(closed.errors.contains("action=greylist reason=error mkdir /nonexistent/state/192: No such file or directory\n"))
    }

    @Test func anUnwritableStateDirectoryFailsOpenWithOneLine() throws {
        // As root, run the wrapper as nobody (tcpserver -u/-g does the same); otherwise take away write permission.
        let state = try TemporaryDirectory()
        let asRoot = getuid() == 0
        try FileManager.default.setAttributes([.posixPermissions: asRoot ? 0o755 : 0o555], ofItemAtPath: state.path)
        let command = (asRoot ? "exec setpriv --reuid=65534 --regid=65534 --clear-groups " : "exec ") + #""$W" /bin/echo passed"#
        let result = try shell(command, environment: ["W": Built.wrapper, "TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DIR": state.path])
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: state.path)
        #expect(result.output == "passed\n")
        #expect(result.errors.hasSuffix(" action=pass reason=error mkdir \(state.path)/192: Permission denied\n"), "\(result.errors)")
        #expect(state.files().isEmpty)
    }

    @Test func twoHundredSimultaneousConnectionsMakeOneRecord() throws {
        let state = try TemporaryDirectory()
        let result = try shell(#"for i in $(seq 200); do "$W" /bin/true </dev/null & done; wait"#,
                               environment: ["W": Built.wrapper, "TCPREMOTEIP": "198.51.100.9", "CQGREYLIST_DIR": state.path],
                               limit: 60)
        let lines = result.errors.split(separator: "\n")
        #expect(lines.count == 200)
        #expect(lines.allSatisfy { $0.hasSuffix("reason=new") || $0.hasSuffix("reason=early") })
        #expect(lines.filter { $0.hasSuffix("reason=new") }.count >= 1)   // those that found no record (DESIGN §3)
        #expect(state.files() == ["198/198.51.100.9"])
    }
}
