import Greylist

/// Something the cleaner met or did in the state directory. Its counts, its statistics and every line it
/// prints come from these alone, so each number has one owner (`SweepCounts`).
public enum SweepEvent: Equatable, Sendable {
    /// A record was read (each record once).
    case record(RecordKey, Record)
    /// An entry that is not a record of the layout, left alone.
    case skipped(path: [UInt8], reason: SkipReason)
    /// An expired record was removed at `now` (in a run that changes nothing: would have been).
    case removed(path: [UInt8], record: Record, now: Timestamp)
    /// A record dated in the future got `now` as its time, keeping its state (or would have).
    case repaired(path: [UInt8], record: Record, now: Timestamp)
    /// A record due for removal or repair changed after it was read (a wrapper renewed it): kept as it is.
    case changed(path: [UInt8])
    /// An operation on one entry failed; the sweep went on.
    case failed(operation: SweepOperation, path: [UInt8], problem: String)
    /// A first-level directory has been read to its end.
    case finishedDirectory
}

/// Why an entry of the state directory is not a record.
public enum SkipReason: String, Equatable, Sendable {
    case notADirectoryOfRecords = "not a directory of records"
    case notARecordName = "not a record name"
    case notARegularFile = "not a regular file"
    /// A Redis key under the prefix whose value is not a record's (nor short enough to be one).
    case notARecordValue = "not a record value"
    /// A Redis key under the prefix holding a hash, a list or another type that is not a string.
    case notAString = "not a string"
}

/// What the cleaner was doing to an entry when it failed.
public enum SweepOperation: String, Equatable, Sendable {
    case read, stat, remove, repair
    /// The fresh look just before a removal or repair (the record was counted when it was read).
    case recheck = "stat again"
}

/// A line the cleaner prints: on standard output, or a problem on standard error.
public enum SweepMessage: Equatable, Sendable {
    case output(String)
    case problem(String)
}

/// The numbers of the cleaner's summary line, each counted here and nowhere else.
public struct SweepCounts: Equatable, Sendable {
    /// Entries of the second-level directories looked at: records, foreign files, files that could not be read.
    public private(set) var scanned = 0
    /// Records by state, as read.
    public private(set) var pending = 0, passed = 0
    /// Records removed and repaired (or that would be).
    public private(set) var removed = 0, repaired = 0
    /// Entries that are not records, at either level.
    public private(set) var skipped = 0
    /// Operations that failed.
    public private(set) var errors = 0

    /// No counts yet.
    public init() {}

    /// Counts `event`.
    public mutating func count(_ event: SweepEvent) {
        switch event {
        case .record(_, .pending): (scanned, pending) = (scanned + 1, pending + 1)
        case .record(_, .passed): (scanned, passed) = (scanned + 1, passed + 1)
        case .skipped(_, let reason):
            skipped += 1
            if reason != .notADirectoryOfRecords { scanned += 1 }
        case .removed: removed += 1
        case .repaired: repaired += 1
        case .failed(let operation, _, _):
            errors += 1
            if operation == .stat { scanned += 1 }
        case .changed, .finishedDirectory: break
        }
    }

    /// `scanned=… pending=… passed=… removed=… repaired=… skipped=… errors=… elapsed=…s`; in a run that
    /// changes nothing, `removable=` and `repairable=`.
    public func summary(changing: Bool, seconds: Double) -> String {
        let hundredths = Int((seconds * 100).rounded())
        let elapsed = "\(hundredths / 100).\(hundredths % 100 < 10 ? "0" : "")\(hundredths % 100)s"
        return "scanned=\(scanned) pending=\(pending) passed=\(passed) "
            + "\(changing ? "removed" : "removable")=\(removed) \(changing ? "repaired" : "repairable")=\(repaired) "
            + "skipped=\(skipped) errors=\(errors) elapsed=\(elapsed)"
    }
}

extension SweepEvent {
    /// What the cleaner prints for this event, if anything: removals and repairs in a dry run (`would remove
    /// …`) or when verbose, skipped entries and failures always. Paths are escaped (`\xNN` for every byte
    /// outside printable ASCII, spaces included), so no file name can forge a line.
    public func message(dryRun: Bool, verbose: Bool) -> SweepMessage? {
        switch self {
        case .record, .finishedDirectory: return nil
        case .skipped(let path, let reason): return .problem("skipping \(Self.escaped(path)): \(reason.rawValue)")
        case .failed(let operation, let path, let problem): return .problem("unable to \(operation.rawValue) \(Self.escaped(path)): \(problem)")
        case .removed(let path, let record, let now):
            guard dryRun || verbose else { return nil }
            return .output("\(dryRun ? "would remove" : "removed") \(Self.escaped(path)) (\(Self.describe(record, now: now)))")
        case .repaired(let path, let record, let now):
            guard dryRun || verbose else { return nil }
            return .output("\(dryRun ? "would repair" : "repaired") \(Self.escaped(path)) (\(Self.describe(record, now: now)))")
        case .changed(let path):
            guard verbose else { return nil }
            return .output("kept \(Self.escaped(path)) (changed since it was read)")
        }
    }

    /// A record for people: `pending, first seen 3d 2h ago`, `passed, last seen 5m ago`, `passed, dated 2h ahead`.
    public static func describe(_ record: Record, now: Timestamp) -> String {
        let state = if case .pending = record { "pending" } else { "passed" }
        if record.time > now { return "\(state), dated \(Settings.formatDuration(record.time - now)) ahead" }
        let seen = if case .pending = record { "first seen" } else { "last seen" }
        return "\(state), \(seen) \(Settings.formatDuration(now - record.time)) ago"
    }

    /// The longest path printed whole (PATH_MAX).
    static let pathLimit = 4096

    /// `LogLine.escaped(bytes:)`, with a fast path for the usual path that needs no escape (a dry run prints
    /// hundreds of thousands).
    private static func escaped(_ path: [UInt8]) -> String {
        let plain = path.count <= pathLimit && path.allSatisfy { (0x21...0x7e).contains($0) && $0 != UInt8(ascii: "\\") }
        return plain ? String(decoding: path, as: UTF8.self) : LogLine.escaped(bytes: path, limit: pathLimit)
    }
}
