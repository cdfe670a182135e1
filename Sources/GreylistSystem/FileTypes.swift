import Greylist

/// A failed operation on a named file, for logs and errors: `create /var/qmail/cqgreylist/192/192.0.2.7: Permission denied`.
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible {
    /// What was being done: `stat`, `create`, `write`, …
    public var operation: String
    /// The file it was done to.
    public var path: String
    /// What went wrong, usually strerror(3).
    public var problem: String
    public var description: String { "\(operation) \(path): \(problem)" }
    package init(operation: String, path: String, problem: String) { (self.operation, self.path, self.problem) = (operation, path, problem) }
}

/// What one `stat` of a file (never through a symlink) tells about it.
public struct FileStatus: Equatable, Sendable {
    /// Whether it is a regular file (not a symlink, directory, …).
    public var isRegularFile: Bool
    /// Whether it is a directory.
    public var isDirectory: Bool
    /// Its size in bytes.
    public var size: Int64
    /// Its mtime, in whole seconds.
    public var modificationTime: Timestamp
}

/// What `readFile(atPath:limit:)` read.
public struct SmallFile: Equatable, Sendable {
    /// The bytes read, at most the limit.
    public var contents: [UInt8]
    /// Whether it is a regular file (nothing is read from anything else).
    public var isRegularFile: Bool
    /// Whether the contents are the whole file, not cut at the limit.
    public var isWhole: Bool
}
