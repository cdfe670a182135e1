import Foundation
import Testing

/// Host-name entries under a real `tcpserver -h -p`, which looks up the client's name and keeps it (as
/// TCPREMOTEHOST) only if the name's addresses include the client's.
///
/// tcpserver resolves names with its own DNS client, which asks the server in `$DNSCACHEIP` (else
/// /etc/resolv.conf's) on port 53 and never reads /etc/hosts. So the test runs in a private network namespace
/// (`unshare --net`, root only): its own loopback, where NSD serves the forward and reverse fixture zones on
/// 127.0.0.1:53 and clients connect from 127.0.0.2-4. Nothing of the machine's (port 53, /etc/hosts,
/// /etc/resolv.conf) is used or changed.
@Suite struct HostNameTCPServerTests {
    static let zones = [
        "test": """
            mx7.pool IN A 127.0.0.2
            mx8.pool IN A 192.0.2.8
            """,
        "127.in-addr.arpa": """
            2.0.0 IN PTR mx7.pool.test.
            4.0.0 IN PTR mx8.pool.test.
            """,
    ]

    @Test(.enabled(if: runningAsRoot, "a network namespace needs root"))
    func aVerifiedNameMatchesAndAnUnverifiedOneDoesNot() throws {
        let scratch = try TemporaryDirectory()
        let path = scratch.path
        let cdb = path + "/whitelist.cdb"
        let compiled = try run(Built.mkwhitelist, ["--cdb", cdb, "-"], input: Data("192.0.2.0/24\n.pool.test\n".utf8))
        #expect(compiled.status == 0, "\(compiled.errors)")
        let configuration = try DNSServer.configure(in: path, zones: Self.zones, port: 53)
        try FileManager.default.createDirectory(atPath: path + "/state", withIntermediateDirectories: false)
        let script = #"""
            ip link set lo up || exit 3
            nsd -d -c "$D/nsd.conf" & nsd=$!
            tries=0
            until grep -q 'nsd started' "$D/nsd.log" 2>/dev/null; do
              tries=$((tries + 1)); [ $tries -le 200 ] || exit 4; sleep 0.05
            done
            DNSCACHEIP=127.0.0.1 STANDIN_MAILDIR="$D/mail" tcpserver -1 -R -h -p -l mx.test 127.0.0.1 0 \
              "$WRAPPER" --dir "$D/state" --whitelist "$D/whitelist.cdb" "$STANDIN" > "$D/port" 2> "$D/tcpserver.log" & tcp=$!
            tries=0
            until [ -s "$D/port" ]; do tries=$((tries + 1)); [ $tries -le 200 ] || exit 5; sleep 0.05; done
            for client in 127.0.0.2 127.0.0.3 127.0.0.4; do
              swaks --server 127.0.0.1 --port "$(cat "$D/port")" --local-interface $client --from sender@example.org \
                --to postmaster@mx.test --timeout 10 --body hello > "$D/swaks-$client" 2>&1
            done
            kill $tcp $nsd
            wait
            """#
        let result = try run("/usr/bin/unshare", ["--net", "/bin/sh", "-c", script],
                             environment: ["D": path, "WRAPPER": Built.wrapper, "STANDIN": Built.standIn,
                                           "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"], limit: 60)
        #expect(result.status == 0, "\(result.output)\(result.errors)")
        #expect(configuration == path + "/nsd.conf")

        let transcript = { (client: String) in (try? String(contentsOfFile: path + "/swaks-" + client, encoding: .utf8)) ?? "" }
        #expect(transcript("127.0.0.2").showsDelivery, "\(transcript("127.0.0.2"))")
        #expect(transcript("127.0.0.3").showsRefusal, "\(transcript("127.0.0.3"))")
        #expect(transcript("127.0.0.4").showsRefusal, "\(transcript("127.0.0.4"))")
        let log = ((try? String(contentsOfFile: path + "/tcpserver.log", encoding: .utf8)) ?? "")
            .split(separator: "\n").filter { $0.hasPrefix("cqgreylist:") }
        #expect(log.count == 3, "\(log)")
        // The verified name matched the domain entry: passed, no record made.
        #expect(log.first?.hasSuffix(" ip=127.0.0.2 action=pass reason=whitelist .pool.test") == true, "\(log)")
        // No name (no PTR record), and a name whose addresses do not include the client's (-p drops it): greylisted.
        #expect(log.dropFirst().first?.hasSuffix(" ip=127.0.0.3 key=127.0.0.3 action=greylist reason=new") == true, "\(log)")
        #expect(log.last?.hasSuffix(" ip=127.0.0.4 key=127.0.0.4 action=greylist reason=new") == true, "\(log)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: path + "/state/127").sorted() == ["127.0.0.3", "127.0.0.4"])
    }
}
