import Greylist
import GreylistAdmin
import GreylistSystem

/// The cleaner's walk over a state directory: reads every record once, removes the expired ones and repairs
/// the ones dated in the future, each only if a fresh look just before still finds it so.
///
/// Each first-level directory is opened below the state directory without following links and read with
/// `readdir` in batches sorted by inode (as find does: the inode table is walked in order). Records due for
/// removal or repair are collected and acted on after each `batchSize` of them and at the end of their
/// directory, again in inode order: ext4 restarts reading a hashed directory after each change, so removing
/// while reading would be slower, and memory stays bounded whatever the number of records.
public struct RecordSweep: Sendable {
    /// How long past its window a record must be before it is removed: longer than any wrapper takes to decide,
    /// so no wrapper deciding on a record can be passing one the cleaner removes.
    public static let defaultGrace: Seconds = Policy.cleanerGrace

    /// The state directory.
    public let path: String
    /// The windows that decide what has expired.
    public let policy: Policy
    /// How long past its window a record must be before it is removed.
    public let grace: Seconds
    /// Whether to remove and repair; without, the events tell what would be done and nothing changes.
    public let changing: Bool
    /// How many entries are read, and how many records collected, before they are looked at and acted on
    /// (10,000 keeps a sweep of a million records near 13 MB peak and as fast as larger batches).
    public var batchSize = 10_000
    private let clock: @Sendable () -> Timestamp

    /// A sweep of the state directory at `path` (through a symlink, if it is one), judging ages by `clock`.
    public init(path: String, policy: Policy, grace: Seconds = defaultGrace, changing: Bool,
                clock: @escaping @Sendable () -> Timestamp = currentTime) {
        (self.path, self.policy, self.grace, self.changing, self.clock) = (path, policy, grace, changing, clock)
    }

    /// Walks the state directory, telling `report` each record, foreign entry, removal, repair and failure as it
    /// happens. A sweep that changes records first takes an exclusive lock on the state directory, held until
    /// it returns; a sweep that changes nothing takes none. Throws only if the state directory itself cannot be
    /// read or locked: a failure on one entry is an event, and the walk goes on.
    public func run(_ report: (SweepEvent) -> Void) throws(SweepFailure) {
        try run(report, beforeActing: { _, _ in })
    }

    /// The sweep, calling `beforeActing` with a directory's path and the names about to be looked at again and
    /// acted on (where tests renew a record between the read and the removal).
    func run(_ report: (SweepEvent) -> Void, beforeActing: (_ directory: [UInt8], _ names: [[UInt8]]) -> Void) throws(SweepFailure) {
        let top = try openStateDirectory()
        let root = Array(path.utf8)
        while true {
            let entries: [DirectoryEntry]
            do { entries = try top.readEntries(upTo: batchSize) } catch { throw .unreadable(error) }
            if entries.isEmpty { return }
            for entry in entries.sorted(by: { $0.inode < $1.inode }) {
                var isDirectory = entry.isDirectory
                if isDirectory == nil {   // readdir did not say: look
                    do { isDirectory = try top.status(of: entry.name)?.file.isDirectory } catch {
                        report(.failed(operation: .read, path: Self.joined(root, entry.name), problem: "\(error)"))
                        continue
                    }
                    guard isDirectory != nil else { continue }   // gone since it was listed
                }
                guard isDirectory == true else {
                    report(.skipped(path: Self.joined(root, entry.name), reason: .notADirectoryOfRecords))
                    continue
                }
                sweep(entry.name, in: top, path: Self.joined(root, entry.name), report, beforeActing)
            }
        }
    }

    /// The state directory, open (through a symlink, if it is one) and locked if this sweep changes records.
    private func openStateDirectory() throws(SweepFailure) -> OpenDirectory {
        let top: OpenDirectory
        do { top = try OpenDirectory(atPath: path, followingSymlink: true) } catch { throw .unreadable(error) }
        guard changing else { return top }
        let locked: Bool
        do { locked = try top.lockExclusively() } catch { throw .unlockable(error) }
        guard locked else { throw .locked }
        return top
    }

    /// A record found due for removal (or repair), as it was read.
    private struct Due {
        var inode: UInt64, name: [UInt8], record: Record, repair: Bool
    }

