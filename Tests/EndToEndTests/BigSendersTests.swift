import Foundation
import Testing

/// The shipped list of big senders (etc/big-senders) and its fixture zones: for each `spf:` domain, a record shaped
/// like the provider's real one (its includes, and ip4/ip6 networks of the sizes it publishes), served by NSD.
enum BigSenders {
    static let path = Built.source("etc/big-senders")

    /// The list's entries, each with its line number and the comment that names its provider.
    static let entries: [(line: Int, entry: String, comment: String)] = {
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            let parts = line.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false)
            let entry = parts[0].trimmingCharacters(in: .whitespaces)
            guard !entry.isEmpty else { return nil }
            return (index + 1, entry, parts.count > 1 ? parts[1].trimmingCharacters(in: .whitespaces) : "")
        }
    }()

    /// The `spf:` domains of the list.
    static let spfDomains = entries.compactMap { $0.entry.hasPrefix("spf:") ? String($0.entry.dropFirst(4)) : nil }

    /// A TXT record whose text is cut into strings of at most 250 bytes (DNS's limit is 255); SPF joins them.
    static func txt(_ name: String, _ text: String) -> String {
        var strings: [String] = []
        var rest = Substring(text)
        while !rest.isEmpty { strings.append("\"\(rest.prefix(250))\""); rest = rest.dropFirst(250) }
        return "\(name) IN TXT \(strings.joined(separator: " "))"
    }

    /// Zone origin → records. Networks as the providers published them when the list was written.
    static let zones: [String: String] = [
        "google.com": [
            txt("_spf", "v=spf1 include:_netblocks.google.com include:_netblocks2.google.com include:_netblocks3.google.com ~all"),
            txt("_netblocks", "v=spf1 ip4:35.190.247.0/24 ip4:64.233.160.0/19 ip4:66.102.0.0/20 ip4:66.249.80.0/20 ip4:72.14.192.0/18 "
                + "ip4:74.125.0.0/16 ip4:108.177.8.0/21 ip4:173.194.0.0/16 ip4:209.85.128.0/17 ip4:216.58.192.0/19 ip4:216.239.32.0/19 ~all"),
            txt("_netblocks2", "v=spf1 ip6:2001:4860:4000::/36 ip6:2404:6800:4000::/36 ip6:2607:f8b0:4000::/36 ip6:2800:3f0:4000::/36 "
                + "ip6:2a00:1450:4000::/36 ip6:2c0f:fb50:4000::/36 ~all"),
            txt("_netblocks3", "v=spf1 ip4:172.217.0.0/19 ip4:172.217.32.0/20 ip4:172.217.128.0/19 ip4:172.217.160.0/20 ip4:172.217.192.0/19 "
                + "ip4:172.253.56.0/21 ip4:172.253.112.0/20 ip4:108.177.96.0/19 ip4:35.191.0.0/16 ip4:130.211.0.0/22 ~all"),
        ].joined(separator: "\n"),
        "outlook.com": txt("spf.protection", "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/15 ip4:52.102.0.0/16 ip4:52.103.0.0/16 "
            + "ip4:104.47.0.0/17 ip6:2a01:111:f400::/48 ip6:2a01:111:f403::/49 ip6:2a01:111:f403:8000::/51 ip6:2a01:111:f403:c000::/51 "
            + "ip6:2a01:111:f403:f000::/52 -all"),
        "yahoo.com": [
            txt("_spf.mail", "v=spf1 ptr:yahoo.com ptr:yahoo.net include:_spf1.mail.yahoo.com include:_spf2.mail.yahoo.com ?all"),
            txt("_spf1.mail", "v=spf1 ip4:98.136.0.0/14 ip4:74.6.0.0/16 ip4:216.39.60.0/23 ip4:66.163.184.0/21 ip4:68.180.0.0/16 "
                + "ip4:87.248.96.0/19 ip4:212.82.96.0/19 ip4:106.10.128.0/18 ip4:66.196.64.0/18 ?all"),
            txt("_spf2.mail", "v=spf1 ip4:34.2.64.0/22 ip4:34.2.68.0/23 ip4:34.2.70.0/23 ip4:34.2.72.0/22 ip4:34.2.78.0/23 ip4:34.2.80.0/23 "
                + "ip4:34.2.82.0/23 ip4:34.2.84.0/24 ip4:34.2.85.0/25 ip4:34.2.86.0/24 ip4:34.2.88.0/23 ip4:34.2.90.0/23 ip4:34.2.92.0/23 "
                + "ip4:34.2.94.0/23 ?all"),
        ].joined(separator: "\n"),
        "icloud.com": txt("@", "v=spf1 ip4:17.41.0.0/16 ip4:17.58.0.0/16 ip4:17.142.0.0/15 ip4:17.57.155.0/24 ip4:17.57.156.0/24 "
            + "ip4:144.178.36.0/24 ip4:144.178.38.0/24 ip4:112.19.199.64/29 ip4:112.19.242.64/29 ip4:222.73.195.64/29 ip4:157.255.1.64/29 "
            + "ip4:106.39.212.64/29 ip4:123.126.78.64/29 ip4:183.240.219.64/29 ip4:39.156.163.64/29 ip4:57.103.64.0/18 "
            + "ip6:2a01:b747:3000:200::/56 ip6:2a01:b747:3001:200::/56 ip6:2a01:b747:3002:200::/56 ip6:2a01:b747:3003:200::/56 "
            + "ip6:2a01:b747:3004:200::/56 ip6:2a01:b747:3005:200::/56 ip6:2a01:b747:3006:200::/56 ~all")
            + "\n@ IN TXT \"apple-domain-verification=not-an-spf-record\"",
        "amazonses.com": txt("@", "v=spf1 ip4:199.255.192.0/22 ip4:199.127.232.0/22 ip4:54.240.0.0/18 ip4:69.169.224.0/20 ip4:23.249.208.0/20 "
            + "ip4:23.251.224.0/19 ip4:76.223.176.0/20 ip4:54.240.64.0/19 ip4:54.240.96.0/19 ip4:76.223.128.0/19 ip4:216.221.160.0/19 "
            + "ip4:206.55.144.0/20 -all"),
        "sendgrid.net": txt("@", "v=spf1 ip4:167.89.0.0/17 ip4:208.117.48.0/20 ip4:50.31.32.0/19 ip4:198.37.144.0/20 ip4:198.21.0.0/21 "
            + "ip4:192.254.112.0/20 ip4:168.245.0.0/17 ip4:149.72.0.0/16 ip4:159.183.0.0/16 ip4:223.165.113.0/24 ip4:223.165.115.0/24 "
            + "ip4:223.165.118.0/23 ip4:223.165.120.0/23 ~all"),
        "mcsv.net": txt("servers", "v=spf1 ip4:205.201.128.0/20 ip4:198.2.128.0/18 ip4:148.105.8.0/21 ?all"),
        "mandrillapp.com": txt("spf", "v=spf1 ip4:198.2.128.0/24 ip4:198.2.132.0/22 ip4:198.2.136.0/23 ip4:198.2.145.0/24 ip4:198.2.186.0/23 "
            + "ip4:205.201.131.128/25 ip4:205.201.134.128/25 ip4:205.201.136.0/23 ip4:205.201.139.0/24 ip4:198.2.177.0/24 "
            + "ip4:198.2.178.0/24 ip4:198.2.179.0/24 ip4:198.2.180.0/24 ip4:148.105.8.0/21 ~all"),
        "mailgun.org": [
            txt("@", "v=spf1 include:_spf.mailgun.org include:_spf.eu.mailgun.org ~all"),
            txt("_spf", "v=spf1 ip4:209.61.151.0/24 ip4:166.78.68.0/22 ip4:198.61.254.0/23 ip4:192.237.158.0/23 ip4:23.253.182.0/23 "
                + "ip4:104.130.96.0/28 ip4:146.20.113.0/24 ip4:146.20.191.0/24 ip4:159.135.224.0/20 ip4:69.72.32.0/20 ip4:104.130.122.0/23 "
                + "ip4:143.55.224.0/21 ip4:161.38.192.0/20 ~all"),
            txt("_spf.eu", "v=spf1 ip4:141.193.32.0/23 ip4:159.135.140.80/29 ip4:159.135.132.128/25 ip4:161.38.204.0/22 ~all"),
        ].joined(separator: "\n"),
        // Salesforce authorizes by a macro that depends on the client: no network to whitelist.
        "salesforce.com": txt("_spf", "v=spf1 exists:%{i}._spf.mta.salesforce.com -all"),
        "zohomail.com": txt("@", "v=spf1 ip4:136.143.188.0/24 ip4:135.84.80.0/24 ip4:165.173.128.0/24 ip4:204.141.32.0/23 "
            + "ip4:204.141.42.0/23 ip4:136.143.160.0/24 ip4:136.143.161.0/24 ip4:136.143.162.0/24 ip4:136.143.184.0/24 "
            + "ip4:136.143.190.0/23 ip4:169.148.142.0/24 ~all"),
        "zoho.eu": txt("@", "v=spf1 include:zohomail.eu ~all"),
        "zohomail.eu": txt("@", "v=spf1 ip4:185.20.208.0/22 ip4:185.230.212.0/22 ~all"),
        "protonmail.ch": txt("_spf", "v=spf1 ip4:185.70.40.0/24 ip4:185.70.41.0/24 ip4:185.70.42.0/24 ip4:185.70.43.0/24 "
            + "ip4:176.119.200.0/24 ip4:109.224.244.0/24 ip4:79.135.106.0/24 ip4:79.135.107.0/24 ip4:51.89.119.103 ~all"),
        "gmx.net": txt("@", "v=spf1 ip4:213.165.64.0/23 ip4:74.208.5.64/26 ip4:74.208.122.0/26 ip4:212.227.126.128/25 ip4:212.227.15.0/25 "
            + "ip4:212.227.17.0/27 ip4:74.208.4.192/26 ip4:82.165.159.0/24 ip4:217.72.207.0/27 ip4:82.165.229.31 ip4:82.165.230.21 -all"),
        "gmx.com": txt("@", "v=spf1 ip4:74.208.4.192/26 ip4:74.208.5.64/26 ip4:74.208.122.0/26 ip4:212.227.15.0/25 ip4:212.227.17.0/27 "
            + "ip4:213.165.64.0/23 ip4:82.165.159.0/24 -all"),
        "web.de": txt("@", "v=spf1 ip4:212.227.15.0/25 ip4:212.227.17.0/27 ip4:213.165.64.0/23 ip4:217.72.192.248/29 ip4:82.165.159.0/26 -all"),
        "ionos.com": txt("_spf-eu", "v=spf1 ip4:212.227.126.128/25 ip4:82.165.159.0/24 ip4:212.227.17.0/27 ip4:217.72.192.64/26 "
            + "ip4:217.72.207.0/27 ip4:212.227.15.0/24 ip4:213.165.64.0/23 ip4:217.72.192.248/29 ip4:82.165.230.0/24 ip4:82.165.229.0/24 "
            + "ip6:2001:8d8:1::/48 ~all"),
        "messagingengine.com": txt("spf", "v=spf1 ip4:66.111.4.0/24 ip4:64.147.123.0/24 ip4:103.168.172.0/22 ip4:202.12.124.0/24 ~all"),
        "mtasv.net": txt("spf", "v=spf1 ip4:50.31.156.0/23 ip4:104.245.209.192/26 ip4:50.31.205.0/24 ip4:3.134.147.250 ip4:18.217.236.122 ~all"),
        "sparkpostmail.com": txt("@", "v=spf1 ip4:192.174.80.0/20 ip4:147.253.208.0/20 ip4:147.253.192.0/20 ip4:18.236.56.0/21 ~all"),
        "mailjet.com": txt("spf", "v=spf1 ip4:178.33.111.144 ip4:178.33.137.208/28 ip4:178.33.221.0/24 ip4:37.59.69.128/25 "
            + "ip4:37.59.249.0/24 ip4:87.253.232.0/21 ip4:185.189.236.0/22 ip4:185.211.120.0/22 ip4:185.250.236.0/22 ~all"),
        "sendinblue.com": txt("spf", "v=spf1 ip4:217.182.196.0/22 ip4:185.41.28.0/22 ip4:185.107.232.0/22 ip4:94.143.16.0/21 "
            + "ip4:77.32.148.0/22 ip4:1.179.112.0/20 ip4:212.146.192.0/20 ip4:185.7.26.0/23 ~all"),
        "constantcontact.com": txt("spf", "v=spf1 ip4:208.75.120.0/22 ip4:63.251.135.0/24 ip4:69.71.192.0/21 ip4:67.231.152.0/21 ~all"),
        "zendesk.com": txt("mail", "v=spf1 ip4:192.161.144.0/20 ip4:185.12.80.0/22 ip4:188.172.128.0/20 ip4:216.198.0.0/18 ~all"),
        "mimecast.com": txt("_netblocks", "v=spf1 ip4:207.211.30.0/24 ip4:207.211.31.0/25 ip4:205.139.110.0/24 ip4:216.205.24.0/24 "
            + "ip4:63.128.21.0/24 ip4:170.10.128.0/24 ip4:170.10.129.0/24 ip4:170.10.133.0/24 ip4:91.220.42.0/24 ip4:195.130.217.0/24 "
            + "ip4:185.58.84.0/22 ip4:146.101.78.0/24 ip4:41.74.192.0/22 ip4:103.96.20.0/22 ip4:124.47.150.0/24 ~all"),
    ]

    /// How many networks each `spf:` line gives from the fixtures: every include followed, nothing over the caps
    /// (Mailgun's EU /22 lies inside a US /20 its first include already gave: 16 of 17).
    static let networks: [String: Int] = [
        "_spf.google.com": 27, "spf.protection.outlook.com": 11, "_spf.mail.yahoo.com": 23, "icloud.com": 23,
        "amazonses.com": 12, "sendgrid.net": 13, "servers.mcsv.net": 3, "spf.mandrillapp.com": 14, "mailgun.org": 16,
        "_spf.salesforce.com": 0, "zohomail.com": 11, "zoho.eu": 2, "_spf.protonmail.ch": 9, "gmx.net": 11, "gmx.com": 7,
        "web.de": 5, "_spf-eu.ionos.com": 11, "spf.messagingengine.com": 4, "spf.mtasv.net": 5, "sparkpostmail.com": 4,
        "spf.mailjet.com": 9, "spf.sendinblue.com": 8, "spf.constantcontact.com": 4, "mail.zendesk.com": 4,
        "_netblocks.mimecast.com": 15,
    ]
}

