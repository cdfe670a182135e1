import Greylist

/// Splits text into numbered lines without their LF, holding at most `limit + 1` bytes of a line: a longer
/// line is cut there (so it still reads as too long) and the rest of it is skipped, whatever its length.
public struct LineSplitter: Sendable {
    /// The longest line passed on whole.
    public let limit: Int
    private var partial: [UInt8] = []
    private var number = 0

    /// A splitter for lines of at most `limit` bytes.
    public init(limit: Int = Whitelist.maximumLineLength) { self.limit = limit }

    /// Calls `body` with each line that ends in `chunk`, keeping the start of an unfinished one for the next chunk.
    public mutating func split(_ chunk: ArraySlice<UInt8>, _ body: (_ line: ArraySlice<UInt8>, _ number: Int) -> Void) {
        var start = chunk.startIndex
        while let newline = chunk[start...].firstIndex(of: UInt8(ascii: "\n")) {
            number += 1
            if partial.isEmpty {
                body(chunk[start..<min(newline, start + limit + 1)], number)
            } else {
                keep(chunk[start..<newline])
                body(partial[...], number)
                partial.removeAll(keepingCapacity: true)
            }
            start = newline + 1
        }
        keep(chunk[start...])
    }

    /// Calls `body` with the last line, if the text did not end with a LF.
    public mutating func finish(_ body: (_ line: ArraySlice<UInt8>, _ number: Int) -> Void) {
        guard !partial.isEmpty else { return }
        number += 1
        body(partial[...], number)
        partial.removeAll()
    }

    private mutating func keep(_ bytes: ArraySlice<UInt8>) {
        partial += bytes.prefix(max(0, limit + 1 - partial.count))
    }
}

/// Where a line is: which source of a compilation (counted from 0, in the order given) and which line of it.
public struct SourceLine: Hashable, Sendable {
    /// The source's position among the sources compiled together.
    public let source: Int
    /// The line's number in it, from 1.
    public let line: Int

    /// Line `line` of source `source`.
    public init(source: Int, line: Int) { (self.source, self.line) = (source, line) }
}

/// One pass over a whitelist's lines, from one source or several in turn (`startSource`): what each good line
/// means, every bad line as `source:line: reason`
/// (the first `errorLimit` kept), the counts, warnings where an SPF record reached one of RFC 7208's limits, and
/// with `verbose` duplicate and covered entries and SPF terms that left networks out. A host-name entry that
/// `isPublicSuffix` says is a public suffix (`.co.uk`, `.github.io`) is a bad line: anyone can register a name below it. An `spf:` line is expanded with `lookup` the first time; a second pass over the same
/// lines is given the first's `expansions`, so it makes no lookups and cannot see other answers (an `spf:` line
/// that names another domain than in the first pass, the file changed meanwhile, is a bad line).
public struct WhitelistCompilation {
    /// At most this many bad lines are kept.
    public static let errorLimit = 100
    /// The name in messages of the source being read: a path, or `(stdin)`.
    public private(set) var source: String
    /// The sources that had bad lines, in order, each once.
    public private(set) var sourcesWithErrors: [String] = []
    private var sourceIndex = 0
    /// Whether host bits set in a CIDR entry are cleared rather than an error.
    public let maskingHostBits: Bool
    /// Whether duplicate and covered entries are collected.
    public let verbose: Bool
    /// The first `errorLimit` bad lines, as `source:line: reason`.
    public private(set) var errors: [String] = []
    /// How many lines were bad.
    public private(set) var errorCount = 0
    /// How many of them may be good on another try (a DNS lookup failed without an answer).
    public private(set) var temporaryErrorCount = 0
    /// How many lines held an entry, how many networks they meant, and how many were host names.
    public private(set) var entries = 0, networks = 0, hostNames = 0
    /// The expansion of each `spf:` line, by source and line number.
    public private(set) var expansions: [SourceLine: SPFAuthorization]
    /// Where an SPF record reached one of RFC 7208's limits, as `source:line: spf:domain: …`.
    public private(set) var warnings: [String] = []
    /// What one `spf:` line may whitelist in all.
    public let spfCap: SPFCap
    private let lookup: DNSLookup?
    private let isPublicSuffix: ((HostName) -> Bool)?
    /// Whether this is a second pass, given the first's expansions.
    private let isRecheck: Bool
    private var seen: [Network: Origin] = [:]
    private var seenHosts: [HostPattern: Origin] = [:]
    private var duplicates: [String] = []
    private var notes: [String] = []

    /// An empty pass over `source`, expanding `spf:` lines with `lookup` within `spfCap`, or taking them from a
    /// first pass's `expansions`; host-name entries are checked with `isPublicSuffix` if given.
    public init(source: String, maskingHostBits: Bool = false, verbose: Bool = false,
                lookup: DNSLookup? = nil, expansions: [SourceLine: SPFAuthorization]? = nil, spfCap: SPFCap = SPFCap(),
                isPublicSuffix: ((HostName) -> Bool)? = nil) {
        (self.source, self.maskingHostBits, self.verbose) = (source, maskingHostBits, verbose)
        (self.lookup, self.expansions, isRecheck) = (lookup, expansions ?? [:], expansions != nil)
        (self.spfCap, self.isPublicSuffix) = (spfCap, isPublicSuffix)
    }

