// Files: errors as a thrown `Errno` (EINTR retried), status, open, create, write, touch, read.
// The Interop*.swift files are the only ones that touch pointers.
import CSystem
import Greylist

/// An error number from a failed system call; `description` is strerror(3).
public struct Errno: Error, Equatable, Sendable, CustomStringConvertible {
    /// The C `errno` value.
    public let rawValue: CInt
    /// Wraps a C `errno` value.
    public init(rawValue: CInt) { self.rawValue = rawValue }
    public var description: String { unsafe String(cString: strerror(rawValue)) }
    package static let noSuchFile = Errno(rawValue: ENOENT)
    package static let fileExists = Errno(rawValue: EEXIST)
    /// What the cdb calls throw for a file that is not a sound cdb.
    package static let badFormat = Errno(rawValue: EPROTO)
}

/// Calls `body` until it stops failing with EINTR; -1 becomes a thrown `Errno`.
package func valueOrErrno<T: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ body: () -> T) throws(Errno) -> T {
    while true {
        let result = body()
        guard result == -1 else { return result }
        let error = Errno(rawValue: cqgreylist_errno())
        if error.rawValue == EINTR && retryOnInterrupt { continue }
        // EBADF is an ordinary error: descriptors 0-2 are inherited and may be closed. EFAULT is our own bug.
        precondition(error.rawValue != EFAULT, "bad address: \(error)")
        throw error
    }
}

/// The status of `name` itself (a symlink is not followed) in the directory `directory` (or, for
/// `AT_FDCWD`, of the path `name`); nil if it does not exist. Calls `fstatat(2)`.
func fileStatus(of name: String, in directory: CInt) throws(Errno) -> FileStatus? {
    var status = stat()
    do {
        _ = try valueOrErrno { unsafe fstatat(directory, name, &status, AT_SYMLINK_NOFOLLOW) }
    } catch where error == .noSuchFile {
        return nil
    }
    return FileStatus(status)
}

extension FileStatus {
    /// What a `stat` structure filled by `stat(2)` and its kin says.
    package init(_ status: stat) {
        let type = status.st_mode & mode_t(S_IFMT)
        self.init(isRegularFile: type == mode_t(S_IFREG), isDirectory: type == mode_t(S_IFDIR),
                  size: Int64(status.st_size), modificationTime: Timestamp(status.st_mtim.tv_sec))
    }
}

/// Creates a directory with `mode` (less the umask); returns false if something is there already. Calls `mkdir(2)`.
public func makeDirectory(atPath path: String, mode: mode_t) throws(Errno) -> Bool {
    do {
        _ = try valueOrErrno { unsafe mkdir(path, mode) }
    } catch where error == .fileExists {
        return false
    }
    return true
}

/// Opens `path` close-on-exec; to write or create, never through a symlink. Calls `open(2)`.
package func openFile(atPath path: String, flags: CInt, mode: mode_t = 0) throws(Errno) -> CInt {
    let noFollow = flags & (O_WRONLY | O_RDWR | O_CREAT) != 0 ? O_NOFOLLOW : 0
    return try valueOrErrno { unsafe cqgreylist_open(path, flags | noFollow | O_CLOEXEC, mode) }
}

/// Closes `fd`, never retried (Linux frees the descriptor even on EINTR). Calls `close(2)`.
package func closeFile(_ fd: CInt) throws(Errno) {
    _ = try valueOrErrno(retryOnInterrupt: false) { close(fd) }
}

/// Runs `body` with `path` open, then closes it, reporting a failed close.
func withOpenFile<T>(atPath path: String, flags: CInt, mode: mode_t = 0, _ body: (CInt) throws(Errno) -> T) throws(Errno) -> T {
    let fd = try openFile(atPath: path, flags: flags, mode: mode)
    let result: T
    do { result = try body(fd) } catch { try? closeFile(fd); throw error }
    try closeFile(fd)
    return result
}

/// Linux's `O_PATH` (a descriptor to a place in the tree, not to read or write), which Glibc's module does
/// not import without `_GNU_SOURCE`.
private let openPathOnly: CInt = 0o10000000

/// Runs `body` with the directory at `path` open as the base of `*at` calls (`O_PATH`: no read permission
/// needed). Its last component is never followed if it is a symlink (ENOTDIR); the ones before it are.
/// Calls `open(2)`.
func withDirectory<T>(atPath path: String, _ body: (CInt) throws(Errno) -> T) throws(Errno) -> T {
    let fd = try valueOrErrno { unsafe cqgreylist_open(path, openPathOnly | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC, 0) }
    defer { try? closeFile(fd) }
    return try body(fd)
}

