import Foundation
import Greylist
import GreylistAdmin
@testable import GreylistSystem
@testable import GreylistTools
import TestSupport
import Testing

@Suite struct ProcessTests {
    @Test func replyHostnameFallsBackFromControlMeToLocalhost() throws {
        let temporary = try TemporaryDirectory()
        let me = temporary.path + "/me"
        #expect(replyHostname(configured: "mx.example", controlFile: me) == "mx.example")
        #expect(replyHostname(configured: nil, controlFile: me) == "localhost")
        try "mail.example.org\n".write(toFile: me, atomically: false, encoding: .utf8)
        #expect(replyHostname(configured: nil, controlFile: me) == "mail.example.org")
        try "bad name\n".write(toFile: me, atomically: false, encoding: .utf8)
        #expect(replyHostname(configured: nil, controlFile: me) == "localhost")
    }

    @Test func fileStatusOfAbsentAndPresentFiles() throws {
        let temporary = try TemporaryDirectory()
        #expect(try fileStatus(of: temporary.path + "/absent", in: AT_FDCWD) == nil)
        #expect(try fileStatus(of: temporary.path, in: AT_FDCWD)?.isDirectory == true)
        #expect(try withDirectory(atPath: temporary.path) { (fd) throws(Errno) in try createEmptyFile(named: "f", in: fd, mode: 0o600) })
        #expect(try !withDirectory(atPath: temporary.path) { (fd) throws(Errno) in try createEmptyFile(named: "f", in: fd, mode: 0o600) })
        let status = try #require(try fileStatus(of: temporary.path + "/f", in: AT_FDCWD))
        #expect(status.isRegularFile && !status.isDirectory && status.size == 0)
        #expect(abs(status.modificationTime - currentTime()) <= 2)
        #expect(throws: Errno(rawValue: ENOTDIR)) { try fileStatus(of: temporary.path + "/f/x", in: AT_FDCWD) }
    }

    @Test func errnoDescribesItselfWithStrerror() {
        #expect(Errno(rawValue: ENOSPC).description == "No space left on device")
        #expect(Errno(rawValue: EACCES).description == "Permission denied")
    }

    @Test func theRefusalDialogueEndsOnItsOwnAndExitsZero() async {
        // Whatever the exit test's stdin is (end of input, or silence until the 1 s timeout), it greets and exits 0.
        let result = await #expect(processExitsWith: .success, observing: [\.standardOutputContent]) {
            runRefusalDialogue(hostname: "mx.example", message: "greylisted", timeout: 1)
        }
        #expect(result.map { String(decoding: $0.standardOutputContent, as: UTF8.self).hasPrefix("220 mx.example ESMTP\r\n") } == true)
    }

    @Test func exitUsesQmailStatuses() async {
        await #expect(processExitsWith: .exitCode(111)) { exit(.systemError) }
        await #expect(processExitsWith: .exitCode(100)) { exit(.badInput) }
    }
}
