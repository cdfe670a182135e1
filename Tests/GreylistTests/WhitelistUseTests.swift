import Greylist
import GreylistAdmin
import Testing

/// Passes per whitelist entry, and the entries listed that passed nobody: the log's names and the sources' entries
/// compare equal however the lines spell them.
@Suite struct WhitelistUseTests {
    static let sources: [(name: String, text: String)] = [
        ("mine.txt", """
            # the administrator's list
            192.0.2.4-7
            10.          # a tcprules prefix
            SPF:Example.COM
            .example.org\r
            198.51.100.7/24

            mail.example.net
            """),
        ("big-senders", "spf:example.com\n2001:db8::/32\nrelay.mail-outbound.example.net\n"),
    ]

    static func listing() -> WhitelistListing {
        var listing = WhitelistListing()
        for source in sources {
            for (index, line) in Array(source.text.utf8).split(separator: 10, omittingEmptySubsequences: false).enumerated() {
                listing.add(line, number: index + 1, source: source.name)
            }
        }
        return listing
    }

    static func pass(_ ip: String, _ entry: String) -> String {
        "cqgreylist: pid=1 ip=\(ip) action=pass reason=whitelist \(entry)"
    }

    /// By hand: 192.0.2.4-7 passed 3 (two addresses of the range), spf:example.com 2 (two networks, named with the
    /// terms that led to them), .example.org 1, relay.mail-outbound.example.net 1 (over 24 bytes: kept apart),
    /// 203.0.113.0/24 1 (no longer listed); the rest
    /// passed nobody, in the sources' order, each once (spf:example.com is listed twice).
    static let lines = [
        pass("192.0.2.4", "192.0.2.4-7"), pass("192.0.2.6", "192.0.2.4-7"), pass("192.0.2.4", "192.0.2.4-7"),
        pass("192.0.2.80", "spf:example.com"), pass("198.18.0.1", "spf:example.com via include:_spf.example.net a:mx.example.net"),
        pass("192.0.2.99", ".example.org"), pass("198.18.0.2", "relay.mail-outbound.example.net"),
        pass("203.0.113.9", "203.0.113.0/24"),
        "cqgreylist: pid=1 ip=192.0.2.1 key=192.0.2.1 action=pass reason=relayclient",
    ]

    @Test func passesByEntryAndTheUnused() throws {
        var report = LogReport()
        for line in Self.lines { report.add(line) }
        #expect(report.whitelistPassCounts.map { "\($0.entry) \($0.passes)" }
                == ["192.0.2.4-7 3", "spf:example.com 2", ".example.org 1", "203.0.113.0/24 1", "relay.mail-outbound.example.net 1"])
        let listing = Self.listing()
        #expect(listing.problem == nil)
        #expect(listing.entries.map { $0.entry }
                == ["192.0.2.4-7", "10.", "spf:example.com", ".example.org", "198.51.100.7/24", "mail.example.net", "2001:db8::/32",
                    "relay.mail-outbound.example.net"])
        #expect(report.unusedWhitelistEntries(listing).map { "\($0.place) \($0.entry)" }
                == ["mine.txt:3 10.", "mine.txt:6 198.51.100.7/24", "mine.txt:8 mail.example.net", "big-senders:2 2001:db8::/32"])
        let text = report.text(top: 2, whitelist: listing)
        let start = try #require(text.firstIndex { $0.hasPrefix("whitelist passes") })
        let end = try #require(text.firstIndex { $0.hasPrefix("clients greylisted") })
        #expect(text[start - 1] == "  pass: relayclient 1, whitelist 8" && text[start - 2] == "connections: 9")
        #expect(Array(text[start..<end])
                == ["whitelist passes by entry: 8 by 5 entries", "  192.0.2.4-7 3", "  spf:example.com 2", "  ... and 3 more entries",
                    "whitelist entries that passed nobody: 4 of 8 listed", "  mine.txt:3 10.", "  mine.txt:6 198.51.100.7/24",
                    "  ... and 2 more (a larger --top lists them)"])
        #expect(report.text(whitelist: listing).contains("  203.0.113.0/24 1 (not listed)"))
    }

    /// Parts of a log appended count as the whole; a log without whitelist passes and no listing has no section.
    @Test func partsAddUpAndNoPassesNoSection() {
        var whole = LogReport(), first = LogReport(), second = LogReport()
        for (index, line) in Self.lines.enumerated() {
            whole.add(line)
            if index < 3 { first.add(line) } else { second.add(line) }
        }
        first.append(second)
        #expect(first.whitelistPassCounts.map { "\($0.entry) \($0.passes)" } == whole.whitelistPassCounts.map { "\($0.entry) \($0.passes)" })
        var none = LogReport()
        none.add(Self.lines.last!)
        #expect(!none.text().contains { $0.hasPrefix("whitelist") })
        #expect(none.text(whitelist: Self.listing()).contains("whitelist entries that passed nobody: 8 of 8 listed"))
    }

    /// A bad line is named by its source and line, and nothing after it is read.
    @Test func aBadLineIsNamed() {
        var listing = WhitelistListing()
        for (number, line) in ["192.0.2.1", "192.0.2.300", "10."].enumerated() {
            listing.add(Array(line.utf8)[...], number: number + 1, source: "w.txt")
        }
        #expect(listing.problem == "w.txt:2: not an IP address or network: \"192.0.2.300\"")
        #expect(listing.entries.map { $0.entry } == ["192.0.2.1"])
    }
}