/// Runs `body` with the file `name` in `directory` open for writing and its status as opened, never through a
/// symlink and never blocking (a FIFO without a reader fails with ENXIO); false, without calling `body`, if what
/// opened is not a regular file. Calls `openat(2)`, `fstat(2)`.
private func withRegularFile(named name: String, in directory: CInt, flags: CInt, mode: mode_t = 0,
                             _ body: (CInt, stat) throws(Errno) -> Void) throws(Errno) -> Bool {
    let fd = try valueOrErrno { unsafe cqgreylist_openat(directory, name, O_WRONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | flags, mode) }
    defer { try? closeFile(fd) }
    var status = stat()
    _ = try valueOrErrno { unsafe fstat(fd, &status) }
    guard status.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else { return false }
    try body(fd, status)
    return true
}

/// Creates the empty file `name` in `directory`; false if something is there already. Calls `openat(2)`
/// with `O_CREAT|O_EXCL`.
func createEmptyFile(named name: String, in directory: CInt, mode: mode_t) throws(Errno) -> Bool {
    let fd: CInt
    do {
        fd = try valueOrErrno { unsafe cqgreylist_openat(directory, name, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC, mode) }
    } catch where error == .fileExists {
        return false
    }
    try closeFile(fd)
    return true
}

/// Writes `bytes` at the start of the regular file `name` in `directory`, which sets its mtime to now; false
/// if it is not a regular file. A write that fails or falls short (a full file system: the kernel moves the mtime
/// before it finds no room) leaves the file as it was, size and times included, and throws (ENOSPC if short).
/// Calls `pwrite(2)`, and on failure `ftruncate(2)` and `futimens(2)`.
func overwriteStart(ofFileNamed name: String, in directory: CInt, with bytes: [UInt8]) throws(Errno) -> Bool {
    try withRegularFile(named: name, in: directory, flags: 0) { (fd, before) throws(Errno) in
        do throws(Errno) {
            let written = try valueOrErrno { unsafe bytes.withUnsafeBytes { unsafe pwrite(fd, $0.baseAddress, $0.count, 0) } }
            guard written == bytes.count else { throw Errno(rawValue: ENOSPC) }
        } catch {
            _ = ftruncate(fd, before.st_size)
            var times = [before.st_atim, before.st_mtim]
            _ = unsafe futimens(fd, &times)
            throw error
        }
    }
}

/// Empties the regular file `name` in `directory`, making it with `mode` if it has vanished, and sets its
/// mtime to now; false if it is not a regular file. Calls `openat(2)` with `O_TRUNC|O_CREAT`, `futimens(2)`.
func truncateAndTouch(fileNamed name: String, in directory: CInt, mode: mode_t) throws(Errno) -> Bool {
    try withRegularFile(named: name, in: directory, flags: O_TRUNC | O_CREAT, mode: mode) { (fd, _) throws(Errno) in
        _ = try valueOrErrno { futimens(fd, nil) }
    }
}

/// Sets the mtime of the file `name` itself in `directory` to now. Calls `utimensat(2)`.
func touch(fileNamed name: String, in directory: CInt) throws(Errno) {
    _ = try valueOrErrno { unsafe utimensat(directory, name, nil, AT_SYMLINK_NOFOLLOW) }
}

/// Reads a small file (its first `limit` bytes), without blocking on a FIFO: nil if it does not exist, and
/// nothing read from anything but a regular file. Calls `open(2)`, `fstat(2)`, `read(2)`.
public func readFile(atPath path: String, limit: Int) throws(Errno) -> SmallFile? {
    do {
        return try withOpenFile(atPath: path, flags: O_RDONLY | O_NONBLOCK) { (fd) throws(Errno) in
            var status = stat()
            _ = try valueOrErrno { unsafe fstat(fd, &status) }
            guard status.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else { return SmallFile(contents: [], isRegularFile: false, isWhole: false) }
            var buffer = [UInt8](repeating: 0, count: limit + 1)
            var count = 0
            while count < buffer.count {
                let got = try valueOrErrno { unsafe buffer.withUnsafeMutableBytes { unsafe read(fd, $0.baseAddress! + count, $0.count - count) } }
                if got == 0 { break }
                count += got
            }
            return SmallFile(contents: Array(buffer[..<min(count, limit)]), isRegularFile: true, isWhole: count <= limit)
        }
    } catch where error == .noSuchFile {
        return nil
    }
}
