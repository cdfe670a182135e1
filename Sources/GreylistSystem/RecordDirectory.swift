import Greylist

/// The state directory: one file per record key, in cqgreylist 0.2's layout (DESIGN §3).
public struct RecordDirectory: Sendable {
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

    /// Reads `key`'s record with one `lstat`; nil if there is none.
    public func record(for key: RecordKey) throws(FileError) -> Record? {
        let file = path(for: key)
        let status: FileStatus?
        do { status = try fileStatus(atPath: file) } catch { throw FileError(operation: "stat", path: file, problem: "\(error)") }
        guard let status else { return nil }
        guard let record = Self.record(from: status) else { throw FileError(operation: "stat", path: file, problem: "not a regular file") }
        return record
    }

    /// The record a file's status encodes: an empty file is pending since its mtime, a non-empty one passed and
    /// last seen at its mtime; nil for anything but a regular file. The one place that reads the encoding.
    public static func record(from status: FileStatus) -> Record? {
        guard status.isRegularFile else { return nil }
        return status.size == 0 ? .pending(firstSeen: status.modificationTime) : .passed(lastSeen: status.modificationTime)
    }

    /// Carries out a decision's store action on `key`'s record; every write sets the record's mtime to now.
    public func apply(_ action: StoreAction, to key: RecordKey) throws(FileError) {
        let file = path(for: key)
        func attempt(_ operation: String, at target: String = file, _ body: () throws(Errno) -> Void) throws(FileError) {
            do { try body() } catch { throw FileError(operation: operation, path: target, problem: "\(error)") }
        }
        switch action {
        case .none: return
        case .create:
            do {
                _ = try createEmptyFile(atPath: file, mode: Self.fileMode)
            } catch where error == .noSuchFile {
                let directory = path + "/" + key.directory
                try attempt("mkdir", at: directory) { () throws(Errno) in _ = try makeDirectory(atPath: directory, mode: Self.directoryMode) }
                try attempt("create") { () throws(Errno) in _ = try createEmptyFile(atPath: file, mode: Self.fileMode) }
            } catch {
                throw FileError(operation: "create", path: file, problem: "\(error)")
            }
        case .markPassed: try attempt("write") { () throws(Errno) in try overwriteStart(ofFileAt: file, with: Self.passedMarker) }
        case .refresh: try attempt("touch") { () throws(Errno) in try touch(fileAt: file) }
        case .restart: try attempt("truncate") { () throws(Errno) in try truncateAndTouch(fileAt: file, mode: Self.fileMode) }
        }
    }
}
