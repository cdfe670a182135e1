import Greylist

/// The state directory: one file per record key, in cqgreylist 0.2's layout (DESIGN §3).
///
/// Below the state directory nothing is followed through a symlink: the first-level directory is opened
/// with `O_NOFOLLOW` and the record is read and written relative to it, as the cleaner walks it.
public struct RecordDirectory: RecordStore, Sendable {
    public typealias Failure = FileError
    /// The directory's path.
    public let path: String

    /// Mode of the per-prefix directories, made on demand.
    static let directoryMode: UInt32 = 0o700
    /// Mode of record files.
    static let fileMode: UInt32 = 0o600
    /// What a passed record holds; any non-empty content means passed.
    static let passedMarker = Array("passed\n".utf8)

    /// A state directory at `path`.
    public init(path: String) { self.path = path }

    /// The full path of `key`'s record.
    public func path(for key: RecordKey) -> String { path + "/" + key.relativePath }

    /// Reads `key`'s record with one `fstatat` in its first-level directory; nil if there is none.
    public func record(for key: RecordKey) throws(FileError) -> Record? {
        let directory = path + "/" + key.directory
        var (operation, target) = ("open", directory)
        let status: FileStatus?
        do {
            status = try withDirectory(atPath: directory) { (fd) throws(Errno) in
                (operation, target) = ("stat", path(for: key))
                return try fileStatus(of: key.name, in: fd)
            }
        } catch where error == .noSuchFile && operation == "open" {
            return nil
        } catch {
            throw FileError(operation: operation, path: target, problem: "\(error)")
        }
        guard let status else { return nil }
        guard let record = Self.record(from: status) else {
            throw FileError(operation: "stat", path: path(for: key), problem: "not a regular file")
        }
        return record
    }

    /// The record a file's status encodes: an empty file is pending since its mtime, a non-empty one passed and
    /// last seen at its mtime; nil for anything but a regular file. The one place that reads the encoding.
    public static func record(from status: FileStatus) -> Record? {
        guard status.isRegularFile else { return nil }
        return status.size == 0 ? .pending(firstSeen: status.modificationTime) : .passed(lastSeen: status.modificationTime)
    }

    /// Carries out a decision's store action on `key`'s record; every write sets the record's mtime to now.
    /// Returns false when a create found a record there already.
    @discardableResult
    public func apply(_ action: StoreAction, to key: RecordKey) throws(FileError) -> Bool {
        if action == .none { return true }
        let directory = path + "/" + key.directory, file = path(for: key)
        var operation = "open", target = directory
        /// Runs `body` in the record's first-level directory, naming in errors what it does to the record.
        func inDirectory(_ recordOperation: String, _ body: (CInt) throws(Errno) -> Bool) throws(Errno) -> Bool {
            (operation, target) = ("open", directory)
            return try withDirectory(atPath: directory) { (fd) throws(Errno) in
                (operation, target) = (recordOperation, file)
                return try body(fd)
            }
        }
        let done: Bool   // false for a create: the record was there; else: what is there is not a regular file
        do throws(Errno) {
            switch action {
            case .none:
                return true   // returned above; the switch names every action
            case .create:
                let create = { (fd: CInt) throws(Errno) in try createEmptyFile(named: key.name, in: fd, mode: Self.fileMode) }
                do {
                    return try inDirectory("create", create)
                } catch where error == .noSuchFile && target == directory {
                    operation = "mkdir"
                    _ = try makeDirectory(atPath: directory, mode: Self.directoryMode)
                    return try inDirectory("create", create)
                }
            case .markPassed:
                done = try inDirectory("write") { (fd) throws(Errno) in try overwriteStart(ofFileNamed: key.name, in: fd, with: Self.passedMarker) }
            case .refresh:
                done = try inDirectory("touch") { (fd) throws(Errno) in try touch(fileNamed: key.name, in: fd); return true }
            case .restart:   // O_CREAT: a record the cleaner removed meanwhile is made again
                done = try inDirectory("truncate") { (fd) throws(Errno) in try truncateAndTouch(fileNamed: key.name, in: fd, mode: Self.fileMode) }
            }
        } catch {
            throw FileError(operation: operation, path: target, problem: "\(error)")
        }
        guard done else { throw FileError(operation: operation, path: file, problem: "not a regular file") }
        return true
    }

    /// Reads `key`'s record, judged by the wall clock's `now`.
    public func read(_ key: RecordKey, now: Timestamp) throws(FileError) -> (record: Record?, now: Timestamp) {
        (try record(for: key), now)
    }

    /// Carries out `action`; a write sets the mtime to the file system's now, a create is `O_EXCL`.
    public func apply(_ action: StoreAction, to key: RecordKey, previous: Record?, now: Timestamp) throws(FileError) -> Bool {
        try apply(action, to: key)
    }

    /// None: the state directory gives no warnings of its own.
    public var warnings: [String] { [] }

    /// Nothing: each read and write opens and closes what it needs.
    public func close() {}
}
