// Lines of big files (logs), read in 1 MB buffers and cut at newlines found by memchr; and smaller files (whitelists)
// read a chunk at a time.
// The Interop*.swift files are the only ones that touch pointers.
import CSystem
import Greylist
import GreylistAdmin
import GreylistSystem

/// Calls `body` with each line of the file at `path` (standard input if nil) that starts at a byte offset in
/// `range` (the whole file by default), without its newline, and its number within the range; a line longer than
/// `limit` bytes is handed on cut to `limit + 1` (so it still reads as too long), the rest of it skipped. Memory
/// stays at one 1 MB buffer, `buffer` (made that size if smaller): one kept for many chunks of a file is neither
/// mapped nor zeroed again, nor handed back to the allocator, which would then keep arrays up to its size (a
/// report's tables) in its heap. Calls `open(2)`, `read(2)`, `lseek(2)`, `memchr(3)` (a log of gigabytes is mostly
/// newline search, which memchr does many bytes at a time).
public func forEachLine(ofFileAt path: String?, range: Range<Int64> = 0..<Int64.max, limit: Int, buffer: inout [UInt8],
                        _ body: (_ line: Span<UInt8>, _ number: Int) -> Void) throws(Errno) {
    precondition(path != nil || range.lowerBound == 0)
    let fd = try path.map { (path) throws(Errno) in try openFile(atPath: path, flags: O_RDONLY) } ?? 0
    defer { if path != nil { try? closeFile(fd) } }
    try forEachLine(in: fd, positioned: false, range: range, limit: limit, buffer: &buffer, body)
}

/// As `forEachLine(ofFileAt:…)`, in the regular file open as `fd`, read with `pread(2)` at the range's own offsets:
/// threads that share out a file's lines share one descriptor, so every part is of the file that was opened,
/// whatever is renamed over its path meanwhile.
public func forEachLine(ofOpenFile fd: CInt, range: Range<Int64>, limit: Int, buffer: inout [UInt8],
                        _ body: (_ line: Span<UInt8>, _ number: Int) -> Void) throws(Errno) {
    try forEachLine(in: fd, positioned: true, range: range, limit: limit, buffer: &buffer, body)
}

/// The two above: `fd` read from the range's start with `pread(2)` if `positioned`, else from its offset with
/// `lseek(2)` and `read(2)`.
private func forEachLine(in fd: CInt, positioned: Bool, range: Range<Int64>, limit: Int, buffer: inout [UInt8],
                         _ body: (_ line: Span<UInt8>, _ number: Int) -> Void) throws(Errno) {
    precondition(limit < 1 << 19)
    // From the byte before the range, skipping through its newline: the line that starts at the range's start, if
    // any, is the first one handed on; one that only ends there belongs to the range before.
    var offset = max(0, range.lowerBound - 1)   // the file offset of buffer[0]
    if offset > 0 && !positioned { _ = try valueOrErrno { lseek(fd, off_t(offset), SEEK_SET) } }
    if buffer.count < 1 << 20 { buffer = [UInt8](repeating: 0, count: 1 << 20) }
    var filled = 0, number = 0, skipping = range.lowerBound > 0
    while true {
        let at = off_t(offset + Int64(filled))   // the file offset of buffer[filled]
        let count = try valueOrErrno {
            unsafe buffer.withUnsafeMutableBytes { bytes in
                let free = unsafe (bytes.baseAddress! + filled, bytes.count - filled)
                return positioned ? unsafe pread(fd, free.0, free.1, at) : unsafe read(fd, free.0, free.1)
            }
        }
        if count == 0 {
            if filled > 0 && !skipping && offset < range.upperBound { number += 1; body(buffer.span.extracting(..<min(filled, limit + 1)), number) }
            return
        }
        let end = filled + count
        var start = 0, searchFrom = filled
        while let newline = newlineIndex(in: buffer, from: searchFrom, to: end) {
            if skipping {
                skipping = false
            } else {
                guard offset + Int64(start) < range.upperBound else { return }
                number += 1
                body(buffer.span.extracting(start..<min(newline, start + limit + 1)), number)
            }
            (start, searchFrom) = (newline + 1, newline + 1)
        }
        offset += Int64(start)
        filled = end - start
        if skipping {
            (offset, filled) = (offset + Int64(filled), 0)
        } else if filled > limit {
            guard offset < range.upperBound else { return }
            number += 1
            body(buffer.span.extracting(start..<start + limit + 1), number)
            (skipping, offset, filled) = (true, offset + Int64(filled), 0)
        } else if filled > 0 && start > 0 {
            unsafe buffer.withUnsafeMutableBytes { _ = unsafe memmove($0.baseAddress!, $0.baseAddress! + start, filled) }
        }
    }
}

/// The index of the first newline in `buffer[start..<end]`, if any. Calls `memchr(3)`.
private func newlineIndex(in buffer: [UInt8], from start: Int, to end: Int) -> Int? {
    unsafe buffer.withUnsafeBytes { bytes in
        guard let found = unsafe memchr(bytes.baseAddress! + start, 0x0a, end - start) else { return nil }
        return unsafe UnsafeRawPointer(found) - bytes.baseAddress!
    }
}

/// The size of the regular file at `path` (a symlink is followed); nil if it is not one or cannot be looked at.
/// Calls `stat(2)`.
public func regularFileSize(atPath path: String) -> Int64? {
    var status = stat()
    guard unsafe stat(path, &status) == 0, status.st_mode & mode_t(S_IFMT) == mode_t(S_IFREG) else { return nil }
    return Int64(status.st_size)
}

/// The size of the file open as `fd`. Calls `fstat(2)`.
public func fileSize(ofOpenFile fd: CInt) throws(Errno) -> Int64 {
    var status = stat()
    _ = try valueOrErrno { unsafe fstat(fd, &status) }
    return Int64(status.st_size)
}

/// A file, or standard input, read a chunk (up to 64 KB: larger ones read no faster, and the whitelist compiler's
/// memory is measured against tinycdb's) at a time into one buffer; the file is closed when the value goes away.
public struct FileChunks: ~Copyable {
    private let fd: CInt
    private let ownsDescriptor: Bool
    private var buffer = [UInt8](repeating: 0, count: 1 << 16)

    /// Opens the file at `path` (standard input if nil) to read. Calls `open(2)`.
    public init(ofFileAt path: String?) throws(Errno) {
        fd = try path.map { (path) throws(Errno) in try openFile(atPath: path, flags: O_RDONLY) } ?? 0
        ownsDescriptor = path != nil
    }

    /// The next chunk, nil at the end of the file. It shares the buffer, which the next call reads into (copying
    /// it first if the chunk is still held). Blocks while a pipe has no input. Calls `read(2)`.
    public mutating func next() throws(Errno) -> ArraySlice<UInt8>? {
        let count = try valueOrErrno { unsafe buffer.withUnsafeMutableBytes { unsafe read(fd, $0.baseAddress, $0.count) } }
        return count == 0 ? nil : buffer[..<count]
    }

    deinit { if ownsDescriptor { try? closeFile(fd) } }
}
