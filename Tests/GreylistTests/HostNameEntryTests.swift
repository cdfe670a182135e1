import Greylist
import GreylistAdmin
import Testing

struct HostLineCase: CustomTestStringConvertible, Sendable {
    let line: String, expected: String
    var testDescription: String { "\(line.debugDescription) → \(expected)" }
    init(_ line: String, _ expected: String) { (self.line, self.expected) = (line, expected) }
}

/// What a line means: its networks' keys, `host <pattern>`, `spf <domain>`, or the error's reason.
func meaning(of line: String) -> String {
    var keys: [String] = []
    do {
        let parsed = try Whitelist.parseLine(Array(line.utf8)[...]) { network, _ in keys.append(network.key) }
        switch parsed?.name {
        case .host(let pattern)?: return "host \(pattern.text)"
        case .spf(let domain)?: return "spf \(domain)"
        case nil: return keys.joined(separator: " ")
        }
    } catch {
        return error.reason
    }
}

@Suite struct HostNameEntryTests {
    static let rows: [HostLineCase] = [
        .init("mail.example.org", "host mail.example.org"),
        .init("Mail.EXAMPLE.org.", "host mail.example.org"),
        .init(".example.org", "host .example.org"),
        .init("  .Pool.Example.NET  # comment\r", "host .pool.example.net"),
        .init("_spf-1.x9.example", "host _spf-1.x9.example"),
        .init("spf:example.com", "spf example.com"),
        .init("SPF:_spf.Example.com.", "spf _spf.example.com"),
        .init("mail..example.org", #"bad host name "mail..example.org": empty label in host name"#),
        .init(".org", #"bad host name ".org": a domain with every name below it must have two labels or more, not a top-level domain"#),
        .init("localhost.", #"bad host name "localhost.": a host name must have a domain, like mail.example.org"#),
        .init("-mail.example.org", #"bad host name "-mail.example.org": label starting or ending with '-' in host name"#),
        .init("mail.exa*mple.org", #"bad host name "mail.exa*mple.org": not a host name (letters, digits, '-', '_' and dots only)"#),
        .init(String(repeating: "a", count: 64) + ".example", #"bad host name "\#(String(repeating: "a", count: 64)).example": label longer than 63 bytes in host name"#),
        .init(String(repeating: "a.", count: 127) + "org",
              "bad host name \(LogLine.quoted(String(repeating: "a.", count: 127) + "org")): host name longer than 253 bytes"),
        .init("spf:", #"bad SPF domain "": empty host name"#),
        .init("spf:exa mple.com", #"one entry per line, found "spf:exa mple.com""#),
        .init("spf:192.0.2.0/24", #"bad SPF domain "192.0.2.0/24": not a host name (letters, digits, '-', '_' and dots only)"#),
        // A mistyped address is not taken for a host name: its last label starts with a digit.
        .init("192.0.2.7x", #"not an IP address or network: "192.0.2.7x""#),
        .init("192.0.2.", "192.0.2.0/24"),
        .init("192.0.2.x", #"not an IP address or network: "192.0.2.x""#),
        .init(".163.com", "host .163.com"),
        .init("126.com", "host 126.com"),
        .init("foo", #"not an IP address or network: "foo""#),
        .init("mail.example.org:allow", #"a tcprules rule, not an entry: write just the address part, "mail.example.org""#),
    ]

    @Test(arguments: rows)
    func lines(_ row: HostLineCase) {
        #expect(meaning(of: row.line) == row.expected)
    }

    @Test func keysRoundTripAndStayApartFromOtherKeys() throws {
        for text in ["mail.example.org", ".example.org"] {
            let pattern = try HostPattern(validating: Array(text.utf8)[...])
            var key: [UInt8] = []
            pattern.appendKey(to: &key)
            #expect(HostPattern(key: key) == pattern)
            #expect(key.first == (text.first == "." ? UInt8(ascii: ".") : UInt8(ascii: "=")))
        }
        #expect(HostPattern(key: PrefixLengths.key) == nil)
        #expect(HostPattern(key: HostLabels.key) == nil)
        #expect(HostPattern(key: Array("192.0.2.0/24".utf8)) == nil)
    }
}
