import Foundation
import Glibc
import TestSupport
import Testing

/// The wrapper with a compiled whitelist.
@Suite struct WrapperWhitelistTests {
    @Test func aWhitelistedClientPassesUnderTCPServerWithoutARecord() throws {
        let scratch = try TemporaryDirectory()
        let state = scratch.path + "/state", cdb = scratch.path + "/w.cdb"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: false)
        let compiled = try run(Built.mkwhitelist, ["--cdb", cdb, "-"], input: Data("127.0.0.6\n127.0.0.16-23\n".utf8))
        #expect(compiled.status == 0)
        let server = try TCPServer(environment: ["STANDIN_MAILDIR": scratch.path + "/mail"],
                                   [Built.wrapper, "--dir", state, "--whitelist", cdb, Built.standIn], log: scratch.path + "/log")
        #expect(try sendMail(to: server, from: "127.0.0.6").showsDelivery)
        #expect(try sendMail(to: server, from: "127.0.0.20").showsDelivery)
        #expect(try sendMail(to: server, from: "127.0.0.7").showsRefusal)
        #expect(server.wrapperLog.map { $0.split(separator: " ").dropFirst(2).joined(separator: " ") } == [
            "ip=127.0.0.6 action=pass reason=whitelist 127.0.0.6",
            "ip=127.0.0.20 action=pass reason=whitelist 127.0.0.16-23",
            "ip=127.0.0.7 key=127.0.0.7 action=greylist reason=new",
        ])
        #expect(scratch.files().filter { $0.hasPrefix("state/") } == ["state/127/127.0.0.7"])
    }

    @Test func aCorruptWhitelistIsLoggedAndIgnored() throws {
        let scratch = try TemporaryDirectory()
        let cdb = scratch.path + "/w.cdb"
        try Data(repeating: 0xff, count: 4096).write(to: URL(fileURLWithPath: cdb))
        let result = try run(Built.wrapper, ["/bin/echo", "passed"],
                             environment: ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DIR": scratch.path, "CQGREYLIST_WHITELIST": cdb])
        let lines = result.errors.split(separator: "\n")
        #expect(lines.count == 2)
        #expect(lines.first?.hasSuffix(" warning: whitelist ignored: read \(cdb): corrupt or truncated cdb") == true)
        #expect(lines.last?.hasSuffix("action=greylist reason=new") == true)
    }

    /// The wrapper's stderr lines for a client at 192.0.2.7 with `cdb` as the whitelist, and its exit status.
    func wrapperLog(whitelist cdb: String, in scratch: TemporaryDirectory) throws -> (status: Int32, lines: [Substring]) {
        let result = try run(Built.wrapper, ["/bin/echo", "passed"],
                             environment: ["TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DIR": scratch.path, "CQGREYLIST_WHITELIST": cdb], limit: 10)
        return (result.status, result.errors.split(separator: "\n"))
    }

    @Test(arguments: [200_000_000, 0xffff_fff0] as [UInt32])
    func aStoredLengthPastTheEndIsLoggedWithoutAllocatingIt(_ length: UInt32) throws {
        let scratch = try TemporaryDirectory()
        let good = scratch.path + "/good.cdb", cdb = scratch.path + "/w.cdb"
        for path in [good, cdb] {
            #expect(try run(Built.mkwhitelist, ["--cdb", path, "-"], input: Data("192.0.2.7\n".utf8)).status == 0)
        }
        try patchDataLength(ofKey: "192.0.2.7/32", in: cdb, to: length)
        let measure = #"/usr/bin/time -f 'maxrss=%M' -o "$D/rss" "$W" /bin/echo passed 2>"$D/err"; echo "status=$?" >&2; cat "$D/rss" "$D/err" >&2"#
        func measured(_ whitelist: String) throws -> Finished {
            try shell(measure, environment: ["W": Built.wrapper, "D": scratch.path, "TCPREMOTEIP": "192.0.2.7",
                                             "CQGREYLIST_DIR": scratch.path + "/state", "CQGREYLIST_WHITELIST": whitelist])
        }
        try FileManager.default.createDirectory(atPath: scratch.path + "/state", withIntermediateDirectories: false)
        let baseline = try measured(good), corrupt = try measured(cdb)
        #expect(baseline.errors.contains("action=pass reason=whitelist 192.0.2.7"), "\(baseline.errors)")
        #expect(corrupt.errors.hasPrefix("status=0\n"), "\(corrupt.errors)")
        #expect(corrupt.errors.contains(" warning: whitelist ignored: read \(cdb): corrupt or truncated cdb\n"), "\(corrupt.errors)")
        #expect(corrupt.errors.hasSuffix("action=greylist reason=new\n"), "\(corrupt.errors)")
        func kilobytes(_ errors: String) -> Int { Int(errors.split(separator: "maxrss=").last?.prefix { $0.isNumber } ?? "") ?? -1 }
        #expect(kilobytes(baseline.errors) > 0)
        #expect(kilobytes(corrupt.errors) - kilobytes(baseline.errors) < 8 * 1024, "\(baseline.errors) \(corrupt.errors)")
        let dump = try run(Built.mkwhitelist, ["--cdb", cdb, "--dump"])
        #expect(dump.status == 111 && dump.errors == "cqgreylist-mkwhitelist: fatal: unable to read \(cdb): corrupt or truncated cdb\n")
    }

    @Test func aFIFOAsTheWhitelistIsLoggedAndIgnoredAtOnce() throws {
        let scratch = try TemporaryDirectory()
        let fifo = scratch.path + "/w.cdb"
        #expect(mkfifo(fifo, 0o644) == 0)
        let (status, lines) = try wrapperLog(whitelist: fifo, in: scratch)
        #expect(status == 0)
        #expect(lines.count == 2)
        #expect(lines.first?.hasSuffix(" warning: whitelist ignored: read \(fifo): not a regular file") == true, "\(lines)")
        #expect(lines.last?.hasSuffix("action=greylist reason=new") == true)
    }

    @Test func aTcprulesCDBAsTheWhitelistIsLoggedAsSuch() throws {
        let scratch = try TemporaryDirectory()
        let rules = try tcprulesCDB(in: scratch)
        let (status, lines) = try wrapperLog(whitelist: rules, in: scratch)
        #expect(status == 0)
        #expect(lines.count == 2)
        #expect(lines.first?.hasSuffix(" warning: whitelist ignored: read \(rules): "
                                       + "not a cqgreylist whitelist (no prefix-lengths record; made by tcprules or cdb -c?)") == true, "\(lines)")
        #expect(lines.last?.hasSuffix("action=greylist reason=new") == true)
    }

    @Test func replacingTheCDBDuringABurstNeverShowsAHalfWrittenFile() throws {
        let scratch = try TemporaryDirectory()
        let cdb = scratch.path + "/w.cdb"
        let one = (0..<3000).map { "10.\($0 / 250).\($0 % 250).0/24" }.joined(separator: "\n") + "\n192.0.2.7\n"
        let two = (0..<3000).map { "172.16.\($0 / 250).\($0 % 250)" }.joined(separator: "\n") + "\n192.0.2.0/24\n"
        try one.write(toFile: scratch.path + "/one", atomically: false, encoding: .utf8)
        try two.write(toFile: scratch.path + "/two", atomically: false, encoding: .utf8)
        #expect(try run(Built.mkwhitelist, ["--cdb", cdb, scratch.path + "/one"]).status == 0)
        let result = try shell("""
            ( for i in $(seq 15); do "$M" --cdb "$C" "$D/two" >/dev/null; "$M" --cdb "$C" "$D/one" >/dev/null; done ) &
            for i in $(seq 300); do "$W" /bin/true; done
            wait
            """, environment: ["M": Built.mkwhitelist, "W": Built.wrapper, "C": cdb, "D": scratch.path,
                               "TCPREMOTEIP": "192.0.2.7", "CQGREYLIST_DIR": scratch.path, "CQGREYLIST_WHITELIST": cdb], limit: 120)
        let lines = result.errors.split(separator: "\n")
        #expect(lines.count == 300, "\(result.errors.prefix(2000))")
        #expect(lines.filter { !$0.hasSuffix("reason=whitelist 192.0.2.7") && !$0.hasSuffix("reason=whitelist 192.0.2.0/24") } == [])
    }
}
