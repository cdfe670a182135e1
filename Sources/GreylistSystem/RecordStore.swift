import Greylist

/// Where records live. The policy decides; a store reads a record and carries out the decision's action.
/// The state directory is one; Redis, shared by several MX hosts, is another.
public protocol RecordStore {
    /// What a read or a write throws: it names the file or server and the problem.
    associatedtype Failure: Error, CustomStringConvertible
    /// Reads `key`'s record (nil if there is none), and the time to judge it at: the store's own clock where it
    /// has one (so that all MX hosts sharing it agree), else `now`.
    func read(_ key: RecordKey, now: Timestamp) throws(Failure) -> (record: Record?, now: Timestamp)
    /// Carries out `action`, decided at `now` on `previous` (the record as read). False when the record was no
    /// longer `previous` (a create that found one, another connection's change), so nothing was written.
    func apply(_ action: StoreAction, to key: RecordKey, previous: Record?, now: Timestamp) throws(Failure) -> Bool
    /// Problems met that did not stop the store, for `warning:` lines.
    var warnings: [String] { get }
    /// Lets go of anything held open (a connection), before the client is passed on or refused.
    func close()
}

/// The store the settings name, chosen here once for the wrapper and the cleaner: Redis when servers are listed
/// (or a server list is given that cannot be used: a store fault, never the state directory), else the state
/// directory. A third store would be one conformance and one case.
public enum ConfiguredStore: RecordStore {
    /// Records in the state directory (DESIGN §3).
    case directory(RecordDirectory)
    /// Records on Redis (DESIGN §3a).
    case redis(RedisStore)

    /// The store `settings` name.
    public init(settings: Settings) {
        self = settings.usesRedis ? .redis(RedisStore(settings: settings)) : .directory(RecordDirectory(path: settings.directory))
    }

    public func read(_ key: RecordKey, now: Timestamp) throws(StoreFailure) -> (record: Record?, now: Timestamp) {
        switch self {
        case .directory(let store): do { return try store.read(key, now: now) } catch { throw StoreFailure(error) }
        case .redis(let store): do { return try store.read(key, now: now) } catch { throw StoreFailure(error) }
        }
    }

    public func apply(_ action: StoreAction, to key: RecordKey, previous: Record?, now: Timestamp) throws(StoreFailure) -> Bool {
        switch self {
        case .directory(let store):
            do { return try store.apply(action, to: key, previous: previous, now: now) } catch { throw StoreFailure(error) }
        case .redis(let store):
            do { return try store.apply(action, to: key, previous: previous, now: now) } catch { throw StoreFailure(error) }
        }
    }

    public var warnings: [String] {
        switch self {
        case .directory(let store): store.warnings
        case .redis(let store): store.warnings
        }
    }

    public func close() {
        switch self {
        case .directory(let store): store.close()
        case .redis(let store): store.close()
        }
    }
}

/// A store's failure, as its own error says it (`mkdir /var/qmail/cqgreylist/192: No space left on device`,
/// `redis 127.0.0.1:6379: connect: Connection refused`).
public struct StoreFailure: Error, Equatable, Sendable, CustomStringConvertible {
    public let description: String
    /// The failure `error` describes.
    init(_ error: some CustomStringConvertible) { description = error.description }
}
