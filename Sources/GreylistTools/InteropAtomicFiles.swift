// Files replaced atomically, as qmail's tools replace them (a temp file beside, fsync, rename), and tinycdb's
// writer (start, add each record, finish) into one. The Interop*.swift files are the only ones that touch pointers.
import CSystem
import Greylist
import GreylistSystem
internal import CTinyCDB

/// A temp name beside `path` that no other run holds: `path.tmp.PID.RANDOM` (the random part from
/// `getrandom(2)`), so one left by a killed run never blocks the next.
public func uniqueTemporaryPath(besides path: String) -> String {
    path + ".tmp.\(getpid()).\(String(UInt64.random(in: .min ... .max), radix: 16))"
}

/// A file being replaced atomically, as qmail's tools do: a temp file beside it (by default
/// `uniqueTemporaryPath(besides:)`) made with O_EXCL (never through a symlink), written through `descriptor`,
/// then made the file by `commit` (fsync, chmod, close, rename). Dropped without a commit, or if the commit fails,
/// the temp file is removed and the file left as it was.
@safe public struct AtomicFile: ~Copyable {
    /// The temp file's descriptor, open for writing.
    public let descriptor: CInt
    private let mode: mode_t
    // C strings, so that the value has only trivial parts and `commit` can end it with `discard`.
    private let target: UnsafeMutablePointer<CChar>
    private let temporary: UnsafeMutablePointer<CChar>

    /// Creates the temp file for `path`, to be given `mode`. Calls `open(2)`.
    public init(replacing path: String, temporaryPath: String? = nil, mode: mode_t = 0o644) throws(FileError) {
        let temporaryPath = temporaryPath ?? uniqueTemporaryPath(besides: path)
        do { descriptor = try openFile(atPath: temporaryPath, flags: O_WRONLY | O_CREAT | O_EXCL, mode: mode) } catch {
            throw FileError(operation: "create", path: temporaryPath, problem: error.description)
        }
        unsafe (self.mode, target, temporary) = (mode, strdup(path), strdup(temporaryPath))
    }

    /// The temp file's path.
    public var temporaryPath: String { unsafe String(cString: temporary) }

    /// Makes the temp file the file. Calls `fsync(2)`, `fchmod(2)`, `close(2)`, `rename(2)`.
    public consuming func commit() throws(FileError) {
        var failure: (operation: String, error: Errno)?
        do throws(Errno) {
            _ = try valueOrErrno { fsync(descriptor) }
            _ = try valueOrErrno { fchmod(descriptor, mode) }
        } catch {
            failure = ("write", error)
        }
        do { try closeFile(descriptor) } catch { failure = failure ?? ("close", error) }
        if failure == nil {
            do { _ = try valueOrErrno { unsafe rename(temporary, target) } } catch {
                failure = ("rename to \(unsafe String(cString: target))", error)
            }
        }
        if failure != nil { unsafe unlink(temporary) }
        let temporaryPath = temporaryPath
        unsafe free(target)
        unsafe free(temporary)
        discard self
        if let failure { throw FileError(operation: failure.operation, path: temporaryPath, problem: failure.error.description) }
    }

    /// Removes the temp file. Calls `close(2)`, `unlink(2)`.
    deinit {
        try? closeFile(descriptor)
        unsafe unlink(temporary)
        unsafe free(target)
        unsafe free(temporary)
    }
}

/// Writes the file at `path` as an `AtomicFile`, filled by `fill`. If `fill` returns false (nothing is renamed,
/// and false is returned) or anything fails, the temp file is removed and `path` is left as it was.
@discardableResult
public func writeFileAtomically(atPath path: String, temporaryPath: String? = nil, mode: mode_t = 0o644,
                                _ fill: (_ fd: CInt) throws(Errno) -> Bool) throws(FileError) -> Bool {
    let file = try AtomicFile(replacing: path, temporaryPath: temporaryPath, mode: mode)
    do { guard try fill(file.descriptor) else { return false } } catch {
        throw FileError(operation: "write", path: file.temporaryPath, problem: error.description)
    }
    try file.commit()
    return true
}

