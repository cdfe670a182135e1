import Foundation
import Testing

/// cqgreylist under a real tcpserver in front of the stand-in qmail-smtpd, with swaks as the client.
@Suite struct TCPServerTests {
    let scratch: TemporaryDirectory
    let state: String
    let mail: String
    init() throws {
        scratch = try TemporaryDirectory()
        state = scratch.path + "/state"
        mail = scratch.path + "/mail"
        try FileManager.default.createDirectory(atPath: state, withIntermediateDirectories: false)
    }

    func server(host: String = "127.0.0.1", rules: String? = nil) throws -> TCPServer {
        try TCPServer(host: host, rules: rules, environment: ["STANDIN_MAILDIR": mail],
                      [Built.wrapper, "--dir", state, Built.standIn], log: scratch.path + "/log")
    }

    func delivered() -> Int { (try? FileManager.default.contentsOfDirectory(atPath: mail).count) ?? 0 }

    @Test(arguments: [("127.0.0.1", "127/127.0.0.1"), ("::1", "0/::")])
    func newEarlyRetriedKnown(_ host: String, _ record: String) throws {
        let server = try server(host: host)
        let first = try sendMail(to: server, host: host)
        #expect(first.showsRefusal && first.contains("<-  220 mx.test ESMTP"), "\(first)")
        #expect(try sendMail(to: server, host: host).showsRefusal)
        #expect(delivered() == 0)

        try age(state + "/" + record, by: 6 * 60)
        #expect(try sendMail(to: server, host: host).showsDelivery)
        #expect(try sendMail(to: server, host: host).showsDelivery)
        #expect(delivered() == 2)
        let reasons = server.wrapperLog.map { $0.split(separator: " reason=").last.map(String.init) ?? "" }
        #expect(reasons == ["new", "early", "retried", "known"], "\(server.wrapperLog)")
        // Aged by 360 s; on a loaded machine the retry's swaks session may take a few seconds to reach the wrapper.
        let age = server.wrapperLog[2].split(separator: " ").first { $0.hasPrefix("age=") }.flatMap { Int($0.dropFirst(4)) }
        #expect(age.map { (360..<390).contains($0) } == true, "\(server.wrapperLog[2])")
    }

    @Test func tcpRulesExemptClientsAndChangeSettingsPerNetblock() throws {
        let rules = scratch.path + "/tcp.smtp"
        try """
            127.0.0.2:allow,RELAYCLIENT=""
            127.0.0.3:allow,WHITELISTED=""
            127.0.0.4:allow,CQGREYLIST_DELAY="0"
            :allow

            """.write(toFile: rules, atomically: false, encoding: .utf8)
        let compiled = try shell(#"tcprules "$R.cdb" "$R.tmp" < "$R""#, environment: ["R": rules])
        #expect(compiled.status == 0, "\(compiled.errors)")
        let server = try server(rules: rules + ".cdb")

        #expect(try sendMail(to: server, from: "127.0.0.2").showsDelivery)
        #expect(try sendMail(to: server, from: "127.0.0.3").showsDelivery)
        #expect(try sendMail(to: server, from: "127.0.0.4").showsRefusal)
        #expect(try sendMail(to: server, from: "127.0.0.4").showsDelivery)
        #expect(try sendMail(to: server, from: "127.0.0.5").showsRefusal)
        #expect(try sendMail(to: server, from: "127.0.0.5").showsRefusal)

        let log = server.wrapperLog
        #expect(log.count == 6)
        #expect(log.first?.hasSuffix("ip=127.0.0.2 action=pass reason=relayclient") == true)
        #expect(log.dropFirst().first?.hasSuffix("ip=127.0.0.3 action=pass reason=whitelisted") == true)
        #expect(log.dropFirst(3).first?.contains("ip=127.0.0.4 key=127.0.0.4 action=pass") == true)
        #expect(log.last?.contains("ip=127.0.0.5 key=127.0.0.5 action=greylist") == true)
        let records = try FileManager.default.contentsOfDirectory(atPath: state + "/127").sorted()
        #expect(records == ["127.0.0.4", "127.0.0.5"])
    }

    @Test(.enabled(if: runningAsRoot, "tcpserver -u/-g needs root, as on a mail server"))
    func asTheQmailUserRecordsGetPrivateModesWhateverTheUmask() throws {
        let nobody = (uid: 65534, gid: 65534)
        let owned = scratch.path + "/owned"
        try FileManager.default.createDirectory(atPath: owned, withIntermediateDirectories: false)
        try FileManager.default.setAttributes([.ownerAccountID: nobody.uid, .groupOwnerAccountID: nobody.gid, .posixPermissions: 0o700],
                                              ofItemAtPath: owned)
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: scratch.path)
        // Installed where the unprivileged user can reach it, as in /var/qmail/bin (the build tree may not be).
        let installed = scratch.path + "/cqgreylist"
        try FileManager.default.copyItem(atPath: Built.wrapper, toPath: installed)
        let server = try TCPServer(user: nobody, environment: ["STANDIN_MAILDIR": "/dev/null"],
                                   ["/bin/sh", "-c", #"umask 000; exec "$0" "$@""#, installed, "--dir", owned, "/bin/true"],
                                   log: scratch.path + "/log")
        #expect(try sendMail(to: server).showsRefusal)
        #expect(try sendMail(to: server, host: "127.0.0.1", from: "127.0.0.9").showsRefusal)
        for (path, mode) in [(owned + "/127", 0o700), (owned + "/127/127.0.0.1", 0o600), (owned + "/127/127.0.0.9", 0o600)] {
            let attributes = try FileManager.default.attributesOfItem(atPath: path)
            #expect((attributes[.posixPermissions] as? NSNumber)?.intValue == mode, "\(path)")
            #expect((attributes[.ownerAccountID] as? NSNumber)?.intValue == nobody.uid, "\(path)")
        }
        #expect(server.wrapperLog.allSatisfy { $0.contains("action=greylist reason=new") })
    }
}
