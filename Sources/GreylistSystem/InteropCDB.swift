// tinycdb: the bounded lookup the wrapper makes, and the sequential dump.
// The Interop*.swift files are the only ones that touch pointers.
import CSystem
import Greylist
internal import CTinyCDB

/// Why a cdb could not be read.
public enum CDBError: Error, Equatable, Sendable, CustomStringConvertible {
    /// A system call failed.
    case system(Errno)
    /// A FIFO, device, directory… is at the path: reading it could block, or mean nothing.
    case notARegularFile
    /// Not a sound cdb: shorter than its header, or a stored position or length past its end or over the limit.
    case corrupt

    public var description: String {
        switch self {
        case .system(let error): error.description
        case .notARegularFile: "not a regular file"
        case .corrupt: "corrupt or truncated cdb"
        }
    }

    init(_ error: Errno) { self = error == .badFormat ? .corrupt : .system(error) }
}

/// Opens the cdb at `path` to read, never blocking (`O_NONBLOCK`: a FIFO or device there must not hang a
/// connection), and requires a regular file: its descriptor and size, nil if there is no file. Calls `open(2)`, `fstat(2)`.
private func openCDB(atPath path: String) throws(CDBError) -> (fd: CInt, size: Int)? {
    let fd: CInt
    do { fd = try openFile(atPath: path, flags: O_RDONLY | O_NONBLOCK) } catch where error == .noSuchFile { return nil } catch {
        throw .system(error)
    }
    var status = stat()
    do { _ = try valueOrErrno { unsafe fstat(fd, &status) } } catch { try? closeFile(fd); throw .system(error) }
    guard status.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else { try? closeFile(fd); throw .notARegularFile }
    return (fd, Int(status.st_size))
}

/// Looks up keys in the cdb at `path`: `body` gets a `find` that returns a key's first value, valid only during
/// the call. nil if the file does not exist. A file that is not regular, a header pointing past the end, a value
/// past the end or longer than `maximumValueLength`, or a failed read throws: nothing larger than the file, or
/// than that maximum, is ever allocated. Reads with `pread(2)`, `cdb_seek(3)`, `lseek(2)`, `cdb_bread(3)`: for the
/// few probes of a connection, a handful of reads cost less than mapping the file.
public func lookUpCDB<T>(atPath path: String, maximumValueLength: Int,
                         _ body: (_ find: (_ key: [UInt8]) throws(CDBError) -> [UInt8]?) throws(CDBError) -> T) throws(CDBError) -> T? {
    guard let (fd, size) = try openCDB(atPath: path) else { return nil }
    defer { try? closeFile(fd) }
    var header = [UInt8](repeating: 0, count: CDBLayout.headerSize)
    let count: Int
    do { count = try valueOrErrno { unsafe header.withUnsafeMutableBytes { unsafe pread(fd, $0.baseAddress, $0.count, 0) } } } catch {
        throw .system(error)
    }
    guard count == header.count, CDBLayout.isSoundHeader(header, fileSize: size) else { throw .corrupt }
    return try body { (key) throws(CDBError) -> [UInt8]? in
        var length: UInt32 = 0
        let found = unsafe key.withUnsafeBytes { unsafe cdb_seek(fd, $0.baseAddress, UInt32($0.count), &length) }
        if found == 0 { return nil }
        guard found > 0 else { throw CDBError(Errno(rawValue: cqgreylist_errno())) }
        let position: Int
        do throws(Errno) { position = Int(try valueOrErrno { lseek(fd, 0, SEEK_CUR) }) } catch { throw .system(error) }
        guard CDBLayout.isSoundRecord(position: position, length: Int(length), fileSize: size, maximum: maximumValueLength) else {
            throw .corrupt
        }
        var value = [UInt8](repeating: 0, count: Int(length))
        guard unsafe value.withUnsafeMutableBytes({ unsafe cdb_bread(fd, $0.baseAddress, CInt($0.count)) }) == 0 else {
            throw CDBError(Errno(rawValue: cqgreylist_errno()))
        }
        return value
    }
}

/// Calls `body` with each key and value of the cdb at `path`, in file order; false if there is no file. Opens it
/// as `lookUpCDB` does; a key or value past the end or longer than `maximumLength` throws. Calls `cdb_seqnext(3)`.
public func forEachCDBRecord(atPath path: String, maximumLength: Int,
                             _ body: (_ key: [UInt8], _ value: [UInt8]) -> Void) throws(CDBError) -> Bool {
    guard let (fd, _) = try openCDB(atPath: path) else { return false }
    defer { try? closeFile(fd) }
    var database = unsafe cdb()
    do { _ = try valueOrErrno { unsafe cdb_init(&database, fd) } } catch { throw CDBError(error) }
    defer { unsafe cdb_free(&database) }
    let size = unsafe Int(database.cdb_fsize)
    let header = unsafe Array(UnsafeRawBufferPointer(start: database.cdb_mem, count: CDBLayout.headerSize))
    guard CDBLayout.isSoundHeader(header, fileSize: size) else { throw .corrupt }
    /// The `count` bytes at `position` of the mapped file, checked first. Calls `cdb_get(3)`.
    func bytes(at position: UInt32, count: UInt32) throws(CDBError) -> [UInt8] {
        guard CDBLayout.isSoundRecord(position: Int(position), length: Int(count), fileSize: size, maximum: maximumLength),
              let data = unsafe cdb_get(&database, count, position) else { throw .corrupt }
        return unsafe Array(UnsafeRawBufferPointer(start: data, count: Int(count)))
    }
    var position = UInt32(CDBLayout.headerSize)
    while true {
        let more: CInt
        do { more = try valueOrErrno { unsafe cdb_seqnext(&position, &database) } } catch { throw CDBError(error) }
        guard more > 0 else { return true }
        let key = try unsafe bytes(at: database.cdb_kpos, count: database.cdb_klen)
        body(key, try unsafe bytes(at: database.cdb_vpos, count: database.cdb_vlen))
    }
}
