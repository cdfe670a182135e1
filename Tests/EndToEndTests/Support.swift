import Foundation
import Glibc
@_exported import TestSupport
import Testing

/// The executables under test: the release binaries that ship, in `$CQGREYLIST_BUILT` (tools/test sets it to
/// what tools/setup built), else those beside this test binary (no test target depends on an executable target).
enum Built {
    static let directory = ProcessInfo.processInfo.environment["CQGREYLIST_BUILT"]
        ?? URL(fileURLWithPath: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? "")
            .deletingLastPathComponent().path
    static func path(_ name: String) -> String { directory + "/" + name }
    static let wrapper = path("cqgreylist")
    static let mkwhitelist = path("cqgreylist-mkwhitelist")
    static let clean = path("cqgreylist-clean")
    static let report = path("cqgreylist-report")
    /// A file of the source tree, e.g. `etc/whitelist`.
    static func source(_ relative: String) -> String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../" + relative).standardized.path
    }
    /// The stand-in qmail-smtpd, from the source tree.
    static let standIn = source("tools/stand-in-smtpd")
}

/// Whether the tests run as root: mounts, other users, network namespaces and Postfix need it. Tests that do
/// are skipped otherwise, and the run says so.
let runningAsRoot = getuid() == 0

/// What a finished process left.
struct Finished {
    var status: Int32
    var output: String
    var errors: String
}

