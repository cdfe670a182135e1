import Greylist
import GreylistAdmin
import Testing

struct SplitCase: CustomTestStringConvertible, Sendable {
    let name: String, chunks: [String], lines: [String]
    var testDescription: String { name }
}

@Suite struct LineSplitterTests {
    static let long = String(repeating: "x", count: 1500)
    static let cases: [SplitCase] = [
        .init(name: "lines across chunks", chunks: ["a\nb", "c\n", "\nd"], lines: ["1 a", "2 bc", "3 ", "4 d"]),
        .init(name: "CR kept, empty input", chunks: ["a\r\n", ""], lines: ["1 a\r"]),
        .init(name: "line of exactly the limit", chunks: [String(repeating: "y", count: 1000) + "\n"], lines: ["1 " + String(repeating: "y", count: 1000)]),
        .init(name: "overlong line in one chunk is cut to limit + 1", chunks: [long + "\nz\n"], lines: ["1 " + String(long.prefix(1001)), "2 z"]),
        .init(name: "overlong line across chunks is cut to limit + 1", chunks: [String(long.prefix(700)), String(long.dropFirst(700)), "\nz"],
              lines: ["1 " + String(long.prefix(1001)), "2 z"]),
        .init(name: "overlong last line without LF", chunks: [long, long], lines: ["1 " + String(long.prefix(1001))]),
    ]

    @Test(arguments: cases)
    func splitsIntoBoundedLines(_ row: SplitCase) {
        var splitter = LineSplitter()
        var lines: [String] = []
        func take(_ line: (line: ArraySlice<UInt8>, number: Int)) { lines.append("\(line.number) " + String(decoding: line.line, as: UTF8.self)) }
        for chunk in row.chunks {
            splitter.feed(Array(chunk.utf8)[...])
            while let line = splitter.nextLine() { take(line) }
        }
        if let last = splitter.finish() { take(last) }
        #expect(lines == row.lines)
    }

    @Test func anOverlongLineIsAnErrorAndTheNextLineCounts() {
        var compilation = WhitelistCompilation(source: "w")
        var splitter = LineSplitter()
        splitter.feed(Array((Self.long + Self.long + "\n192.0.2.7\n").utf8)[...])
        while let (line, number) = splitter.nextLine() { compilation.add(line, number: number) }
        #expect(compilation.errors == ["w:1: line longer than 1000 bytes"] && compilation.entries == 1)
    }
}
