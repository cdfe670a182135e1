import Greylist
import GreylistAdmin
import GreylistSystem

/// The administrator's tools' connection to Redis: to the first listed server that answers, as the wrapper's,
/// authenticated, each exchange with its own time limit (a scan of millions of keys takes many).
public final class RedisToolConnection {
    /// The server connected to.
    public let server: RedisServer
    /// The keys, values and lifetimes of the settings' records.
    public let records: RedisRecords
    private let connection: RedisConnection
    private let timeout: Milliseconds

    /// Connects with the settings' servers and password file; each exchange may take `timeout`.
    public init(settings: Settings, timeout: Milliseconds = 10_000) throws(RedisStoreError) {
        self.timeout = timeout
        records = RedisRecords(settings: settings)
        let answer = try connectToFirstAnswering(settings.redisServers, credentials: try redisCredentials(passwordFile: settings.redisPasswordFile),
                                                 [], deadline: monotonicMilliseconds() + timeout)
        (connection, server) = (answer.connection, settings.redisServers[answer.index])
    }

    /// Sends `commands` and returns their replies, within the time limit.
    public func exchange(_ commands: [[[UInt8]]]) throws(RedisStoreError) -> [RedisReply] {
        do {
            return try connection.exchange(commands, deadline: monotonicMilliseconds() + timeout)
        } catch {
            throw RedisStoreError("redis \(server): \(error)")
        }
    }

    /// The server's clock.
    public func time() throws(RedisStoreError) -> Timestamp {
        let reply = try exchange([[Array("TIME".utf8)]])[0]
        guard let now = RedisRecords.serverTime(reply) else { throw RedisStoreError("redis \(server): TIME: \(RedisRecords.describe(reply))") }
        return now
    }

    /// Reports each record under the prefix as the cleaner's sweep does (`.record`, or `.skipped` for a
    /// key that holds no record), reading them with `SCAN` and `MGET` in batches, so memory stays flat.
    public func scan(batchSize: Int = 1000, _ report: (SweepEvent) -> Void) throws(RedisStoreError) {
        let pattern = Array(records.prefix.utf8).flatMap { Self.isGlobSpecial($0) ? [UInt8(ascii: "\\"), $0] : [$0] } + [UInt8(ascii: "*")]
        var cursor = Array("0".utf8)
        repeat {
            let reply = try exchange([[Array("SCAN".utf8), cursor, Array("MATCH".utf8), pattern, Array("COUNT".utf8), Array("\(batchSize)".utf8)]])[0]
            guard case .array(let parts) = reply, parts.count == 2, case .bulk(let next) = parts[0], case .array(let items) = parts[1]
            else { throw RedisStoreError("redis \(server): SCAN: \(RedisRecords.describe(reply))") }
            let keys = items.compactMap { if case .bulk(let key) = $0 { key } else { nil } }
            cursor = next
            guard !keys.isEmpty else { continue }
            // The lengths first: a value too long to be a record is never fetched (one of 16 MB would end the
            // scan), and a key of another type (a hash: MGET gives nil, as for an expired key) is told apart.
            var wanted: [[UInt8]] = []
            for (key, length) in zip(keys, try exchange(keys.map { [Array("STRLEN".utf8), $0] })) {
                switch length {
                case .integer(let bytes) where bytes <= RedisRecords.longestValue: wanted.append(key)
                case .integer: report(.skipped(path: key, reason: .notARecordValue))
                case .error: report(.skipped(path: key, reason: .notAString))   // WRONGTYPE
                default: throw RedisStoreError("redis \(server): STRLEN: \(RedisRecords.describe(length))")
                }
            }
            guard !wanted.isEmpty else { continue }
            let values = try exchange([[Array("MGET".utf8)] + wanted])[0]
            guard case .array(let values) = values, values.count == wanted.count
            else { throw RedisStoreError("redis \(server): MGET: \(RedisRecords.describe(values))") }
            for (key, value) in zip(wanted, values) {
                guard case .bulk(let bytes) = value else { continue }   // expired since its length was read
                if let recordKey = RecordKey(name: Array(key.dropFirst(records.prefix.utf8.count))) {
                    if let record = RedisRecords.record(fromValue: bytes) {
                        report(.record(recordKey, record))
                    } else {
                        report(.skipped(path: key, reason: .notARecordValue))
                    }
                } else {
                    report(.skipped(path: key, reason: .notARecordName))
                }
            }
        } while cursor != Array("0".utf8)
    }

    /// What `copy` did, record by record.
    public struct CopyCounts: Equatable, Sendable {
        /// Records written to Redis.
        public var copied = 0
        /// Records Redis already had and kept (a wrapper on Redis wrote them; a passed copy replaces a pending key).
        public var present = 0
        /// Records past their window, not copied.
        public var expired = 0
        /// None yet.
        public init() {}
    }

    /// Sets `KEYS[1]` to `ARGV[1]` with a time to live of `ARGV[2]` seconds unless it holds a record already, or
    /// one that a passed record replaces: a pending one (a wrapper on Redis saw a sender the directory knows).
    static let copyScript = """
        local v = redis.call('GET', KEYS[1]) if v and not (string.sub(v, 1, 8) == 'pending ' and string.sub(ARGV[1], 1, 7) == 'passed ') \
        then return 0 end redis.call('SET', KEYS[1], ARGV[1], 'EX', ARGV[2]) return 1
        """

    /// Copies `batch` (records read from a state directory) into Redis, keeping their times and giving each the time
    /// to live it has left at the server's `now`; expired records are skipped, and a key Redis already has is
    /// kept unless it is pending and the copied record passed. One round trip per batch.
    public func copy(_ batch: [(RecordKey, Record)], now: Timestamp, into counts: inout CopyCounts)
        throws(RedisStoreError) {
        var commands: [[[UInt8]]] = []
        for (key, record) in batch {
            var record = record
            if records.policy.isFromTheFuture(record, now: now) {   // started over now, as the wrapper would
                record = if case .pending = record { .pending(firstSeen: now) } else { .passed(lastSeen: now) }
            }
            if records.policy.isExpired(record, now: now) { counts.expired += 1; continue }
            commands.append([Array("EVAL".utf8), Array(Self.copyScript.utf8), Array("1".utf8), records.key(for: key),
                             RedisRecords.value(of: record), Array("\(records.timeToLive(of: record, now: now))".utf8)])
        }
        guard !commands.isEmpty else { return }
        for reply in try exchange(commands) {
            do {
                if try RedisRecords.interpretWrite(reply) { counts.copied += 1 } else { counts.present += 1 }
            } catch {
                throw RedisStoreError("redis \(server): EVAL: \(error)")
            }
        }
    }

    private static func isGlobSpecial(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "*") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "[") || byte == UInt8(ascii: "]")
            || byte == UInt8(ascii: "\\")
    }
}
