/// One reply of a Redis server, as its client library parsed it.
public enum RedisReply: Equatable, Sendable {
    case status(String)
    case error(String)
    case integer(Int64)
    case bulk([UInt8])
    case null
    case array([RedisReply])
}

/// A Redis server's reply that does not say what was asked, or an error it sent: the text names the command.
public struct RedisReplyError: Error, Equatable, Sendable, CustomStringConvertible {
    /// E.g. `SET: OOM command not allowed when used memory > 'maxmemory'`.
    public let description: String
    /// Creates the error.
    public init(_ description: String) { self.description = description }
}

/// Records on Redis (DESIGN §3a): the key is the prefix and the record's file name, the value its state and time
/// as text (`pending 1764486000`, `passed 1764486000`), and every key expires when the cleaner would remove it.
/// Commands go out as argument lists and replies come back as values, so all of this is pure.
public struct RedisRecords: Equatable, Sendable {
    /// What every key begins with.
    public var prefix: String
    /// The windows that give the keys their time to live.
    public var policy: Policy

    /// A record store layout with keys under `prefix`, living as long as `policy` keeps records.
    public init(prefix: String, policy: Policy) { (self.prefix, self.policy) = (prefix, policy) }

    /// The layout the settings give: their key prefix and policy.
    public init(settings: Settings) { self.init(prefix: settings.redisPrefix, policy: settings.policy) }

    /// The Redis key of a record: `cqgreylist:192.0.2.7`, `cqgreylist:2001:db8:1:2::`.
    public func key(for recordKey: RecordKey) -> [UInt8] { Array(prefix.utf8) + recordKey.name.utf8 }

    /// A record's value: its state and its one time, in seconds since the epoch.
    public static func value(of record: Record) -> [UInt8] {
        switch record {
        case .pending(let firstSeen): Array("pending \(firstSeen)".utf8)
        case .passed(let lastSeen): Array("passed \(lastSeen)".utf8)
        }
    }

    /// The longest value `value(of:)` writes: `pending ` and nineteen digits.
    public static let longestValue = 27

    /// The record a value holds; nil for anything `value(of:)` does not write.
    public static func record(fromValue value: [UInt8]) -> Record? {
        guard let space = value.firstIndex(of: UInt8(ascii: " ")), (1...19).contains(value.count - space - 1),
              value[(space + 1)...].allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let time = Timestamp(String(decoding: value[(space + 1)...], as: UTF8.self))
        else { return nil }
        switch String(decoding: value[..<space], as: UTF8.self) {
        case "pending": return .pending(firstSeen: time)
        case "passed": return .passed(lastSeen: time)
        default: return nil
        }
    }

    /// How many seconds from `now` a key holding `record` lives: until the cleaner would remove the record
    /// from a state directory (its window, plus the cleaner's grace). At least a second.
    public func timeToLive(of record: Record, now: Timestamp) -> Seconds {
        let life = switch record {
        case .pending: policy.window
        case .passed: policy.passedRecordLife
        }
        return max(1, record.time + life + Policy.cleanerGrace - now)
    }

    /// The record a store action leaves, written at `now`; nil for `.none`.
    public static func record(after action: StoreAction, now: Timestamp) -> Record? {
        switch action {
        case .none: nil
        case .create, .restart: .pending(firstSeen: now)
        case .markPassed, .refresh: .passed(lastSeen: now)
        }
    }

    /// Sets `KEYS[1]` to `ARGV[2]` with a time to live of `ARGV[3]` seconds only if it still holds `ARGV[1]`; 1 if
    /// set. A record another MX host moved on meanwhile (or Redis expired) is left alone, never written back.
    public static let compareAndSetScript = """
        if redis.call('GET', KEYS[1]) == ARGV[1] then redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) return 1 end return 0
        """

    /// The commands a new connection begins with, pipelined with its first read or write: `AUTH` if there are
    /// credentials, and `ROLE`, so that a replica is known without a round trip of its own (DESIGN §3a).
    public static func openingCommands(credentials: RedisCredentials?) -> [[[UInt8]]] {
        (credentials.map { [$0.authCommand] } ?? []) + [[Array("ROLE".utf8)]]
    }

