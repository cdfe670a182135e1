import Greylist
import Testing

/// The "looks dynamic" rule of selective greylisting, on a corpus of names shaped like real ISPs' pools and real
/// mail providers' servers.
@Suite struct DynamicHostNameTests {
    /// Pools of ISPs, each template spelled for an address: `{a}` … `{d}` its octets, `{x}` its hex, `{n}` a number.
    static let poolTemplates = [
        "c-{a}-{b}-{c}-{d}.hsd1.ca.comcast.net", "pool-{a}-{b}-{c}-{d}.nycmny.fios.verizon.net",
        "adsl-{a}-{b}-{c}-{d}.dsl.pltn13.sbcglobal.net", "p{x}.dip0.t-ipconnect.de", "cpe-{a}-{b}-{c}-{d}.socal.res.rr.com",
        "ip{a}-{b}-{c}-{d}.oc.oc.cox.net", "host{a}-{b}-{c}-{d}.range86-{n}.btcentralplus.com", "{d}.{c}.{b}.{a}.dyn.user.ono.com",
        "{a}-{b}-{c}-{d}.static.ip.netia.com.pl", "ppp-{a}-{b}-{c}-{d}.home.otenet.gr", "dynamic-{a}-{b}-{c}-{d}.tele2.net",
        "{a}.{b}.{c}.{d}.rev.sfr.net", "lfbn-{n}-1-{n}-{d}.w{a}-{b}.abo.wanadoo.fr", "dhcp-{a}-{b}-{c}-{d}.cable.example-isp.net",
        "{a}-{b}-{c}-{d}.dsl.teksavvy.com", "d{a}-{b}-{c}-{d}.try.wideopenwest.com", "cable-{a}-{b}-{c}-{d}.cust.telecolumbus.net",
        "{a}-{b}-{c}-{d}.broadband.kyivstar.net", "dslb-{n}-{n}-{n}-{n}.pools.arcor-ip.net", "ppp{a}-{b}-{c}-{d}.static.internode.on.net",
        "ip-{a}-{b}-{c}-{d}.ec2.internal", "{d}-{c}-{b}-{a}.dial-up.telesp.net.br", "h{a}-{b}-{c}-{d}.dynamic.ip.windstream.net",
        "{a}.{b}.{c}.{d}.broad.bj.bj.dynamic.163data.com.cn", "client-{a}-{b}-{c}-{d}.mobile.example.net",
        "customer-{a}-{b}-{c}-{d}.ftth.example.se", "static.{d}.{c}.{b}.{a}.clients.your-server.de",
        "{a}x{b}x{c}x{d}.dynamic.cyberonic.net", "ip{a}{b}{c}{d}.ppp.example.org", "{a}-{b}-{c}-{d}.ip.example.net",
    ]

    /// Mail servers of providers and organisations: verified names that say nothing of a pool.
    static let serverTemplates = [
        "mail-wm1-f{n}.google.com", "mail-pl1-f{n}.google.com", "mail-dm6nam12on2{n}.outbound.protection.outlook.com",
        "mail-am6eur05on2{n}.outbound.protection.outlook.com", "a{n}-{n}.smtp-out.us-west-2.amazonses.com",
        "a8-{n}.smtp-out.amazonses.com", "o1.ptr{n}.mandrillapp.com", "mta-{n}.sendgrid.net", "o{n}.sgmail.sendgrid.net",
        "m{n}-{n}.mailgun.net", "sonic{n}-{n}.consmr.mail.ir2.yahoo.com", "mout.gmx.net", "mout.web.de", "mail-{n}.protonmail.ch",
        "sender4-op-o{n}.zoho.com", "mx{n}.example.org", "mail.example.com", "smtp{n}.mail.example.ac.uk", "mail{n}.mailbox.org",
        "mx-out{n}.messagingengine.com", "out{n}-smtp.messagingengine.com", "mail-qk1-f{n}.google.com", "mta{n}.mta.example-bank.com",
        "smtpout{n}.posteo.de", "relay{n}.mail.gandi.net", "mail{n}.cmail{n}.example-shop.com", "bounce{n}.mcsv.net",
        "mail{n}.atl{n}.mcsv.net", "smtp-out-{n}.example.fr", "mx.university-example.edu",
    ]

    static func spell(_ template: String, _ octets: [Int], _ number: Int) -> String {
        let hex = octets.map { ($0 < 16 ? "0" : "") + String($0, radix: 16) }.joined()
        var name = template
        for (tag, value) in [("{a}", octets[0]), ("{b}", octets[1]), ("{c}", octets[2]), ("{d}", octets[3])] {
            name = name.replacingOccurrences(of: tag, with: String(value))
        }
        return name.replacingOccurrences(of: "{x}", with: hex.uppercased()).replacingOccurrences(of: "{n}", with: String(number))
    }

    /// Names with the addresses they were given to: six of each template, each with another address.
    static func corpus(_ templates: [String], seed: Int) -> [(name: String, address: ClientAddress)] {
        var state = UInt64(seed), names: [(String, ClientAddress)] = []
        func next() -> Int { state = state &* 6364136223846793005 &+ 1442695040888963407; return Int(state >> 33) }
        for template in templates {
            for _ in 0..<6 {
                let octets = [next() % 223 + 1, next() % 256, next() % 256, next() % 254 + 1]
                names.append((spell(template, octets, next() % 900 + 10), ClientAddress(octets.map(String.init).joined(separator: "."))!))
            }
        }
        return names
    }

    @Test func theCorpusIsToldApart() {
        let pools = Self.corpus(Self.poolTemplates, seed: 7), servers = Self.corpus(Self.serverTemplates, seed: 11)
        let missed = pools.filter { !DynamicHostName.looksDynamic($0.name, address: $0.address) }
        let wronged = servers.filter { DynamicHostName.looksDynamic($0.name, address: $0.address) }
        let flagged = pools.count - missed.count + wronged.count
        let precision = Double(pools.count - missed.count) / Double(max(1, flagged))
        let recall = Double(pools.count - missed.count) / Double(pools.count)
        print("looks dynamic: \(pools.count) pool names, \(servers.count) server names: precision \(precision), recall \(recall)")
        #expect(wronged.isEmpty, "\(wronged.map(\.name))")
        #expect(missed.isEmpty, "\(missed.map(\.name))")
    }

    @Test(arguments: [
        ("75-18-217-75.dsl.example.net", "75.18.217.75", true), ("mail.75-18-217-76.example.net", "75.18.217.75", false),
        ("host-075018217075.example.net", "75.18.217.75", true), ("x-75.217.18.75-y.example", "75.18.217.75", true),
        ("p4b12d94b.dip0.t-ipconnect.de", "75.18.217.75", true), ("a4b12d94b0.example", "75.18.217.75", false),
        ("175-18-217-75.example", "75.18.217.75", false), ("mail.example.com", "75.18.217.75", false),
        ("DSL.EXAMPLE.NET", "192.0.2.1", true), ("dsl2.example.net", "192.0.2.1", true), ("dslam.example.net", "192.0.2.1", false),
        ("ipv6.example.net", "192.0.2.1", false), ("shipping.example.net", "192.0.2.1", false), ("static.example.com", "2001:db8::1", true),
        ("mail.example.com", "2001:db8::1", false),
    ] as [(String, String, Bool)])
    func rules(_ name: String, _ address: String, _ dynamic: Bool) {
        #expect(DynamicHostName.looksDynamic(name, address: ClientAddress(address)!) == dynamic)
    }
}
