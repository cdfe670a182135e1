import Greylist

/// The entries of whitelist sources (the administrator's list, `etc/big-senders`) as the cdb stores them and a
/// whitelist pass names them, in order, each once, with the place each was first listed: what a report compares
/// the log's whitelist passes with. Lines are parsed by `Whitelist.parseLine`, as the compiler parses them;
/// host bits set in a network are accepted (the compiler's `--mask-host-bits`), `spf:` lines are not looked up.
public struct WhitelistListing: Sendable {
    /// The entries and where each was first listed (`file:line`), in order.
    public private(set) var entries: [(entry: String, place: String)] = []
    /// The first bad line, as `file:line: reason`; lines after it are not read.
    public private(set) var problem: String?
    private var listed: Set<String> = []

    /// An empty listing.
    public init() {}

    /// Reads line `number` (without its LF) of the source named `source`.
    public mutating func add(_ line: ArraySlice<UInt8>, number: Int, source: String) {
        guard problem == nil else { return }
        do throws(WhitelistError) {
            guard let parsed = try Whitelist.parseLine(line, maskingHostBits: true, { _, _ in }) else { return }
            let entry = parsed.storedEntry
            if listed.insert(entry).inserted { entries.append((entry, "\(source):\(number)")) }
        } catch {
            problem = "\(source):\(number): \(error.reason)"
        }
    }

    /// Whether `entry` is listed.
    public func contains(_ entry: String) -> Bool { listed.contains(entry) }
}

extension LogReport {
    /// The entry a whitelist pass names in `detail`: the stored value up to its first blank (an entry has none; an
    /// SPF network's value goes on with ` via ` and the terms that led to it).
    static func whitelistEntry(in line: Span<UInt8>, _ detail: Range<Int>) -> FieldKey {
        var end = detail.lowerBound
        while end < detail.upperBound && line[end] != UInt8(ascii: " ") { end += 1 }
        return FieldKey(line, detail.lowerBound..<end)
    }

    /// Connections passed by each whitelist entry, most first, ties in the entries' byte order.
    public var whitelistPassCounts: [(entry: String, passes: Int)] {
        whitelistPasses.map { (entry: $0.key.text, passes: $0.value) }
            .sorted { $0.passes != $1.passes ? $0.passes > $1.passes : Array($0.entry.utf8).lexicographicallyPrecedes($1.entry.utf8) }
    }

    /// The entries of `listing` that no line of the period names, in the listing's order.
    public func unusedWhitelistEntries(_ listing: WhitelistListing) -> [(entry: String, place: String)] {
        let named = Set(whitelistPasses.keys.map { $0.text })
        return listing.entries.filter { !named.contains($0.entry) }
    }

    /// The report's lines on whitelist entries: the `top` that passed the most connections (an entry no longer in
    /// `listing` marked so) and, with a `listing`, how many of its entries passed nobody and the first `top` of
    /// them with their places. None when no line names an entry and no listing is given.
    func whitelistText(top: Int, listing: WhitelistListing?) -> [String] {
        guard !whitelistPasses.isEmpty || listing != nil else { return [] }
        let counts = whitelistPassCounts, passes = counts.reduce(0) { $0 + $1.passes }
        var output = ["whitelist passes by entry: \(passes) by \(counts.count) entr\(counts.count == 1 ? "y" : "ies")"]
        for (entry, count) in counts.prefix(top) {
            output.append("  \(entry) \(count)" + (listing.map { $0.contains(entry) ? "" : " (not listed)" } ?? ""))
        }
        if counts.count > top && top > 0 { output.append("  ... and \(counts.count - top) more entries") }
        guard let listing else { return output }
        let unused = unusedWhitelistEntries(listing)
        output.append("whitelist entries that passed nobody: \(unused.count) of \(listing.entries.count) listed")
        for (entry, place) in unused.prefix(top) { output.append("  \(place) \(entry)") }
        if unused.count > top && top > 0 { output.append("  ... and \(unused.count - top) more (a larger --top lists them)") }
        return output
    }
}
