import Greylist

/// A Redis fault, naming the server: `redis 127.0.0.1:6379: connect: Connection refused`.
public struct RedisStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// Records on Redis, shared by several MX hosts (DESIGN §3a). The connection is made on the first read (clients
/// that pass on their environment or the whitelist never touch Redis), to the first listed server that accepts it;
/// all of one connection's Redis work, connecting included, shares one time budget.
public final class RedisStore: RecordStore {
    /// The servers, in the order they are tried.
    public let servers: [RedisServer]
    /// The keys, values and lifetimes.
    public let records: RedisRecords
    /// The time budget of all Redis work.
    public let budget: Milliseconds
    /// The password file, if any.
    public let passwordFile: String?
    public private(set) var warnings: [String] = []

    private var connection: (RedisConnection, server: RedisServer)?
    private var deadline: Milliseconds?

    /// A store on the settings' servers, with their prefix, budget and password file.
    public init(settings: Settings) {
        servers = settings.redisServers
        records = RedisRecords(prefix: settings.redisPrefix, policy: settings.policy)
        budget = settings.redisTimeout
        passwordFile = settings.redisPasswordFile
    }

    /// Reads `key`'s record and the server's clock in one round trip (with `AUTH` first, on a new connection).
    public func read(_ key: RecordKey, now: Timestamp) throws(RedisStoreError) -> (record: Record?, now: Timestamp) {
        let credentials = connection == nil ? try redisCredentials(passwordFile: passwordFile) : nil
        let (replies, server) = try exchange(records.readCommands(for: key, credentials: credentials))
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

    /// Sends `commands` on the connection (made first if need be) and returns their replies.
    private func exchange(_ commands: [[[UInt8]]]) throws(RedisStoreError) -> ([RedisReply], RedisServer) {
        let (connection, server) = try connect()
        do {
            return (try connection.exchange(commands, deadline: deadline ?? 0), server)
        } catch {
            throw fault(server, error.description)
        }
    }

    /// The error for `problem` on `server`; the connection, in an unknown state, is closed.
    private func fault(_ server: RedisServer, _ problem: String) -> RedisStoreError {
        connection = nil
        return RedisStoreError("redis \(server): \(problem)")
    }

    /// The open connection, or one to the first server that accepts one before the budget runs out.
    private func connect() throws(RedisStoreError) -> (RedisConnection, server: RedisServer) {
        if let connection { return connection }
        let deadline = self.deadline ?? monotonicMilliseconds() + budget
        self.deadline = deadline
        let (connection, server, failures) = try connectToFirst(of: servers, deadline: deadline)
        if !failures.isEmpty { warnings.append("redis \(failures); used \(server)") }
        self.connection = (connection, server)
        return (connection, server)
    }
}

/// A connection to the first of `servers` that accepts one before `deadline`, and what the ones before it said.
func connectToFirst(of servers: [RedisServer], deadline: Milliseconds) throws(RedisStoreError)
    -> (RedisConnection, server: RedisServer, failures: String) {
    var failures: [String] = []
    for server in servers {
        do {
            return (try RedisConnection(to: server, deadline: deadline), server, failures.joined(separator: "; "))
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
