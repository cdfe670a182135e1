import Foundation
import Greylist
import GreylistAdmin
@testable import GreylistSystem
@testable import GreylistTools
import TestSupport
import Testing

@Suite struct RecordDirectoryTests {
    let key = RecordKey(address: ClientAddress("192.0.2.7")!, ipv4Prefix: 32, ipv6Prefix: 64)

    @Test func lifecycleOnRealFiles() throws {
        let temporary = try TemporaryDirectory()
        let store = RecordDirectory(path: temporary.path)
        let file = store.path(for: key)
        #expect(file == temporary.path + "/192/192.0.2.7")
        #expect(try store.record(for: key) == nil)

        try store.apply(.create, to: key)
        guard case .pending(let firstSeen) = try store.record(for: key) else { Issue.record("not pending"); return }
        #expect(abs(firstSeen - currentTime()) <= 2)
        #expect(try permissions(file) == 0o600)
        #expect(try permissions(temporary.path + "/192") == 0o700)

        try store.apply(.create, to: key)  // a lost race: the record exists, nothing changes
        #expect(try store.record(for: key) == .pending(firstSeen: firstSeen))

        try age(file, by: 600)
        try store.apply(.markPassed, to: key)
        guard case .passed(let lastSeen) = try store.record(for: key) else { Issue.record("not passed"); return }
        #expect(abs(lastSeen - currentTime()) <= 2)

        try age(file, by: 7200)
        try store.apply(.refresh, to: key)
        #expect(try store.record(for: key).map { if case .passed(let t) = $0 { abs(t - currentTime()) <= 2 } else { false } } == true)

        try age(file, by: 90 * 86_400)
        try store.apply(.restart, to: key)
        #expect(try store.record(for: key).map { if case .pending(let t) = $0 { abs(t - currentTime()) <= 2 } else { false } } == true)
    }

    @Test func aRecordWrittenByCqgreylist02IsPending() throws {
        let temporary = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: temporary.path + "/192", withIntermediateDirectories: false)
        #expect(FileManager.default.createFile(atPath: temporary.path + "/192/192.0.2.7", contents: Data()))
        try age(temporary.path + "/192/192.0.2.7", by: 400)
        let record = try RecordDirectory(path: temporary.path).record(for: key)
        #expect(record.map { if case .pending(let t) = $0 { abs(currentTime() - 400 - t) <= 2 } else { false } } == true)
    }

    @Test func somethingElseAtTheRecordPathIsAnError() throws {
        let temporary = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: temporary.path + "/192/192.0.2.7", withIntermediateDirectories: true)
        #expect(throws: FileError(operation: "stat", path: temporary.path + "/192/192.0.2.7", problem: "not a regular file")) {
            try RecordDirectory(path: temporary.path).record(for: key)
        }
    }

    @Test func aSymlinkAtTheRecordPathIsNeitherFollowedNorWritten() throws {
        let temporary = try TemporaryDirectory()
        let target = temporary.path + "/target"
        #expect(FileManager.default.createFile(atPath: target, contents: Data()))
        try FileManager.default.createDirectory(atPath: temporary.path + "/192", withIntermediateDirectories: false)
        try FileManager.default.createSymbolicLink(atPath: temporary.path + "/192/192.0.2.7", withDestinationPath: target)
        let store = RecordDirectory(path: temporary.path)
        #expect(throws: FileError.self) { try store.record(for: key) }
        #expect(throws: FileError.self) { try store.apply(.markPassed, to: key) }
        #expect(throws: FileError.self) { try store.apply(.restart, to: key) }
        #expect(try FileManager.default.attributesOfItem(atPath: target)[.size] as? Int == 0)
    }

    /// A FIFO that takes a record's place between the read and the write: opened without waiting, refused.
    @Test func writingToAFIFOAtTheRecordPathFailsAtOnce() throws {
        let temporary = try TemporaryDirectory()
        try FileManager.default.createDirectory(atPath: temporary.path + "/192", withIntermediateDirectories: false)
        #expect(mkfifo(temporary.path + "/192/192.0.2.7", 0o600) == 0)
        let store = RecordDirectory(path: temporary.path)
        let file = temporary.path + "/192/192.0.2.7"
        #expect(throws: FileError(operation: "write", path: file, problem: "No such device or address")) { try store.apply(.markPassed, to: key) }
        #expect(throws: FileError(operation: "truncate", path: file, problem: "No such device or address")) { try store.apply(.restart, to: key) }
        // With a reader on the FIFO the open succeeds, and the file is found not to be a regular one.
        let reader = open(file, O_RDONLY | O_NONBLOCK)
        defer { close(reader) }
        #expect(throws: FileError(operation: "write", path: file, problem: "not a regular file")) { try store.apply(.markPassed, to: key) }
    }

    @Test func aSymlinkedFirstLevelDirectoryIsNotFollowed() throws {
        let temporary = try TemporaryDirectory(), elsewhere = try TemporaryDirectory()
        try FileManager.default.createSymbolicLink(atPath: temporary.path + "/192", withDestinationPath: elsewhere.path)
        let store = RecordDirectory(path: temporary.path)
        #expect(throws: FileError(operation: "open", path: temporary.path + "/192", problem: "Not a directory")) { try store.record(for: key) }
        #expect(throws: FileError(operation: "open", path: temporary.path + "/192", problem: "Not a directory")) { try store.apply(.create, to: key) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path).isEmpty)
    }

    @Test func aMissingStateDirectoryIsAnErrorNamingThePath() throws {
        let store = RecordDirectory(path: "/nonexistent/cqgreylist")
        #expect(throws: FileError(operation: "mkdir", path: "/nonexistent/cqgreylist/192", problem: "No such file or directory")) {
            try store.apply(.create, to: key)
        }
    }
}