/// The shipped list of big senders: every line an entry the compiler takes, each `spf:` line within the caps
/// against a record shaped like its provider's, and the whole list compiled with an administrator's own.
@Suite(.serialized) struct BigSendersTests {
    let server: DNSServer
    let directory: TemporaryDirectory
    let cdbPath: String
    init() throws {
        server = try DNSServer(zones: BigSenders.zones)
        directory = try TemporaryDirectory()
        cdbPath = directory.path + "/cqgreylist.cdb"
    }

    func mkwhitelist(_ arguments: [String], input: String = "") throws -> Finished {
        try run(Built.mkwhitelist, ["--cdb", cdbPath, "--dns-server", server.address] + arguments, input: Data(input.utf8))
    }

    /// Each line is `spf:DOMAIN` or `.DOMAIN`, named by a comment, once; a `.DOMAIN` is no public suffix and has
    /// none below it (a name anyone can register there would match), by the list the compiler reads.
    @Test func everyLineIsAnSPFOrSuffixEntryNamingItsProvider() throws {
        #expect(BigSenders.entries.count >= 30)
        for (line, entry, comment) in BigSenders.entries {
            #expect(entry.hasPrefix("spf:") || entry.hasPrefix("."), "line \(line): \(entry)")
            #expect(!comment.isEmpty, "line \(line): \(entry) names no provider")
        }
        let entries = BigSenders.entries.map(\.entry)
        #expect(Set(entries).count == entries.count, "an entry is listed twice")
        let suffixes = try String(contentsOfFile: "/usr/share/publicsuffix/public_suffix_list.dat", encoding: .utf8)
            .split(separator: "\n").filter { !$0.hasPrefix("//") }.map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        for entry in entries where entry.hasPrefix(".") {
            let below = suffixes.filter { $0.hasSuffix(entry) || $0 == entry.dropFirst() || $0 == "*" + entry }
            #expect(below.isEmpty, "\(entry): public suffixes \(below)")
        }
        // The compiler's own reading of the host-name entries (syntax, and the public suffix list it uses).
        let hosts = entries.filter { $0.hasPrefix(".") }.joined(separator: "\n") + "\n"
        let compiled = try mkwhitelist(["-"], input: hosts)
        #expect(compiled.status == 0, "\(compiled.errors)")
        #expect(compiled.output.hasSuffix(": \(entries.count { $0.hasPrefix(".") }) entries, 0 networks, "
                                          + "\(entries.count { $0.hasPrefix(".") }) host names\n"), "\(compiled.output)")
    }

    /// Every `spf:` line of the list against its fixture, alone: compiled within the default caps (at most a /8's
    /// worth of IPv4 and a /32's worth of IPv6), with every include followed.
    @Test(arguments: BigSenders.spfDomains)
    func eachProvidersRecordCompilesInsideTheCaps(_ domain: String) throws {
        let expected = try #require(BigSenders.networks[domain], "no fixture count for spf:\(domain): add its record to BigSenders.zones")
        let compiled = try mkwhitelist(["-v", "-"], input: "spf:\(domain)\n")
        #expect(compiled.status == 0, "\(compiled.errors)")
        #expect(compiled.output == "cqgreylist-mkwhitelist: wrote \(cdbPath): 1 entries, \(expected) networks\n", "\(compiled.errors)")
        let dump = try run(Built.mkwhitelist, ["--cdb", cdbPath, "--dump"]).output.split(separator: "\n")
        #expect(dump.count == expected)
        #expect(dump.allSatisfy { $0.contains("  # spf:\(domain)") })
    }

    /// The whole shipped file and an administrator's whitelist in one run, as the crontab runs them.
    @Test func theShippedListCompilesWithAnAdministratorsOwn() throws {
        let own = directory.path + "/cqgreylist.txt"
        try "192.0.2.25\n.example.org\n".write(toFile: own, atomically: false, encoding: .utf8)
        let compiled = try mkwhitelist([own, BigSenders.path])
        #expect(compiled.status == 0, "\(compiled.errors)")
        let hosts = BigSenders.entries.count { $0.entry.hasPrefix(".") } + 1
        let networks = BigSenders.networks.values.reduce(0, +) + 1
        #expect(compiled.output.hasSuffix("wrote \(cdbPath): \(BigSenders.entries.count + 2) entries, \(networks) networks, \(hosts) host names\n"),
                "\(compiled.output)")
        for (address, entry) in [("192.0.2.25", "192.0.2.25"), ("209.85.220.41", "spf:_spf.google.com via include:_netblocks.google.com"),
                                 ("2a01:111:f403:2c12::800", "spf:spf.protection.outlook.com"),
                                 ("mail-wr1-f54.google.com", ".google.com"), ("mout.gmx.net", ".gmx.net")] {
            let check = try run(Built.mkwhitelist, ["--cdb", cdbPath, "--check", address])
            #expect(check.status == 0 && check.output.hasSuffix(" entry \(entry)\n"), "\(address): \(check.output)")
        }
    }
}

