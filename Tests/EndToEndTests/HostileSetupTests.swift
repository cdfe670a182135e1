import Foundation
import Testing

/// The wrapper where its setting is broken or hostile: skewed clocks, links and FIFOs in the state directory,
/// closed or broken descriptors, a stalled file system. Each must end in an exec or an answer, never a crash
/// or a hang.
@Suite struct HostileSetupTests {
    let state: TemporaryDirectory
    init() throws { state = try TemporaryDirectory() }

    var environment: [String: String] { ["W": Built.wrapper, "TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DIR": state.path] }

    /// Writes the record of 192.0.2.7 (`passed` adds content) with an mtime `seconds` from now.
    func record(passed: Bool = false, dated seconds: Int) throws -> String {
        let path = state.path + "/192/192.0.2.7"
        try FileManager.default.createDirectory(atPath: state.path + "/192", withIntermediateDirectories: true)
        #expect(FileManager.default.createFile(atPath: path, contents: passed ? Data("passed\n".utf8) : Data()))
        try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: Double(seconds))], ofItemAtPath: path)
        return path
    }

    func modificationTime(_ path: String) throws -> Date {
        try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as! Date
    }

    @Test func aPendingRecordFromTheFutureIsStartedOverAndLogged() throws {
        let path = try record(dated: 86_400)
        let dated = Int(try modificationTime(path).timeIntervalSince1970)
        let before = Int(Date().timeIntervalSince1970)
        let result = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment)
        let after = Int(Date().timeIntervalSince1970.rounded(.up))
        #expect(result.output.hasPrefix("220 ") && !result.output.contains("passed"))
        let lines = result.errors.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.contains(" warning: record 192.0.2.7 was dated ") == true)
        // The record's mtime less the wrapper's clock when it looked, some time between `before` and `after`.
        let skew = lines.first?.split(separator: " was dated ").last.flatMap { Int($0.prefix { $0.isNumber }) }
        #expect((dated - after...dated - before).contains(skew ?? 0), "\(String(describing: skew))")
        #expect(lines.first?.hasSuffix("s ahead of the clock: started over as of now") == true)
        #expect(lines.last?.hasSuffix(" key=192.0.2.7 action=greylist age=0 reason=early") == true)
        #expect(abs(try modificationTime(path).timeIntervalSinceNow) < 5)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int == 0)

        try age(path, by: 301)   // from the restarted first-seen time, the delay passes as usual
        #expect(try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment).output == "passed\n")
    }

    @Test func aPassedRecordFromTheFuturePassesAndIsRefreshed() throws {
        let path = try record(passed: true, dated: 366 * 86_400)
        let result = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment)
        #expect(result.output == "passed\n")
        #expect(result.errors.contains(" warning: record 192.0.2.7 was dated "))
        #expect(result.errors.hasSuffix(" action=pass age=0 reason=known\n"))
        #expect(abs(try modificationTime(path).timeIntervalSinceNow) < 5)
    }

    @Test func aSymlinkedFirstLevelDirectoryIsNeitherFollowedNorWrittenThrough() throws {
        let elsewhere = try TemporaryDirectory()
        try FileManager.default.createSymbolicLink(atPath: state.path + "/192", withDestinationPath: elsewhere.path)
        let result = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment)
        #expect(result.output == "passed\n")
        #expect(result.errors.hasSuffix(" action=pass reason=error open \(state.path)/192: Not a directory\n"), "\(result.errors)")
        #expect(elsewhere.files().isEmpty)
    }

    @Test func aFIFOAtTheRecordPathIsAnErrorNotAHang() throws {
        try FileManager.default.createDirectory(atPath: state.path + "/192", withIntermediateDirectories: false)
        #expect(mkfifo(state.path + "/192/192.0.2.7", 0o600) == 0)
        let result = try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment, limit: 10)
        #expect(result.output == "passed\n")
        #expect(result.errors.hasSuffix(" reason=error stat \(state.path)/192/192.0.2.7: not a regular file\n"))
    }

    /// Only the connection that made the record logs `new`: the others found it made and say `early`.
    @Test func ofSimultaneousFirstConnectionsOnlyTheOneThatMadeTheRecordLogsNew() throws {
        let barrier = try TemporaryDirectory()
        let result = try shell(burst(100, #"exec "$W" /bin/true"#), environment: environment.merging(["D": barrier.path]) { $1 }, limit: 60)
        #expect(result.status == 0)
        let lines = try String(contentsOfFile: barrier.path + "/log", encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 100)
        #expect(lines.filter { $0.hasSuffix(" action=greylist reason=new") }.count == 1)
        // Each early one is as old as the seconds between the release and its look, at most the burst's length.
        let seconds = try ["released", "finished"].map { try String(contentsOfFile: barrier.path + "/" + $0, encoding: .utf8) }
            .compactMap { Int($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
        let longest = seconds.count == 2 ? seconds[1] - seconds[0] : 0
        let earlyAges = lines.compactMap { line in line.firstMatch(of: #/ action=greylist age=(\d+) reason=early$/#).map { Int($0.1)! } }
        #expect(earlyAges.filter { (0...longest).contains($0) }.count == 99, "burst of \(longest)s: \(earlyAges)")
        #expect(state.files() == ["192/192.0.2.7"])
    }

    @Test(arguments: [
        ("stderr closed, relay client", "RELAYCLIENT= exec \"$W\" /bin/sh -c 'echo ran' 2>&-", "ran\n"),
        ("stderr closed, new client", "exec \"$W\" /bin/sh -c 'echo ran' 2>&- </dev/null", "220 localhost ESMTP\r\n"),
        ("stdin closed, new client", "exec \"$W\" /bin/sh -c 'echo ran' <&-", "220 localhost ESMTP\r\n"),
        ("stdin and stdout closed, new client", "\"$W\" /bin/sh -c 'echo ran' <&- >&-; echo exit $?", "exit 0\n"),
        ("all three closed, relay client",
         "RELAYCLIENT= \"$W\" /bin/sh -c 'for fd in 0 1 2; do [ -e /proc/self/fd/$fd ] && echo open $fd >&3; done; echo ran >&3' 3>&1 <&- >&- 2>&-",
         "ran\n"),
    ])
    func closedDescriptorsAreNoCrash(_ name: String, _ command: String, _ output: String) throws {
        let result = try shell(command, environment: environment, limit: 10)
        #expect(result.status == 0, "\(name): \(result.errors)")
        #expect(result.output == output, "\(name)")
        if name.hasSuffix("new client") { #expect(state.files() == ["192/192.0.2.7"]) }
        if name.hasPrefix("stderr closed") {   // the log line must not have gone into a file we opened
            let record = FileManager.default.contents(atPath: state.path + "/192/192.0.2.7") ?? Data()
            #expect(record.isEmpty)
        }
    }

    /// stderr a pipe whose reader has gone: the log line is lost, the exec is not, and the next program gets
    /// the signal dispositions the wrapper was given (SIGPIPE not ignored).
    @Test func aLogReaderThatHasGoneDoesNotStopTheExec() throws {
        let probe = "grep -E '^Sig(Ign|Blk)' /proc/self/status; echo ran"
        let direct = try shell("exec /bin/sh -c \"$P\"", environment: ["P": probe])
        let result = try run("/bin/bash", ["-c", #"exec 4> >(:); wait $!; RELAYCLIENT= exec "$W" /bin/sh -c "$P" 2>&4"#],
                             environment: environment.merging(["P": probe]) { $1 })
        #expect(result.status == 0)
        #expect(result.output == direct.output && result.output.hasSuffix("ran\n"))
    }

    /// The same with SIGPIPE blocked when the wrapper starts: an ignored signal that is blocked is still queued,
    /// and a SIGPIPE left pending would reach the next program.
    @Test func noSIGPIPEIsLeftPendingForTheNextProgram() throws {
        let block = "import os, signal, sys; signal.signal(signal.SIGPIPE, signal.SIG_DFL); "   // Python ignores it by default
            + "signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGPIPE}); os.execv(sys.argv[1], sys.argv[1:])"
        // grep itself is the next program: a shell would reset the signal mask for its children.
        let result = try run("/bin/bash", ["-c", #"exec 4> >(:); wait $!; RELAYCLIENT= exec /usr/bin/python3 -c "$B" "$W" /bin/grep -E '^(SigPnd|ShdPnd|SigBlk)' /proc/self/status 2>&4"#],
                             environment: environment.merging(["B": block]) { $1 })
        #expect(result.status == 0)
        #expect(result.output == "SigPnd:\t0000000000000000\nShdPnd:\t0000000000000000\nSigBlk:\t0000000000001000\n", "\(result.output)")
    }

    /// A file system that stops answering (here a FUSE server stopped with SIGSTOP, as a hung NFS server):
    /// the wrapper cannot hold the connection past its deadline.
    @Test(.enabled(if: runningAsRoot && FileManager.default.fileExists(atPath: "/dev/fuse"), "mounts a FUSE file system: needs root"))
    func aStalledStateDirectoryCannotHoldAConnectionPastTheDeadline() throws {
        let mountpoint = state.path + "/stalled"
        try FileManager.default.createDirectory(atPath: mountpoint, withIntermediateDirectories: false)
        let server = try spawn(Built.source("tools/stall-fs"), [mountpoint], environment: [:],
                               stdin: "/dev/null", stdout: "/dev/null", stderr: state.path + "/fuse.log")
        defer {
            kill(server, SIGCONT)
            _ = try? run("/bin/umount", ["-l", mountpoint])
            kill(server, SIGTERM)
            _ = waitForExit(server, limit: 10)
        }
        #expect(eventually(within: 10) { (try? run("/bin/mountpoint", ["-q", mountpoint]))?.status == 0 },
                "\((try? String(contentsOfFile: state.path + "/fuse.log", encoding: .utf8)) ?? "")")
        // Stopped for real (every thread), so that no request that the wrapper makes is read by a thread
        // that was still on its way to stopping; and a rescue that aborts the file system if all else fails.
        kill(server, SIGSTOP)
        #expect(eventually(within: 10) { Self.isStopped(server) })
        let rescue = try spawn("/bin/sh", ["-c", "sleep 25; kill -CONT $S; kill -KILL $S"], environment: ["S": String(server)],
                               stdin: "/dev/null", stdout: "/dev/null", stderr: "/dev/null")
        defer { kill(rescue, SIGKILL); _ = waitForExit(rescue, limit: 10) }
        let started = Date()
        let result = try run(Built.wrapper, ["/bin/echo", "passed"],
                             environment: ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DIR": mountpoint,
                                           "CQGREYLIST_WHITELIST": state.path + "/none.cdb"], limit: 20)
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 128 + SIGKILL)
        #expect(elapsed >= 4.5 && elapsed < 10, "\(elapsed)s")
        #expect(result.output.isEmpty)
    }

    /// Whether every thread of `pid` is stopped.
    static func isStopped(_ pid: pid_t) -> Bool {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/task")) ?? []
        return !tasks.isEmpty && tasks.allSatisfy { task in
            let stat = (try? String(contentsOfFile: "/proc/\(pid)/task/\(task)/stat", encoding: .utf8)) ?? ""
            return stat.split(separator: ")").last?.split(separator: " ").first == "T"
        }
    }
}
