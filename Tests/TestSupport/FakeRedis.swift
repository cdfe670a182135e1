// A stand-in for a Redis server gone wrong: it answers every connection with fixed bytes.
import Foundation

/// A server on a Unix socket that answers every connection with `replies` and closes it (or, with `holding`,
/// keeps it open until the client goes): Redis gone wrong.
public final class FakeRedis: @unchecked Sendable {
    /// Its Unix socket.
    public let path: String
    private let process: Process

    /// Starts the server and returns once it is listening: the socket appears under `path` only then (it is bound
    /// under another name and renamed after listen(2), so no client can find it too early).
    public init(at path: String, replies: String, holding: Bool = false) throws {
        self.path = path
        process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", """
            import os, socket, sys
            server = socket.socket(socket.AF_UNIX)
            server.bind(sys.argv[1] + ".binding")
            server.listen(16)
            os.rename(sys.argv[1] + ".binding", sys.argv[1])
            while True:
                client, _ = server.accept()
                client.recv(65536)
                client.sendall(sys.argv[2].encode())
                if sys.argv[3] == "hold":
                    while client.recv(65536):
                        pass
                client.close()
            """, path, replies, holding ? "hold" : "close"]
        try process.run()
        let deadline = Date(timeIntervalSinceNow: 10)
        while !FileManager.default.fileExists(atPath: path) && process.isRunning && Date() < deadline { usleep(10_000) }
    }

    deinit {
        kill(process.processIdentifier, SIGKILL)   // Foundation starts it with SIGTERM blocked
        process.waitUntilExit()
    }
}
