/// tinycdb's file layout, as a reader checks it before trusting a stored position or length: a header of
/// 256 (position, slot count) pairs of little-endian 32-bit words, each naming a hash table inside the file.
public enum CDBLayout {
    /// The header's size; no cdb is shorter.
    public static let headerSize = 2048

    /// Whether every hash table the header names lies inside a file of `fileSize` bytes (a truncated cdb fails this).
    public static func isSoundHeader(_ header: [UInt8], fileSize: Int) -> Bool {
        guard header.count == headerSize else { return false }
        func word(_ offset: Int) -> Int { header[offset..<offset + 4].reversed().reduce(0) { $0 << 8 | Int($1) } }
        for slot in 0..<256 {
            let position = word(8 * slot), slots = word(8 * slot + 4)
            guard position >= headerSize, position <= fileSize, slots <= (fileSize - position) / 8 else { return false }
        }
        return true
    }

    /// Whether `length` bytes at `position` lie inside a file of `fileSize` bytes and are at most `maximum`:
    /// the check before a stored length becomes an allocation.
    public static func isSoundRecord(position: Int, length: Int, fileSize: Int, maximum: Int) -> Bool {
        length >= 0 && length <= maximum && position >= 0 && position <= fileSize && length <= fileSize - position
    }
}
