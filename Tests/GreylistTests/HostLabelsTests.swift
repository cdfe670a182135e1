import Greylist
import GreylistAdmin
import Testing

@Suite struct HostLabelsTests {
    func labels(_ patterns: [String]) throws -> HostLabels {
        var labels = HostLabels()
        for text in patterns { labels.insert(try HostPattern(validating: Array(text.utf8)[...])) }
        return labels
    }

    func probes(_ name: String, _ labels: HostLabels, stopAt hit: String? = nil) -> [String] {
        var keys: [String] = []
        labels.forEachKey(for: HostName(name)!) { key in
            keys.append(String(decoding: key, as: UTF8.self))
            return keys.last != hit
        }
        return keys
    }

    @Test func probesOnlyTheLabelCountsPresentMostSpecificFirst() throws {
        let labels = try labels(["mail.example.org", ".example.org", ".mx.example.net", ".a.b.c.d.e"])
        #expect(labels.bytes == Array("host:3 below:2,3,5".utf8))
        #expect(HostLabels(bytes: labels.bytes) == labels)
        #expect(probes("a.mail.example.org", labels) == [".mail.example.org", ".example.org"])
        #expect(probes("mail.example.org", labels) == ["=mail.example.org", ".example.org"])
        #expect(probes("x.y.z.a.b.c.d.e", labels) == [".a.b.c.d.e", ".c.d.e", ".d.e"])
        #expect(probes("x.y.z.a.b.c.d.e", labels, stopAt: ".a.b.c.d.e") == [".a.b.c.d.e"])
        // A domain entry never matches the domain itself; a one-label name probes nothing.
        #expect(probes("example.org", labels) == [])
        #expect(probes("org", labels) == [])
        // However many labels a name has, the probes are one per label count present.
        #expect(probes(String(repeating: "x.", count: 120) + "example.org", labels).count == 3)
    }

    @Test(arguments: ["", "host:", "host:3", "host:0 below:", "host:128 below:", "host:3 below:2 x:1", "host:3,,4 below:", "below:2 host:3"])
    func malformedIndexIsRejected(_ text: String) {
        #expect(HostLabels(bytes: Array(text.utf8)) == nil)
    }

    @Test func emptyIndexReadsBack() {
        #expect(HostLabels(bytes: Array("host: below:".utf8)) == HostLabels())
        #expect(HostLabels().bytes == Array("host: below:".utf8))
    }
}
