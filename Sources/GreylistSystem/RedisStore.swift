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
    /// Why the configured server list cannot be used, if it cannot: every read fails with it.
    public let configurationProblem: String?
    /// Servers that did not answer before the one used, for a `warning:` line.
    public private(set) var warnings: [String] = []

    private var connection: (RedisConnection, index: Int)?
    private var deadline: Milliseconds?

    /// The longest array the wrapper takes in a reply: `TIME`'s has two elements.
    static let maximumArrayLength = 16

    /// A store on the settings' servers, with their prefix, budget and password file.
    public init(settings: Settings) {
        servers = settings.redisServers
        records = RedisRecords(settings: settings)
        budget = settings.redisTimeout
        passwordFile = settings.redisPasswordFile
        configurationProblem = settings.redisProblem
    }

    /// Reads `key`'s record and the server's clock in one round trip (with `AUTH` first, on a new connection).
    public func read(_ key: RecordKey, now: Timestamp) throws(RedisStoreError) -> (record: Record?, now: Timestamp) {
        if let configurationProblem { throw RedisStoreError("redis: \(configurationProblem)") }
        let (replies, server) = try exchange { (credentials) in records.readCommands(for: key, credentials: credentials) }
        do {
            return try records.interpretRead(replies)
        } catch {
            throw fault(server, error.description)
        }
    }

    /// Creates with `SET NX`, or compares and sets the value read, with the key's time to live.
    public func apply(_ action: StoreAction, to key: RecordKey, previous: Record?, now: Timestamp) throws(RedisStoreError) -> Bool {
        guard let command = records.writeCommand(action, for: key, previous: previous, now: now) else { return true }
        let (replies, server) = try exchange { (credentials) in (credentials.map { [$0.authCommand] } ?? []) + [command] }
        do throws(RedisReplyError) {
            if replies.count == 2, case .error(let text) = replies[0] { throw RedisReplyError("AUTH: \(RedisRecords.printable(text))") }
            return try RedisRecords.interpretWrite(replies[replies.count - 1])
        } catch {
            throw fault(server, error.description)
        }
    }

    /// Closes the connection.
    public func close() { connection = nil }

    /// Sends the commands `make` gives (given the credentials to log in with on a new connection, else nil) and
    /// returns their replies: on the open connection, or on the first listed server that answers them. A server
    /// that cannot serve records now (`RedisRecords.passOverError`) is passed over for the servers listed after
    /// it, within the one budget that starts with the first connection.
    private func exchange(_ make: (RedisCredentials?) -> [[[UInt8]]]) throws(RedisStoreError) -> ([RedisReply], RedisServer) {
        var next = 0
        if let (connection, index) = connection {
            let replies: [RedisReply]
            do {
                replies = try connection.exchange(make(nil), deadline: deadline ?? 0)
            } catch {
                throw fault(servers[index], error.description)
            }
            guard let passOver = RedisRecords.passOverError(in: replies) else { return (replies, servers[index]) }
            self.connection = nil
            guard index + 1 < servers.count else { throw RedisStoreError("redis \(servers[index]): \(passOver)") }
            warnings.append("redis \(servers[index]): \(passOver); trying the next server")
            next = index + 1
        }
        let deadline = self.deadline ?? monotonicMilliseconds() + budget
        self.deadline = deadline
        let commands = make(try redisCredentials(passwordFile: passwordFile))
        let answer = try connectToFirstAnswering(servers, from: next, commands, deadline: deadline,
                                                 maximumArrayLength: Self.maximumArrayLength)
        if !answer.failures.isEmpty { warnings.append("redis \(answer.failures); used \(servers[answer.index])") }
        connection = (answer.connection, answer.index)
        return (answer.replies, servers[answer.index])
    }

    /// The error for `problem` on `server`; the connection, in an unknown state, is closed.
    private func fault(_ server: RedisServer, _ problem: String) -> RedisStoreError {
        connection = nil
        return RedisStoreError("redis \(server): \(problem)")
    }
}

/// A connection to the first of `servers[first...]` that answers `commands` before `deadline` as a server that can
/// serve records (no `RedisRecords.passOverError` among its replies), its index, its replies, and what the servers
/// before it said. Each server gets an equal share of the time left, so one that accepts connections but never
/// answers (stopped, or its host gone) leaves time for the next.
func connectToFirstAnswering(_ servers: [RedisServer], from first: Int = 0, _ commands: [[[UInt8]]], deadline: Milliseconds,
                             maximumArrayLength: Int = RedisConnection.maximumArrayLength) throws(RedisStoreError)
    -> (connection: RedisConnection, index: Int, replies: [RedisReply], failures: String) {
    var failures: [String] = []
    for index in servers.indices where index >= first {
        let server = servers[index]
        let share = monotonicMilliseconds() + (deadline - monotonicMilliseconds()) / Int64(servers.count - index)
        do throws(RedisConnectionError) {
            let connection = try RedisConnection(to: server, deadline: share, maximumArrayLength: maximumArrayLength)
            let replies = try connection.exchange(commands, deadline: share)
            if let passOver = RedisRecords.passOverError(in: replies) {
                failures.append("\(server): \(passOver)")
                continue
            }
            return (connection, index, replies, failures.joined(separator: "; "))
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
