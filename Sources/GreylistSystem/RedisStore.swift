import Greylist

/// A Redis fault, naming the server: `redis 127.0.0.1:6379: connect: Connection refused`.
public struct RedisStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The problem, naming the server.
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Records on Redis, shared by several MX hosts (DESIGN §3a). The connection is made on the first read (clients
/// that pass on their environment or the whitelist never touch Redis), to the first listed server that answers
/// it; all of one connection's Redis work, connecting included, shares one time budget.
public final class RedisStore: RecordStore {
    /// The servers, in the order they are tried.
    public let servers: [RedisServer]
    /// The keys, values and lifetimes.
    public let records: RedisRecords
    /// The time budget of all Redis work.
    public let budget: Milliseconds
    /// The password file, if any.
    public let passwordFile: String?
    /// Servers that did not answer before the one used, for a `warning:` line.
    public private(set) var warnings: [String] = []

    private var connection: (RedisConnection, server: RedisServer)?
    private var deadline: Milliseconds?

    /// A store on the settings' servers, with their prefix, budget and password file.
    public init(settings: Settings) {
        servers = settings.redisServers
        records = RedisRecords(settings: settings)
        budget = settings.redisTimeout
        passwordFile = settings.redisPasswordFile
    }

    /// Reads `key`'s record and the server's clock in one round trip (with `AUTH` first, on a new connection).
    public func read(_ key: RecordKey, now: Timestamp) throws(RedisStoreError) -> (record: Record?, now: Timestamp) {
        let replies: [RedisReply], server: RedisServer
        if connection == nil {
            let commands = records.readCommands(for: key, credentials: try redisCredentials(passwordFile: passwordFile))
            (replies, server) = try connectAndExchange(commands)
        } else {
            (replies, server) = try exchange(records.readCommands(for: key, credentials: nil))
        }
        do {
            return try records.interpretRead(replies)
        } catch {
            throw fault(server, error.description)
        }
    }

    /// Creates with `SET NX`, or compares and sets the value read, with the key's time to live.
    public func apply(_ action: StoreAction, to key: RecordKey, previous: Record?, now: Timestamp) throws(RedisStoreError) -> Bool {
        guard let command = records.writeCommand(action, for: key, previous: previous, now: now) else { return true }
        let (replies, server) = try exchange([command])
        do {
            return try RedisRecords.interpretWrite(replies[0])
        } catch {
            throw fault(server, error.description)
        }
    }

    /// Closes the connection.
    public func close() { connection = nil }

    /// Sends `commands` on the open connection and returns their replies.
    private func exchange(_ commands: [[[UInt8]]]) throws(RedisStoreError) -> ([RedisReply], RedisServer) {
        guard let (connection, server) = connection else { throw RedisStoreError("redis: no connection") }
        do {
            return (try connection.exchange(commands, deadline: deadline ?? 0), server)
        } catch {
            throw fault(server, error.description)
        }
    }

    /// Connects to the first listed server that answers `commands` and returns its replies; the budget starts here.
    private func connectAndExchange(_ commands: [[[UInt8]]]) throws(RedisStoreError) -> ([RedisReply], RedisServer) {
        let deadline = self.deadline ?? monotonicMilliseconds() + budget
        self.deadline = deadline
        let answer = try connectToFirstAnswering(servers, commands, deadline: deadline)
        if !answer.failures.isEmpty { warnings.append("redis \(answer.failures); used \(answer.server)") }
        connection = (answer.connection, answer.server)
        return (answer.replies, answer.server)
    }

    /// The error for `problem` on `server`; the connection, in an unknown state, is closed.
    private func fault(_ server: RedisServer, _ problem: String) -> RedisStoreError {
        connection = nil
        return RedisStoreError("redis \(server): \(problem)")
    }
}

/// A connection to the first of `servers` that answers `commands` before `deadline`, its replies, and what the
/// servers before it said. Each server gets an equal share of the time left, so one that accepts connections but
/// never answers (stopped, or its host gone) leaves time for the next.
func connectToFirstAnswering(_ servers: [RedisServer], _ commands: [[[UInt8]]], deadline: Milliseconds) throws(RedisStoreError)
    -> (connection: RedisConnection, server: RedisServer, replies: [RedisReply], failures: String) {
    var failures: [String] = []
    for (index, server) in servers.enumerated() {
        let share = monotonicMilliseconds() + (deadline - monotonicMilliseconds()) / Int64(servers.count - index)
        do throws(RedisConnectionError) {
            let connection = try RedisConnection(to: server, deadline: share)
            return (connection, server, try connection.exchange(commands, deadline: share), failures.joined(separator: "; "))
        } catch {
            failures.append("\(server): \(error)")
        }
    }
    throw RedisStoreError("redis " + (failures.isEmpty ? "no server configured" : failures.joined(separator: "; ")))
}

/// The credentials in the password file at `path`; nil without one.
func redisCredentials(passwordFile path: String?) throws(RedisStoreError) -> RedisCredentials? {
    guard let path else { return nil }
    let contents: [UInt8]?
    do {
        contents = try readFile(atPath: path, limit: 4096)
    } catch {
        throw RedisStoreError("redis: unable to read password file \(LogLine.escaped(path)): \(error)")
    }
    guard let contents else { throw RedisStoreError("redis: password file \(LogLine.escaped(path)) does not exist") }
    guard let credentials = RedisCredentials(fileContents: contents) else {
        throw RedisStoreError("redis: password file \(LogLine.escaped(path)) holds neither \"password\" nor \"user password\"")
    }
    return credentials
}
