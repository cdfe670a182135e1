import Foundation
import Testing

/// Host-name entries through cqgreylist-mkwhitelist: public suffixes refused (the Public Suffix List from Debian's
/// publicsuffix package), and the reminder that such entries need `tcpserver -p`.
@Suite struct PublicSuffixTests {
    let directory: TemporaryDirectory
    let cdbPath: String
    init() throws {
        directory = try TemporaryDirectory()
        cdbPath = directory.path + "/cqgreylist.cdb"
    }

    func mkwhitelist(_ lines: String, _ arguments: [String] = []) throws -> Finished {
        try run(Built.mkwhitelist, ["--cdb", cdbPath] + arguments + ["-"], input: Data(lines.utf8))
    }

    static let note = "cqgreylist-mkwhitelist: note: host-name entries match TCPREMOTEHOST, which only tcpserver -p verifies: "
        + "run tcpserver with -p and without -H, or anyone can claim a name\n"

    @Test func aPublicSuffixIsRefusedFromTheICANNAndThePrivateSection() throws {
        #expect(try mkwhitelist("192.0.2.7\n").status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: cdbPath))
        let result = try mkwhitelist("mail.example.co.uk\n.co.uk\n.com\n.github.io\nco.uk\n.example.github.io\n")
        #expect(result.status == 100)
        #expect(result.errors == """
            (stdin):2: bad host name ".co.uk": co.uk is a public suffix: anyone can register a name below it
            (stdin):3: bad host name ".com": a domain with every name below it must have two labels or more, not a top-level domain
            (stdin):4: bad host name ".github.io": github.io is a public suffix: anyone can register a name below it
            (stdin):5: bad host name "co.uk": co.uk is a public suffix: anyone can register a name below it
            cqgreylist-mkwhitelist: fatal: 4 bad lines in (stdin); \(cdbPath) left unchanged

            """)
        #expect(try Data(contentsOf: URL(fileURLWithPath: cdbPath)) == before)
    }

    @Test func theListIsReadFromTheFileGiven() throws {
        let list = directory.path + "/list.dat"
        try "// ===BEGIN ICANN DOMAINS===\ncom\nexample.com\n".write(toFile: list, atomically: false, encoding: .utf8)
        let result = try mkwhitelist(".example.com\n.co.uk\n", ["--public-suffix-list", list])
        #expect(result.status == 100)
        #expect(result.errors.hasPrefix("(stdin):1: bad host name \".example.com\": example.com is a public suffix: anyone can register a name below it\n"
                                        + "cqgreylist-mkwhitelist: fatal: 1 bad line in (stdin)"), "\(result.errors)")
    }

    @Test(arguments: [("absent", "No such file or directory"), ("junk", "it does not list com: not a public suffix list")])
    func withoutAListNothingIsCompiled(_ name: String, _ problem: String) throws {
        #expect(try mkwhitelist("192.0.2.7\n").status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: cdbPath))
        let list = directory.path + "/" + name
        if name == "junk" { try "not a list\n".write(toFile: list, atomically: false, encoding: .utf8) }
        let result = try mkwhitelist("192.0.2.8\nmail.example.org\n", ["--public-suffix-list", list])
        #expect(result.status == 111)
        #expect(result.errors == "cqgreylist-mkwhitelist: fatal: unable to read the public suffix list \(list) (Debian package publicsuffix): \(problem)\n")
        #expect(try Data(contentsOf: URL(fileURLWithPath: cdbPath)) == before)
    }

    @Test func hostNameEntriesBringOneReminderOfTcpserverP() throws {
        let named = try mkwhitelist("mail.example.org\n.example.net\n192.0.2.7\n")
        #expect(named.status == 0)
        // On standard output, before the summary: a cron line's >/dev/null keeps it out of the nightly mail.
        #expect(named.errors == "")
        #expect(named.output == Self.note + "cqgreylist-mkwhitelist: wrote \(cdbPath): 3 entries, 1 networks, 2 host names\n")
        let addresses = try mkwhitelist("192.0.2.7\n")
        #expect(addresses.status == 0 && addresses.errors == "" && !addresses.output.contains("note:"))
    }
}