    /// Starts the lines of the source after the one being read (the first is named to `init`), named `name` in
    /// messages: its line numbers start again from 1. A second pass must be given the sources in the first's order.
    public mutating func startSource(_ name: String) {
        sourceIndex += 1
        source = name
    }

    /// Parses line `number`, calling `network` with each network it means and the value to store with it (the
    /// entry, or where an SPF network came from) and `host` with a host pattern and its entry; a bad line is recorded.
    public mutating func add(_ line: ArraySlice<UInt8>, number: Int,
                             _ network: (_ network: Network, _ value: ArraySlice<UInt8>) -> Void = { _, _ in },
                             host: (_ pattern: HostPattern, _ entry: ArraySlice<UInt8>) -> Void = { _, _ in }) {
        do throws(WhitelistError) {
            let parsed = try Whitelist.parseLine(line, maskingHostBits: maskingHostBits) { found, entry in
                networks += 1
                network(found, entry)
                if verbose { note(found, entry: entry, line: number) }
            }
            guard let parsed else { return }
            entries += 1
            switch parsed.name {
            case nil:
                break
            case .host(let pattern)?:
                if let isPublicSuffix, isPublicSuffix(pattern.name) {
                    throw WhitelistError("bad host name \(LogLine.quoted(pattern.text)): \(pattern.name) is a public suffix: anyone can register a name below it")
                }
                hostNames += 1
                host(pattern, parsed.entry)
                if verbose { note(pattern, entry: parsed.entry, line: number) }
            case .spf(let domain)?:
                let expansion = try spfExpansion(of: domain, line: number)
                warnings += expansion.warnings.map { "\(source):\(number): spf:\(domain): \($0)" }
                if verbose { notes += expansion.notes.map { "\(source):\(number): spf:\(domain): \($0)" } }
                for found in expansion.networks {
                    networks += 1
                    let value = Array(found.origin.utf8.prefix(Whitelist.maximumLineLength))
                    network(found.network, value[...])
                    if verbose { note(found.network, entry: value[...], line: number) }
                }
            }
        } catch {
            errorCount += 1
            if error.isTemporary { temporaryErrorCount += 1 }
            if sourcesWithErrors.last != source { sourcesWithErrors.append(source) }
            if errors.count < Self.errorLimit { errors.append("\(source):\(number): \(error.reason)") }
        }
    }

    private mutating func spfExpansion(of domain: HostName, line: Int) throws(WhitelistError) -> SPFAuthorization {
        let changed = "the whitelist changed while it was compiled: try again"
        let key = SourceLine(source: sourceIndex, line: line)
        if isRecheck {
            guard let known = expansions[key] else { throw WhitelistError("spf:\(domain): \(changed) (the line was no spf: entry)") }
            guard known.domain == domain else { throw WhitelistError("spf:\(domain): \(changed) (the line was spf:\(known.domain))") }
            return known
        }
        guard let lookup else { throw WhitelistError("spf:\(domain): no DNS lookups in this pass") }
        do {
            let found = try SPFExpansion.networks(authorizedBy: domain, lookup: lookup, cap: spfCap)
            expansions[key] = found
            return found
        } catch {
            throw WhitelistError("spf:\(domain): \(error.reason)", isTemporary: error.isTemporary)
        }
    }

    /// With `verbose`: each SPF term that left networks out, each duplicate entry, then each entry covered by a
    /// shorter prefix, as `source:line: …`.
    public var findings: [String] {
        var lines = notes + duplicates
        for (network, origin) in seen.sorted(by: { $0.value.place < $1.value.place }) {
            for length in stride(from: network.prefixLength - 1, through: 0, by: -1) {
                if let cover = seen[Network(network.address, prefixLength: length)] {
                    lines.append("\(origin.source):\(origin.place.line): \(origin.entry) is covered by \(cover.entry) (\(cover.where(from: origin)))")
                    break
                }
            }
        }
        return lines
    }

    private mutating func note(_ network: Network, entry: ArraySlice<UInt8>, line: Int) {
        if let duplicate = firstSeen(network, in: &seen, entry: entry, line: line) { duplicates.append(duplicate) }
    }

    private mutating func note(_ pattern: HostPattern, entry: ArraySlice<UInt8>, line: Int) {
        if let duplicate = firstSeen(pattern, in: &seenHosts, entry: entry, line: line) { duplicates.append(duplicate) }
    }

    /// Remembers where `key` was first seen; for one seen before, the message that says so.
    private func firstSeen<Key: Hashable>(_ key: Key, in seen: inout [Key: Origin], entry: ArraySlice<UInt8>, line: Int) -> String? {
        let origin = Origin(source: source, place: SourceLine(source: sourceIndex, line: line), entry: String(decoding: entry, as: UTF8.self))
        guard let first = seen[key] else {
            seen[key] = origin
            return nil
        }
        return "\(source):\(line): \(origin.entry) duplicates \(first.entry) (\(first.where(from: origin)))"
    }
}

/// Where an entry was first seen, for `-v`'s duplicates and covered entries.
private struct Origin {
    let source: String
    let place: SourceLine
    let entry: String

    /// `line 3` within the same source as `other`, `file:3` from another.
    func `where`(from other: Origin) -> String {
        place.source == other.place.source ? "line \(place.line)" : "\(source):\(place.line)"
    }
}

extension SourceLine: Comparable {
    /// Source first, then line.
    public static func < (a: SourceLine, b: SourceLine) -> Bool { (a.source, a.line) < (b.source, b.line) }
}
