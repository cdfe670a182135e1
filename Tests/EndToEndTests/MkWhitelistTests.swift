import Foundation
import Glibc
import TestSupport
import Testing

/// A cdb compiled by tcpserver's own `tcprules` (rules for 192.0.2.7 among others): not a cqgreylist whitelist.
func tcprulesCDB(in directory: TemporaryDirectory) throws -> String {
    let rules = directory.path + "/tcp.smtp.cdb"
    let made = try run("/usr/bin/tcprules", [rules, rules + ".tmp"], input: Data("192.0.2.7:allow,RELAYCLIENT=\"\"\n192.0.2.:allow\n:allow\n".utf8))
    #expect(made.status == 0, "\(made.errors)")
    return rules
}

/// cqgreylist-mkwhitelist run as a process, its cdb read by tinycdb's own `cdb` tool and by the wrapper.
@Suite struct MkWhitelistTests {
    let directory: TemporaryDirectory
    let cdbPath: String
    init() throws {
        directory = try TemporaryDirectory()
        cdbPath = directory.path + "/cqgreylist.cdb"
    }

    func mkwhitelist(_ arguments: [String], input: String = "") throws -> Finished {
        try run(Built.mkwhitelist, ["--cdb", cdbPath] + arguments, input: Data(input.utf8))
    }

    @Test func theSampleCompilesAndTinycdbReadsIt() throws {
        let result = try mkwhitelist([Built.source("etc/whitelist")])
        #expect(result.status == 0, "\(result.errors)")
        #expect(result.output == "cqgreylist-mkwhitelist: wrote \(cdbPath): 7 entries, 7 networks\n")
        let dump = try run("/usr/bin/cdb", ["-d", cdbPath])
        #expect(dump.output.contains("+15,15:198.51.100.0/24->198.51.100.0/24\n"))
        #expect(dump.output.contains("+14,15:192.0.2.200/29->192.0.2.200-207\n"))
        #expect(dump.output.contains("+14,") && dump.output.contains(":prefix-lengths->4:24,25,29,32 6:40,48,128\n"))
        #expect(try run("/usr/bin/cdb", ["-q", cdbPath, "2001:db8:100::/48"]).output == "2001:db8:100::/48")
        #expect((try FileManager.default.attributesOfItem(atPath: cdbPath)[.posixPermissions] as? NSNumber)?.intValue == 0o644)
    }

    @Test func standardInputAndCRLF() throws {
        let result = try mkwhitelist(["-"], input: "192.0.2.7\r\n# note\r\n2001:db8::/32\r\n")
        #expect(result.status == 0)
        #expect(try mkwhitelist(["--dump"]).output == "192.0.2.7/32  # 192.0.2.7\n2001:db8::/32\n")
    }

