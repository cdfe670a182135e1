import Greylist

/// A failed operation on a named file, for logs and errors: `create /var/qmail/cqgreylist/192/192.0.2.7: Permission denied`.
public struct FileError: Error, Equatable, Sendable, CustomStringConvertible {
    public var operation: String
    public var path: String
    public var problem: String
    public var description: String { "\(operation) \(path): \(problem)" }
}

/// What one `lstat` tells about a file.
public struct FileStatus: Equatable, Sendable {
    public var isRegularFile: Bool
    public var isDirectory: Bool
    public var size: Int64
    public var modificationTime: Timestamp
}
