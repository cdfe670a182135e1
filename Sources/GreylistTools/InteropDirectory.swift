// Directories: opened without following links, read in inode-ordered batches, their entries acted on by name.
// Names are bytes (a file name need not be UTF-8). The Interop*.swift files are the only ones that touch pointers.
import Glibc
import Greylist
import GreylistAdmin
import GreylistSystem

/// A directory open for reading its entries and acting on them by name; closed when the value goes away.
@safe public struct OpenDirectory: ~Copyable {
    let fd: CInt
    private let stream: OpaquePointer

    /// Opens the directory at `path`, through a symlink only if `followingSymlink`. Calls `open(2)`, `fdopendir(3)`.
    public init(atPath path: String, followingSymlink: Bool = false) throws(Errno) {
        let fd = try valueOrErrno { unsafe open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC | (followingSymlink ? 0 : O_NOFOLLOW)) }
        try self.init(adopting: fd)
    }

    private init(adopting fd: CInt) throws(Errno) {
        guard let stream = unsafe fdopendir(fd) else { let error = Errno(rawValue: errno); close(fd); throw error }
        (self.fd, unsafe self.stream) = (fd, unsafe stream)
    }

    deinit { unsafe closedir(stream) }

    /// Opens the entry `name` as a directory, never through a symlink. Calls `openat(2)`.
    public func subdirectory(_ name: [UInt8]) throws(Errno) -> OpenDirectory {
        let fd = try valueOrErrno { unsafe withCName(name) { unsafe openat(self.fd, $0, O_RDONLY | O_DIRECTORY | O_CLOEXEC | O_NOFOLLOW) } }
        return try OpenDirectory(adopting: fd)
    }

    /// Up to `limit` more entries (never `.` and `..`) in the order `readdir(3)` gives them; empty at the end.
    /// Calls `readdir(3)`.
    public func readEntries(upTo limit: Int) throws(Errno) -> [DirectoryEntry] {
        var entries: [DirectoryEntry] = []
        while entries.count < limit {
            errno = 0
            guard let entry = unsafe readdir(stream) else {
                if errno != 0 { throw Errno(rawValue: errno) }
                break
            }
            let name = unsafe withUnsafeBytes(of: entry.pointee.d_name) { raw in
                unsafe Array(UnsafeRawBufferPointer(rebasing: raw[..<strlen(raw.baseAddress!.assumingMemoryBound(to: CChar.self))]))
            }
            if name == [0x2e] || name == [0x2e, 0x2e] { continue }
            let type = unsafe entry.pointee.d_type
            entries.append(DirectoryEntry(name: name, isDirectory: type == DT_UNKNOWN ? nil : type == DT_DIR,
                                          inode: unsafe UInt64(entry.pointee.d_ino)))
        }
        return entries
    }

    /// The status of the entry `name` itself (a symlink is not followed); nil if it is gone. Calls `fstatat(2)`.
    public func status(of name: [UInt8]) throws(Errno) -> EntryStatus? {
        var status = stat()
        do {
            _ = try valueOrErrno { unsafe withCName(name) { unsafe fstatat(fd, $0, &status, AT_SYMLINK_NOFOLLOW) } }
        } catch where error == .noSuchFile {
            return nil
        }
        return EntryStatus(file: FileStatus(status), inode: UInt64(status.st_ino))
    }

    /// Removes the file `name`. Calls `unlinkat(2)`.
    public func remove(_ name: [UInt8]) throws(Errno) {
        _ = try valueOrErrno { unsafe withCName(name) { unsafe unlinkat(fd, $0, 0) } }
    }

    /// Sets the mtime of the entry `name` itself to now. Calls `utimensat(2)` without following a symlink.
    public func touch(_ name: [UInt8]) throws(Errno) {
        _ = try valueOrErrno { unsafe withCName(name) { unsafe utimensat(fd, $0, nil, AT_SYMLINK_NOFOLLOW) } }
    }

    /// Takes an exclusive lock on the directory itself unless another open description holds one; false if one
    /// does. Released when the directory is closed (or its process ends). Calls `flock(2)` with `LOCK_NB`.
    public func lockExclusively() throws(Errno) -> Bool {
        do {
            _ = try valueOrErrno { flock(fd, LOCK_EX | LOCK_NB) }
        } catch where error.rawValue == EWOULDBLOCK {
            return false
        }
        return true
    }
}

/// An entry of a directory as `readdir(3)` returns it.
public struct DirectoryEntry: Equatable, Sendable {
    /// The entry's name, as bytes.
    public var name: [UInt8]
    /// Whether it is a directory, as far as `d_type` tells (nil: look).
    public var isDirectory: Bool?
    /// Its inode number, to walk the inode table in order.
    public var inode: UInt64
}

/// What one `fstatat` tells about an entry: its status, and which file it is.
public struct EntryStatus: Equatable, Sendable {
    /// Type, size and mtime.
    public var file: FileStatus
    /// The inode number: a different one means a different file under the same name.
    public var inode: UInt64
}

/// Calls `body` with `name` as a NUL-terminated C string, on the stack for short names.
private func withCName<T>(_ name: [UInt8], _ body: (UnsafePointer<CChar>) -> T) -> T {
    unsafe withUnsafeTemporaryAllocation(of: CChar.self, capacity: name.count + 1) { buffer in
        unsafe name.withUnsafeBytes { unsafe UnsafeMutableRawBufferPointer(buffer).copyMemory(from: $0) }
        unsafe buffer[name.count] = 0
        return unsafe body(buffer.baseAddress!)
    }
}
