// What the system and end-to-end tests share: temporary directories, records written and aged as time would
// age them, and a cdb patched the way a corrupt one looks.
import Foundation

/// A fresh directory under the system's temporary directory, removed when the value goes away.
public final class TemporaryDirectory: @unchecked Sendable {
    /// The directory's path.
    public let path: String

    /// Makes the directory.
    public init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("cqgreylist-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Every regular file under the directory, as paths relative to it, sorted.
    public func files() -> [String] {
        (FileManager.default.subpaths(atPath: path) ?? []).filter {
            var isDirectory: ObjCBool = false
            return FileManager.default.fileExists(atPath: path + "/" + $0, isDirectory: &isDirectory) && !isDirectory.boolValue
        }.sorted()
    }

    /// Writes a record at `relative` (`passed` gives it content), `seconds` old (negative: dated ahead).
    public func writeRecord(_ relative: String, passed: Bool = false, age seconds: Int) throws {
        let file = path + "/" + relative
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard FileManager.default.createFile(atPath: file, contents: passed ? Data("passed\n".utf8) : Data()) else {
            throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: file])
        }
        try age(file, by: seconds)
    }
}

/// Sets a file's mtime `seconds` into the past (negative: the future), as time passing would.
public func age(_ path: String, by seconds: Int) throws {
    try FileManager.default.setAttributes([.modificationDate: Date(timeIntervalSinceNow: -Double(seconds))], ofItemAtPath: path)
}

/// A file's permission bits.
public func permissions(_ path: String) throws -> Int {
    try (FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
}

/// Overwrites the stored data length of the record whose key is `key` in the cdb at `path` (a cdb record is
/// key length, data length, key, data), as a corrupt file would claim it.
public func patchDataLength(ofKey key: String, in path: String, to length: UInt32) throws {
    var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
    let keyBytes = Data(key.utf8), keyLength = withUnsafeBytes(of: UInt32(keyBytes.count).littleEndian) { Data($0) }
    let found = (2048..<bytes.count - keyBytes.count).first { offset in
        bytes[offset..<offset + keyBytes.count] == keyBytes && bytes[offset - 8..<offset - 4] == keyLength
    }
    guard let start = found else { throw CocoaError(.fileReadCorruptFile, userInfo: [NSFilePathErrorKey: path]) }
    bytes.replaceSubrange(start - 4..<start, with: withUnsafeBytes(of: length.littleEndian) { Data($0) })
    try bytes.write(to: URL(fileURLWithPath: path))
}
