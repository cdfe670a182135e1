// Every libc call of the project, each wrapped once: errors become a thrown `Errno`, EINTR is retried.
// This is the only file that touches pointers.
import Glibc
import Greylist
internal import CTinyCDB

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
    /// This process's argv.
    public init() {}
    /// The program name's index.
    public var startIndex: Int { 0 }
    /// argc.
    public var endIndex: Int { Int(CommandLine.argc) }
    /// argv[index] as a String (non-UTF-8 bytes become U+FFFD).
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

/// Maps the cdb at `path` for the length of `body`; nil if the file does not exist. A file tinycdb refuses
/// (under 2048 bytes), or whose header points past its end (truncated), throws EPROTO. Calls `cdb_init(3)`.
private func withCDB<T>(atPath path: String, _ body: (inout cdb) throws(Errno) -> T) throws(Errno) -> T? {
    let fd: CInt
    do { fd = try openFile(atPath: path, flags: O_RDONLY) } catch where error == .noSuchFile { return nil }
    defer { try? closeFile(fd) }
    var database = unsafe cdb()
    _ = try valueOrErrno { unsafe cdb_init(&database, fd) }
    defer { unsafe cdb_free(&database) }
    try unsafe checkCDBHeader(Array(UnsafeRawBufferPointer(start: database.cdb_mem, count: 2048)), fileSize: Int(database.cdb_fsize))
    return try unsafe body(&database)
}

/// Throws EPROTO unless every hash table the header names lies inside the file (a truncated cdb fails this).
private func checkCDBHeader(_ header: [UInt8], fileSize: Int) throws(Errno) {
    func word(_ offset: Int) -> Int { header[offset..<offset + 4].reversed().reduce(0) { $0 << 8 | Int($1) } }
    for slot in 0..<256 {
        let position = word(8 * slot), slots = word(8 * slot + 4)
        guard position >= 2048, position <= fileSize, slots <= (fileSize - position) / 8 else { throw Errno.badFormat }
    }
}

/// The `count` bytes at `position` of a mapped cdb; EPROTO if they lie outside it. Calls `cdb_get(3)`.
private func bytes(of database: inout cdb, at position: UInt32, count: UInt32) throws(Errno) -> [UInt8] {
    guard let data = unsafe cdb_get(&database, count, position) else { throw Errno.badFormat }
    return unsafe Array(UnsafeRawBufferPointer(start: data, count: Int(count)))
}

/// Looks up keys in the cdb at `path`: `body` gets a `find` that returns a key's first value, valid only
/// during the call. nil if the file does not exist; a bad file (under 2048 bytes, or a header pointing
/// past its end) or a failed read throws. Reads with `pread(2)`, `cdb_seek(3)`, `cdb_bread(3)`: for the few
/// probes of a connection, a handful of reads cost less than mapping the file.
public func lookUpCDB<T>(atPath path: String, _ body: (_ find: (_ key: [UInt8]) -> [UInt8]?) -> T) throws(Errno) -> T? {
    let fd: CInt
    do { fd = try openFile(atPath: path, flags: O_RDONLY) } catch where error == .noSuchFile { return nil }
    defer { try? closeFile(fd) }
    var status = stat()
    _ = try valueOrErrno { unsafe fstat(fd, &status) }
    var header = [UInt8](repeating: 0, count: 2048)
    let count = try valueOrErrno { unsafe header.withUnsafeMutableBytes { unsafe pread(fd, $0.baseAddress, 2048, 0) } }
    guard count == 2048 else { throw Errno.badFormat }
    try checkCDBHeader(header, fileSize: Int(status.st_size))
    var failure: Errno?
    let result = body { key in
        var length: UInt32 = 0
        let found = unsafe key.withUnsafeBytes { unsafe cdb_seek(fd, $0.baseAddress, UInt32($0.count), &length) }
        var value = [UInt8](repeating: 0, count: Int(length))
        if found > 0, unsafe value.withUnsafeMutableBytes({ unsafe cdb_bread(fd, $0.baseAddress, CInt($0.count)) }) == 0 { return value }
        if found != 0 { failure = Errno(rawValue: errno == 0 ? EPROTO : errno) }
        return nil
    }
    if let failure { throw failure }
    return result
}

/// Calls `body` with each key and value of the cdb at `path`, in file order; false if there is no file.
/// Calls `cdb_seqnext(3)`.
public func forEachCDBRecord(atPath path: String, _ body: (_ key: [UInt8], _ value: [UInt8]) -> Void) throws(Errno) -> Bool {
    let found: Void? = try unsafe withCDB(atPath: path) { (database) throws(Errno) in
        var position = UInt32(2048)
        while try valueOrErrno({ unsafe cdb_seqnext(&position, &database) }) > 0 {
            body(try unsafe bytes(of: &database, at: database.cdb_kpos, count: database.cdb_klen),
                 try unsafe bytes(of: &database, at: database.cdb_vpos, count: database.cdb_vlen))
        }
    }
    return found != nil
}

/// Writes a cdb at `path` atomically: a temp file `path.tmp` made with O_EXCL (never through a symlink),
/// filled by `body` through `add`, fsync'd, mode 0644, renamed over `path`. If `body` returns false or
/// anything fails, the temp file is removed and `path` is left as it was. Calls `cdb_make_add(3)`, `rename(2)`.
public func writeCDB(atPath path: String, _ body: (_ add: (_ key: [UInt8], _ value: ArraySlice<UInt8>) -> Void) -> Bool) throws(FileError) -> Bool {
    let temporary = path + ".tmp"
    let fd: CInt
    do { fd = try openFile(atPath: temporary, flags: O_WRONLY | O_CREAT | O_EXCL, mode: 0o644) } catch {
        throw FileError(operation: "create", path: temporary, problem: error.description)
    }
    var maker = unsafe cdb_make()
    var failure: (operation: String, error: Errno)?
    unsafe cdb_make_start(&maker, fd)
    let complete = body { key, value in
        let added = unsafe key.withUnsafeBytes { key in
            unsafe value.withUnsafeBytes { unsafe cdb_make_add(&maker, key.baseAddress, UInt32(key.count), $0.baseAddress, UInt32($0.count)) }
        }
        if added < 0 && failure == nil { failure = ("write", Errno(rawValue: errno)) }
    }
    do throws(Errno) {
        if complete && failure == nil {
            _ = try valueOrErrno { unsafe cdb_make_finish(&maker) }
            _ = try valueOrErrno { fsync(fd) }
            _ = try valueOrErrno { fchmod(fd, 0o644) }
        }
    } catch {
        failure = ("write", error)
    }
    do { try closeFile(fd) } catch { failure = failure ?? ("close", error) }
    if complete, failure == nil {
        do { _ = try valueOrErrno { unsafe rename(temporary, path) }; return true } catch { failure = ("rename to \(path)", error) }
    }
    unsafe unlink(temporary)
    if let failure { throw FileError(operation: failure.operation, path: temporary, problem: failure.error.description) }
    return false
}
