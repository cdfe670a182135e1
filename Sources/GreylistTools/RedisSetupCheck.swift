import Greylist
import GreylistAdmin
import GreylistSystem

/// A check of the Redis servers a wrapper's settings name, as the user the wrapper runs as: the password file
/// readable, each server answering and accepting the login, the commands the wrapper sends allowed on its
/// prefix, a master among them, and no eviction (an evicted passed sender is greylisted again).
public struct RedisSetupCheck {
    /// One thing wrong, and what to do about it.
    public struct Problem: Equatable, Sendable {
        /// What is wrong, naming the server or file.
        public let text: String
        /// A fix, as a command or a change to make.
        public let fix: String
    }

    /// The settings' servers, prefix and password file.
    public let settings: Settings
    /// Who runs the check (the wrapper's user), for the fixes.
    public let user: String
    /// The time each server may take.
    public let timeout: Milliseconds

    /// A check of `settings`' Redis setup, run as `user`.
    public init(settings: Settings, user: String, timeout: Milliseconds = 5000) {
        (self.settings, self.user, self.timeout) = (settings, user, timeout)
    }

    /// The key the check writes: under the prefix, no record's name, expiring within a minute.
    var probeKey: [UInt8] { Array((settings.redisPrefix + ".check").utf8) }

    /// Checks every listed server; calls `found` with each problem and `passed` with a line for each sound server.
    public func run(found: (Problem) -> Void, passed: (String) -> Void) {
        let credentials: RedisCredentials?
        do {
            credentials = try redisCredentials(passwordFile: settings.redisPasswordFile)
        } catch {
            let file = settings.redisPasswordFile ?? ""
            found(Problem(text: error.description, fix: "put the password (or user and password) in \(file), readable by \(user) "
                + "only: chown \(user) \(file); chmod 400 \(file)"))
            return
        }
        var masters = 0
        for server in settings.redisServers {
            let (problems, isMaster) = check(server, credentials: credentials)
            problems.forEach(found)
            if problems.isEmpty { passed("redis \(server): ok") }
            if isMaster { masters += 1 }
        }
        if masters == 0 {
            found(Problem(text: "redis: none of \(settings.redisServers.map(\.description).joined(separator: ",")) is a master that answers: "
                + "records are written on the master only", fix: "list the master of the set (every node of it) in CQGREYLIST_REDIS"))
        }
    }

    /// The problems of one server, and whether it is a master.
    func check(_ server: RedisServer, credentials: RedisCredentials?) -> (problems: [Problem], isMaster: Bool) {
        let commands = (credentials.map { [$0.authCommand] } ?? [])
            + [[Array("INFO".utf8), Array("replication".utf8)], [Array("INFO".utf8), Array("memory".utf8)]]
        let replies: [RedisReply]
        let connection: RedisConnection
        do {
            connection = try RedisConnection(to: server, deadline: monotonicMilliseconds() + timeout)
            replies = try connection.exchange(commands, deadline: monotonicMilliseconds() + timeout)
        } catch {
            return ([Problem(text: "redis \(server): \(error)", fix: "start Redis at \(server), or correct CQGREYLIST_REDIS")], false)
        }
        if credentials != nil, case .error(let text) = replies[0] {
            return ([Problem(text: "redis \(server): AUTH: \(RedisRecords.printable(text))",
                             fix: "give \(server) the password in \(settings.redisPasswordFile ?? ""), or correct the file")], false)
        }
        let replication = replies[replies.count - 2]
        var problems = infoProblems(server, replication: replication, memory: replies[replies.count - 1], as: credentials)
        // A replica is a failover node, passed over by the wrapper: it refuses writes until it is promoted.
        let replica = if case .bulk(let text) = replication { Self.field("role", in: text) != "master" } else { false }
        do {
            let probes = try connection.exchange(probeCommands(writing: !replica), deadline: monotonicMilliseconds() + timeout)
            problems += permissionProblems(server, probes, as: credentials)
        } catch {
            problems.append(Problem(text: "redis \(server): \(error)", fix: "start Redis at \(server), or correct CQGREYLIST_REDIS"))
        }
        return (problems, !replica && problems.isEmpty)
    }

