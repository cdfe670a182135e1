import Greylist
import GreylistAdmin
import GreylistSystem

/// Where a plaintext whitelist comes from.
public enum WhitelistSource: Sendable {
    /// A file (or named pipe) at a path.
    case file(String)
    /// Standard input.
    case standardInput
    /// Text already in memory.
    case text([UInt8])

    /// The name in messages: the path, `(stdin)` or `(text)`.
    public var name: String {
        switch self {
        case .file(let path): path
        case .standardInput: "(stdin)"
        case .text: "(text)"
        }
    }
}

/// The lines of a whitelist source, read as they are asked for.
public struct WhitelistLines: ~Copyable {
    private let name: String
    private var chunks: FileChunks?
    private var splitter = LineSplitter()
    private var ended = false

    /// Opens `source` to read (text is split where it is).
    public init(_ source: WhitelistSource) throws(FileError) {
        name = source.name
        do {
            switch source {
            case .text(let bytes): splitter.feed(bytes[...])
            case .file(let path): chunks = try FileChunks(ofFileAt: path)
            case .standardInput: chunks = try FileChunks(ofFileAt: nil)
            }
        } catch {
            throw FileError(operation: "read", path: name, problem: error.description)
        }
    }

    /// The next line (at most `Whitelist.maximumLineLength + 1` bytes of it) and its number, nil at the end; valid
    /// until the next call.
    public mutating func next() throws(FileError) -> (line: ArraySlice<UInt8>, number: Int)? {
        while true {
            if let line = splitter.nextLine() { return line }
            if ended { return nil }
            let chunk: ArraySlice<UInt8>?
            do { chunk = try chunks?.next() ?? nil } catch { throw FileError(operation: "read", path: name, problem: error.description) }
            guard let chunk else {
                ended = true
                return splitter.finish()
            }
            splitter.feed(chunk)
        }
    }
}

/// A compiled whitelist being written (DESIGN §5; the keys and reserved records are `WhitelistCDB`'s): each
/// network and host pattern under its key, with its value; `finish` adds the prefix-lengths record (and the
/// host-labels record, if there are host patterns) and commits the cdb. Dropped unfinished, it leaves the old cdb
/// as it was (see `CDBWriter`).
public struct WhitelistWriter: ~Copyable {
    private let cdb: CDBWriter
    private var lengths = PrefixLengths()
    private var labels = HostLabels()
    private var key: [UInt8] = []

    /// Starts writing `database`'s cdb.
    public init(_ database: WhitelistDatabase, temporaryPath: String? = nil) throws(FileError) {
        cdb = try CDBWriter(replacing: database.path, temporaryPath: temporaryPath)
    }

    /// Adds what a whitelist line puts in the cdb.
    public mutating func add(_ records: WhitelistRecords) throws(FileError) {
        switch records {
        case .networks(let first, let more, let entry):
            try add(first, value: entry)
            for network in more { try add(network, value: entry) }
        case .host(let pattern, let entry): try add(pattern, entry: entry)
        case .authorized(let found): for (network, value) in found { try add(network, value: value[...]) }
        }
    }

    /// Adds `network` under its key, with `value`.
    public mutating func add(_ network: Network, value: ArraySlice<UInt8>) throws(FileError) {
        key.removeAll(keepingCapacity: true)
        network.appendKey(to: &key)
        try cdb.add(key: key, value: value)
        lengths.insert(network)
    }

    /// Adds `pattern` under its key, with `entry`.
    public mutating func add(_ pattern: HostPattern, entry: ArraySlice<UInt8>) throws(FileError) {
        key.removeAll(keepingCapacity: true)
        pattern.appendKey(to: &key)
        try cdb.add(key: key, value: entry)
        labels.insert(pattern)
    }

    /// Adds the reserved records and commits the cdb.
    public consuming func finish() throws(FileError) {
        try cdb.add(key: PrefixLengths.key, value: lengths.bytes[...])
        if !labels.isEmpty { try cdb.add(key: HostLabels.key, value: labels.bytes[...]) }
        try cdb.finish()
    }
}

/// Why a whitelist was not compiled; the old cdb is left as it was.
public enum WhitelistCompileError: Error, Sendable {
    /// Lines that are not entries: the first `WhitelistCompilation.errorLimit` as `source:line: reason`, how many
    /// in all, and the names of the sources they are in.
    case badLines([String], count: Int, sources: [String])
    /// As `badLines`, but a DNS lookup of an `spf:` line failed without an answer: another try may succeed.
    case lookupFailures([String], count: Int, sources: [String])
    /// A source could not be read, or the cdb not written.
    case system(FileError)
}

extension WhitelistDatabase {
    /// Compiles the plaintext whitelist from `source` into this cdb, as `compile(from:…)` does for several sources.
    public func compile(from source: WhitelistSource, maskingHostBits: Bool = false, verbose: Bool = false,
                        lookup: DNSLookup? = nil, spfCap: SPFCap = SPFCap(),
                        isPublicSuffix: ((HostName) -> Bool)? = nil) throws(WhitelistCompileError) -> WhitelistCompilation {
        try compile(from: [source], maskingHostBits: maskingHostBits, verbose: verbose, lookup: lookup, spfCap: spfCap,
                    isPublicSuffix: isPublicSuffix)
    }

    /// Compiles the plaintext whitelists from `sources` (at least one; their lines one after the other, each bad
    /// line named by its source and line) into this cdb, as qmail-newmrh does: a temp file beside it, each line
    /// parsed and its records added, then fsync and rename (`WhitelistWriter`). Each `spf:` line is expanded with
    /// `lookup` (without one, it is a bad line). A bad line abandons the temp file, and the lines after it are still
    /// checked, so that every bad line is reported; so they are when the temp file cannot be made. The result has
    /// the counts, warnings and (if `verbose`) findings. `spfCap` and `isPublicSuffix` are as
    /// `WhitelistCompilation` takes them.
    public func compile(from sources: [WhitelistSource], maskingHostBits: Bool = false, verbose: Bool = false,
                        lookup: DNSLookup? = nil, spfCap: SPFCap = SPFCap(),
                        isPublicSuffix: ((HostName) -> Bool)? = nil) throws(WhitelistCompileError) -> WhitelistCompilation {
        precondition(!sources.isEmpty, "a whitelist is compiled from one source or more")
        var compilation = WhitelistCompilation(source: sources[0].name, maskingHostBits: maskingHostBits, verbose: verbose,
                                               lookup: lookup, spfCap: spfCap, isPublicSuffix: isPublicSuffix)
        var output: WhitelistWriter?, unwritable: FileError?
        do { output = try WhitelistWriter(self) } catch { unwritable = error }
        for (index, source) in sources.enumerated() {
            if index > 0 { compilation.startSource(source.name) }
            do throws(FileError) {
                var lines = try WhitelistLines(source)
                while let (line, number) = try lines.next() {
                    let records = compilation.add(line, number: number)
                    if compilation.errorCount > 0 {
                        output = nil   // the temp file is removed; the lines go on being checked
                    } else if let records {
                        try output?.add(records)
                    }
                }
            } catch {
                throw .system(error)
            }
        }
        guard compilation.errorCount == 0 else {
            let (errors, count, named) = (compilation.errors, compilation.errorCount, compilation.sourcesWithErrors)
            throw compilation.temporaryErrorCount > 0 ? .lookupFailures(errors, count: count, sources: named)
                                                      : .badLines(errors, count: count, sources: named)
        }
        if let unwritable { throw .system(unwritable) }
        do { try output.take()?.finish() } catch { throw .system(error) }
        return compilation
    }
}