    /// What a node said of itself in reply to `ROLE`.
    public enum NodeRole: Equatable, Sendable {
        /// A master: records are read and written here.
        case master
        /// Anything else (`a replica of 192.0.2.1:6379 (connected)`, `a sentinel`): passed over for the next server.
        case other(String)
        /// `ROLE` was refused (an ACL user without `+role`) or not understood: the node is used, with a warning.
        case unknown(String)
    }

    /// How `NodeRole.other` begins for a replica.
    public static let replicaRole = "a replica"

    /// The node's role from the replies to `openingCommands`; throws if `AUTH` was refused.
    public static func interpretOpening(_ replies: ArraySlice<RedisReply>) throws(RedisReplyError) -> NodeRole {
        var replies = replies
        if replies.count == 2 {
            switch replies.removeFirst() {
            case .status: break
            case .error(let text): throw RedisReplyError("AUTH: \(printable(text))")
            default: throw RedisReplyError("AUTH: unexpected reply")
            }
        }
        guard let role = replies.first else { throw RedisReplyError("missing replies") }
        guard case .array(let parts) = role, case .bulk(let name)? = parts.first else { return .unknown("ROLE: \(describe(role))") }
        switch String(decoding: name, as: UTF8.self) {
        case "master":
            return .master
        case "slave", "replica":   // slave, host, port, link state, offset
            guard parts.count >= 4, case .bulk(let host) = parts[1], case .integer(let port) = parts[2], case .bulk(let state) = parts[3]
            else { return .other(replicaRole) }
            return .other("\(replicaRole) of \(LogLine.escaped(bytes: host)):\(port) (\(LogLine.escaped(bytes: state)))")
        default:
            return .other("a \(LogLine.escaped(bytes: name)) node")
        }
    }

    /// The commands that read a record, pipelined in one round trip: the server's clock (`TIME`, so all MX hosts
    /// judge ages by one clock), and the record.
    public func readCommands(for recordKey: RecordKey) -> [[[UInt8]]] {
        [[Array("TIME".utf8)], [Array("GET".utf8), key(for: recordKey)]]
    }

    /// The record, and the server's time in whole seconds rounded up (`writingTime`: a record dated so is never
    /// older than its age says, so no retry passes before the delay) and down (`now`: to judge ages by), from the
    /// replies to `readCommands`.
    public func interpretRead(_ replies: [RedisReply]) throws(RedisReplyError) -> (record: Record?, now: Timestamp, writingTime: Timestamp) {
        guard replies.count == 2 else { throw RedisReplyError("missing replies") }
        let (time, value) = (replies[0], replies[1])
        guard let clock = Self.serverClock(time) else { throw RedisReplyError("TIME: \(Self.describe(time))") }
        let writingTime = clock.seconds + (clock.microseconds > 0 ? 1 : 0)
        switch value {
        case .null: return (nil, clock.seconds, writingTime)
        case .bulk(let bytes):
            guard let record = Self.record(fromValue: bytes) else {
                throw RedisReplyError("GET: not a record: \(LogLine.escaped(bytes: bytes[...]))")
            }
            return (record, clock.seconds, writingTime)
        default: throw RedisReplyError("GET: \(Self.describe(value))")
        }
    }

    /// The seconds of a reply to `TIME`, rounded down; nil as for `serverClock`.
    public static func serverTime(_ reply: RedisReply) -> Timestamp? { serverClock(reply)?.seconds }