/// Several source files in one run: errors name the file and line, and on any error the old cdb stays.
@Suite(.serialized) struct SeveralSourcesTests {
    let server: DNSServer
    let directory: TemporaryDirectory
    let cdbPath: String
    init() throws {
        server = try DNSServer(zones: ["test": BigSenders.txt("pool", "v=spf1 ip4:203.0.113.0/24 -all")], failing: ["broken.test"])
        directory = try TemporaryDirectory()
        cdbPath = directory.path + "/cqgreylist.cdb"
    }

    func write(_ name: String, _ text: String) throws -> String {
        let path = directory.path + "/" + name
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }

    func mkwhitelist(_ arguments: [String], input: String = "") throws -> Finished {
        try run(Built.mkwhitelist, ["--cdb", cdbPath, "--dns-server", server.address] + arguments, input: Data(input.utf8))
    }

    func cdb() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: cdbPath)) }

    @Test func twoFilesCompileIntoOneCDB() throws {
        let first = try write("a.txt", "192.0.2.7\n"), second = try write("b.txt", "# big\nspf:pool.test\n.example.org\n")
        let compiled = try mkwhitelist([first, second])
        #expect(compiled.status == 0, "\(compiled.errors)")
        #expect(compiled.output.hasSuffix("cqgreylist-mkwhitelist: wrote \(cdbPath): 3 entries, 2 networks, 1 host name\n"))
        #expect(try run(Built.mkwhitelist, ["--cdb", cdbPath, "--dump"]).output.split(separator: "\n").sorted()
                == [".example.org", "192.0.2.7/32  # 192.0.2.7", "203.0.113.0/24  # spf:pool.test"])
    }

    @Test func aBadLineInTheSecondFileIsNamedByItsFileAndLineAndTheOldCDBStays() throws {
        let first = try write("a.txt", "192.0.2.7\n"), second = try write("b.txt", "# big\nspf:pool.test\n192.0.2.300\n.co.uk\n")
        #expect(try mkwhitelist([first]).status == 0)
        let before = try cdb()
        let result = try mkwhitelist([first, second])
        #expect(result.status == 100)
        #expect(result.errors == """
            \(second):3: not an IP address or network: "192.0.2.300"
            \(second):4: bad host name ".co.uk": co.uk is a public suffix: anyone can register a name below it
            cqgreylist-mkwhitelist: fatal: 2 bad lines in \(second); \(cdbPath) left unchanged

            """)
        #expect(try cdb() == before)
        // Bad lines in both files: each file named, the summary names both.
        let both = try mkwhitelist([try write("c.txt", "junk\n"), second])
        #expect(both.status == 100)
        #expect(both.errors.hasSuffix("fatal: 3 bad lines in \(directory.path)/c.txt and \(second); \(cdbPath) left unchanged\n"), "\(both.errors)")
        #expect(try cdb() == before)
    }

    @Test func aDNSFailureInTheSecondSourceKeepsTheOldCDB() throws {
        let first = try write("a.txt", "192.0.2.7\n")
        #expect(try mkwhitelist([first]).status == 0)
        let before = try cdb()
        let result = try mkwhitelist([first, "-"], input: "spf:pool.test\nspf:spf.broken.test\n")
        #expect(result.status == 111)
        #expect(result.errors.hasPrefix("(stdin):2: spf:spf.broken.test: TXT lookup of spf.broken.test failed: server failure (SERVFAIL)\n"),
                "\(result.errors)")
        #expect(result.errors.hasSuffix("fatal: 1 bad line in (stdin) (a DNS lookup failed: try again later); \(cdbPath) left unchanged\n"))
        #expect(try cdb() == before)
    }

    @Test func standardInputBetweenFilesIsReadOnceAndKeptForTheSecondPass() throws {
        let first = try write("a.txt", "192.0.2.7\n"), third = try write("c.txt", "198.51.100.0/24\n192.0.2.7\n")
        let compiled = try mkwhitelist(["-v", first, "-", third], input: "spf:pool.test\n")
        #expect(compiled.status == 0, "\(compiled.errors)")
        #expect(compiled.output.hasSuffix(": 4 entries, 4 networks\n"))
        // -v's duplicate names the other file's line.
        #expect(compiled.errors == "\(third):2: 192.0.2.7 duplicates 192.0.2.7 (\(first):1)\n")
        let twice = try mkwhitelist(["-", "-"])
        #expect(twice.status == 100 && twice.errors.contains("standard input (-) can be read only once"), "\(twice.errors)")
    }
}
