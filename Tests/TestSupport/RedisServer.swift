// A real redis-server for the tests, on a Unix socket in a temporary directory (and a loopback port if asked),
// and redis-cli to look at it and to age its records as time would.
import Foundation

/// A redis-server started for one test and stopped when the value goes away.
public final class RedisTestServer: @unchecked Sendable {
    /// Where its socket, configuration, log and append-only files are.
    public let directory: TemporaryDirectory
    /// Its Unix socket.
    public var socket: String { directory.path + "/redis.sock" }
    /// The default user's password (`requirepass`), which redis-cli then gives.
    public let password: String?
    /// Its loopback TCP port, if it listens on one.
    public private(set) var port: Int?
    private var configuration: [String] = []
    private var process: Process?

    /// Starts a server with `configuration` lines (`["appendonly yes"]`) added to a test setup: no persistence
    /// unless asked, a socket, and a loopback port if `tcp` (a free one, found by trying).
    public init(tcp: Bool = false, password: String? = nil, _ configuration: [String] = []) throws {
        directory = try TemporaryDirectory()
        self.password = password
        for attempt in 1...5 {   // a random port may be taken
            port = tcp ? Int.random(in: 20_000...60_000) : nil
            self.configuration = ["port \(port ?? 0)", "bind 127.0.0.1", "unixsocket \(directory.path)/redis.sock",
                                  "unixsocketperm 700", "dir \(directory.path)", "save \"\"", "logfile \(directory.path)/redis.log",
                                  "daemonize no"] + (password.map { ["requirepass \($0)"] } ?? []) + configuration
            do {
                try start()
                return
            } catch where attempt < 5 && tcp {
                continue
            }
        }
    }

    deinit { stop() }

    /// Starts (or restarts) the server and waits until it answers PING with PONG, unless `waiting` is false
    /// (a server loading a large append-only file answers -LOADING for a while).
    public func start(waiting: Bool = true) throws {
        let file = directory.path + "/redis.conf"
        try (configuration.joined(separator: "\n") + "\n").write(toFile: file, atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-server")
        process.arguments = [file]
        try process.run()
        self.process = process
        guard waiting else { return }
        let deadline = Date(timeIntervalSinceNow: 10)
        while (try? cli("PING")) != "PONG" {
            guard process.isRunning, Date() < deadline else {
                let log = (try? String(contentsOfFile: directory.path + "/redis.log", encoding: .utf8)) ?? ""
                throw CocoaError(.executableLoad, userInfo: [NSLocalizedDescriptionKey: "redis-server did not start: \(log)"])
            }
            usleep(20_000)
        }
    }

    /// Stops the server (SHUTDOWN: it writes its append-only file first) and waits for it. Foundation starts it
    /// with most signals blocked, so SIGTERM would wait forever; SIGKILL if it does not go within 5 s.
    public func stop() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGCONT)
        _ = try? cli("SHUTDOWN")
        let deadline = Date(timeIntervalSinceNow: 5)
        while process.isRunning && Date() < deadline { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    /// Kills the server at once (SIGKILL), as a crash or a power cut would, and waits for it.
    public func crash() {
        guard let process, process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Stops the server without its exiting (SIGSTOP): it accepts connections and never answers.
    public func pause() { if let process { kill(process.processIdentifier, SIGSTOP) } }
    /// Lets a paused server go on.
    public func resume() { if let process { kill(process.processIdentifier, SIGCONT) } }

    /// Runs one command with redis-cli on the socket and returns its output, trimmed.
    @discardableResult
    public func cli(_ arguments: String...) throws -> String { try cli(arguments) }

    /// Runs one command with redis-cli on the socket and returns its output, trimmed.
    @discardableResult
    public func cli(_ arguments: [String]) throws -> String {
        let process = Process(), output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/redis-cli")
        process.arguments = ["-s", socket] + (password.map { ["-a", $0, "--no-auth-warning"] } ?? []) + arguments
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// The server's clock, in seconds.
    public func now() throws -> Int64 { Int64(try cli("TIME").split(separator: "\n").first ?? "") ?? 0 }

    /// Writes the record of key `name` (after the default prefix) as `age` seconds old at the server's clock.
    public func writeRecord(_ name: String, passed: Bool = false, age: Int64, prefix: String = "cqgreylist:") throws {
        let value = "\(passed ? "passed" : "pending") \(try now() - age)"
        try cli("SET", prefix + name, value, "EX", "100000000")
    }

    /// The value of every key, sorted by key: `["cqgreylist:192.0.2.7": "pending 1764486000"]`.
    public func records() throws -> [String: String] {
        var result: [String: String] = [:]
        for key in try cli("--scan").split(separator: "\n").map(String.init) where !key.isEmpty {
            result[key] = try cli("GET", key)
        }
        return result
    }
}
