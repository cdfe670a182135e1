import Foundation
import Testing

/// cqgreylist-report's passes per whitelist entry and its list of entries that passed nobody, on the log the
/// shipped wrapper writes for a whitelist the shipped compiler made from two sources.
@Suite struct ReportWhitelistTests {
    let scratch: TemporaryDirectory
    let mine: String, big: String, log: String

    init() throws {
        scratch = try TemporaryDirectory()
        (mine, big, log) = (scratch.path + "/mine.txt", scratch.path + "/big.txt", scratch.path + "/log")
        try "192.0.2.4-7\n10.   # the LAN\nmail.example.net\n\n.Example.org\n198.51.100.0/24\n".write(toFile: mine, atomically: false, encoding: .utf8)
        try "203.0.113.0/24\n192.0.2.4-7\n".write(toFile: big, atomically: false, encoding: .utf8)
        let cdb = scratch.path + "/whitelist.cdb"
        let compiled = try run(Built.mkwhitelist, ["--cdb", cdb, mine, big])
        #expect(compiled.status == 0, "\(compiled.errors)")
        // Two addresses of the range, one of the LAN, a host below .Example.org, and a client greylisted.
        let clients: [[String: String]] = [["TCPREMOTEIP": "192.0.2.5"], ["TCPREMOTEIP": "192.0.2.7"], ["TCPREMOTEIP": "10.1.2.3"],
                                           ["TCPREMOTEIP": "198.18.0.9", "TCPREMOTEHOST": "smtp.example.org"],
                                           ["TCPREMOTEIP": "192.0.2.200"]]
        var lines = ""
        for client in clients {
            let environment = client.merging(["CQGREYLIST_DIR": scratch.path, "CQGREYLIST_WHITELIST": cdb]) { $1 }
            lines += try run(Built.wrapper, ["/bin/true"], environment: environment, input: Data("QUIT\r\n".utf8)).errors
        }
        #expect(lines.split(separator: "\n").count == 5, "\(lines)")
        try lines.write(toFile: log, atomically: false, encoding: .utf8)
    }

    /// The lines between `first` (a prefix) and the next section, `clients greylisted`.
    func section(_ output: String, from first: String) throws -> [String] {
        let lines = output.split(separator: "\n").map(String.init)
        let start = try #require(lines.firstIndex { $0.hasPrefix(first) }, "\(output)")
        let end = try #require(lines.firstIndex { $0.hasPrefix("clients greylisted") })
        return Array(lines[start..<end])
    }

    /// By hand: 192.0.2.4-7 passed two, 10. and .Example.org one each (ties in byte order); of the six entries
    /// listed (192.0.2.4-7 twice), three passed nobody, named by file and line in the sources' order.
    @Test func passesByEntryAndTheEntriesThatPassedNobody() throws {
        let result = try run(Built.report, ["--whitelist", mine, "--whitelist", big, log])
        #expect(result.status == 0 && result.errors.isEmpty, "\(result.errors)")
        #expect(try section(result.output, from: "whitelist passes") == [
            "whitelist passes by entry: 4 by 3 entries", "  192.0.2.4-7 2", "  .Example.org 1", "  10. 1",
            "whitelist entries that passed nobody: 3 of 6 listed",
            "  \(mine):3 mail.example.net", "  \(mine):6 198.51.100.0/24", "  \(big):1 203.0.113.0/24",
        ])
        let shorter = try run(Built.report, ["--top", "1", "--whitelist", mine, log])
        #expect(try section(shorter.output, from: "whitelist passes") == [
            "whitelist passes by entry: 4 by 3 entries", "  192.0.2.4-7 2", "  ... and 2 more entries",
            "whitelist entries that passed nobody: 2 of 5 listed", "  \(mine):3 mail.example.net",
            "  ... and 1 more (a larger --top lists them)",
        ])
        // Without the sources: the passes alone.
        #expect(try section(try run(Built.report, [log]).output, from: "whitelist passes")
                == ["whitelist passes by entry: 4 by 3 entries", "  192.0.2.4-7 2", "  .Example.org 1", "  10. 1"])
    }

    @Test func aBadLineOrAnUnreadableSourceIsFatal() throws {
        let bad = scratch.path + "/bad.txt"
        try "192.0.2.1\n192.0.2.300\n".write(toFile: bad, atomically: false, encoding: .utf8)
        let badLine = try run(Built.report, ["--whitelist", mine, "--whitelist", bad, log])
        #expect(badLine.status == 100 && badLine.output.isEmpty)
        #expect(badLine.errors == "cqgreylist-report: fatal: \(bad):2: not an IP address or network: \"192.0.2.300\"\n")
        let missing = try run(Built.report, ["--whitelist", scratch.path + "/none.txt", log])
        #expect(missing.status == 111 && missing.output.isEmpty)
        #expect(missing.errors == "cqgreylist-report: fatal: unable to read \(scratch.path)/none.txt: No such file or directory\n")
    }
}
