import Greylist

/// Splits text, fed a chunk at a time, into numbered lines without their LF, holding at most `limit + 1` bytes of
/// a line: a longer line is cut there (so it still reads as too long) and the rest of it is skipped, whatever its
/// length.
public struct LineSplitter: Sendable {
    /// The longest line passed on whole.
    public let limit: Int
    private var chunk: ArraySlice<UInt8> = []
    private var partial: [UInt8] = []
    private var partialTaken = false
    private var number = 0

    /// A splitter for lines of at most `limit` bytes.
    public init(limit: Int = Whitelist.maximumLineLength) { self.limit = limit }

    /// Takes the next chunk of text, once `nextLine` has used up the one before.
    public mutating func feed(_ chunk: ArraySlice<UInt8>) { self.chunk = chunk }

    /// The next line that ends in the text fed, and its number; nil when the chunk is used up, whose unfinished
    /// line is kept for the next. A line is valid until the next call.
    public mutating func nextLine() -> (line: ArraySlice<UInt8>, number: Int)? {
        dropTakenPartial()
        guard let newline = chunk.firstIndex(of: UInt8(ascii: "\n")) else {
            keep(chunk)
            chunk = []   // the reader may reuse its buffer now
            return nil
        }
        let start = chunk.startIndex
        number += 1
        defer { chunk = chunk[(newline + 1)...] }
        guard !partial.isEmpty else { return (chunk[start..<min(newline, start + limit + 1)], number) }
        keep(chunk[start..<newline])
        partialTaken = true
        return (partial[...], number)
    }

    /// The last line, if the text did not end with a LF.
    public mutating func finish() -> (line: ArraySlice<UInt8>, number: Int)? {
        dropTakenPartial()
        guard !partial.isEmpty else { return nil }
        number += 1
        partialTaken = true
        return (partial[...], number)
    }

    private mutating func dropTakenPartial() {
        if partialTaken { partial.removeAll(keepingCapacity: true) }
        partialTaken = false
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

/// What a good whitelist line puts in the cdb.
public enum WhitelistRecords {
    /// The networks an address or network entry means (more than one only for a tcprules range), each stored with
    /// the entry as value.
    case networks(Network, more: [Network], entry: ArraySlice<UInt8>)
    /// A host-name entry's pattern, stored with the entry.
    case host(HostPattern, entry: ArraySlice<UInt8>)
    /// The networks an `spf:` entry expanded to, each stored with where it came from.
    case authorized([(network: Network, value: [UInt8])])
}

/// One pass over a whitelist's lines, from one source or several in turn (`startSource`): what each good line
/// means, every bad line as `source:line: reason` (the first `errorLimit` kept), the counts, warnings where an SPF
/// record reached one of RFC 7208's limits, and with `verbose` duplicate and covered entries and SPF terms that
/// left networks out. A host-name entry that `isPublicSuffix` says is a public suffix (`.co.uk`, `.github.io`) is
/// a bad line: anyone can register a name below it. An `spf:` line is expanded with `lookup`.
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
    /// Where an SPF record reached one of RFC 7208's limits, as `source:line: spf:domain: …`.
    public private(set) var warnings: [String] = []
    /// What one `spf:` line may whitelist in all.
    public let spfCap: SPFCap
    private let lookup: DNSLookup?
    private let isPublicSuffix: ((HostName) -> Bool)?
    private var seen: [Network: Origin] = [:]
    private var seenHosts: [HostPattern: Origin] = [:]
    private var duplicates: [String] = []
    private var notes: [String] = []

    /// An empty pass over `source`, expanding `spf:` lines with `lookup` within `spfCap`; host-name entries are
    /// checked with `isPublicSuffix` if given.
    public init(source: String, maskingHostBits: Bool = false, verbose: Bool = false,
                lookup: DNSLookup? = nil, spfCap: SPFCap = SPFCap(), isPublicSuffix: ((HostName) -> Bool)? = nil) {
        (self.source, self.maskingHostBits, self.verbose) = (source, maskingHostBits, verbose)
        (self.lookup, self.spfCap, self.isPublicSuffix) = (lookup, spfCap, isPublicSuffix)
    }

    /// Starts the lines of the source after the one being read (the first is named to `init`), named `name` in
    /// messages: its line numbers start again from 1.
    public mutating func startSource(_ name: String) {
        sourceIndex += 1
        source = name
    }

    /// Parses line `number`: what it puts in the cdb, nil for a blank or bad line (a bad one is recorded). The
    /// records are valid until the next call.
    @discardableResult
    public mutating func add(_ line: ArraySlice<UInt8>, number: Int) -> WhitelistRecords? {
        do throws(WhitelistError) {
            var first: Network?, more: [Network] = []   // more: a tcprules range's other networks
            let parsed = try Whitelist.parseLine(line, maskingHostBits: maskingHostBits) { network, _ in
                if first == nil { first = network } else { more.append(network) }
            }
            guard let parsed else { return nil }
            entries += 1
            switch parsed.name {
            case nil:
                guard let first else { preconditionFailure("an address or network entry means one network or more") }
                networks += 1 + more.count
                if verbose { for network in [first] + more { note(network, entry: parsed.entry, line: number) } }
                return .networks(first, more: more, entry: parsed.entry)
            case .host(let pattern)?:
                if let isPublicSuffix, isPublicSuffix(pattern.name) {
                    throw WhitelistError("bad host name \(LogLine.quoted(pattern.text)): \(pattern.name) is a public suffix: anyone can register a name below it")
                }
                hostNames += 1
                if verbose { note(pattern, entry: parsed.entry, line: number) }
                return .host(pattern, entry: parsed.entry)
            case .spf(let domain)?:
                let expansion = try spfExpansion(of: domain)
                warnings += expansion.warnings.map { "\(source):\(number): spf:\(domain): \($0)" }
                if verbose { notes += expansion.notes.map { "\(source):\(number): spf:\(domain): \($0)" } }
                networks += expansion.networks.count
                let records = expansion.networks.map { ($0.network, Array($0.origin.utf8.prefix(Whitelist.maximumLineLength))) }
                if verbose { for (found, value) in records { note(found, entry: value[...], line: number) } }
                return .authorized(records)
            }
        } catch {
            errorCount += 1
            if error.isTemporary { temporaryErrorCount += 1 }
            if sourcesWithErrors.last != source { sourcesWithErrors.append(source) }
            if errors.count < Self.errorLimit { errors.append("\(source):\(number): \(error.reason)") }
            return nil
        }
    }

    private func spfExpansion(of domain: HostName) throws(WhitelistError) -> SPFAuthorization {
        guard let lookup else { throw WhitelistError("spf:\(domain): no DNS lookups in this pass") }
        do {
            return try SPFExpansion.networks(authorizedBy: domain, lookup: lookup, cap: spfCap)
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
