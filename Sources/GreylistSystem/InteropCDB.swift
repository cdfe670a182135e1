// tinycdb: the bounded lookup the wrapper makes, the sequential dump, the atomic writer.
// The Interop*.swift files are the only ones that touch pointers.
import Glibc
import Greylist
internal import CTinyCDB

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