/// Starts `executable` with exactly `environment`, default signal dispositions, an empty signal mask and no
/// descriptors but 0, 1, 2 from/to the given files (as tcpserver gives its children). Calls `posix_spawn(3)`.
func spawn(_ executable: String, _ arguments: [String], environment: [String: String],
           stdin: String, stdout: String, stderr: String) throws -> pid_t {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    posix_spawn_file_actions_addopen(&actions, 0, stdin, O_RDONLY, 0)
    posix_spawn_file_actions_addopen(&actions, 1, stdout, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    posix_spawn_file_actions_addopen(&actions, 2, stderr, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
    _ = addCloseFrom(&actions, 3)  // nothing leaks in from other tests running at once
    var attributes = posix_spawnattr_t()
    posix_spawnattr_init(&attributes)
    defer { posix_spawnattr_destroy(&attributes) }
    var none = sigset_t(), all = sigset_t()
    sigemptyset(&none)
    sigfillset(&all)
    posix_spawnattr_setsigmask(&attributes, &none)
    posix_spawnattr_setsigdefault(&attributes, &all)
    posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
    let environment = environment.merging(["PATH": "/usr/local/bin:/usr/bin:/bin"]) { mine, _ in mine }
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = environment.map { strdup("\($0)=\($1)") } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var pid: pid_t = 0
    let result = posix_spawn(&pid, executable, &actions, &attributes, argv, envp)
    guard result == 0 else { throw POSIXError(POSIXErrorCode(rawValue: result) ?? .EINVAL) }
    return pid
}

/// glibc's `posix_spawn_file_actions_addclosefrom_np` (2.34+), which Swift's Glibc module does not declare.
private let addCloseFrom = unsafeBitCast(
    dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np")!,
    to: (@convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32).self)

/// Waits for `pid` to exit, killing it after `limit` seconds; returns its exit status (128 + signal if killed).
func waitForExit(_ pid: pid_t, limit: TimeInterval) -> Int32 {
    let deadline = Date(timeIntervalSinceNow: limit)
    var status: Int32 = 0
    while waitpid(pid, &status, WNOHANG) == 0 {
        if Date() > deadline {
            Issue.record("process \(pid) still running after \(limit)s: killed")
            kill(pid, SIGKILL)
            waitpid(pid, &status, 0)
            break
        }
        usleep(2_000)
    }
    return status & 0x7f == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
}

/// Whether `condition` holds within `seconds`, checked every 50 ms.
func eventually(within seconds: TimeInterval, _ condition: () -> Bool) -> Bool {
    let deadline = Date(timeIntervalSinceNow: seconds)
    while !condition() {
        if Date() > deadline { return false }
        usleep(50_000)
    }
    return true
}

/// A shell script that starts `count` copies of `command` (stdin and stdout /dev/null, stderr appended to `$D/log`)
/// and lets them go at the same moment: each opens the FIFO `$D/go` and says so in `$D/ready`; once all have, the
/// script closes the FIFO's one writer, so every copy reads its end at once. No copy can come too late to the
/// barrier, whatever the machine's load. The seconds of the release and of the last exit go to `$D/released` and
/// `$D/finished`. Exit 3 if the copies are not all waiting within 30 s.
func burst(_ count: Int, _ command: String) -> String {
    """
    mkfifo "$D/go"; exec 3<>"$D/go"
    for i in $(seq \(count)); do
      ( exec 3>&- 4<"$D/go"; echo >> "$D/ready"; cat <&4 >/dev/null; exec 4<&-; \(command) ) </dev/null >/dev/null 2>>"$D/log" &
    done
    tries=0
    until [ "$(wc -l < "$D/ready")" -ge \(count) ] 2>/dev/null; do tries=$((tries + 1)); [ $tries -le 3000 ] || exit 3; sleep 0.01; done
    date +%s > "$D/released"; exec 3>&-; wait; date +%s > "$D/finished"
    """
}

/// Runs `executable` with `arguments`, exactly `environment`, and `input` on stdin; waits at most `limit` seconds.
func run(_ executable: String, _ arguments: [String] = [], environment: [String: String] = [:],
         input: Data = Data(), limit: TimeInterval = 30) throws -> Finished {
    let scratch = try TemporaryDirectory()
    let files = ["in", "out", "err"].map { scratch.path + "/" + $0 }
    try input.write(to: URL(fileURLWithPath: files[0]))
    let pid = try spawn(executable, arguments, environment: environment, stdin: files[0], stdout: files[1], stderr: files[2])
    let status = waitForExit(pid, limit: limit)
    let read = { (path: String) in String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self) }
    return Finished(status: status, output: read(files[1]), errors: read(files[2]))
}

/// Runs a shell command line (for raw bytes and redirections Foundation cannot express).
func shell(_ command: String, environment: [String: String] = [:], input: Data = Data(), limit: TimeInterval = 30) throws -> Finished {
    try run("/bin/sh", ["-c", command], environment: environment, input: input, limit: limit)
}

/// A real tcpserver on a loopback port running `program`, stopped when the value goes away.
final class TCPServer: @unchecked Sendable {
    let port: String
    let log: String
    private let pid: pid_t
    private let namespace: NetworkNamespace?

    /// Starts `tcpserver -1 -R -H -l name [-v] [-u uid -g gid] [-x rules] host port program...` (in `namespace` if
    /// given), logging stderr to `log`; port 0 is any free one.
    init(host: String = "127.0.0.1", port: String = "0", name: String = "mx.test", namespace: NetworkNamespace? = nil,
         rules: String? = nil, user: (uid: Int, gid: Int)? = nil, environment: [String: String] = [:],
         verbose: Bool = false, _ program: [String], log: String) throws {
        self.log = log
        self.namespace = namespace
        let portFile = log + ".port"
        let account = user.map { ["-u", String($0.uid), "-g", String($0.gid)] } ?? []
        let arguments = ["-1", "-R", "-H", "-l", name] + (verbose ? ["-v"] : []) + account + (rules.map { ["-x", $0] } ?? []) + [host, port] + program
        if let namespace {
            pid = try namespace.spawn("/usr/bin/tcpserver", arguments, environment: environment, stdin: "/dev/null", stdout: portFile, stderr: log)
        } else {
            pid = try spawn("/usr/bin/tcpserver", arguments, environment: environment, stdin: "/dev/null", stdout: portFile, stderr: log)
        }
        let written = { (try? String(contentsOfFile: portFile, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "" }
        _ = eventually(within: 5) { !written().isEmpty }
        self.port = written()
        if self.port.isEmpty { Issue.record("tcpserver did not start: \((try? String(contentsOfFile: log, encoding: .utf8)) ?? "")") }
    }

    deinit {
        kill(pid, SIGTERM)
        _ = waitForExit(pid, limit: 10)
    }

    /// The log lines so far that the wrapper wrote.
    var wrapperLog: [String] {
        ((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").split(separator: "\n").map(String.init).filter { $0.hasPrefix("cqgreylist:") }
    }
}

/// Sends one message with swaks to `server`, from `localAddress`; returns swaks' transcript.
func sendMail(to server: TCPServer, host: String = "127.0.0.1", from localAddress: String? = nil) throws -> String {
    var arguments = ["--server", host, "--port", server.port, "--from", "sender@example.org", "--to", "postmaster@mx.test",
                     "--timeout", "10", "--body", "hello"]
    if let localAddress { arguments += ["--local-interface", localAddress] }
    let result = try run("/usr/bin/swaks", arguments, limit: 20)
    return result.output + result.errors
}

extension String {
    /// Whether a swaks transcript shows the message accepted after DATA.
    var showsDelivery: Bool { contains("<-  250 ok ") && contains(" -> DATA") && !contains("<** ") }
    /// Whether a swaks transcript shows the temporary refusal of RCPT.
    var showsRefusal: Bool { contains("<** 451 ") }
}
