// Directories: streaming readdir in inode order, acting on entries by name.
// The Interop*.swift files are the only ones that touch pointers.
import Glibc
import Greylist

/// A directory open for reading its entries and acting on them by name.
public struct OpenDirectory: ~Copyable {
    let fd: CInt

    /// The status of the entry `name` itself; nil if it is gone. Calls `fstatat(2)`.
    public func status(of name: String) throws(Errno) -> FileStatus? { try fileStatus(of: name, in: fd) }

    /// Removes the file `name`. Calls `unlinkat(2)`.
    public func remove(_ name: String) throws(Errno) { _ = try valueOrErrno { unsafe unlinkat(fd, name, 0) } }
}

/// An entry of a directory as `readdir(3)` returns it.
public struct DirectoryEntry: Sendable {
    /// The entry's name.
    public var name: String
    /// Whether it is a directory, as far as `d_type` tells (nil: look).
    public var isDirectory: Bool?
    /// Its inode number, to walk the inode table in order.
    public var inode: UInt64
}

/// Calls `body` with the entries (but `.` and `..`) of the directory at `path`, streamed with `readdir(3)`
/// in batches of at most `batchSize`, each sorted by inode number (as find does: stats then walk the inode
/// table in order); then `finish`, before the directory is closed. `body` must not change the directory
/// (ext4 restarts a hashed directory's listing after each change): `finish` can. The directory itself is
/// opened through a symlink only if `followingSymlink`.
public func forEachEntry(inDirectoryAt path: String, followingSymlink: Bool = false, batchSize: Int = 10_000,
                         _ body: (_ entry: DirectoryEntry, _ directory: borrowing OpenDirectory) -> Void,
                         finish: (_ directory: borrowing OpenDirectory) -> Void = { _ in }) throws(Errno) {
    let fd = try valueOrErrno { unsafe open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (followingSymlink ? 0 : O_NOFOLLOW)) }
    guard let stream = unsafe fdopendir(fd) else { let error = Errno(rawValue: errno); close(fd); throw error }
    defer { unsafe closedir(stream) }
    let directory = OpenDirectory(fd: fd)
    var batch: [DirectoryEntry] = []
    var finished = false
    while !finished {
        errno = 0
        if let entry = unsafe readdir(stream) {
            let name = unsafe withUnsafeBytes(of: entry.pointee.d_name) { unsafe String(cString: $0.baseAddress!.assumingMemoryBound(to: CChar.self)) }
            if name == "." || name == ".." { continue }
            let type = unsafe entry.pointee.d_type
            batch.append(DirectoryEntry(name: name, isDirectory: type == DT_UNKNOWN ? nil : type == DT_DIR, inode: unsafe UInt64(entry.pointee.d_ino)))
            if batch.count < batchSize { continue }
        } else if errno != 0 {
            throw Errno(rawValue: errno)
        } else {
            finished = true
        }
        batch.sort { $0.inode < $1.inode }
        for entry in batch { body(entry, directory) }
        batch.removeAll(keepingCapacity: true)
    }
    finish(directory)
}