/// The temp file of the cdb being written, as a C string made before the file is, for the signal handler.
nonisolated(unsafe) private var temporaryCDBPath: UnsafeMutablePointer<CChar>? = nil

/// From now on SIGINT, SIGTERM and SIGHUP remove the temp file of a `CDBWriter`, then exit 111. The handler calls
/// only `unlink(2)` and `_exit(2)`. Calls `sigaction(2)`.
public func removeTemporaryCDBOnTermination() {
    _ = unsafe temporaryCDBPath  // a global is initialized on first use: here, not in the handler
    var action = sigaction()
    unsafe cqgreylist_set_handler(&action) { _ in
        if let path = unsafe temporaryCDBPath { unsafe unlink(path) }
        _exit(ExitStatus.systemError.rawValue)
    }
    unsafe sigfillset(&action.sa_mask)
    for signal in [SIGINT, SIGTERM, SIGHUP] { unsafe sigaction(signal, &action, nil) }
}

/// A cdb being written to replace the one at a path: records go to a temp file beside it as they are added, and
/// `finish` writes the hash tables and commits the file (fsync, rename). Dropped unfinished, or if anything fails
/// (or, with `removeTemporaryCDBOnTermination`, when a signal ends the process), the temp file is removed and
/// the old cdb left as it was.
public struct CDBWriter: ~Copyable {
    private let signalCleanup: SignalCleanup
    private let file: AtomicFile
    private let maker: Maker

    /// Starts a cdb to replace the one at `path`. Calls `open(2)`, `cdb_make_start(3)`.
    public init(replacing path: String, temporaryPath: String? = nil) throws(FileError) {
        let temporary = temporaryPath ?? uniqueTemporaryPath(besides: path)
        signalCleanup = SignalCleanup(temporary)
        file = try AtomicFile(replacing: path, temporaryPath: temporary)
        maker = Maker(file.descriptor)
    }

    /// Adds a record. Calls `cdb_make_add(3)`.
    public func add(key: [UInt8], value: ArraySlice<UInt8>) throws(FileError) {
        guard maker.add(key: key, value: value) else { throw Self.writeError(of: file) }
    }

    /// Writes the hash tables and commits the file. Calls `cdb_make_finish(3)`, then `AtomicFile.commit`.
    public consuming func finish() throws(FileError) {
        let finished = maker.finish()
        let failure = finished ? nil : Self.writeError(of: file)
        if let failure { throw failure }
        try file.commit()
    }

    /// The failure `errno` tells of, in writing `file`.
    private static func writeError(of file: borrowing AtomicFile) -> FileError {
        let error = Errno(rawValue: cqgreylist_errno())
        return FileError(operation: "write", path: file.temporaryPath, problem: error.description)
    }
}

/// tinycdb's state, at an address that never moves (it points into itself).
@safe private struct Maker: ~Copyable {
    private let state: UnsafeMutablePointer<cdb_make>

    init(_ fd: CInt) {
        unsafe state = .allocate(capacity: 1)
        unsafe cdb_make_start(state, fd)
    }

    func add(key: [UInt8], value: ArraySlice<UInt8>) -> Bool {
        unsafe key.withUnsafeBytes { key in
            unsafe value.withUnsafeBytes { unsafe cdb_make_add(state, key.baseAddress, UInt32(key.count), $0.baseAddress, UInt32($0.count)) }
        } == 0
    }

    consuming func finish() -> Bool {
        let finished = unsafe cdb_make_finish(state)
        unsafe state.deallocate()
        discard self
        return finished == 0
    }

    /// Frees the state. tinycdb has no call for that but `cdb_make_finish`: here on descriptor -1, whose first
    /// write fails at once.
    deinit {
        unsafe state.pointee.cdb_fd = -1
        _ = unsafe cdb_make_finish(state)
        unsafe state.deallocate()
    }
}

/// While it lives, `removeTemporaryCDBOnTermination`'s handler removes the file at its path.
private struct SignalCleanup: ~Copyable {
    init(_ path: String) { unsafe temporaryCDBPath = unsafe strdup(path) }

    deinit {
        let path = unsafe temporaryCDBPath
        unsafe temporaryCDBPath = nil
        unsafe free(path)
    }
}
