import Foundation
import Testing

/// A tmpfs mounted for one test (root only), unmounted afterwards.
final class Tmpfs {
    let path: String
    private let parent: TemporaryDirectory
    init?(_ options: String) throws {
        parent = try TemporaryDirectory()
        path = parent.path + "/mnt"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: false)
        let mounted = try run("/bin/mount", ["-t", "tmpfs", "-o", options, "tmpfs", path])
        guard mounted.status == 0 else { Issue.record("mount failed: \(mounted.errors)"); return nil }
    }
    deinit { _ = try? run("/bin/umount", ["-l", path]) }

    /// Uses up the inodes (mount with a small nr_inodes): empty files until creating one fails.
    func fillInodes() throws {
        _ = try shell(#"i=0; while [ $i -lt 100000 ] && : > "$D/fill$i" 2>/dev/null; do i=$((i+1)); done"#, environment: ["D": path])
    }

    /// Uses up the blocks: one file until writing fails.
    func fillBlocks() throws {
        _ = try shell(#"cat /dev/zero > "$D/fill" 2>/dev/null; true"#, environment: ["D": path])
    }

    func remount(_ options: String) throws {
        #expect(try run("/bin/mount", ["-o", "remount," + options, path]).status == 0)
    }
}

/// Faults of the state directory, the whitelist and the client, with real file systems and processes.
@Suite struct FaultTests {
    static let session = Data("EHLO a\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nQUIT\r\n".utf8)

    func wrapper(_ directory: String, _ address: String, failClosed: Bool = false, input: Data = Data()) throws -> Finished {
        var environment = ["TCPREMOTEIP": address, "CQGREYLIST_DIR": directory]
        if failClosed { environment["CQGREYLIST_FAILCLOSED"] = "" }
        return try run(Built.wrapper, ["/bin/echo", "passed"], environment: environment, input: input)
    }

    @Test(.enabled(if: runningAsRoot, "mounts a tmpfs: needs root")) func noInodesLeftFailsOpenOrClosedAndKeepsRecords() throws {
        guard let fs = try Tmpfs("size=1m,nr_inodes=64,mode=0755") else { return }
        #expect(try wrapper(fs.path, "192.0.2.1").errors.contains("reason=new"))
        try fs.fillInodes()
        let open = try wrapper(fs.path, "192.0.2.2")
        #expect(open.output == "passed\n")
        #expect(open.errors.hasSuffix("action=pass reason=error create \(fs.path)/192/192.0.2.2: No space left on device\n"), "\(open.errors)")
        let closed = try wrapper(fs.path, "192.0.2.3", failClosed: true, input: Self.session)
        #expect(closed.output.contains("451 ") && closed.errors.contains("action=greylist reason=error create"))
        #expect(try wrapper(fs.path, "192.0.2.1").errors.contains("reason=early"))   // the old record is intact
    }

    @Test(.enabled(if: runningAsRoot, "mounts a tmpfs: needs root")) func noBlocksLeftWhenMarkingPassedFailsOpenAndLeavesThePendingRecord() throws {
        guard let fs = try Tmpfs("size=64k,mode=0755") else { return }
        #expect(try wrapper(fs.path, "192.0.2.1").errors.contains("reason=new"))
        try fs.fillBlocks()
        try age(fs.path + "/192/192.0.2.1", by: 400)
        let retry = try wrapper(fs.path, "192.0.2.1")
        #expect(retry.output == "passed\n")
        #expect(retry.errors.hasSuffix("reason=error write \(fs.path)/192/192.0.2.1: No space left on device\n"), "\(retry.errors)")
        let attributes = try FileManager.default.attributesOfItem(atPath: fs.path + "/192/192.0.2.1")
        #expect(attributes[.size] as? Int == 0)   // still a pending record, not a corrupt one
        // Its first-seen time too: the kernel moves the mtime before it finds no room, and the wrapper puts it back,
        // so the client is not made to wait the whole delay again.
        let firstSeen = try #require(attributes[.modificationDate] as? Date)
        #expect(abs(firstSeen.timeIntervalSinceNow + 400) < 5, "\(firstSeen)")
        try FileManager.default.removeItem(atPath: fs.path + "/fill")
        let passed = try wrapper(fs.path, "192.0.2.1")
        #expect(passed.output == "passed\n" && passed.errors.hasSuffix(" reason=retried\n"), "\(passed.errors)")
    }

    @Test(.enabled(if: runningAsRoot, "mounts a tmpfs: needs root")) func aReadOnlyStateDirectoryFailsOpen() throws {
        guard let fs = try Tmpfs("size=1m,mode=0755") else { return }
        #expect(try wrapper(fs.path, "192.0.2.1").errors.contains("reason=new"))
        try fs.remount("ro")
        let known = try wrapper(fs.path, "192.0.2.1")
        #expect(known.errors.contains("reason=early"))   // reading still works
        let new = try wrapper(fs.path, "192.0.2.9")
        #expect(new.output == "passed\n")
        #expect(new.errors.hasSuffix("reason=error create \(fs.path)/192/192.0.2.9: Read-only file system\n"), "\(new.errors)")
    }

    @Test(.enabled(if: runningAsRoot, "mounts a tmpfs: needs root")) func aFullDiskLeavesTheOldWhitelistAndNoTempFile() throws {
        guard let fs = try Tmpfs("size=256k,mode=0755") else { return }
        let cdb = fs.path + "/w.cdb"
        #expect(try run(Built.mkwhitelist, ["--cdb", cdb, "-"], input: Data("192.0.2.7\n".utf8)).status == 0)
        let before = try Data(contentsOf: URL(fileURLWithPath: cdb))
        try fs.fillBlocks()
        let big = (0..<20_000).map { "10.\($0 / 256 % 256).\($0 % 256).0/24" }.joined(separator: "\n")
        let result = try run(Built.mkwhitelist, ["--cdb", cdb, "-"], input: Data(big.utf8))
        #expect(result.status == 111)
        #expect(result.errors.hasPrefix("cqgreylist-mkwhitelist: fatal: unable to "), "\(result.errors)")
        #expect(result.errors.contains("No space left on device"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: cdb)) == before)
        #expect(try FileManager.default.contentsOfDirectory(atPath: fs.path).filter { $0.hasPrefix("w.cdb.tmp") } == [])
    }

    @Test func aClientThatVanishesMidReplyEndsTheDialogueWithoutASignal() throws {
        let state = try TemporaryDirectory()
        // The client writes 40 commands and closes its end at once: the wrapper's replies hit a closed pipe.
        let bash = try run("/bin/bash", ["-c", #"printf 'NOOP\r\n%.0s' $(seq 40) | "$W" /bin/true | (exec 0<&-); echo "status=${PIPESTATUS[1]}""#],
                           environment: ["W": Built.wrapper, "TCPREMOTEIP": "192.0.2.44", "CQGREYLIST_DIR": state.path])
        #expect(bash.output == "status=0\n", "\(bash.errors)")
        #expect(bash.errors.contains("action=greylist"))
    }
}