    /// Sweeps the first-level directory `name`.
    private func sweep(_ name: [UInt8], in top: borrowing OpenDirectory, path: [UInt8], _ report: (SweepEvent) -> Void,
                       _ beforeActing: (_ directory: [UInt8], _ names: [[UInt8]]) -> Void) {
        defer { report(.finishedDirectory) }
        let directory: OpenDirectory
        do { directory = try top.subdirectory(name) } catch {
            return report(.failed(operation: .read, path: path, problem: "\(error)"))
        }
        var due: [Due] = []
        do {
            while true {
                let now = clock()
                let entries = try directory.readEntries(upTo: batchSize)
                if entries.isEmpty { break }
                for entry in entries.sorted(by: { $0.inode < $1.inode }) {
                    guard let key = RecordKey(directory: name, name: entry.name) else {
                        report(.skipped(path: Self.joined(path, entry.name), reason: .notARecordName))
                        continue
                    }
                    let status: EntryStatus?
                    do { status = try directory.status(of: entry.name) } catch {
                        report(.failed(operation: .stat, path: Self.joined(path, entry.name), problem: "\(error)"))
                        continue
                    }
                    guard let status else { continue }   // removed since it was listed (by a wrapper's restart race or another cleaner)
                    guard let record = RecordDirectory.record(from: status.file) else {
                        report(.skipped(path: Self.joined(path, entry.name), reason: .notARegularFile))
                        continue
                    }
                    report(.record(key, record))
                    let repair = policy.isFromTheFuture(record, now: now)
                    guard repair || policy.isExpired(record, now: now, grace: grace) else { continue }
                    due.append(Due(inode: status.inode, name: entry.name, record: record, repair: repair))
                    if due.count >= batchSize { act(on: &due, in: directory, path: path, report, beforeActing) }
                }
            }
        } catch {
            report(.failed(operation: .read, path: path, problem: "\(error)"))
        }
        act(on: &due, in: directory, path: path, report, beforeActing)
    }

    /// Removes or repairs the records in `due`, in inode order, each only if one more `fstatat` finds the same
    /// file still due by the same rule (a wrapper may have renewed it since it was read); then empties `due`.
    private func act(on due: inout [Due], in directory: borrowing OpenDirectory, path: [UInt8], _ report: (SweepEvent) -> Void,
                     _ beforeActing: (_ directory: [UInt8], _ names: [[UInt8]]) -> Void) {
        guard !due.isEmpty else { return }
        due.sort { $0.inode < $1.inode }
        beforeActing(path, due.map(\.name))
        let now = clock()
        for item in due {
            let file = Self.joined(path, item.name)
            guard changing else {
                report(item.repair ? .repaired(path: file, record: item.record, now: now) : .removed(path: file, record: item.record, now: now))
                continue
            }
            let fresh: EntryStatus?
            do { fresh = try directory.status(of: item.name) } catch {
                report(.failed(operation: .recheck, path: file, problem: "\(error)"))
                continue
            }
            guard let fresh else { continue }   // gone already: nothing left to do
            guard fresh.inode == item.inode, let record = RecordDirectory.record(from: fresh.file),
                  item.repair ? policy.isFromTheFuture(record, now: now) : policy.isExpired(record, now: now, grace: grace)
            else {
                report(.changed(path: file))
                continue
            }
            do {
                if item.repair {
                    try directory.touch(item.name)
                    report(.repaired(path: file, record: record, now: now))
                } else {
                    try directory.remove(item.name)
                    report(.removed(path: file, record: record, now: now))
                }
            } catch {
                report(.failed(operation: item.repair ? .repair : .remove, path: file, problem: "\(error)"))
            }
        }
        due.removeAll(keepingCapacity: true)
    }

    private static func joined(_ directory: [UInt8], _ name: [UInt8]) -> [UInt8] {
        var path = directory
        path.reserveCapacity(directory.count + 1 + name.count)
        path.append(UInt8(ascii: "/"))
        path.append(contentsOf: name)
        return path
    }
}

/// Why a sweep could not run at all.
public enum SweepFailure: Error, Equatable, Sendable {
    /// The state directory could not be opened or read.
    case unreadable(Errno)
    /// The state directory could not be locked.
    case unlockable(Errno)
    /// Another sweep that changes records holds the state directory's lock.
    case locked
}
