// Every libc call of the project, each wrapped once: errors become a thrown `Errno`, EINTR is retried.
// This is the only file that touches pointers.
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

/// What one `lstat` tells about a file.
public struct FileStatus: Equatable, Sendable {
    public var isRegularFile: Bool
    public var isDirectory: Bool
    public var size: Int64
    public var modificationTime: Timestamp
}

/// The status of `path` itself (a symlink is not followed); nil if it does not exist. Calls `lstat(2)`.
public func fileStatus(atPath path: String) throws(Errno) -> FileStatus? {
    var status = stat()
    do {
        _ = try valueOrErrno { unsafe lstat(path, &status) }
    } catch where error == .noSuchFile {
        return nil
    }
    let type = status.st_mode & S_IFMT
    return FileStatus(isRegularFile: type == S_IFREG, isDirectory: type == S_IFDIR,
                      size: Int64(status.st_size), modificationTime: Timestamp(status.st_mtim.tv_sec))
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

/// Opens `path` without following a symlink, close-on-exec. Calls `open(2)`.
func openFile(atPath path: String, flags: CInt, mode: mode_t = 0) throws(Errno) -> CInt {
    try valueOrErrno { unsafe open(path, flags | O_NOFOLLOW | O_CLOEXEC, mode) }
}

/// Closes `fd`, never retried (Linux frees the descriptor even on EINTR). Calls `close(2)`.
func closeFile(_ fd: CInt) throws(Errno) {
    _ = try valueOrErrno(retryOnInterrupt: false) { close(fd) }
}

/// Runs `body` with `path` open, then closes it, reporting a failed close.
func withOpenFile<T>(atPath path: String, flags: CInt, _ body: (CInt) throws(Errno) -> T) throws(Errno) -> T {
    let fd = try openFile(atPath: path, flags: flags)
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

/// Empties an existing file and sets its mtime to now. Calls `open(2)` with `O_TRUNC`, then `futimens(2)`.
public func truncateAndTouch(fileAt path: String) throws(Errno) {
    try withOpenFile(atPath: path, flags: O_WRONLY | O_TRUNC) { (fd) throws(Errno) in
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

/// Writes all of `text` to `fd`. Calls `write(2)`.
public func writeAll(_ text: String, to fd: CInt) throws(Errno) {
    var text = text
    let failure: Errno? = text.withUTF8 { bytes in
        var offset = 0
        while offset < bytes.count {
            do throws(Errno) {
                offset += try valueOrErrno { unsafe write(fd, bytes.baseAddress! + offset, bytes.count - offset) }
            } catch {
                return error
            }
        }
        return nil
    }
    if let failure { throw failure }
}

/// Waits up to `milliseconds` for input on `fd`, then reads what is there: nil on timeout, 0 at end of input.
/// Calls `poll(2)`, `read(2)`.
public func readInput(from fd: CInt, into buffer: inout [UInt8], waitingAtMost milliseconds: Int64) throws(Errno) -> Int? {
    var request = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
    guard try valueOrErrno({ unsafe poll(&request, 1, CInt(clamping: milliseconds)) }) > 0 else { return nil }
    return try valueOrErrno { unsafe buffer.withUnsafeMutableBytes { unsafe read(fd, $0.baseAddress, $0.count) } }
}

/// This process's argv as Strings made on demand, without building an array. Reads `CommandLine.unsafeArgv`.
public struct ArgumentVector: RandomAccessCollection, Sendable {
    public init() {}
    public var startIndex: Int { 0 }
    public var endIndex: Int { Int(CommandLine.argc) }
    public subscript(index: Int) -> String { unsafe String(cString: CommandLine.unsafeArgv[index]!) }
}

/// Replaces this process with argv[index...] unchanged, inheriting environ. Returns only on failure. Calls `execvp(3)`.
public func replaceProcess(withProgramAt index: Int) -> Errno {
    let argv = unsafe CommandLine.unsafeArgv + index
    unsafe execvp(argv[0]!, argv)
    return Errno(rawValue: errno)
}

/// The value of an environment variable (non-UTF-8 bytes become U+FFFD); nil if unset. Calls `getenv(3)`.
public func environmentValue(_ name: String) -> String? {
    guard let value = unsafe getenv(name) else { return nil }
    return unsafe String(cString: value)
}

/// Ends the process with a qmail exit status. Calls `exit(3)`.
public func exit(_ status: ExitStatus) -> Never { Glibc.exit(status.rawValue) }

/// This process's id. Calls `getpid(2)`.
public func processID() -> Int32 { getpid() }

/// The wall clock, in whole seconds. Calls `clock_gettime(2)` with `CLOCK_REALTIME`.
public func currentTime() -> Timestamp { Timestamp(clockNanoseconds(CLOCK_REALTIME) / 1_000_000_000) }

/// A clock that never jumps, in milliseconds. Calls `clock_gettime(2)` with `CLOCK_MONOTONIC`.
public func monotonicMilliseconds() -> Int64 { clockNanoseconds(CLOCK_MONOTONIC) / 1_000_000 }

private func clockNanoseconds(_ clock: clockid_t) -> Int64 {
    var time = timespec()
    unsafe clock_gettime(clock, &time)
    return Int64(time.tv_sec) * 1_000_000_000 + Int64(time.tv_nsec)
}

/// Makes a write to a vanished client fail with EPIPE instead of killing us. Calls `signal(2)`.
public func ignoreBrokenPipe() { _ = signal(SIGPIPE, SIG_IGN) }

/// Ends the process after `seconds` whatever it is doing. Calls `alarm(2)`.
public func scheduleAlarm(after seconds: Seconds) { alarm(UInt32(clamping: seconds)) }