    /// The commands the wrapper sends, on the probe key: the read (TIME, GET, ROLE) and, on a master, the writes
    /// (SET, and the compare-and-set script, which runs GET and SET).
    func probeCommands(writing: Bool) -> [[[UInt8]]] {
        let value = Array("check".utf8), ttl = Array("60".utf8)
        var commands: [[[UInt8]]] = [[Array("TIME".utf8)], [Array("GET".utf8), probeKey], [Array("ROLE".utf8)]]
        guard writing else { return commands }
        commands.append([Array("SET".utf8), probeKey, value, Array("EX".utf8), ttl])
        commands.append([Array("EVAL".utf8), Array(RedisRecords.compareAndSetScript.utf8), Array("1".utf8), probeKey, value, value, ttl])
        return commands
    }

    /// A problem for each probe the server refused (an ACL that does not allow it on the prefix, out of memory).
    func permissionProblems(_ server: RedisServer, _ replies: [RedisReply], as credentials: RedisCredentials?) -> [Problem] {
        let names = ["TIME", "GET", "ROLE", "SET", "EVAL"]
        return zip(names, replies).compactMap { name, reply in
            guard case .error(let text) = reply else { return nil }
            return Problem(text: "redis \(server): \(name) on \(LogLine.escaped(settings.redisPrefix))*: \(RedisRecords.printable(text))",
                           fix: fix(forRefusal: text, by: server, as: credentials))
        }
    }

    /// What to do about a command `server` refused with the error `text`.
    func fix(forRefusal text: String, by server: RedisServer, as credentials: RedisCredentials?) -> String {
        if text.contains("NOPERM") {
            let user = credentials?.user.map { String(decoding: $0, as: UTF8.self) } ?? "default"
            return "as its administrator: \(Self.cli(server)) ACL SETUSER \(user) ~\(settings.redisPrefix)* +get +set +eval +time +role +info "
                + "+scan +mget (and ACL SAVE, or the same in its ACL file; README, Setting up Redis)"
        }
        if text.hasPrefix("OOM") { return "give \(server) more maxmemory, or free memory there" }
        if text.hasPrefix("READONLY") { return "list the master of the set in CQGREYLIST_REDIS" }
        return "see the log of redis \(server)"
    }

    /// The redis-cli command line that talks to `server`.
    static func cli(_ server: RedisServer) -> String {
        if case .socket(let path) = server { return "redis-cli -s \(path)" }
        let text = server.description
        let colon = text.lastIndex(of: ":") ?? text.endIndex
        let host = text[..<colon].filter { $0 != "[" && $0 != "]" }
        return "redis-cli -h \(host) -p \(text[colon...].dropFirst())"
    }

    /// The problems `INFO memory` shows (a policy that evicts), or that neither INFO could be read.
    func infoProblems(_ server: RedisServer, replication: RedisReply, memory: RedisReply, as credentials: RedisCredentials?) -> [Problem] {
        guard case .bulk = replication, case .bulk(let memoryText) = memory else {
            let reply = if case .error = replication { replication } else { memory }
            return [Problem(text: "redis \(server): INFO: \(RedisRecords.describe(reply)): its role and maxmemory-policy cannot be checked",
                            fix: fix(forRefusal: "NOPERM", by: server, as: credentials))]
        }
        var problems: [Problem] = []
        if let policy = Self.field("maxmemory_policy", in: memoryText), policy != "noeviction" {
            problems.append(Problem(text: "redis \(server) has maxmemory-policy \(policy): under memory pressure it forgets "
                + "records, and a passed sender forgotten is greylisted again",
                fix: "as its administrator: \(Self.cli(server)) CONFIG SET maxmemory-policy noeviction; and in its redis.conf: "
                    + "maxmemory-policy noeviction"))
        }
        return problems
    }

    /// The value of `name` in an INFO reply's `name:value` lines.
    static func field(_ name: String, in text: [UInt8]) -> String? {
        for line in text.split(separator: UInt8(ascii: "\n")) {
            let line = String(decoding: line.last == UInt8(ascii: "\r") ? line.dropLast() : line, as: UTF8.self)
            if line.hasPrefix(name + ":") { return String(line.dropFirst(name.count + 1)) }
        }
        return nil
    }
}
