import Greylist
import GreylistAdmin
import Testing

/// Host-name entries checked against a public suffix list while the whitelist is compiled.
@Suite struct PublicSuffixCompilationTests {
    @Test(arguments: [
        ("mail.example.co.uk", nil),
        (".example.co.uk", nil),
        (".co.uk", #"w:1: bad host name ".co.uk": co.uk is a public suffix: anyone can register a name below it"#),
        ("CO.UK.", #"w:1: bad host name "co.uk": co.uk is a public suffix: anyone can register a name below it"#),
        (".github.io", #"w:1: bad host name ".github.io": github.io is a public suffix: anyone can register a name below it"#),
    ] as [(String, String?)])
    func aPublicSuffixIsABadLine(_ line: String, _ error: String?) {
        let suffixes: Set<String> = ["uk", "co.uk", "io", "github.io"]
        var compilation = WhitelistCompilation(source: "w", isPublicSuffix: { suffixes.contains($0.description) })
        compilation.add(Array(line.utf8)[...], number: 1)
        #expect(compilation.errors == (error.map { [$0] } ?? []))
        #expect(compilation.hostNames == (error == nil ? 1 : 0))
    }
}
