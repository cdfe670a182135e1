// Files: errors as a thrown `Errno` (EINTR retried), status, open, create, write, touch, read.
// The Interop*.swift files are the only ones that touch pointers.
import Glibc
import Greylist

/// An error number from a failed system call; `description` is strerror(3).
public struct Errno: Error, Equatable, Sendable, CustomStringConvertible {
    /// The C `errno` value.
    public let rawValue: CInt
    /// Wraps a C `errno` value.
    public init(rawValue: CInt) { self.rawValue = rawValue }
    public var description: String { unsafe String(cString: strerror(rawValue)) }
    static let noSuchFile = Errno(rawValue: ENOENT)
    static let fileExists = Errno(rawValue: EEXIST)
    /// What the cdb calls throw for a file that is not a sound cdb.
    static let badFormat = Errno(rawValue: EPROTO)
}

/// Calls `body` until it stops failing with EINTR; -1 becomes a thrown `Errno`.
func valueOrErrno<T: FixedWidthInteger>(retryOnInterrupt: Bool = true, _ body: () -> T) throws(Errno) -> T {
    while true {
        let result = body()
        guard result == -1 else { return result }
        let error = Errno(rawValue: errno)
        if error.rawValue == EINTR && retryOnInterrupt { continue }
        precondition(error.rawValue != EBADF && error.rawValue != EFAULT, "bad descriptor or address: \(error)")
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
    let type = status.st_mode & S_IFMT
    return FileStatus(isRegularFile: type == S_IFREG, isDirectory: type == S_IFDIR,
                      size: Int64(status.st_size), modificationTime: Timestamp(status.st_mtim.tv_sec))
}

/// The status of `path` itself (a symlink is not followed); nil if it does not exist. Calls `lstat(2)`.
public func fileStatus(atPath path: String) throws(Errno) -> FileStatus? {
    try fileStatus(of: path, in: AT_FDCWD)
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
func openFile(atPath path: String, flags: CInt, mode: mode_t = 0) throws(Errno) -> CInt {
    let noFollow = flags & (O_WRONLY | O_RDWR | O_CREAT) != 0 ? O_NOFOLLOW : 0
    return try valueOrErrno { unsafe open(path, flags | noFollow | O_CLOEXEC, mode) }
}

/// Closes `fd`, never retried (Linux frees the descriptor even on EINTR). Calls `close(2)`.
func closeFile(_ fd: CInt) throws(Errno) {
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

/// Creates an empty file, failing with EEXIST if one is there; returns false in that case. Calls `open(2)`.
public func createEmptyFile(atPath path: String, mode: mode_t) throws(Errno) -> Bool {
    let fd: CInt
    do {
        fd = try openFile(atPath: path, flags: O_WRONLY | O_CREAT | O_EXCL, mode: mode)
    } catch where error == .fileExists {
        return false
    }
    try closeFile(fd)
    return true
}

/// Writes `bytes` at the start of an existing file, which sets its mtime to now. Calls `pwrite(2)`.
public func overwriteStart(ofFileAt path: String, with bytes: [UInt8]) throws(Errno) {
    try withOpenFile(atPath: path, flags: O_WRONLY) { (fd) throws(Errno) in
        _ = try valueOrErrno { unsafe bytes.withUnsafeBytes { unsafe pwrite(fd, $0.baseAddress, $0.count, 0) } }
    }
}

/// Empties a file, making it with `mode` if it has vanished meanwhile, and sets its mtime to now.
/// Calls `open(2)` with `O_TRUNC|O_CREAT`, then `futimens(2)`.
public func truncateAndTouch(fileAt path: String, mode: mode_t) throws(Errno) {
    try withOpenFile(atPath: path, flags: O_WRONLY | O_TRUNC | O_CREAT, mode: mode) { (fd) throws(Errno) in
        _ = try valueOrErrno { futimens(fd, nil) }
    }
}

/// Sets the mtime of `path` itself to now. Calls `utimensat(2)`.
public func touch(fileAt path: String) throws(Errno) {
    _ = try valueOrErrno { unsafe utimensat(AT_FDCWD, path, nil, AT_SYMLINK_NOFOLLOW) }
}

/// Reads at most `limit` bytes of a small file; nil if it does not exist. Calls `open(2)`, `read(2)`.
public func readFile(atPath path: String, limit: Int) throws(Errno) -> [UInt8]? {
    do {
        return try withOpenFile(atPath: path, flags: O_RDONLY) { (fd) throws(Errno) in
            var buffer = [UInt8](repeating: 0, count: limit)
            let count = try valueOrErrno { unsafe buffer.withUnsafeMutableBytes { unsafe read(fd, $0.baseAddress, $0.count) } }
            return Array(buffer[..<count])
        }
    } catch where error == .noSuchFile {
        return nil
    }
}

/// Calls `body` with each chunk (up to 1 MB) read from the file at `path`, or from standard input if `path`
/// is nil. Calls `read(2)`.
public func forEachChunk(ofFileAt path: String?, _ body: (ArraySlice<UInt8>) -> Void) throws(Errno) {
    let fd = try path.map { (path) throws(Errno) in try openFile(atPath: path, flags: O_RDONLY) } ?? 0
    defer { if path != nil { try? closeFile(fd) } }
    var buffer = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let count = try valueOrErrno { unsafe buffer.withUnsafeMutableBytes { unsafe read(fd, $0.baseAddress, $0.count) } }
        if count == 0 { return }
        body(buffer[..<count])
    }
}