    /// A reply to `TIME`: seconds and microseconds, as two strings of digits. Nil for any other reply, and for a
    /// clock outside 2001-2286 (ten digits of seconds): a server whose clock is that wrong (a negative time, a
    /// reset battery) must not date records.
    public static func serverClock(_ reply: RedisReply) -> (seconds: Timestamp, microseconds: Int)? {
        guard case .array(let parts) = reply, parts.count == 2, case .bulk(let seconds) = parts[0],
              case .bulk(let microseconds) = parts[1], seconds.count == 10, (1...6).contains(microseconds.count),
              (seconds + microseconds).allSatisfy({ (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }),
              let whole = Timestamp(String(decoding: seconds, as: UTF8.self)), let part = Int(String(decoding: microseconds, as: UTF8.self))
        else { return nil }
        return (whole, part)
    }

    /// The command that carries out `action` on a record read as `previous`, at the server's `now`: a create
    /// is `SET NX`, any other write a compare-and-set of the value read. Nil for `.none`.
    public func writeCommand(_ action: StoreAction, for recordKey: RecordKey, previous: Record?, now: Timestamp) -> [[UInt8]]? {
        guard let record = Self.record(after: action, now: now) else { return nil }
        let ttl = Array("\(timeToLive(of: record, now: now))".utf8)
        guard action != .create, let previous else {
            return [Array("SET".utf8), key(for: recordKey), Self.value(of: record), Array("NX".utf8), Array("EX".utf8), ttl]
        }
        return [Array("EVAL".utf8), Array(Self.compareAndSetScript.utf8), Array("1".utf8), key(for: recordKey),
                Self.value(of: previous), Self.value(of: record), ttl]
    }

    /// Whether the write went through: false when the record was no longer what was read (a create that found
    /// one, another host's change, an expiry), so the decision is taken again on what is there now.
    public static func interpretWrite(_ reply: RedisReply) throws(RedisReplyError) -> Bool {
        switch reply {
        case .status: return true                  // SET … NX made it
        case .null, .integer(0): return false      // SET … NX found one; the compare-and-set found another value
        case .integer(1): return true
        case .error(let text): throw RedisReplyError(printable(text))
        default: throw RedisReplyError("unexpected reply \(describe(reply))")
        }
    }

    /// The error, as it may stand in a log line, of a server that cannot serve records now (DESIGN §3a): loading
    /// its data (`-LOADING`), running a long script (`-BUSY`), a replica cut off from its master (`-MASTERDOWN`) or
    /// read-only (`-READONLY`), so the next listed server is tried instead; nil if no reply is such an error.
    public static func passOverError(in replies: [RedisReply]) -> String? {
        for reply in replies {
            guard case .error(let text) = reply else { continue }
            let code = String(decoding: text.utf8.prefix { $0 != UInt8(ascii: " ") }, as: UTF8.self)
            if code == "LOADING" || code == "BUSY" || code == "MASTERDOWN" || code == "READONLY" { return printable(text) }
        }
        return nil
    }

    /// A reply in a few words, for errors.
    public static func describe(_ reply: RedisReply) -> String {
        switch reply {
        case .status(let text): "status \(LogLine.escaped(text))"
        case .error(let text): printable(text)
        case .integer(let value): "integer \(value)"
        case .bulk(let bytes): "string \(LogLine.escaped(bytes: bytes.prefix(40)))"
        case .null: "nil"
        case .array(let items): "array of \(items.count)" + (items.isEmpty ? "" : ": " + items.prefix(4).map { describe($0) }.joined(separator: ", "))
        }
    }

    /// A server's text as it may stand in a log line: printable ASCII, anything else escaped, length-capped.
    public static func printable(_ text: String) -> String { LogLine.escaped(text, keepingSpaces: true, limit: 200) }
}

/// The Redis password, or user and password, from the password file (`requirepass`, or an ACL user).
public struct RedisCredentials: Equatable, Sendable {
    /// The ACL user; nil for the default user.
    public var user: [UInt8]?
    /// The password.
    public var password: [UInt8]

    /// The longest password file read.
    public static let maximumFileSize = 4096

    /// Reads the file's first line: `password` or `user password`; nil if it holds neither.
    public init?(fileContents: [UInt8]) {
        var line = fileContents.prefix { $0 != UInt8(ascii: "\n") }
        if line.last == UInt8(ascii: "\r") { line = line.dropLast() }
        let words = line.split(separator: UInt8(ascii: " "), omittingEmptySubsequences: true)
        guard (1...2).contains(words.count), !words.contains(where: { $0.contains(UInt8(ascii: "\t")) }) else { return nil }
        (user, password) = words.count == 2 ? (Array(words[0]), Array(words[1])) : (nil, Array(words[0]))
    }

    /// `AUTH [user] password`.
    public var authCommand: [[UInt8]] { [Array("AUTH".utf8)] + (user.map { [$0] } ?? []) + [password] }
}
