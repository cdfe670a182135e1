import Foundation
import Greylist
import GreylistAdmin
@testable import GreylistSystem
@testable import GreylistTools
import TestSupport
import Testing

/// The compiler's one pass: every line checked as the cdb is written, bad lines reported first.
@Suite struct WhitelistCompileTests {
    @Test func badLinesAreReportedWhereNoCDBCanBeWritten() throws {
        let source = WhitelistSource.text(Array("192.0.2.7\njunk\n\(String(repeating: "1", count: 5000))\n10.".utf8))
        #expect {
            try WhitelistDatabase(path: "/nonexistent/w.cdb").compile(from: source)
        } throws: { error in
            guard case .badLines(let errors, let count, let sources) = error as? WhitelistCompileError else { return false }
            return count == 2 && sources == ["(text)"] && errors == ["(text):2: not an IP address or network: \"junk\"", "(text):3: line longer than 1000 bytes"]
        }
    }

    @Test func aSourceThatCannotBeReadTwiceIsCompiledInOnePass() throws {
        let directory = try TemporaryDirectory()
        let fifo = directory.path + "/source", path = directory.path + "/w.cdb"
        #expect(mkfifo(fifo, 0o644) == 0)
        let writer = Thread {
            let text = "# comment\n192.0.2.7\n\n2001:db8::/32\r\n10.".data(using: .utf8)!
            if let handle = FileHandle(forWritingAtPath: fifo) { handle.write(text); try? handle.close() }
        }
        writer.start()
        let compilation = try WhitelistDatabase(path: path).compile(from: .file(fifo), verbose: true)
        #expect(compilation.entries == 3 && compilation.networks == 3)
        #expect(try WhitelistDatabase(path: path).entry(matching: ClientAddress("10.9.9.9")!) == "10.")
        #expect(try WhitelistDatabase(path: path).entry(matching: ClientAddress("2001:db8::5")!) == "2001:db8::/32")
    }
}
