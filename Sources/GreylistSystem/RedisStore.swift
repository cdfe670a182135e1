import Greylist

/// A Redis fault, naming the server: `redis 127.0.0.1:6379: connect: Connection refused`.
public struct RedisStoreError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The problem, naming the server.
    public let description: String
    package init(_ description: String) { self.description = description }
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
    /// The last read's clock: the whole second it judged by, and the next one, which its writes are dated.
    private var clock: (now: Timestamp, writingTime: Timestamp)?

    /// The longest array the wrapper takes in a reply: `ROLE`'s, which lists a master's replicas.
    static let maximumArrayLength = 256

    /// A store on the settings' servers, with their prefix, budget and password file.
    public init(settings: Settings) {
        servers = settings.redisServers
        records = RedisRecords(settings: settings)
        budget = settings.redisTimeout
        passwordFile = settings.redisPasswordFile
        configurationProblem = settings.redisProblem
    }

    /// Reads `key`'s record and the server's clock in one round trip (with `AUTH` and `ROLE` first, on a new
    /// connection). Ages are judged by the clock's whole second.
    public func read(_ key: RecordKey, now: Timestamp) throws(RedisStoreError) -> (record: Record?, now: Timestamp) {
        if let configurationProblem { throw RedisStoreError("redis: \(configurationProblem)") }
        let (replies, server) = try exchange(records.readCommands(for: key))
        do {
            let read = try records.interpretRead(replies)
            clock = (read.now, read.writingTime)
            return (read.record, read.now)
        } catch {
            throw fault(server, error.description)
        }
    }

    /// Creates with `SET NX`, or compares and sets the value read, with the key's time to live. A record written
    /// after a read at `now` is dated the server's next whole second, so that its age never exceeds the time
    /// that has passed.
    public func apply(_ action: StoreAction, to key: RecordKey, previous: Record?, now: Timestamp) throws(RedisStoreError) -> Bool {
        let dated = clock.map { $0.now == now ? $0.writingTime : now } ?? now
        guard let command = records.writeCommand(action, for: key, previous: previous, now: dated) else { return true }
        let (replies, server) = try exchange([command])
        do {
            return try RedisRecords.interpretWrite(replies[0])
        } catch {
            throw fault(server, error.description)
        }
    }

    /// Closes the connection.
    public func close() { connection = nil }

    /// Sends `commands` and returns their replies: on the open connection, or on the first listed server that
    /// answers them as a master (`connectToFirstAnswering`), all within the one budget that starts with the first
    /// connection. An open connection whose server can no longer serve records (`RedisRecords.passOverError`: a
    /// master turned replica by a failover) or that breaks (Sentinel closes clients as it reconfigures a node) is
    /// given up for a new search, once: the write it carried is a `SET NX` or a compare-and-set, safe to repeat.
    private func exchange(_ commands: [[[UInt8]]]) throws(RedisStoreError) -> ([RedisReply], RedisServer) {
        if let (connection, index) = connection {
            let problem: String
            do throws(RedisConnectionError) {
                let replies = try connection.exchange(commands, deadline: deadline ?? 0)
                guard let passOver = RedisRecords.passOverError(in: replies) else { return (replies, servers[index]) }
                problem = passOver
            } catch {
                problem = error.description
            }
            self.connection = nil
            guard monotonicMilliseconds() < deadline ?? 0 else { throw RedisStoreError("redis \(servers[index]): \(problem)") }
            warnings.append("redis \(servers[index]): \(problem); looking for the master again")
        }
        let deadline = self.deadline ?? monotonicMilliseconds() + budget
        self.deadline = deadline
        let answer = try connectToFirstAnswering(servers, credentials: try redisCredentials(passwordFile: passwordFile),
                                                 commands, deadline: deadline, maximumArrayLength: Self.maximumArrayLength)
        if !answer.failures.isEmpty { warnings.append("redis \(answer.failures); used \(servers[answer.index])") }
        warnings += answer.warnings
        connection = (answer.connection, answer.index)
        return (answer.replies, servers[answer.index])
    }

    /// The error for `problem` on `server`; the connection, in an unknown state, is closed.
    private func fault(_ server: RedisServer, _ problem: String) -> RedisStoreError {
        connection = nil
        return RedisStoreError("redis \(server): \(problem)")
    }
}