    @Test func badLinesAreAllReportedAndTheOldCDBStays() throws {
        #expect(try mkwhitelist(["-"], input: "192.0.2.7\n").status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: cdbPath))
        let source = directory.path + "/whitelist.txt"
        try "192.0.2.0/24\n192.0.2.7/24\nmail..example.com\n\n10.1.2.3-1\n".write(toFile: source, atomically: false, encoding: .utf8)
        let result = try mkwhitelist([source])
        #expect(result.status == 100)
        #expect(result.errors == """
            \(source):2: host bits set in 192.0.2.7/24 (the network is 192.0.2.0/24; --mask-host-bits accepts it)
            \(source):3: bad host name "mail..example.com": empty label in host name
            \(source):5: not a tcprules range like 192.0.2.4-7 or 192.0.2-3.: "10.1.2.3-1"
            cqgreylist-mkwhitelist: fatal: 3 bad lines in \(source); \(cdbPath) left unchanged

            """)
        #expect(try Data(contentsOf: URL(fileURLWithPath: cdbPath)) == before)
        #expect(directory.files() == ["cqgreylist.cdb", "whitelist.txt"])
        #expect(try mkwhitelist(["--mask-host-bits", "-"], input: "192.0.2.7/24\n").status == 0)
    }

    @Test func manyBadLinesAreCapped() throws {
        let result = try mkwhitelist(["-"], input: String(repeating: "junk\n", count: 150))
        #expect(result.status == 100)
        #expect(result.errors.split(separator: "\n").count == 102)
        #expect(result.errors.contains("... and 50 more\n"))
    }

    @Test func checkSaysWhichEntryMatched() throws {
        #expect(try mkwhitelist(["-"], input: "192.0.2.4-7\n2001:db8::/32\n").status == 0)
        let hit = try mkwhitelist(["--check", "::ffff:192.0.2.6"])
        #expect(hit.status == 0 && hit.output == "192.0.2.6 is whitelisted by \(cdbPath), entry 192.0.2.4-7\n")
        let miss = try mkwhitelist(["--check", "192.0.2.8"])
        #expect(miss.status == 1 && miss.output == "192.0.2.8 is not whitelisted by \(cdbPath)\n")
        let bad = try mkwhitelist(["--check", "192.0.2.x"])
        #expect(bad.status == 100 && bad.errors == "cqgreylist-mkwhitelist: fatal: not an IP address or host name: \"192.0.2.x\"\n")
    }

    @Test func systemErrorsExit111() throws {
        let missing = try run(Built.mkwhitelist, ["--cdb", cdbPath, directory.path + "/absent.txt"])
        #expect(missing.status == 111)
        #expect(missing.errors == "cqgreylist-mkwhitelist: fatal: unable to read \(directory.path)/absent.txt: No such file or directory\n")
        let noDirectory = try run(Built.mkwhitelist, ["--cdb", "/nonexistent/w.cdb", "-"])
        #expect(noDirectory.status == 111)
        #expect(noDirectory.errors.hasPrefix("cqgreylist-mkwhitelist: fatal: unable to create /nonexistent/w.cdb.tmp."))
        #expect(noDirectory.errors.hasSuffix(": No such file or directory\n"))
        let dump = try mkwhitelist(["--dump"])
        #expect(dump.status == 111 && dump.errors.hasPrefix("cqgreylist-mkwhitelist: fatal: unable to read \(cdbPath): "))
    }

    @Test func badLinesAreReportedEvenWhereTheCDBCannotBeWritten() throws {
        let result = try run(Built.mkwhitelist, ["--cdb", "/nonexistent/w.cdb", "-"], input: Data("192.0.2.7\njunk\n".utf8))
        #expect(result.status == 100)
        #expect(result.errors == """
            (stdin):2: not an IP address or network: "junk"
            cqgreylist-mkwhitelist: fatal: 1 bad line in (stdin); /nonexistent/w.cdb left unchanged

            """)
    }

    @Test func aFiftyMegabyteLineIsReportedWithoutHoldingIt() throws {
        let measure = #"/usr/bin/time -f 'maxrss=%M' -o "$D/rss" "$M" --cdb "$D/w.cdb" - 2>"$D/err"; echo "status=$?" >&2; cat "$D/rss" "$D/err" >&2"#
        let environment = ["M": Built.mkwhitelist, "D": directory.path]
        let small = try shell("printf '192.0.2.7' | " + measure, environment: environment)
        let large = try shell("head -c 50000000 /dev/zero | tr '\\0' A | " + measure, environment: environment)
        #expect(small.errors.hasPrefix("status=0\n"), "\(small.errors)")
        #expect(large.errors.hasPrefix("status=100\n"), "\(large.errors)")
        #expect(large.errors.hasSuffix("""
            (stdin):1: line longer than 1000 bytes
            cqgreylist-mkwhitelist: fatal: 1 bad line in (stdin); \(directory.path)/w.cdb left unchanged

            """), "\(large.errors)")
        func kilobytes(_ errors: String) -> Int { Int(errors.split(separator: "maxrss=").last?.prefix { $0.isNumber } ?? "") ?? -1 }
        #expect(kilobytes(small.errors) > 0)
        #expect(kilobytes(large.errors) - kilobytes(small.errors) < 8 * 1024, "peak RSS grew with the line: \(small.errors) \(large.errors)")
    }

    @Test func staleTempFilesDoNotBlockACompile() throws {
        for stale in [".tmp", ".tmp.4242.deadbeef", ".tmp.x"] {
            #expect(FileManager.default.createFile(atPath: cdbPath + stale, contents: Data("stale".utf8)))
        }
        let result = try mkwhitelist(["-"], input: "192.0.2.7\n")
        #expect(result.status == 0, "\(result.errors)")
        #expect(try mkwhitelist(["--check", "192.0.2.7"]).status == 0)
        #expect(directory.files() == ["cqgreylist.cdb", "cqgreylist.cdb.tmp", "cqgreylist.cdb.tmp.4242.deadbeef", "cqgreylist.cdb.tmp.x"])
    }

    @Test(arguments: [SIGTERM, SIGINT, SIGHUP])
    func aCompileWaitingForInputAndTerminatedLeavesNoTempAndTheOldCDB(_ signal: Int32) throws {
        #expect(try mkwhitelist(["-"], input: "192.0.2.7\n").status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: cdbPath))
        let fifo = directory.path + "/source"
        #expect(mkfifo(fifo, 0o600) == 0)
        let pid = try spawn(Built.mkwhitelist, ["--cdb", cdbPath, fifo], environment: [:],
                            stdin: "/dev/null", stdout: directory.path + "/out", stderr: directory.path + "/err")
        var writer: Int32 = -1
        #expect(eventually(within: 10) { writer = open(fifo, O_WRONLY | O_NONBLOCK); return writer >= 0 })  // it reads the pipe
        defer { if writer >= 0 { close(writer) } }
        #expect(write(writer, "198.51.100.0/24\n", 16) == 16)  // some input, then silence
        kill(pid, signal)
        #expect(waitForExit(pid, limit: 10) == 111)
        #expect(try Data(contentsOf: URL(fileURLWithPath: cdbPath)) == before)
        #expect(directory.files() == ["cqgreylist.cdb", "err", "out", "source"])
    }

    @Test(arguments: [["--check", "192.0.2.7"], ["--dump"]])
    func checkAndDumpOfAFIFOFailAtOnce(_ arguments: [String]) throws {
        let fifo = directory.path + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let result = try run(Built.mkwhitelist, ["--cdb", fifo] + arguments, limit: 10)
        #expect(result.status == 111)
        #expect(result.errors == "cqgreylist-mkwhitelist: fatal: unable to read \(fifo): not a regular file\n")
    }

    @Test(arguments: [["--check", "192.0.2.7"], ["--dump"]])
    func checkAndDumpOfATcprulesCDBSayWhatIsWrong(_ arguments: [String]) throws {
        let rules = try tcprulesCDB(in: directory)
        let result = try run(Built.mkwhitelist, ["--cdb", rules] + arguments)
        #expect(result.status == 111)
        #expect(result.errors == "cqgreylist-mkwhitelist: fatal: unable to read \(rules): "
                + "not a cqgreylist whitelist (no prefix-lengths record; made by tcprules or cdb -c?)\n")
    }

    @Test func usageErrorsExit100() throws {
        let result = try run(Built.mkwhitelist, ["--no-such-flag"])
        #expect(result.status == 100)
        #expect(result.errors.contains("Unknown option '--no-such-flag'"))
        #expect(try run(Built.mkwhitelist, ["--help"]).status == 0)
    }
}