/// A connection to the first of `servers` that answers `commands` as a master that can serve records, logged in
/// with `credentials`: `RedisRecords.openingCommands` go first in the same pipeline, and a node whose `ROLE` is not
/// master, or that answers with a `RedisRecords.passOverError`, is passed over. When no master answers, the
/// first replica that answered without such an error is used (reads go on while a restarted master loads its
/// data; its writes fail). Returns the connection, the server's index, the replies to `commands`, what the servers
/// passed over said, and warnings (a role that could not be learned, a replica used). Each server gets an equal
/// share of the time left, so one that accepts connections but never answers (stopped, or its host gone) leaves
/// time for the next. A refused `AUTH` ends the search: every node of one set has the same users.
package func connectToFirstAnswering(_ servers: [RedisServer], credentials: RedisCredentials?,
                             _ commands: [[[UInt8]]], deadline: Milliseconds,
                             maximumArrayLength: Int = RedisConnection.maximumArrayLength) throws(RedisStoreError)
    -> (connection: RedisConnection, index: Int, replies: [RedisReply], failures: String, warnings: [String]) {
    let opening = RedisRecords.openingCommands(credentials: credentials)
    var failures: [String] = []
    var replica: (connection: RedisConnection, index: Int, replies: [RedisReply])?
    for index in servers.indices {
        let server = servers[index]
        let share = monotonicMilliseconds() + (deadline - monotonicMilliseconds()) / Int64(servers.count - index)
        let connection: RedisConnection, replies: [RedisReply]
        do throws(RedisConnectionError) {
            connection = try RedisConnection(to: server, deadline: share, maximumArrayLength: maximumArrayLength)
            replies = try connection.exchange(opening + commands, deadline: share)
        } catch {
            failures.append("\(server): \(error)")
            continue
        }
        let role: RedisRecords.NodeRole
        do { role = try RedisRecords.interpretOpening(replies[..<opening.count]) } catch {
            throw RedisStoreError("redis \(server): \(error)")
        }
        let answers = Array(replies[opening.count...])
        if let passOver = RedisRecords.passOverError(in: answers) {
            failures.append("\(server): \(passOver)")
        } else if case .other(let what) = role {
            failures.append("\(server): \(what)")
            if replica == nil, what.hasPrefix(RedisRecords.replicaRole) { replica = (connection, index, answers) }
        } else {
            let warnings = if case .unknown(let problem) = role { ["redis \(server): \(problem): its role is not known"] } else { [String]() }
            return (connection, index, answers, failures.joined(separator: "; "), warnings)
        }
    }
    if let replica {
        return (replica.connection, replica.index, replica.replies, failures.joined(separator: "; "),
                ["redis: no master answered; read from the replica \(servers[replica.index])"])
    }
    throw RedisStoreError("redis " + (failures.isEmpty ? "no server configured" : failures.joined(separator: "; ")))
}

/// The credentials in the password file at `path`; nil without one.
package func redisCredentials(passwordFile path: String?) throws(RedisStoreError) -> RedisCredentials? {
    guard let path else { return nil }
    let file: SmallFile?
    do {
        file = try readFile(atPath: path, limit: RedisCredentials.maximumFileSize)
    } catch {
        throw RedisStoreError("redis: unable to read password file \(LogLine.escaped(path)): \(error)")
    }
    guard let file else { throw RedisStoreError("redis: password file \(LogLine.escaped(path)) does not exist") }
    guard file.isRegularFile else { throw RedisStoreError("redis: password file \(LogLine.escaped(path)) is not a regular file") }
    guard file.isWhole else {
        throw RedisStoreError("redis: password file \(LogLine.escaped(path)) is longer than \(RedisCredentials.maximumFileSize) bytes")
    }
    guard let credentials = RedisCredentials(fileContents: file.contents) else {
        throw RedisStoreError("redis: password file \(LogLine.escaped(path)) holds neither \"password\" nor \"user password\"")
    }
    return credentials
}
